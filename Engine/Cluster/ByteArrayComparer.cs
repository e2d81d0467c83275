using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Cluster;

/// <summary>Compares byte arrays by content; hashes with XXH64, never with a per-process randomized hash.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    private ByteArrayComparer()
    {
    }

    public static ByteArrayComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => (int)KeyHash.Xxh64(obj);
}
