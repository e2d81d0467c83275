using System.Buffers.Binary;
using System.Numerics;

namespace Dynamo.Engine.Placement;

/// <summary>
/// The consistent-hashing ring: Q equal partitions of the 64-bit hash space, each owned by one member (Dynamo paper,
/// section 6.2, strategy 3). Partition i covers hashes [i * 2^64 / Q, (i + 1) * 2^64 / Q); clockwise is increasing
/// partition index, wrapping from Q - 1 to 0. Immutable and safe to read from any thread.
/// </summary>
/// <remarks>
/// Every node that knows the same members (for <see cref="Create"/>) or the same previous ring and new members (for
/// <see cref="WithMembers"/>) computes the same ring; <see cref="Fingerprint"/> lets nodes compare rings cheaply.
/// </remarks>
public sealed class Ring : IEquatable<Ring>
{
    private readonly NodeId[] _members;
    private readonly int[] _owners;
    private readonly int[] _counts;
    private readonly NodeId[] _walks;
    private readonly int _walkLength;
    private readonly int _shift;

    private Ring(NodeId[] members, int[] owners)
    {
        _members = members;
        _owners = owners;
        _shift = 64 - BitOperations.Log2((uint)owners.Length);
        _counts = new int[members.Length];
        foreach (var owner in owners)
        {
            _counts[owner]++;
        }

        _walkLength = Math.Min(members.Length, Limits.PreferenceListNodesMax);
        _walks = BuildWalks(members, owners, _walkLength);
        Fingerprint = ComputeFingerprint(members, owners);
    }

    /// <summary>The number of partitions Q, a power of two.</summary>
    public int PartitionCount => _owners.Length;

    /// <summary>The members, sorted ordinally.</summary>
    public ReadOnlySpan<NodeId> Members => _members;

    /// <summary>
    /// XXH64 of the ring's content (partition count, members, owner of every partition): equal rings have equal
    /// fingerprints on every node and platform.
    /// </summary>
    public ulong Fingerprint { get; }

    /// <summary>
    /// The first ring of <paramref name="members"/>: partition i goes to the (i mod S)-th member in ordinal order,
    /// adjusted at the seam so that owners of consecutive partitions stay distinct (see docs/PLACEMENT.md).
    /// </summary>
    /// <param name="members">The members, in any order; duplicates and default ids are rejected.</param>
    /// <param name="partitionCount">Q: a power of two from <see cref="Limits.PartitionsMin"/> to
    /// <see cref="Limits.PartitionsMax"/>, at least the member count.</param>
    /// <exception cref="ArgumentException">The members or the partition count are not valid.</exception>
    public static Ring Create(IEnumerable<NodeId> members, int partitionCount = Limits.PartitionsDefault)
    {
        CheckPartitionCount(partitionCount, nameof(partitionCount));
        var sorted = SortedMembers(members, partitionCount);
        return new Ring(sorted, Claim.Initial(sorted.Length, partitionCount, Limits.ClaimSpacingPartitions));
    }

