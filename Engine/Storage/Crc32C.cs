using System.Buffers.Binary;
using System.Numerics;

namespace Dynamo.Engine.Storage;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF) on the processor's
/// CRC32C instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>. It is the same algorithm as the wire's
/// <c>Dynamo.Protocol.Crc32C</c>, which Engine may not reference; both give 0xE3069283 for "123456789".
/// </summary>
internal static class Crc32C
{
    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues <paramref name="crc"/> (a finished checksum of earlier bytes) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return ~state;
    }
}
