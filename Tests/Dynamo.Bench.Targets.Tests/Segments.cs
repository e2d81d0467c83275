using System.Buffers;

namespace Dynamo.Bench.Targets.Tests;

/// <summary>Builds multi-segment sequences, for parser tests that split their input.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>A sequence of the given parts, one segment each (empty parts included).</summary>
    public static ReadOnlySequence<byte> Of(IReadOnlyList<byte[]> parts)
    {
        var first = new Segments(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Count; i++)
        {
            var next = new Segments(parts[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
