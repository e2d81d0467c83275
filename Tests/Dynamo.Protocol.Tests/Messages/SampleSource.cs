using System.Text;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// Random field values for message tests, drawn from a seeded generator. Lengths favour the edges: empty, the
/// limit, one under it, and small sizes. A size cap keeps fuzzing samples small.
/// </summary>
internal sealed class SampleSource
{
    private static readonly string[] s_textPieces = ["a", "Z", "9", "-", ".", "é", "ß", "中", "😀"];

    private readonly Random _random;
    private readonly int _sizeCap;
    private readonly byte[] _pool;

    public SampleSource(Random random, int largestField = ProtocolLimits.ObjectBytesMax, int sizeCap = int.MaxValue)
    {
        _random = random;
        _sizeCap = sizeCap;
        _pool = new byte[Math.Min(sizeCap, largestField) + 1];
        random.NextBytes(_pool);
    }

    public Random Random => _random;

    public int Int(int minInclusive, int maxInclusive) => _random.Next(minInclusive, maxInclusive + 1);

    public bool Chance(double probability) => _random.NextDouble() < probability;

    public byte U8() => Chance(0.2) ? (Chance(0.5) ? (byte)0 : byte.MaxValue) : (byte)_random.Next(256);

    public uint U32() => Chance(0.2) ? (Chance(0.5) ? 0u : uint.MaxValue) : (uint)_random.NextInt64(0, 1L << 32);

    public ulong U64() => Chance(0.2) ? (Chance(0.5) ? 0ul : ulong.MaxValue) : (ulong)_random.NextInt64() ^ ((ulong)_random.Next() << 33);

    /// <summary>A length from 0 to <paramref name="max"/>, often at the edges; large limits reach the edge rarely.</summary>
    public int Length(int max, int min = 0)
    {
        max = Math.Min(max, _sizeCap);
        var edge = max > 65536 ? 0.02 : 0.15;
        if (Chance(edge))
        {
            return max;
        }

        if (Chance(edge))
        {
            return Math.Max(min, max - 1);
        }

        if (Chance(0.15))
        {
            return min;
        }

        return Int(min, Math.Min(max, Chance(0.8) ? 40 : 300));
    }

    /// <summary>Random bytes: a slice of a shared random pool, so large values cost no allocation.</summary>
    public ReadOnlyMemory<byte> Bytes(int max, int min = 0)
    {
        var length = Length(max, min);
        return _pool.AsMemory(_random.Next(_pool.Length - length + 1), length);
    }

    /// <summary>UTF-8 text (with multi-byte characters) of 1 to <paramref name="maxBytes"/> bytes.</summary>
    public byte[] Text(int maxBytes)
    {
        var target = Length(maxBytes, 1);
        var text = new StringBuilder();
        var bytes = 0;
        while (bytes < target)
        {
            var piece = s_textPieces[_random.Next(s_textPieces.Length)];
            var size = Encoding.UTF8.GetByteCount(piece);
            if (bytes + size > target)
            {
                piece = "a";
                size = 1;
            }

            text.Append(piece);
            bytes += size;
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>An endpoint "host:port" of at most <see cref="ProtocolLimits.NameBytesMax"/> bytes.</summary>
    public byte[] Endpoint()
    {
        var port = Chance(0.2) ? (Chance(0.5) ? 1 : 65535) : Int(1, 65535);
        var suffix = ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var hostBytes = Length(ProtocolLimits.NameBytesMax - suffix.Length, 1);
        var host = Chance(0.3) ? "[::1]" : new string('h', hostBytes);
        return Encoding.UTF8.GetBytes(host + suffix);
    }
}
