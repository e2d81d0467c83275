using System.Text;

namespace Dynamo.Protocol;

/// <summary>
/// Push-pull gossip, node to node: the sender's view of every member it knows. Reply: <see cref="GossipReply"/>,
/// the peer's view after merging the sender's. Both carry the same member list.
/// <code>
/// +--------+----------+-----+
/// | count  | member 0 | ... |   count: 1 to MembersMax
/// | varint |          |     |
/// +--------+----------+-----+
/// member: +---------+----------+-------+--------+-----------+
///         | node id | endpoint | epoch | status | heartbeat |
///         |  bytes  |  bytes   |  u32  |   u8   |    u64    |
///         +---------+----------+-------+--------+-----------+
/// node id: UTF-8, 1 to NameBytesMax bytes; endpoint: UTF-8 "host:port", 1 to NameBytesMax bytes;
/// status: 1 = up, 2 = down (any other value is malformed)
/// </code>
/// </summary>
public readonly ref struct GossipRequest : IMessage<GossipRequest>
{
    private readonly GossipMemberList _list;

    /// <summary>Builds a gossip message; throws <see cref="ProtocolException"/> when a member breaks a rule.</summary>
    public GossipRequest(ReadOnlySpan<GossipMember> members) => _list = new GossipMemberList(members);

    private GossipRequest(GossipMemberList list) => _list = list;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Gossip;

    /// <summary>The number of members.</summary>
    public int MemberCount => _list.Count;

    /// <summary>The members in order, without allocating.</summary>
    public GossipMemberEnumerator Members => _list.GetEnumerator();

    /// <inheritdoc/>
    public int Length => _list.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => _list.WriteTo(destination);

    /// <inheritdoc/>
    public static GossipRequest Read(ReadOnlySpan<byte> payload) => new(GossipMemberList.Read(payload));
}

/// <summary>The reply to <see cref="GossipRequest"/>: the peer's view, in the same layout.</summary>
public readonly ref struct GossipReply : IMessage<GossipReply>
{
    private readonly GossipMemberList _list;

    /// <summary>Builds a gossip reply; throws <see cref="ProtocolException"/> when a member breaks a rule.</summary>
    public GossipReply(ReadOnlySpan<GossipMember> members) => _list = new GossipMemberList(members);

    private GossipReply(GossipMemberList list) => _list = list;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.GossipReply;

    /// <summary>The number of members.</summary>
    public int MemberCount => _list.Count;

    /// <summary>The members in order, without allocating.</summary>
    public GossipMemberEnumerator Members => _list.GetEnumerator();

    /// <inheritdoc/>
    public int Length => _list.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => _list.WriteTo(destination);

    /// <inheritdoc/>
    public static GossipReply Read(ReadOnlySpan<byte> payload) => new(GossipMemberList.Read(payload));
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
public readonly struct GossipMember
{
    /// <summary>A member from UTF-8 bytes.</summary>
    public GossipMember(
        ReadOnlyMemory<byte> nodeId, ReadOnlyMemory<byte> endpoint, uint epoch, GossipStatus status, ulong heartbeat)
    {
        NodeId = nodeId;
        Endpoint = endpoint;
        Epoch = epoch;
        Status = status;
        Heartbeat = heartbeat;
    }

    /// <summary>A member from text (encodes it to UTF-8, allocating).</summary>
    public GossipMember(string nodeId, string endpoint, uint epoch, GossipStatus status, ulong heartbeat)
        : this(Encoding.UTF8.GetBytes(nodeId), Encoding.UTF8.GetBytes(endpoint), epoch, status, heartbeat)
    {
    }

    /// <summary>The node id, UTF-8.</summary>
    public ReadOnlyMemory<byte> NodeId { get; }

    /// <summary>The endpoint "host:port", UTF-8.</summary>
    public ReadOnlyMemory<byte> Endpoint { get; }

    /// <summary>The member's epoch.</summary>
    public uint Epoch { get; }

    /// <summary>What the sender believes of the member.</summary>
    public GossipStatus Status { get; }

    /// <summary>The member's own heartbeat counter; higher is newer.</summary>
    public ulong Heartbeat { get; }
}

/// <summary>A member as read from gossip: its text fields are slices of the payload.</summary>
public readonly ref struct GossipMemberSpan
{
    /// <summary>Creates a view of a member.</summary>
    public GossipMemberSpan(
        ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> endpoint, uint epoch, GossipStatus status, ulong heartbeat)
    {
        NodeId = nodeId;
        Endpoint = endpoint;
        Epoch = epoch;
        Status = status;
        Heartbeat = heartbeat;
    }

    /// <summary>The node id, UTF-8.</summary>
    public ReadOnlySpan<byte> NodeId { get; }

    /// <summary>The endpoint "host:port", UTF-8.</summary>
    public ReadOnlySpan<byte> Endpoint { get; }

    /// <summary>The member's epoch.</summary>
    public uint Epoch { get; }

    /// <summary>What the sender believes of the member.</summary>
    public GossipStatus Status { get; }

    /// <summary>The member's own heartbeat counter.</summary>
    public ulong Heartbeat { get; }

    /// <summary>The node id as a string (allocates).</summary>
    public string NodeIdText => Encoding.UTF8.GetString(NodeId);

    /// <summary>The endpoint as a string (allocates).</summary>
    public string EndpointText => Encoding.UTF8.GetString(Endpoint);
}

/// <summary>Walks the members of a gossip message in order without allocating.</summary>
public ref struct GossipMemberEnumerator
{
    private readonly ReadOnlySpan<GossipMember> _members;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal GossipMemberEnumerator(ReadOnlySpan<GossipMember> members)
    {
        _members = members;
        _count = members.Length;
        _index = -1;
    }

    internal GossipMemberEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The member at the current position.</summary>
    public GossipMemberSpan Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly GossipMemberEnumerator GetEnumerator() => this;

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
            // Already validated by GossipMemberList.Read: these reads cannot fail.
            Current = GossipMemberList.ReadMember(ref _reader);
        }
        else
        {
            var m = _members[_index];
            Current = new GossipMemberSpan(m.NodeId.Span, m.Endpoint.Span, m.Epoch, m.Status, m.Heartbeat);
        }

        return true;
    }
}

