using System.Text;

namespace Dynamo.Protocol;

/// <summary>
/// Asks a node to change a bucket's properties in the cluster's bucket table (docs/CLUSTER.md § Bucket properties).
/// The node applies the change with a new version and gossip spreads it. Reply: <see cref="SetBucketReply"/>.
/// <code>
/// +--------+----+----+----+-----------+
/// |  name  | n  | r  | w  | timeoutMs |
/// | bytes  | u8 | u8 | u8 |    u32    |
/// +--------+----+----+----+-----------+
/// name: UTF-8, 1 to BucketBytesMax bytes; n: 0 to ReplicasMax; 0 in n, r, w or timeoutMs keeps the current value;
/// r, w at most n when n is given; at least one of the four is given
/// </code>
/// </summary>
public readonly ref struct SetBucketRequest : IMessage<SetBucketRequest>
{
    /// <summary>Builds a change; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    /// <param name="name">The bucket's name, UTF-8.</param>
    /// <param name="n">Replicas per key; 0 keeps the current value.</param>
    /// <param name="r">Read quorum; 0 keeps the current value.</param>
    /// <param name="w">Write quorum; 0 keeps the current value.</param>
    /// <param name="timeoutMs">Request deadline in milliseconds; 0 keeps the current value.</param>
    public SetBucketRequest(ReadOnlySpan<byte> name, byte n, byte r, byte w, uint timeoutMs)
    {
        MessageFields.CheckText(name, ProtocolLimits.BucketBytesMax, required: true, MessageFields.Bucket);
        if (n > ProtocolLimits.ReplicasMax)
        {
            throw MessageErrors.BadRequest($"N is at most {ProtocolLimits.ReplicasMax}; it is {n}.");
        }

        if (n != 0 && (r > n || w > n))
        {
            throw MessageErrors.BadRequest($"R and W must be at most N = {n}; they are {r} and {w}.");
        }

        if (n == 0 && r == 0 && w == 0 && timeoutMs == 0)
        {
            throw MessageErrors.BadRequest("A bucket change sets at least one of N, R, W and the timeout.");
        }

        Name = name;
        N = n;
        R = r;
        W = w;
        TimeoutMs = timeoutMs;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.SetBucket;

    /// <summary>The bucket's name, UTF-8.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>Replicas per key; 0 keeps the current value.</summary>
    public byte N { get; }

    /// <summary>Read quorum; 0 keeps the current value.</summary>
    public byte R { get; }

    /// <summary>Write quorum; 0 keeps the current value.</summary>
    public byte W { get; }

    /// <summary>Request deadline in milliseconds; 0 keeps the current value.</summary>
    public uint TimeoutMs { get; }

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Name.Length) + 3 + sizeof(uint);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Name);
        writer.WriteU8(N);
        writer.WriteU8(R);
        writer.WriteU8(W);
        writer.WriteU32(TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static SetBucketRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var name = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var n = reader.ReadU8("N");
        var r = reader.ReadU8("R");
        var w = reader.ReadU8("W");
        var timeoutMs = reader.ReadU32("timeout");
        reader.EnsureEnd();
        return new SetBucketRequest(name, n, r, w, timeoutMs);
    }
}

/// <summary>
/// The reply to <see cref="SetBucketRequest"/>: the bucket's entry after the change, one <c>bucket</c> as in
/// <see cref="BucketList"/> and nothing after it.
/// </summary>
public readonly ref struct SetBucketReply : IMessage<SetBucketReply>
{
    /// <summary>Builds the reply; throws <see cref="ProtocolException"/> when the entry breaks a rule.</summary>
    public SetBucketReply(in BucketInfo bucket)
        : this(BucketInfoCodec.ViewOf(bucket))
    {
    }

    private SetBucketReply(BucketInfoSpan bucket)
    {
        BucketInfoCodec.Check(bucket);
        Bucket = bucket;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.SetBucketReply;

    /// <summary>The bucket's entry after the change.</summary>
    public BucketInfoSpan Bucket { get; }

    /// <inheritdoc/>
    public int Length => BucketInfoCodec.SizeOf(Bucket);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        BucketInfoCodec.WriteOne(ref writer, Bucket);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static SetBucketReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var bucket = BucketInfoCodec.ReadOne(ref reader);
        reader.EnsureEnd();
        return new SetBucketReply(bucket);
    }
}

