using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Dynamo.Protocol;

/// <summary>
/// The reply to <see cref="ClusterInfoRequest"/>: the members, the defaults and which member owns each partition.
/// <code>
/// +-------------+-----+---+---+---+--------+----------+-----+-------------+
/// | fingerprint |  Q  | N | R | W | count  | member 0 | ... |   owners    |
/// |     u64     | u32 |u8 |u8 |u8 | varint |          |     | Q x u16     |
/// +-------------+-----+---+---+---+--------+----------+-----+-------------+
/// Q: a power of two, 1 to PartitionsMax; N >= 1; 1 &lt;= R, W &lt;= N; count: 1 to MembersMax
/// member: +---------+----------+   node id: UTF-8, 1 to NameBytesMax bytes
///         | node id | endpoint |   endpoint: UTF-8 "host:port", 1 to NameBytesMax bytes
///         |  bytes  |  bytes   |
///         +---------+----------+
/// owners: entry p is the index (&lt; count) of the member that owns partition p
/// </code>
/// </summary>
public readonly ref struct ClusterInfoReply : IMessage<ClusterInfoReply>
{
    private const int FixedBytes = 8 + 4 + 1 + 1 + 1;
    private const string MembersField = "member count";
    private const string PartitionsField = "partition count";
    private const string NodeIdField = "node id";
    private const string EndpointField = "endpoint";
    private const string OwnersField = "owners";

    private readonly ReadOnlySpan<ClusterMember> _members;
    private readonly ReadOnlySpan<ushort> _owners;
    private readonly ReadOnlySpan<byte> _encodedMembers;
    private readonly ReadOnlySpan<byte> _encodedOwners;
    private readonly bool _fromPayload;
    private readonly int _length;

    /// <summary>
    /// Builds cluster information; <paramref name="owners"/> holds, for each partition, the index of its owner in
    /// <paramref name="members"/>, and its length is the partition count Q. Throws <see cref="ProtocolException"/>
    /// when any rule of the layout is broken.
    /// </summary>
    public ClusterInfoReply(
        ulong ringFingerprint,
        byte n,
        byte r,
        byte w,
        ReadOnlySpan<ClusterMember> members,
        ReadOnlySpan<ushort> owners)
    {
        CheckPartitionCount((uint)owners.Length);
        CheckQuorums(n, r, w);
        CheckMemberCount(members.Length);
        var length = FixedBytes + Leb128.Size((uint)members.Length) + (owners.Length * sizeof(ushort));
        foreach (var member in members)
        {
            CheckMember(member.NodeId.Span, member.Endpoint.Span);
            length += MessageWriter.BytesSize(member.NodeId.Length) + MessageWriter.BytesSize(member.Endpoint.Length);
        }

        foreach (var owner in owners)
        {
            CheckOwner(owner, members.Length);
        }

        RingFingerprint = ringFingerprint;
        DefaultN = n;
        DefaultR = r;
        DefaultW = w;
        MemberCount = members.Length;
        PartitionCount = owners.Length;
        _members = members;
        _owners = owners;
        _encodedMembers = default;
        _encodedOwners = default;
        _fromPayload = false;
        _length = length;
    }

    private ClusterInfoReply(
        ulong ringFingerprint,
        byte n,
        byte r,
        byte w,
        int memberCount,
        ReadOnlySpan<byte> encodedMembers,
        ReadOnlySpan<byte> encodedOwners,
        int length)
    {
        RingFingerprint = ringFingerprint;
        DefaultN = n;
        DefaultR = r;
        DefaultW = w;
        MemberCount = memberCount;
        PartitionCount = encodedOwners.Length / sizeof(ushort);
        _members = default;
        _owners = default;
        _encodedMembers = encodedMembers;
        _encodedOwners = encodedOwners;
        _fromPayload = true;
        _length = length;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.ClusterInfoReply;

    /// <summary>A fingerprint of the ring, so that clients notice when it changed.</summary>
    public ulong RingFingerprint { get; }

    /// <summary>The number of partitions Q, a power of two.</summary>
    public int PartitionCount { get; }

    /// <summary>The default replication factor N.</summary>
    public byte DefaultN { get; }

    /// <summary>The default read quorum R.</summary>
    public byte DefaultR { get; }

    /// <summary>The default write quorum W.</summary>
    public byte DefaultW { get; }

    /// <summary>The number of members.</summary>
    public int MemberCount { get; }

    /// <summary>The members in index order, without allocating: <c>foreach (var m in reply.Members)</c>.</summary>
    public ClusterMemberEnumerator Members =>
        _fromPayload
            ? new ClusterMemberEnumerator(_encodedMembers, MemberCount)
            : new ClusterMemberEnumerator(_members);

    /// <inheritdoc/>
    public int Length => _length;

    /// <summary>The index (in <see cref="Members"/> order) of the member that owns <paramref name="partition"/>.</summary>
    public int GetOwner(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _fromPayload
            ? BinaryPrimitives.ReadUInt16LittleEndian(_encodedOwners.Slice(partition * sizeof(ushort), sizeof(ushort)))
            : _owners[partition];
    }

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, _length);
        writer.WriteU64(RingFingerprint);
        writer.WriteU32((uint)PartitionCount);
        writer.WriteU8(DefaultN);
        writer.WriteU8(DefaultR);
        writer.WriteU8(DefaultW);
        writer.WriteVarint((uint)MemberCount);
        if (_fromPayload)
        {
            writer.WriteRaw(_encodedMembers);
            writer.WriteRaw(_encodedOwners);
        }
        else
        {
            foreach (var member in _members)
            {
                writer.WriteBytes(member.NodeId.Span);
                writer.WriteBytes(member.Endpoint.Span);
            }

            foreach (var owner in _owners)
            {
                writer.WriteU16(owner);
            }
        }

        writer.Finish();
    }

    /// <inheritdoc/>
    /// <remarks>Every member and owner is checked here, so walking the reply afterwards cannot fail.</remarks>
    public static ClusterInfoReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var fingerprint = reader.ReadU64("ring fingerprint");
        var partitions = reader.ReadU32(PartitionsField);
        CheckPartitionCount(partitions);
        var n = reader.ReadU8("N");
        var r = reader.ReadU8("R");
        var w = reader.ReadU8("W");
        CheckQuorums(n, r, w);
        var count = reader.ReadCount(ProtocolLimits.MembersMax, MembersField);
        CheckMemberCount(count);
        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            var nodeId = reader.ReadBytes(ProtocolLimits.NameBytesMax, NodeIdField);
            var endpoint = reader.ReadBytes(ProtocolLimits.NameBytesMax, EndpointField);
            CheckMember(nodeId, endpoint);
        }

        var members = reader.Between(start, reader.Position);
        var owners = reader.Take((int)partitions * sizeof(ushort), OwnersField);
        reader.EnsureEnd();
        for (var p = 0; p < owners.Length; p += sizeof(ushort))
        {
            CheckOwner(BinaryPrimitives.ReadUInt16LittleEndian(owners[p..]), count);
        }

        return new ClusterInfoReply(fingerprint, n, r, w, count, members, owners, payload.Length);
    }

    private static void CheckPartitionCount(uint partitions)
    {
        if (partitions > ProtocolLimits.PartitionsMax)
        {
            throw MessageErrors.TooLarge(PartitionsField, partitions, ProtocolLimits.PartitionsMax);
        }

        if (!BitOperations.IsPow2(partitions))
        {
            throw MessageErrors.BadRequest("The partition count is not a power of two.");
        }
    }

    private static void CheckQuorums(byte n, byte r, byte w)
    {
        if (n == 0 || r == 0 || w == 0 || r > n || w > n)
        {
            throw MessageErrors.BadRequest("The default N, R and W must satisfy N >= 1 and 1 <= R, W <= N.");
        }
    }

    private static void CheckMemberCount(int count)
    {
        MessageFields.CheckCount(count, ProtocolLimits.MembersMax, MembersField);
        if (count == 0)
        {
            throw MessageErrors.BadRequest("Cluster information lists no member.");
        }
    }

    private static void CheckMember(ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> endpoint)
    {
        MessageFields.CheckText(nodeId, ProtocolLimits.NameBytesMax, required: true, NodeIdField);
        MessageFields.CheckEndpoint(endpoint, EndpointField);
    }

    private static void CheckOwner(ushort owner, int memberCount)
    {
        if (owner >= memberCount)
        {
            throw MessageErrors.BadRequest("A partition owner is not the index of a member.");
        }
    }
}

