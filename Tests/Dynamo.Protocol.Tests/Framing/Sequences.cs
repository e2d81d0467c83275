using System.Buffers;

namespace Dynamo.Protocol.Tests.Framing;

/// <summary>Builds multi-segment sequences, the way a pipe hands data over in pieces.</summary>
internal static class Sequences
{
    /// <summary>A sequence made of the given pieces, one segment each (empty pieces included).</summary>
    public static ReadOnlySequence<byte> Of(params ReadOnlyMemory<byte>[] pieces)
    {
        if (pieces.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(pieces[0], 0);
        var last = first;
        for (var i = 1; i < pieces.Length; i++)
        {
            last = last.Append(pieces[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>The bytes split into two segments at <paramref name="offset"/>.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int offset) =>
        Of(bytes.AsMemory(0, offset), bytes.AsMemory(offset));

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        var pieces = new ReadOnlyMemory<byte>[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            pieces[i] = bytes.AsMemory(i, 1);
        }

        return Of(pieces);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>A payload writer as message types implement it, for the generic writer path.</summary>
internal readonly ref struct SpanPayload : IPayload
{
    private readonly ReadOnlySpan<byte> _bytes;

    public SpanPayload(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public int Length => _bytes.Length;

    public void WriteTo(Span<byte> destination) => _bytes.CopyTo(destination);
}

/// <summary>What a parsed frame carried, with its payload opened and copied out, for comparisons.</summary>
internal sealed record ParsedFrame(Opcode Opcode, FrameFlags Flags, ulong RequestId, int WireLength, byte[] Payload)
{
    public bool Equals(ParsedFrame? other) =>
        other is not null && Opcode == other.Opcode && Flags == other.Flags && RequestId == other.RequestId
        && WireLength == other.WireLength && Payload.AsSpan().SequenceEqual(other.Payload);

    public override int GetHashCode() => HashCode.Combine(Opcode, RequestId, Payload.Length);

    public override string ToString() => $"{Opcode} #{RequestId} {Flags} wire {WireLength} plain {Payload.Length}";

    /// <summary>Reads every whole frame from the buffer; the remainder stays in <paramref name="buffer"/>.</summary>
    public static List<ParsedFrame> ReadAll(ref ReadOnlySequence<byte> buffer)
    {
        var frames = new List<ParsedFrame>();
        while (FrameReader.TryReadFrame(ref buffer, out var header, out var payload))
        {
            using var lease = FramePayload.Open(header, payload);
            frames.Add(new ParsedFrame(header.Opcode, header.Flags, header.RequestId, header.PayloadLength, lease.Span.ToArray()));
        }

        return frames;
    }
}