/// <summary>The member list shared by <see cref="GossipRequest"/> and <see cref="GossipReply"/>.</summary>
internal readonly ref struct GossipMemberList
{
    private const int FixedMemberBytes = 4 + 1 + 8;
    private const string CountField = "member count";
    private const string NodeIdField = "node id";
    private const string EndpointField = "endpoint";
    private const string StatusField = "status";

    private readonly ReadOnlySpan<GossipMember> _members;
    private readonly ReadOnlySpan<byte> _encoded;
    private readonly bool _fromPayload;

    public GossipMemberList(ReadOnlySpan<GossipMember> members)
    {
        CheckCount(members.Length);
        var length = Leb128.Size((uint)members.Length);
        foreach (var member in members)
        {
            CheckMember(member.NodeId.Span, member.Endpoint.Span);
            CheckStatus((byte)member.Status);
            length += MessageWriter.BytesSize(member.NodeId.Length) + MessageWriter.BytesSize(member.Endpoint.Length)
                + FixedMemberBytes;
        }

        _members = members;
        _encoded = default;
        _fromPayload = false;
        Count = members.Length;
        Length = length;
    }

    private GossipMemberList(ReadOnlySpan<byte> encoded, int count, int length)
    {
        _members = default;
        _encoded = encoded;
        _fromPayload = true;
        Count = count;
        Length = length;
    }

    public int Count { get; }

    public int Length { get; }

    public GossipMemberEnumerator GetEnumerator() =>
        _fromPayload ? new GossipMemberEnumerator(_encoded, Count) : new GossipMemberEnumerator(_members);

    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteVarint((uint)Count);
        if (_fromPayload)
        {
            writer.WriteRaw(_encoded);
        }
        else
        {
            foreach (var member in _members)
            {
                writer.WriteBytes(member.NodeId.Span);
                writer.WriteBytes(member.Endpoint.Span);
                writer.WriteU32(member.Epoch);
                writer.WriteU8((byte)member.Status);
                writer.WriteU64(member.Heartbeat);
            }
        }

        writer.Finish();
    }

    /// <remarks>Every member is checked here, so walking the list afterwards cannot fail.</remarks>
    public static GossipMemberList Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var count = reader.ReadCount(ProtocolLimits.MembersMax, CountField);
        CheckCount(count);
        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            var member = ReadMember(ref reader);
            CheckMember(member.NodeId, member.Endpoint);
            CheckStatus((byte)member.Status);
        }

        var encoded = reader.Between(start, reader.Position);
        reader.EnsureEnd();
        return new GossipMemberList(encoded, count, payload.Length);
    }

    public static GossipMemberSpan ReadMember(scoped ref MessageReader reader)
    {
        var nodeId = reader.ReadBytes(ProtocolLimits.NameBytesMax, NodeIdField);
        var endpoint = reader.ReadBytes(ProtocolLimits.NameBytesMax, EndpointField);
        var epoch = reader.ReadU32("epoch");
        var status = reader.ReadU8(StatusField);
        var heartbeat = reader.ReadU64("heartbeat");
        return new GossipMemberSpan(nodeId, endpoint, epoch, (GossipStatus)status, heartbeat);
    }

    private static void CheckCount(int count)
    {
        MessageFields.CheckCount(count, ProtocolLimits.MembersMax, CountField);
        if (count == 0)
        {
            throw MessageErrors.BadRequest("Gossip lists no member.");
        }
    }

    private static void CheckMember(ReadOnlySpan<byte> nodeId, ReadOnlySpan<byte> endpoint)
    {
        MessageFields.CheckText(nodeId, ProtocolLimits.NameBytesMax, required: true, NodeIdField);
        MessageFields.CheckEndpoint(endpoint, EndpointField);
    }

    private static void CheckStatus(byte status)
    {
        if (status is not ((byte)GossipStatus.Up or (byte)GossipStatus.Down))
        {
            throw MessageErrors.BadRequest("A member's status is neither up (1) nor down (2).");
        }
    }
}
