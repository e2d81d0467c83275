using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Dynamo.Protocol;

/// <summary>
/// The reply to <see cref="ClusterInfoRequest"/>: the members, the defaults, which member owns each partition, and the
/// bucket table (docs/CLUSTER.md § Bucket properties).
/// <code>
/// +-------------+-----+---+---+---+---------------+---------+-------------+
/// | fingerprint |  Q  | N | R | W |    members    | owners  |   buckets   |
/// |     u64     | u32 |u8 |u8 |u8 | list (member) | Q x u16 | bucket list |
/// +-------------+-----+---+---+---+---------------+---------+-------------+
/// Q: a power of two, 1 to PartitionsMax; N >= 1; 1 &lt;= R, W &lt;= N; members: 1 to MembersMax
/// member: +---------+----------+   node id: UTF-8, 1 to NameBytesMax bytes
///         | node id | endpoint |   endpoint: UTF-8 "host:port", 1 to NameBytesMax bytes
///         |  bytes  |  bytes   |
///         +---------+----------+
/// owners: entry p is the index (&lt; count) of the member that owns partition p
/// buckets: a <see cref="BucketList"/>, 0 to BucketsMax buckets with their properties and versions
/// </code>
/// </summary>
public readonly ref struct ClusterInfoReply : IMessage<ClusterInfoReply>
{
    private const int FixedBytes = 8 + 4 + 1 + 1 + 1;
    private const string MembersField = "member count";
    private const string PartitionsField = "partition count";
    private const string OwnersField = "owners";

    private readonly MessageList<ClusterMemberCodec, ClusterMember, ClusterMemberSpan> _members;
    private readonly ReadOnlySpan<ushort> _owners;
    private readonly ReadOnlySpan<byte> _encodedOwners;

    /// <summary>
    /// Builds cluster information; <paramref name="owners"/> holds, for each partition, the index of its owner in
    /// <paramref name="members"/>, and its length is the partition count Q; <paramref name="buckets"/> is the bucket
    /// table (none by default). Throws <see cref="ProtocolException"/> when any rule of the layout is broken.
    /// </summary>
    public ClusterInfoReply(
        ulong ringFingerprint,
        byte n,
        byte r,
        byte w,
        ReadOnlySpan<ClusterMember> members,
        ReadOnlySpan<ushort> owners,
        ReadOnlySpan<BucketInfo> buckets = default)
    {
        Buckets = new BucketList(buckets);
        CheckPartitionCount((uint)owners.Length);
        CheckQuorums(n, r, w);
        _members = MessageList<ClusterMemberCodec, ClusterMember, ClusterMemberSpan>.Of(members, ProtocolLimits.MembersMax, MembersField);
        CheckMemberCount(_members.Count);
        foreach (var owner in owners)
        {
            CheckOwner(owner, members.Length);
        }

        RingFingerprint = ringFingerprint;
        DefaultN = n;
        DefaultR = r;
        DefaultW = w;
        PartitionCount = owners.Length;
        _owners = owners;
        _encodedOwners = default;
    }

    private ClusterInfoReply(
        ulong ringFingerprint,
        byte n,
        byte r,
        byte w,
        MessageList<ClusterMemberCodec, ClusterMember, ClusterMemberSpan> members,
        ReadOnlySpan<byte> encodedOwners,
        BucketList buckets)
    {
        Buckets = buckets;
        RingFingerprint = ringFingerprint;
        DefaultN = n;
        DefaultR = r;
        DefaultW = w;
        PartitionCount = encodedOwners.Length / sizeof(ushort);
        _members = members;
        _owners = default;
        _encodedOwners = encodedOwners;
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
    public int MemberCount => _members.Count;

    /// <summary>The members in index order, without allocating: <c>foreach (var m in reply.Members)</c>.</summary>
    public MessageList<ClusterMemberCodec, ClusterMember, ClusterMemberSpan> Members => _members;

    /// <summary>The bucket table: each named bucket's N, R, W, timeout and version.</summary>
    public BucketList Buckets { get; }

    /// <inheritdoc/>
    public int Length => FixedBytes + (int)_members.Length + (PartitionCount * sizeof(ushort)) + Buckets.Length;

    /// <summary>The index (in <see cref="Members"/> order) of the member that owns <paramref name="partition"/>.</summary>
    public int GetOwner(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _owners.IsEmpty
            ? BinaryPrimitives.ReadUInt16LittleEndian(_encodedOwners.Slice(partition * sizeof(ushort), sizeof(ushort)))
            : _owners[partition];
    }

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteU64(RingFingerprint);
        writer.WriteU32((uint)PartitionCount);
        writer.WriteU8(DefaultN);
        writer.WriteU8(DefaultR);
        writer.WriteU8(DefaultW);
        _members.WriteTo(ref writer);
        if (_owners.IsEmpty)
        {
            writer.WriteRaw(_encodedOwners);
        }
        else
        {
            foreach (var owner in _owners)
            {
                writer.WriteU16(owner);
            }
        }

        Buckets.WriteTo(ref writer);
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
        var members = MessageList<ClusterMemberCodec, ClusterMember, ClusterMemberSpan>.Read(ref reader, ProtocolLimits.MembersMax, MembersField);
        CheckMemberCount(members.Count);
        var owners = reader.Take((int)partitions * sizeof(ushort), OwnersField);
        var buckets = BucketList.Read(ref reader);
        reader.EnsureEnd();
        for (var p = 0; p < owners.Length; p += sizeof(ushort))
        {
            CheckOwner(BinaryPrimitives.ReadUInt16LittleEndian(owners[p..]), members.Count);
        }

        return new ClusterInfoReply(fingerprint, n, r, w, members, owners, buckets);
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
        if (count == 0)
        {
            throw MessageErrors.BadRequest("Cluster information lists no member.");
        }
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

/// <summary>The list element of <see cref="ClusterInfoReply.Members"/>: node id and endpoint, both required.</summary>
public readonly struct ClusterMemberCodec : IElementCodec<ClusterMember, ClusterMemberSpan>
{
    static ClusterMemberSpan IElementCodec<ClusterMember, ClusterMemberSpan>.View(scoped in ClusterMember value) =>
        new(value.NodeId.Span, value.Endpoint.Span);

    static void IElementCodec<ClusterMember, ClusterMemberSpan>.Check(scoped ClusterMemberSpan element)
    {
        MessageFields.CheckText(element.NodeId, ProtocolLimits.NameBytesMax, required: true, MessageFields.NodeId);
        MessageFields.CheckEndpoint(element.Endpoint, MessageFields.Endpoint);
    }

    static int IElementCodec<ClusterMember, ClusterMemberSpan>.Size(scoped ClusterMemberSpan element) =>
        MessageWriter.BytesSize(element.NodeId.Length) + MessageWriter.BytesSize(element.Endpoint.Length);

    static void IElementCodec<ClusterMember, ClusterMemberSpan>.Write(ref MessageWriter writer, ClusterMemberSpan element)
    {
        writer.WriteBytes(element.NodeId);
        writer.WriteBytes(element.Endpoint);
    }

    static ClusterMemberSpan IElementCodec<ClusterMember, ClusterMemberSpan>.Read(scoped ref MessageReader reader)
    {
        var nodeId = reader.ReadBytes(ProtocolLimits.NameBytesMax, MessageFields.NodeId);
        return new ClusterMemberSpan(nodeId, reader.ReadBytes(ProtocolLimits.NameBytesMax, MessageFields.Endpoint));
    }
}
