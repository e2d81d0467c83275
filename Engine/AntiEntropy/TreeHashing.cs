using System.Buffers;
using System.Buffers.Binary;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.AntiEntropy;

/// <summary>
/// The hash definitions of anti-entropy hash trees (docs/CLUSTER.md § Anti-entropy). Every node must compute the same
/// values from the same data, so these are specifications, not implementation details.
/// </summary>
internal static class TreeHashing
{
    /// <summary>Branches under a tree's root.</summary>
    public const int Branches = 32;

    /// <summary>Leaves under one branch.</summary>
    public const int LeavesPerBranch = 32;

    /// <summary>Leaves of one partition's tree (its key ranges).</summary>
    public const int Leaves = Branches * LeavesPerBranch;

    /// <summary>
    /// The leaf of a key: the low 10 bits of its key hash. The ring takes a partition from the top log2(Q) bits, at
    /// most 16 (<see cref="Limits.PartitionsMax"/>), so the leaf bits are independent of the partition.
    /// </summary>
    public static int LeafOf(ulong keyHash) => (int)(keyHash & (Leaves - 1));

    /// <summary>The branch above <paramref name="leaf"/>.</summary>
    public static int BranchOf(int leaf) => leaf / LeavesPerBranch;

    /// <summary>
    /// The version hash of a key's sibling set: 0 for an absent key or an empty set; otherwise XXH64 (seed 0) over
    /// the siblings in the set's order (by dot), each encoded as
    /// <c>[node id length: u8][node id: ASCII][epoch: u32 LE][counter: u64 LE][flags: u8, 1 = tombstone]</c>.
    /// Values are not hashed: a dot names one write, so equal dots mean equal values.
    /// </summary>
    public static ulong VersionHash(SiblingSet? set)
    {
        if (set is null || set.Count == 0)
        {
            return 0;
        }

        var length = 0;
        foreach (var sibling in set.Siblings)
        {
            length += 1 + sibling.Dot.Actor.Node.Value.Length + 4 + 8 + 1;
        }

        var rented = length <= 1024 ? null : ArrayPool<byte>.Shared.Rent(length);
        var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        var at = 0;
        foreach (var sibling in set.Siblings)
        {
            var dot = sibling.Dot;
            var node = dot.Actor.Node.Value;
            buffer[at++] = (byte)node.Length;
            foreach (var c in node)
            {
                buffer[at++] = (byte)c;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(buffer[at..], dot.Actor.Epoch);
            BinaryPrimitives.WriteUInt64LittleEndian(buffer[(at + 4)..], dot.Counter);
            buffer[at + 12] = sibling.IsTombstone ? (byte)1 : (byte)0;
            at += 13;
        }

        var hash = KeyHash.Xxh64(buffer);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    /// <summary>
    /// The hash a key contributes to its leaf: 0 when its version hash is 0 (absent or empty); otherwise XXH64
    /// (seed 0) of <c>[key hash: u64 LE][version hash: u64 LE]</c>.
    /// </summary>
    public static ulong ItemHash(ulong keyHash, ulong versionHash)
    {
        if (versionHash == 0)
        {
            return 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, keyHash);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], versionHash);
        return KeyHash.Xxh64(bytes);
    }
}
