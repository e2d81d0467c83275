using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;

namespace Dynamo.Engine.Tests.Versions;

/// <summary>
/// The engine's span reader (<see cref="WireReader"/>) meets the vectors shared with the wire's
/// <c>MessageReader</c> (Tests/Shared/SpanReaderContract.cs).
/// </summary>
public sealed class WireReaderTests : SpanReaderContract
{
    protected override IReadOnlyList<ReadOutcome> Run(byte[] input, IReadOnlyList<ReadStep> steps)
    {
        var reader = new WireReader(input);
        var outcomes = new List<ReadOutcome>();
        foreach (var step in steps)
        {
            var outcome = Read(ref reader, step);
            outcomes.Add(outcome);
            if (outcome.Truncated)
            {
                break;
            }
        }

        return outcomes;
    }

    private static ReadOutcome Read(ref WireReader reader, ReadStep step)
    {
        ulong value = 0;
        var slice = ReadOnlySpan<byte>.Empty;
        var read = step.Kind switch
        {
            ReadKind.U8 => reader.TryReadByte(out var u8) && Set(out value, u8),
            ReadKind.U16 => reader.TryReadUInt16(out var u16) && Set(out value, u16),
            ReadKind.U32 => reader.TryReadUInt32(out var u32) && Set(out value, u32),
            ReadKind.U64 => reader.TryReadUInt64(out var u64) && Set(out value, u64),
            _ => reader.TryReadBytes(step.Count, out slice),
        };
        return read
            ? new ReadOutcome(false, value, Convert.ToHexStringLower(slice), reader.Position)
            : new ReadOutcome(true, 0, string.Empty, reader.Position);
    }

    private static bool Set(out ulong destination, ulong value)
    {
        destination = value;
        return true;
    }
}