/// <summary>
/// The bucket table as gossip (<see cref="GossipRequest"/>, <see cref="GossipReply"/>) and cluster information
/// (<see cref="ClusterInfoReply"/>) carry it: 0 to <see cref="ProtocolLimits.BucketsMax"/> buckets, each checked when
/// built or read. <c>foreach</c> walks it without allocating.
/// <code>
/// +---------------+
/// |    buckets    |
/// | list (bucket) |
/// +---------------+
/// bucket: +-------+----+----+----+-----------+---------+---------+
///         | name  | n  | r  | w  | timeoutMs | counter | node id |
///         | bytes | u8 | u8 | u8 |    u32    |   u64   |  bytes  |
///         +-------+----+----+----+-----------+---------+---------+
/// name: UTF-8, 1 to BucketBytesMax bytes; 1 &lt;= n &lt;= ReplicasMax; 1 &lt;= r, w &lt;= n; timeoutMs >= 1;
/// (counter, node id): the version; node id: UTF-8, 1 to NameBytesMax bytes
/// </code>
/// </summary>
public readonly ref struct BucketList
{
    private const string CountField = "bucket count";

    private readonly MessageList<BucketInfoCodec, BucketInfo, BucketInfoSpan> _buckets;

    /// <summary>A list over <paramref name="buckets"/>; throws <see cref="ProtocolException"/> when a bucket breaks a rule.</summary>
    public BucketList(ReadOnlySpan<BucketInfo> buckets)
        : this(MessageList<BucketInfoCodec, BucketInfo, BucketInfoSpan>.Of(buckets, ProtocolLimits.BucketsMax, CountField))
    {
    }

    private BucketList(MessageList<BucketInfoCodec, BucketInfo, BucketInfoSpan> buckets) => _buckets = buckets;

    /// <summary>The number of buckets.</summary>
    public int Count => _buckets.Count;

    /// <summary>The encoded size in bytes (an empty list is one byte: its count).</summary>
    internal int Length => _buckets.Count == 0 && _buckets.Length == 0 ? 1 : (int)_buckets.Length;

    /// <summary>Walks the buckets in order, without allocating.</summary>
    public MessageList<BucketInfoCodec, BucketInfo, BucketInfoSpan>.Enumerator GetEnumerator() => _buckets.GetEnumerator();

    /// <summary>The size of the list alone, as <see cref="WriteSection"/> writes it.</summary>
    public int SectionLength => Length;

    /// <summary>
    /// Writes the list alone into <paramref name="destination"/> of exactly <see cref="SectionLength"/> bytes: part of a
    /// node's ring file (docs/STORAGE.md § Ring file).
    /// </summary>
    public void WriteSection(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        WriteTo(ref writer);
        writer.Finish();
    }

    /// <summary>
    /// Reads a list that is the whole of <paramref name="section"/>, checking every bucket; throws
    /// <see cref="ProtocolException"/> when one breaks a rule or bytes are left over.
    /// </summary>
    public static BucketList ReadSection(ReadOnlySpan<byte> section)
    {
        var reader = new MessageReader(section);
        var buckets = Read(ref reader);
        reader.EnsureEnd();
        return buckets;
    }

    /// <summary>Reads a bucket list from <paramref name="reader"/>, checking every bucket.</summary>
    internal static BucketList Read(scoped ref MessageReader reader) =>
        new(MessageList<BucketInfoCodec, BucketInfo, BucketInfoSpan>.Read(ref reader, ProtocolLimits.BucketsMax, CountField));

    /// <summary>Writes the list (an empty or default one as a zero count).</summary>
    internal void WriteTo(ref MessageWriter writer)
    {
        if (_buckets.Count == 0)
        {
            writer.WriteVarint(0);
            return;
        }

        _buckets.WriteTo(ref writer);
    }
}

/// <summary>A bucket to encode: its name and node id as UTF-8, its N, R, W, deadline and version counter.</summary>
/// <param name="name">The bucket's name, UTF-8.</param>
/// <param name="n">Replicas per key.</param>
/// <param name="r">Read quorum.</param>
/// <param name="w">Write quorum.</param>
/// <param name="timeoutMs">Request deadline in milliseconds.</param>
/// <param name="counter">The version's counter.</param>
/// <param name="nodeId">The version's node id, UTF-8.</param>
public readonly struct BucketInfo(
    ReadOnlyMemory<byte> name, byte n, byte r, byte w, uint timeoutMs, ulong counter, ReadOnlyMemory<byte> nodeId)
{
    /// <summary>A bucket from text (encodes it to UTF-8, allocating).</summary>
    public BucketInfo(string name, byte n, byte r, byte w, uint timeoutMs, ulong counter, string nodeId)
        : this(Encoding.UTF8.GetBytes(name), n, r, w, timeoutMs, counter, Encoding.UTF8.GetBytes(nodeId))
    {
    }

    /// <summary>The bucket's name, UTF-8.</summary>
    public ReadOnlyMemory<byte> Name { get; } = name;

    /// <summary>Replicas per key.</summary>
    public byte N { get; } = n;

    /// <summary>Read quorum.</summary>
    public byte R { get; } = r;

    /// <summary>Write quorum.</summary>
    public byte W { get; } = w;

    /// <summary>Request deadline in milliseconds.</summary>
    public uint TimeoutMs { get; } = timeoutMs;

    /// <summary>The version's counter.</summary>
    public ulong Counter { get; } = counter;

    /// <summary>The version's node id, UTF-8.</summary>
    public ReadOnlyMemory<byte> NodeId { get; } = nodeId;
}

