using System.Text;

namespace Dynamo.Protocol;

/// <summary>
/// Push-pull gossip, node to node: the sender's view of every member it knows, then its bucket table. Reply:
/// <see cref="GossipReply"/>, the peer's view and table after merging the sender's. Both have the same layout.
/// <code>
/// +---------------+-------------+
/// |    members    |   buckets   |   members: 1 to MembersMax; buckets: a BucketList, 0 to BucketsMax
/// | list (member) | bucket list |
/// +---------------+-------------+
/// member: +---------+----------+-------+--------+-----------+
///         | node id | endpoint | epoch | status | heartbeat |
///         |  bytes  |  bytes   |  u32  |   u8   |    u64    |
///         +---------+----------+-------+--------+-----------+
/// node id: UTF-8, 1 to NameBytesMax bytes; endpoint: UTF-8 "host:port" of 1 to NameBytesMax bytes, or empty when the
/// sender does not know it yet;
/// status: 1 = up, 2 = down (any other value is malformed)
/// </code>
/// </summary>
/// <param name="members">The sender's members.</param>
/// <param name="buckets">The sender's bucket table.</param>
public readonly ref struct GossipRequest(GossipMemberList members, BucketList buckets) : IMessage<GossipRequest>
{
    /// <summary>Builds a gossip message; throws <see cref="ProtocolException"/> when a member or bucket breaks a rule.</summary>
    public GossipRequest(ReadOnlySpan<GossipMember> members, ReadOnlySpan<BucketInfo> buckets = default)
        : this(new GossipMemberList(members), new BucketList(buckets))
    {
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Gossip;

    /// <summary>The sender's members in order.</summary>
    public GossipMemberList Members { get; } = members;

    /// <summary>The sender's bucket table.</summary>
    public BucketList Buckets { get; } = buckets;

    /// <inheritdoc/>
    public int Length => Members.Length + Buckets.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => GossipMemberList.WriteTo(destination, Members, Buckets);

    /// <inheritdoc/>
    public static GossipRequest Read(ReadOnlySpan<byte> payload)
    {
        var members = GossipMemberList.Read(payload, out var buckets);
        return new(members, buckets);
    }
}

/// <summary>The reply to <see cref="GossipRequest"/>: the peer's view and bucket table, in the same layout.</summary>
/// <param name="members">The peer's members.</param>
/// <param name="buckets">The peer's bucket table.</param>
public readonly ref struct GossipReply(GossipMemberList members, BucketList buckets) : IMessage<GossipReply>
{
    /// <summary>Builds a gossip reply; throws <see cref="ProtocolException"/> when a member or bucket breaks a rule.</summary>
    public GossipReply(ReadOnlySpan<GossipMember> members, ReadOnlySpan<BucketInfo> buckets = default)
        : this(new GossipMemberList(members), new BucketList(buckets))
    {
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.GossipReply;

    /// <summary>The peer's members in order, after merging the sender's.</summary>
    public GossipMemberList Members { get; } = members;

    /// <summary>The peer's bucket table, after merging the sender's.</summary>
    public BucketList Buckets { get; } = buckets;

    /// <inheritdoc/>
    public int Length => Members.Length + Buckets.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => GossipMemberList.WriteTo(destination, Members, Buckets);

    /// <inheritdoc/>
    public static GossipReply Read(ReadOnlySpan<byte> payload)
    {
        var members = GossipMemberList.Read(payload, out var buckets);
        return new(members, buckets);
    }
}

/// <summary>
/// The member list of <see cref="GossipRequest"/> and <see cref="GossipReply"/>, the first field of either: 1 to <see cref="ProtocolLimits.MembersMax"/> members, each checked when built or read. <c>foreach</c> walks
/// it without allocating.
/// </summary>
public readonly ref struct GossipMemberList
{
    private const string CountField = "member count";

    private readonly MessageList<GossipMemberCodec, GossipMember, GossipMemberSpan> _members;

    /// <summary>A list over <paramref name="members"/>; throws <see cref="ProtocolException"/> when a member breaks a rule.</summary>
    public GossipMemberList(ReadOnlySpan<GossipMember> members)
        : this(MessageList<GossipMemberCodec, GossipMember, GossipMemberSpan>.Of(members, ProtocolLimits.MembersMax, CountField))
    {
    }

    private GossipMemberList(MessageList<GossipMemberCodec, GossipMember, GossipMemberSpan> members) =>
        _members = members.Count == 0 ? throw MessageErrors.BadRequest("Gossip lists no member.") : members;

    /// <summary>The number of members.</summary>
    public int Count => _members.Count;

    /// <summary>The encoded size in bytes.</summary>
    internal int Length => (int)_members.Length;

    /// <summary>Walks the members in order, without allocating.</summary>
    public MessageList<GossipMemberCodec, GossipMember, GossipMemberSpan>.Enumerator GetEnumerator() =>
        _members.GetEnumerator();

    /// <summary>Reads a whole gossip payload: the member list, the bucket list, and nothing after them.</summary>
    internal static GossipMemberList Read(ReadOnlySpan<byte> payload, out BucketList buckets)
    {
        var reader = new MessageReader(payload);
        var members = new GossipMemberList(
            MessageList<GossipMemberCodec, GossipMember, GossipMemberSpan>.Read(ref reader, ProtocolLimits.MembersMax, CountField));
        buckets = BucketList.Read(ref reader);
        reader.EnsureEnd();
        return members;
    }

    /// <summary>Writes a whole gossip payload.</summary>
    internal static void WriteTo(Span<byte> destination, GossipMemberList members, BucketList buckets)
    {
        var writer = new MessageWriter(destination, members.Length + buckets.Length);
        members._members.WriteTo(ref writer);
        buckets.WriteTo(ref writer);
        writer.Finish();
    }
}

/// <summary>A member's state in gossip, as the sender believes it.</summary>
public enum GossipStatus : byte
{
    /// <summary>The sender believes the member is up.</summary>
    Up = 1,

    /// <summary>The sender's failure detector believes the member is down.</summary>
    Down = 2,
}

/// <summary>A member to encode in gossip: node id and endpoint as UTF-8, epoch, status and heartbeat.</summary>
/// <param name="nodeId">The node id, UTF-8.</param>
/// <param name="endpoint">The endpoint "host:port", UTF-8, or empty while unknown.</param>
/// <param name="epoch">The member's epoch.</param>
/// <param name="status">What the sender believes of the member.</param>
/// <param name="heartbeat">The member's own heartbeat counter.</param>
public readonly struct GossipMember(
    ReadOnlyMemory<byte> nodeId, ReadOnlyMemory<byte> endpoint, uint epoch, GossipStatus status, ulong heartbeat)
{
    /// <summary>A member from text (encodes it to UTF-8, allocating).</summary>
    public GossipMember(string nodeId, string endpoint, uint epoch, GossipStatus status, ulong heartbeat)
        : this(Encoding.UTF8.GetBytes(nodeId), Encoding.UTF8.GetBytes(endpoint), epoch, status, heartbeat)
    {
    }

    /// <summary>The node id, UTF-8.</summary>
    public ReadOnlyMemory<byte> NodeId { get; } = nodeId;

    /// <summary>The endpoint "host:port", UTF-8.</summary>
    public ReadOnlyMemory<byte> Endpoint { get; } = endpoint;

    /// <summary>The member's epoch.</summary>
    public uint Epoch { get; } = epoch;

    /// <summary>What the sender believes of the member.</summary>
    public GossipStatus Status { get; } = status;

    /// <summary>The member's own heartbeat counter; higher is newer.</summary>
    public ulong Heartbeat { get; } = heartbeat;
}

/// <summary>A member as read from gossip: its text fields are slices of the payload.</summary>
/// <param name="nodeId">The node id, UTF-8.</param>
/// <param name="endpoint">The endpoint "host:port", UTF-8, or empty while unknown.</param>
/// <param name="epoch">The member's epoch.</param>
/// <param name="status">What the sender believes of the member.</param>
/// <param name="heartbeat">The member's own heartbeat counter.</param>
public readonly ref struct GossipMemberSpan(
    ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> endpoint, uint epoch, GossipStatus status, ulong heartbeat)
{
    /// <summary>The node id, UTF-8.</summary>
    public ReadOnlySpan<byte> NodeId { get; } = nodeId;

    /// <summary>The endpoint "host:port", UTF-8.</summary>
    public ReadOnlySpan<byte> Endpoint { get; } = endpoint;

    /// <summary>The member's epoch.</summary>
    public uint Epoch { get; } = epoch;

    /// <summary>What the sender believes of the member.</summary>
    public GossipStatus Status { get; } = status;

    /// <summary>The member's own heartbeat counter.</summary>
    public ulong Heartbeat { get; } = heartbeat;

    /// <summary>The node id as a string (allocates).</summary>
    public string NodeIdText => Encoding.UTF8.GetString(NodeId);

    /// <summary>The endpoint as a string (allocates).</summary>
    public string EndpointText => Encoding.UTF8.GetString(Endpoint);
}

/// <summary>
/// The list element of <see cref="GossipRequest.Members"/> and <see cref="GossipReply.Members"/>: node id, endpoint
/// (empty while unknown), epoch, status and heartbeat.
/// </summary>
public readonly struct GossipMemberCodec : IElementCodec<GossipMember, GossipMemberSpan>
{
    private const string StatusField = "status";

    static GossipMemberSpan IElementCodec<GossipMember, GossipMemberSpan>.View(scoped in GossipMember value) =>
        new(value.NodeId.Span, value.Endpoint.Span, value.Epoch, value.Status, value.Heartbeat);

    static void IElementCodec<GossipMember, GossipMemberSpan>.Check(scoped GossipMemberSpan element)
    {
        MessageFields.CheckText(element.NodeId, ProtocolLimits.NameBytesMax, required: true, MessageFields.NodeId);
        if (!element.Endpoint.IsEmpty)
        {
            MessageFields.CheckEndpoint(element.Endpoint, MessageFields.Endpoint);
        }

        if (element.Status is not (GossipStatus.Up or GossipStatus.Down))
        {
            throw MessageErrors.BadRequest("A member's status is neither up (1) nor down (2).");
        }
    }

    static int IElementCodec<GossipMember, GossipMemberSpan>.Size(scoped GossipMemberSpan element) =>
        MessageWriter.BytesSize(element.NodeId.Length) + MessageWriter.BytesSize(element.Endpoint.Length)
        + sizeof(uint) + 1 + sizeof(ulong);

    static void IElementCodec<GossipMember, GossipMemberSpan>.Write(ref MessageWriter writer, GossipMemberSpan element)
    {
        writer.WriteBytes(element.NodeId);
        writer.WriteBytes(element.Endpoint);
        writer.WriteU32(element.Epoch);
        writer.WriteU8((byte)element.Status);
        writer.WriteU64(element.Heartbeat);
    }

    static GossipMemberSpan IElementCodec<GossipMember, GossipMemberSpan>.Read(scoped ref MessageReader reader)
    {
        var nodeId = reader.ReadBytes(ProtocolLimits.NameBytesMax, MessageFields.NodeId);
        var endpoint = reader.ReadBytes(ProtocolLimits.NameBytesMax, MessageFields.Endpoint);
        var epoch = reader.ReadU32("epoch");
        var status = reader.ReadU8(StatusField);
        var heartbeat = reader.ReadU64("heartbeat");
        return new GossipMemberSpan(nodeId, endpoint, epoch, (GossipStatus)status, heartbeat);
    }
}