    /// <summary>
    /// Rebuilds a ring another node described: its members and the owner of every partition, as
    /// <see cref="Members"/> and <see cref="CopyOwnerIndexesTo"/> give them (and as cluster information carries them).
    /// The result equals the described ring: same preference lists, same <see cref="Fingerprint"/>.
    /// </summary>
    /// <param name="members">The members, sorted ordinally and distinct, exactly as <see cref="Members"/> lists them.</param>
    /// <param name="owners">Entry p is the index in <paramref name="members"/> of the owner of partition p; the
    /// length is Q, a power of two from <see cref="Limits.PartitionsMin"/> to <see cref="Limits.PartitionsMax"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The partition count is not valid.</exception>
    /// <exception cref="ArgumentException">A member is default, duplicated or out of order, an owner index is not
    /// a member's, or a member owns no partition (no ring built by <see cref="Create"/> or <see cref="WithMembers"/>
    /// has such a member, and preference lists need every member on the ring).</exception>
    public static Ring FromOwners(IReadOnlyList<NodeId> members, ReadOnlySpan<ushort> owners)
    {
        ArgumentNullException.ThrowIfNull(members);
        CheckPartitionCount(owners.Length, nameof(owners));
        var sorted = members.ToArray();
        if (sorted.Length == 0 || sorted.Length > Math.Min(Limits.MembersMax, owners.Length))
        {
            throw new ArgumentException(
                $"A ring of {owners.Length} partitions holds 1 to {Math.Min(Limits.MembersMax, owners.Length)} "
                + $"members; {sorted.Length} were given.",
                nameof(members));
        }

        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].IsDefault || (i > 0 && sorted[i - 1] >= sorted[i]))
            {
                throw new ArgumentException(
                    $"Members must be distinct, set and sorted ordinally; member {i} is '{sorted[i]}'.", nameof(members));
            }
        }

        var indexes = new int[owners.Length];
        var counts = new int[sorted.Length];
        for (var p = 0; p < owners.Length; p++)
        {
            if (owners[p] >= sorted.Length)
            {
                throw new ArgumentException(
                    $"Partition {p} names owner {owners[p]}, but there are {sorted.Length} members.", nameof(owners));
            }

            indexes[p] = owners[p];
            counts[owners[p]]++;
        }

        var idle = Array.IndexOf(counts, 0);
        if (idle >= 0)
        {
            throw new ArgumentException(
                $"Member '{sorted[idle]}' owns no partition; every member of a ring owns at least one.", nameof(members));
        }

        return new Ring(sorted, indexes);
    }

    /// <summary>
    /// Re-claims this ring for a new member set: any number of joins and leaves at once. A pure function of this
    /// ring and <paramref name="members"/>. Counts stay within one of each other; the partitions of members that
    /// left, and those that members over their new share give up, are the only ones that change hands.
    /// </summary>
    /// <exception cref="ArgumentException">The members are not valid for this ring's partition count.</exception>
    public Ring WithMembers(IEnumerable<NodeId> members)
    {
        var sorted = SortedMembers(members, PartitionCount);
        var newIndex = new int[_members.Length];
        for (var i = 0; i < _members.Length; i++)
        {
            newIndex[i] = Array.BinarySearch(sorted, _members[i]);
        }

        var owners = new int[PartitionCount];
        var counts = new int[sorted.Length];
        for (var p = 0; p < owners.Length; p++)
        {
            var owner = newIndex[_owners[p]];
            owners[p] = owner < 0 ? -1 : owner;
            if (owner >= 0)
            {
                counts[owner]++;
            }
        }

        return new Ring(sorted, Claim.Reclaim(owners, counts, Limits.ClaimSpacingPartitions));
    }

    /// <summary>The partition holding <paramref name="hash"/>: its top log2(Q) bits.</summary>
    public int PartitionOf(ulong hash) => (int)(hash >> _shift);

    /// <summary>The member that owns <paramref name="partition"/>.</summary>
    public NodeId OwnerOf(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _members[_owners[partition]];
    }

    /// <summary>The index in <see cref="Members"/> of the member that owns <paramref name="partition"/>.</summary>
    public int OwnerIndexOf(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _owners[partition];
    }

    /// <summary>
    /// Writes, for every partition, the index in <see cref="Members"/> of its owner: the owners table that
    /// <see cref="FromOwners"/> takes back. <paramref name="destination"/> holds at least Q entries.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than Q.</exception>
    public void CopyOwnerIndexesTo(Span<ushort> destination)
    {
        if (destination.Length < _owners.Length)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} entries; the ring has {_owners.Length} partitions.",
                nameof(destination));
        }

        for (var p = 0; p < _owners.Length; p++)
        {
            destination[p] = (ushort)_owners[p];
        }
    }

    /// <summary>How many partitions <paramref name="node"/> owns (0 for a node that is not a member).</summary>
    public int CountOwnedBy(NodeId node)
    {
        var index = node.IsDefault ? -1 : Array.BinarySearch(_members, node);
        return index < 0 ? 0 : _counts[index];
    }

    /// <summary>
    /// The preference list of the key whose hash is <paramref name="keyHash"/>: the first <paramref name="n"/>
    /// distinct members met walking clockwise from the key's partition, then the next distinct members as
    /// fallbacks. Allocates nothing.
    /// </summary>
    /// <param name="keyHash">The key's ring position, from <see cref="KeyHash.Of"/>.</param>
    /// <param name="n">The replication factor N, from 1 to <see cref="Limits.ReplicasMax"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is out of range.</exception>
    /// <exception cref="NotEnoughMembersException">The ring has fewer than <paramref name="n"/> members.</exception>
    public PreferenceList GetPreferenceList(ulong keyHash, int n)
    {
        if (!TryGetPreferenceList(keyHash, n, out var list))
        {
            throw new NotEnoughMembersException(n, _members.Length);
        }

        return list;
    }

    /// <summary>
    /// As <see cref="GetPreferenceList"/>, but returns false instead of throwing when the ring has fewer than
    /// <paramref name="n"/> members.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is out of range.</exception>
    public bool TryGetPreferenceList(ulong keyHash, int n, out PreferenceList list)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, Limits.ReplicasMax);
        if (n > _members.Length)
        {
            list = default;
            return false;
        }

        var partition = PartitionOf(keyHash);
        var walk = new ReadOnlySpan<NodeId>(_walks, partition * _walkLength, _walkLength);
        list = new PreferenceList(walk[..n], walk[n..], partition);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Ring? other) =>
        other is not null && Fingerprint == other.Fingerprint
        && _members.AsSpan().SequenceEqual(other._members) && _owners.AsSpan().SequenceEqual(other._owners);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Ring other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Fingerprint;

    /// <inheritdoc/>
    public override string ToString() =>
        $"Ring(Q={PartitionCount}, members={_members.Length}, fingerprint={Fingerprint:X16})";

    private static void CheckPartitionCount(int partitionCount, string paramName)
    {
        if (partitionCount < Limits.PartitionsMin || partitionCount > Limits.PartitionsMax
            || !BitOperations.IsPow2(partitionCount))
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                partitionCount,
                $"The partition count must be a power of two from {Limits.PartitionsMin} to {Limits.PartitionsMax}.");
        }
    }

    private static NodeId[] SortedMembers(IEnumerable<NodeId> members, int partitionCount)
    {
        ArgumentNullException.ThrowIfNull(members);
        var sorted = members.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0)
        {
            throw new ArgumentException("A ring needs at least one member.", nameof(members));
        }

        if (sorted.Length > Limits.MembersMax)
        {
            throw new ArgumentException(
                $"A ring has at most {Limits.MembersMax} members; {sorted.Length} were given.", nameof(members));
        }

        if (sorted.Length > partitionCount)
        {
            throw new ArgumentException(
                $"A ring of {partitionCount} partitions cannot hold {sorted.Length} members: each member needs at "
                + "least one partition, and Q should be much larger than the member count.",
                nameof(members));
        }

        for (var i = 0; i < sorted.Length; i++)
        {
            if (sorted[i].IsDefault)
            {
                throw new ArgumentException("A member is the default (unset) node id.", nameof(members));
            }

            if (i > 0 && sorted[i] == sorted[i - 1])
            {
                throw new ArgumentException($"Member '{sorted[i]}' is given more than once.", nameof(members));
            }
        }

        return sorted;
    }

    // For each partition, the first walkLength distinct owners met walking clockwise from it, so that a lookup is a
    // slice. A balanced ring gives every member a partition, so every walk completes.
    private static NodeId[] BuildWalks(NodeId[] members, int[] owners, int walkLength)
    {
        var walks = new NodeId[owners.Length * walkLength];
        var seenAt = new int[members.Length];
        for (var p = 0; p < owners.Length; p++)
        {
            var found = 0;
            for (var step = 0; found < walkLength; step++)
            {
                Invariant.Check(step < owners.Length);
                var owner = owners[(p + step) % owners.Length];
                if (seenAt[owner] != p + 1)
                {
                    seenAt[owner] = p + 1;
                    walks[(p * walkLength) + found++] = members[owner];
                }
            }
        }

        return walks;
    }

    // Layout hashed: Q (int32 LE), member count (int32 LE), each member as its length (1 byte) and ASCII bytes, then
    // each partition's owner as its index in the sorted members (uint16 LE; MembersMax <= 65536).
    private static ulong ComputeFingerprint(NodeId[] members, int[] owners)
    {
        var length = 8 + (2 * owners.Length);
        foreach (var member in members)
        {
            length += 1 + member.Value.Length;
        }

        var bytes = new byte[length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, owners.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), members.Length);
        var at = 8;
        foreach (var member in members)
        {
            var name = member.Value;
            bytes[at++] = (byte)name.Length;
            foreach (var c in name)
            {
                bytes[at++] = (byte)c;
            }
        }

        foreach (var owner in owners)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)owner);
            at += 2;
        }

        return KeyHash.Xxh64(bytes);
    }
}
