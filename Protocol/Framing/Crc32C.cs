using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Dynamo.Protocol;

/// <summary>
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of iSCSI (RFC 3720), ext4 and
/// SCTP: initial value 0xFFFFFFFF, final xor 0xFFFFFFFF. Built on <see cref="BitOperations.Crc32C(uint, ulong)"/>,
/// which uses the SSE4.2 / ARMv8 CRC instructions where present, eight bytes at a time.
/// </summary>
public static class Crc32C
{
    private const uint InitialState = 0xFFFFFFFF;

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Update(InitialState, data) ^ InitialState;

    /// <summary>
    /// Continues a checksum: <c>Append(Compute(a), b) == Compute(a + b)</c>. <paramref name="crc"/> is a finished
    /// CRC-32C (0 for no bytes yet).
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => Update(crc ^ InitialState, data) ^ InitialState;

    /// <summary>The CRC-32C of a possibly multi-segment sequence, read in place.</summary>
    public static uint Compute(in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return Compute(data.FirstSpan);
        }

        var state = InitialState;
        foreach (var segment in data)
        {
            state = Update(state, segment.Span);
        }

        return state ^ InitialState;
    }

    private static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }
}
