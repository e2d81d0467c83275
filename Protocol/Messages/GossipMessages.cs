using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Dynamo.Protocol;

/// <summary>
/// Push-pull gossip, node to node: the sender's view of every member it knows, the ring it places keys by, and its
/// bucket table. Reply: <see cref="GossipReply"/>, the peer's view, ring and table after merging the sender's. Both
/// have the same layout.
/// <code>
/// +---------------+------+-------------+
/// |    members    | ring |   buckets   |   members: 1 to MembersMax; buckets: a BucketList, 0 to BucketsMax
/// | list (member) |      | bucket list |
/// +---------------+------+-------------+
/// member: +---------+----------+-------+--------+-----------+
///         | node id | endpoint | epoch | status | heartbeat |
///         |  bytes  |  bytes   |  u32  |   u8   |    u64    |
///         +---------+----------+-------+--------+-----------+
/// node id: UTF-8, 1 to NameBytesMax bytes; endpoint: UTF-8 "host:port" of 1 to NameBytesMax bytes, or empty when the
/// sender does not know it yet;
/// status: 1 = up, 2 = down (any other value is malformed)
/// ring: +---------+---------+-----+------------------+---------+
///       | present | version |  Q  |     members      | owners  |
///       |   u8    |   u64   | u32 | list (node id)   | Q x u16 |
///       +---------+---------+-----+------------------+---------+
/// present: 0 = no ring (nothing follows), 1 = a ring follows; Q: a power of two, 1 to PartitionsMax; members: node
/// ids (bytes, UTF-8, 1 to NameBytesMax bytes), 1 to min(MembersMax, Q), distinct; owners: entry p is the index of
/// the member that owns partition p, and every member owns at least one
/// </code>
/// </summary>
/// <param name="members">The sender's members.</param>
/// <param name="ring">The sender's ring, or <see cref="GossipRing.None"/>.</param>
/// <param name="buckets">The sender's bucket table.</param>
public readonly ref struct GossipRequest(GossipMemberList members, GossipRing ring, BucketList buckets) : IMessage<GossipRequest>
{
    /// <summary>Builds a gossip message; throws <see cref="ProtocolException"/> when a member breaks a rule.</summary>
    public GossipRequest(ReadOnlySpan<GossipMember> members, GossipRing ring, ReadOnlySpan<BucketInfo> buckets = default)
        : this(new GossipMemberList(members), ring, new BucketList(buckets))
    {
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Gossip;

    /// <summary>The sender's members in order.</summary>
    public GossipMemberList Members { get; } = members;

    /// <summary>The sender's ring in force, or none.</summary>
    public GossipRing Ring { get; } = ring;

    /// <summary>The bucket table (docs/CLUSTER.md § Bucket properties).</summary>
    public BucketList Buckets { get; } = buckets;

    /// <inheritdoc/>
    public int Length => Members.Length + Ring.Length + Buckets.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => GossipPayload.Write(destination, Members, Ring, Buckets);

    /// <inheritdoc/>
    public static GossipRequest Read(ReadOnlySpan<byte> payload)
    {
        GossipPayload.Read(payload, out var members, out var ring, out var buckets);
        return new(members, ring, buckets);
    }
}

/// <summary>The reply to <see cref="GossipRequest"/>: the peer's view and ring, in the same layout.</summary>
/// <param name="members">The peer's members.</param>
/// <param name="ring">The peer's ring, or <see cref="GossipRing.None"/>.</param>
/// <param name="buckets">The peer's bucket table.</param>
public readonly ref struct GossipReply(GossipMemberList members, GossipRing ring, BucketList buckets) : IMessage<GossipReply>
{
    /// <summary>Builds a gossip reply; throws <see cref="ProtocolException"/> when a member breaks a rule.</summary>
    public GossipReply(ReadOnlySpan<GossipMember> members, GossipRing ring, ReadOnlySpan<BucketInfo> buckets = default)
        : this(new GossipMemberList(members), ring, new BucketList(buckets))
    {
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.GossipReply;

    /// <summary>The peer's members in order, after merging the sender's.</summary>
    public GossipMemberList Members { get; } = members;

    /// <summary>The peer's ring in force after merging the sender's, or none.</summary>
    public GossipRing Ring { get; } = ring;

    /// <summary>The bucket table (docs/CLUSTER.md § Bucket properties).</summary>
    public BucketList Buckets { get; } = buckets;

    /// <inheritdoc/>
    public int Length => Members.Length + Ring.Length + Buckets.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => GossipPayload.Write(destination, Members, Ring, Buckets);

    /// <inheritdoc/>
    public static GossipReply Read(ReadOnlySpan<byte> payload)
    {
        GossipPayload.Read(payload, out var members, out var ring, out var buckets);
        return new(members, ring, buckets);
    }
}

/// <summary>The payload both gossip messages share: the member list, the ring, then the bucket table.</summary>
internal static class GossipPayload
{
    public static void Write(Span<byte> destination, GossipMemberList members, GossipRing ring, BucketList buckets)
    {
        var writer = new MessageWriter(destination, members.Length + ring.Length + buckets.Length);
        members.WriteTo(ref writer);
        ring.WriteTo(ref writer);
        buckets.WriteTo(ref writer);
        writer.Finish();
    }

    public static void Read(ReadOnlySpan<byte> payload, out GossipMemberList members, out GossipRing ring, out BucketList buckets)
    {
        var reader = new MessageReader(payload);
        members = GossipMemberList.Read(ref reader);
        ring = GossipRing.Read(ref reader);
        buckets = BucketList.Read(ref reader);
        reader.EnsureEnd();
    }
}

/// <summary>
/// The ring a gossip message carries (the ring section of <see cref="GossipRequest"/>'s layout): its version, its
/// members and the owner of every partition, each checked when built or read; or none.
/// </summary>
public readonly ref struct GossipRing
{
    private const string PresentField = "ring present";
    private const string PartitionsField = "partition count";
    private const string MembersField = "ring member count";
    private const string OwnersField = "owners";

    private readonly MessageList<RingMemberCodec, ReadOnlyMemory<byte>, ReadOnlySpan<byte>> _members;
    private readonly ReadOnlySpan<ushort> _owners;
    private readonly ReadOnlySpan<byte> _encodedOwners;

    /// <summary>
    /// A ring: <paramref name="members"/> (node ids, UTF-8, distinct) and, for each partition, the index of its owner
    /// in <paramref name="members"/>; the length of <paramref name="owners"/> is Q. Throws
    /// <see cref="ProtocolException"/> when a rule of the layout is broken.
    /// </summary>
    public GossipRing(ulong version, ReadOnlySpan<ReadOnlyMemory<byte>> members, ReadOnlySpan<ushort> owners)
    {
        CheckPartitionCount((uint)owners.Length);
        _members = MessageList<RingMemberCodec, ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.Of(members, MembersMax(owners.Length), MembersField);
        CheckMembers(_members);
        CheckOwners(owners, _members.Count);
        IsPresent = true;
        Version = version;
        PartitionCount = owners.Length;
        _owners = owners;
    }

    private GossipRing(
        ulong version, MessageList<RingMemberCodec, ReadOnlyMemory<byte>, ReadOnlySpan<byte>> members, ReadOnlySpan<byte> encodedOwners)
    {
        IsPresent = true;
        Version = version;
        PartitionCount = encodedOwners.Length / sizeof(ushort);
        _members = members;
        _encodedOwners = encodedOwners;
    }

    /// <summary>No ring: the message carries only members.</summary>
    public static GossipRing None => default;

    /// <summary>Whether a ring is present.</summary>
    public bool IsPresent { get; }

    /// <summary>The ring's version.</summary>
    public ulong Version { get; }

    /// <summary>The number of partitions Q.</summary>
    public int PartitionCount { get; }

    /// <summary>The ring's members (node ids, UTF-8) in index order, without allocating.</summary>
    public MessageList<RingMemberCodec, ReadOnlyMemory<byte>, ReadOnlySpan<byte>> Members => _members;

    /// <summary>The encoded size in bytes.</summary>
    internal int Length => IsPresent ? 1 + sizeof(ulong) + sizeof(uint) + (int)_members.Length + (PartitionCount * sizeof(ushort)) : 1;

    /// <summary>The index (in <see cref="Members"/> order) of the member that owns <paramref name="partition"/>.</summary>
    public int GetOwner(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, PartitionCount);
        return _owners.IsEmpty
            ? BinaryPrimitives.ReadUInt16LittleEndian(_encodedOwners.Slice(partition * sizeof(ushort), sizeof(ushort)))
            : _owners[partition];
    }

    /// <summary>The size of the ring section alone, as <see cref="WriteSection"/> writes it.</summary>
    public int SectionLength => Length;

    /// <summary>
    /// Writes the ring section alone (the presence byte and what follows) into <paramref name="destination"/> of
    /// exactly <see cref="SectionLength"/> bytes: the body of a node's ring file (docs/STORAGE.md § Ring file).
    /// </summary>
    public void WriteSection(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        WriteTo(ref writer);
        writer.Finish();
    }

    /// <summary>
    /// Reads a ring section that is the whole of <paramref name="section"/>, checking every rule; throws
    /// <see cref="ProtocolException"/> when one is broken or bytes are left over.
    /// </summary>
    public static GossipRing ReadSection(ReadOnlySpan<byte> section)
    {
        var reader = new MessageReader(section);
        var ring = Read(ref reader);
        reader.EnsureEnd();
        return ring;
    }

    internal static GossipRing Read(scoped ref MessageReader reader)
    {
        var present = reader.ReadU8(PresentField);
        if (present == 0)
        {
            return None;
        }

        if (present != 1)
        {
            throw MessageErrors.BadRequest("The ring's presence byte is neither 0 nor 1.");
        }

        var version = reader.ReadU64("ring version");
        var partitions = reader.ReadU32(PartitionsField);
        CheckPartitionCount(partitions);
        var members = MessageList<RingMemberCodec, ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.Read(ref reader, MembersMax((int)partitions), MembersField);
        CheckMembers(members);
        var owners = reader.Take((int)partitions * sizeof(ushort), OwnersField);

        // At most MembersMax counts (4 KB): on the stack, so that reading gossip allocates nothing.
        Span<int> counts = stackalloc int[members.Count];
        for (var p = 0; p < owners.Length; p += sizeof(ushort))
        {
            var owner = BinaryPrimitives.ReadUInt16LittleEndian(owners[p..]);
            CheckOwner(owner, members.Count);
            counts[owner]++;
        }

        CheckEveryMemberOwns(counts);
        return new GossipRing(version, members, owners);
    }

    internal void WriteTo(ref MessageWriter writer)
    {
        writer.WriteU8(IsPresent ? (byte)1 : (byte)0);
        if (!IsPresent)
        {
            return;
        }

        writer.WriteU64(Version);
        writer.WriteU32((uint)PartitionCount);
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
    }

    private static int MembersMax(int partitions) => Math.Min(ProtocolLimits.MembersMax, Math.Max(partitions, 1));

    private static void CheckPartitionCount(uint partitions)
    {
        if (partitions > ProtocolLimits.PartitionsMax)
        {
            throw MessageErrors.TooLarge(PartitionsField, partitions, ProtocolLimits.PartitionsMax);
        }

        if (!BitOperations.IsPow2(partitions))
        {
            throw MessageErrors.BadRequest("The ring's partition count is not a power of two.");
        }
    }

    private static void CheckMembers(MessageList<RingMemberCodec, ReadOnlyMemory<byte>, ReadOnlySpan<byte>> members)
    {
        if (members.Count == 0)
        {
            throw MessageErrors.BadRequest("The ring lists no member.");
        }

        // Distinct: a ring member is one node. Quadratic in the member count, which is at most MembersMax, and only
        // paid by gossip, once a round.
        var i = 0;
        foreach (var member in members)
        {
            var j = 0;
            foreach (var other in members)
            {
                if (j >= i)
                {
                    break;
                }

                if (member.SequenceEqual(other))
                {
                    throw MessageErrors.BadRequest("The ring lists a member twice.");
                }

                j++;
            }

            i++;
        }
    }

    private static void CheckOwners(ReadOnlySpan<ushort> owners, int memberCount)
    {
        Span<int> counts = stackalloc int[memberCount];
        foreach (var owner in owners)
        {
            CheckOwner(owner, memberCount);
            counts[owner]++;
        }

        CheckEveryMemberOwns(counts);
    }

    private static void CheckOwner(ushort owner, int memberCount)
    {
        if (owner >= memberCount)
        {
            throw MessageErrors.BadRequest("A partition owner is not the index of a ring member.");
        }
    }

    private static void CheckEveryMemberOwns(ReadOnlySpan<int> counts)
    {
        if (counts.Contains(0))
        {
            throw MessageErrors.BadRequest("A ring member owns no partition.");
        }
    }
}

/// <summary>The list element of <see cref="GossipRing.Members"/>: a node id, UTF-8, 1 to NameBytesMax bytes.</summary>
public readonly struct RingMemberCodec : IElementCodec<ReadOnlyMemory<byte>, ReadOnlySpan<byte>>
{
    static ReadOnlySpan<byte> IElementCodec<ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.View(scoped in ReadOnlyMemory<byte> value) => value.Span;

    static void IElementCodec<ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.Check(scoped ReadOnlySpan<byte> element) =>
        MessageFields.CheckText(element, ProtocolLimits.NameBytesMax, required: true, MessageFields.NodeId);

    static int IElementCodec<ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.Size(scoped ReadOnlySpan<byte> element) =>
        MessageWriter.BytesSize(element.Length);

    static void IElementCodec<ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.Write(ref MessageWriter writer, ReadOnlySpan<byte> element) =>
        writer.WriteBytes(element);

    static ReadOnlySpan<byte> IElementCodec<ReadOnlyMemory<byte>, ReadOnlySpan<byte>>.Read(scoped ref MessageReader reader) =>
        reader.ReadBytes(ProtocolLimits.NameBytesMax, MessageFields.NodeId);
}

/// <summary>
/// The member list of <see cref="GossipRequest"/> and <see cref="GossipReply"/>: 1 to <see cref="ProtocolLimits.MembersMax"/> members, each checked when built or read. <c>foreach</c> walks
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

    /// <summary>Reads the member list of a gossip payload.</summary>
    internal static GossipMemberList Read(scoped ref MessageReader reader) =>
        new(MessageList<GossipMemberCodec, GossipMember, GossipMemberSpan>.Read(ref reader, ProtocolLimits.MembersMax, CountField));

    /// <summary>Writes the member list of a gossip payload.</summary>
    internal void WriteTo(ref MessageWriter writer) => _members.WriteTo(ref writer);
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