/// <summary>A member to encode in a <see cref="ClusterInfoReply"/>: its node id and endpoint as UTF-8.</summary>
public readonly struct ClusterMember
{
    /// <summary>A member from UTF-8 bytes.</summary>
    public ClusterMember(ReadOnlyMemory<byte> nodeId, ReadOnlyMemory<byte> endpoint)
    {
        NodeId = nodeId;
        Endpoint = endpoint;
    }

    /// <summary>A member from text (encodes it to UTF-8, allocating).</summary>
    public ClusterMember(string nodeId, string endpoint)
        : this(Encoding.UTF8.GetBytes(nodeId), Encoding.UTF8.GetBytes(endpoint))
    {
    }

    /// <summary>The node id, UTF-8.</summary>
    public ReadOnlyMemory<byte> NodeId { get; }

    /// <summary>The endpoint "host:port", UTF-8.</summary>
    public ReadOnlyMemory<byte> Endpoint { get; }
}

/// <summary>A member as read from a <see cref="ClusterInfoReply"/>: a view whose fields are slices of the payload.</summary>
public readonly ref struct ClusterMemberSpan
{
    /// <summary>Creates a view of a member.</summary>
    public ClusterMemberSpan(ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> endpoint)
    {
        NodeId = nodeId;
        Endpoint = endpoint;
    }

    /// <summary>The node id, UTF-8.</summary>
    public ReadOnlySpan<byte> NodeId { get; }

    /// <summary>The endpoint "host:port", UTF-8.</summary>
    public ReadOnlySpan<byte> Endpoint { get; }

    /// <summary>The node id as a string (allocates).</summary>
    public string NodeIdText => Encoding.UTF8.GetString(NodeId);

    /// <summary>The endpoint as a string (allocates).</summary>
    public string EndpointText => Encoding.UTF8.GetString(Endpoint);
}

/// <summary>Walks the members of a <see cref="ClusterInfoReply"/> in index order without allocating.</summary>
public ref struct ClusterMemberEnumerator
{
    private readonly ReadOnlySpan<ClusterMember> _members;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal ClusterMemberEnumerator(ReadOnlySpan<ClusterMember> members)
    {
        _members = members;
        _count = members.Length;
        _index = -1;
    }

    internal ClusterMemberEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The member at the current position.</summary>
    public ClusterMemberSpan Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly ClusterMemberEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next member.</summary>
    public bool MoveNext()
    {
        if (_index + 1 >= _count)
        {
            _index = _count;
            return false;
        }

        _index++;
        if (_fromPayload)
        {
            // Already validated by ClusterInfoReply.Read: these reads cannot fail.
            var nodeId = _reader.ReadBytes(ProtocolLimits.NameBytesMax, "node id");
            var endpoint = _reader.ReadBytes(ProtocolLimits.NameBytesMax, "endpoint");
            Current = new ClusterMemberSpan(nodeId, endpoint);
        }
        else
        {
            var member = _members[_index];
            Current = new ClusterMemberSpan(member.NodeId.Span, member.Endpoint.Span);
        }

        return true;
    }
}