/// <summary>A bucket as read from a payload: its text fields are slices of the payload.</summary>
/// <param name="name">The bucket's name, UTF-8.</param>
/// <param name="n">Replicas per key.</param>
/// <param name="r">Read quorum.</param>
/// <param name="w">Write quorum.</param>
/// <param name="timeoutMs">Request deadline in milliseconds.</param>
/// <param name="counter">The version's counter.</param>
/// <param name="nodeId">The version's node id, UTF-8.</param>
public readonly ref struct BucketInfoSpan(
    ReadOnlySpan<byte> name, byte n, byte r, byte w, uint timeoutMs, ulong counter, ReadOnlySpan<byte> nodeId)
{
    /// <summary>The bucket's name, UTF-8.</summary>
    public ReadOnlySpan<byte> Name { get; } = name;

    /// <summary>Replicas per key.</summary>
    public byte N { get; } = n;

    /// <summary>Read quorum.</summary>
    public byte R { get; } = r;

    /// <summary>Write quorum.</summary>
    public byte W { get; } = w;

    /// <summary>Request deadline in milliseconds.</summary>
    public uint TimeoutMs { get; } = timeoutMs;

    /// <summary>The version's counter.</summary>
    public ulong Counter { get; } = counter;

    /// <summary>The version's node id, UTF-8.</summary>
    public ReadOnlySpan<byte> NodeId { get; } = nodeId;

    /// <summary>The name as a string (allocates).</summary>
    public string NameText => Encoding.UTF8.GetString(Name);

    /// <summary>The node id as a string (allocates).</summary>
    public string NodeIdText => Encoding.UTF8.GetString(NodeId);
}

/// <summary>The list element of <see cref="BucketList"/>, and the whole payload of <see cref="SetBucketReply"/>.</summary>
public readonly struct BucketInfoCodec : IElementCodec<BucketInfo, BucketInfoSpan>
{
    internal static BucketInfoSpan ViewOf(scoped in BucketInfo value) =>
        new(value.Name.Span, value.N, value.R, value.W, value.TimeoutMs, value.Counter, value.NodeId.Span);

    internal static void Check(scoped BucketInfoSpan element)
    {
        MessageFields.CheckText(element.Name, ProtocolLimits.BucketBytesMax, required: true, MessageFields.Bucket);
        if (element.N == 0 || element.N > ProtocolLimits.ReplicasMax || element.R == 0 || element.W == 0 || element.R > element.N || element.W > element.N)
        {
            throw MessageErrors.BadRequest($"A bucket's N, R and W must satisfy 1 <= R, W <= N <= {ProtocolLimits.ReplicasMax}.");
        }

        if (element.TimeoutMs == 0)
        {
            throw MessageErrors.BadRequest("A bucket's timeout is 0.");
        }

        MessageFields.CheckText(element.NodeId, ProtocolLimits.NameBytesMax, required: true, MessageFields.NodeId);
    }

    internal static int SizeOf(scoped BucketInfoSpan element) =>
        MessageWriter.BytesSize(element.Name.Length) + 3 + sizeof(uint) + sizeof(ulong) + MessageWriter.BytesSize(element.NodeId.Length);

    internal static void WriteOne(ref MessageWriter writer, BucketInfoSpan element)
    {
        writer.WriteBytes(element.Name);
        writer.WriteU8(element.N);
        writer.WriteU8(element.R);
        writer.WriteU8(element.W);
        writer.WriteU32(element.TimeoutMs);
        writer.WriteU64(element.Counter);
        writer.WriteBytes(element.NodeId);
    }

    internal static BucketInfoSpan ReadOne(scoped ref MessageReader reader)
    {
        var name = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var n = reader.ReadU8("N");
        var r = reader.ReadU8("R");
        var w = reader.ReadU8("W");
        var timeoutMs = reader.ReadU32("timeout");
        var counter = reader.ReadU64("version counter");
        return new BucketInfoSpan(name, n, r, w, timeoutMs, counter, reader.ReadBytes(ProtocolLimits.NameBytesMax, MessageFields.NodeId));
    }

    static BucketInfoSpan IElementCodec<BucketInfo, BucketInfoSpan>.View(scoped in BucketInfo value) => ViewOf(value);

    static void IElementCodec<BucketInfo, BucketInfoSpan>.Check(scoped BucketInfoSpan element) => Check(element);

    static int IElementCodec<BucketInfo, BucketInfoSpan>.Size(scoped BucketInfoSpan element) => SizeOf(element);

    static void IElementCodec<BucketInfo, BucketInfoSpan>.Write(ref MessageWriter writer, BucketInfoSpan element) => WriteOne(ref writer, element);

    static BucketInfoSpan IElementCodec<BucketInfo, BucketInfoSpan>.Read(scoped ref MessageReader reader) => ReadOne(ref reader);
}
