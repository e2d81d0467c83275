using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// The hot messages decode and encode without allocating once warmed up: decoding slices the payload, sibling
/// walks are ref struct enumerators, encoding writes into the caller's span. Every message with a list (the one
/// list codec, <see cref="MessageList{TCodec, TValue, TView}"/>) is held to the same: read and walked, built from
/// values and written, and written back from what was read.
/// </summary>
public sealed class AllocationTests
{
    private const int WarmUps = 200;
    private const int Iterations = 2000;

    private readonly byte[] _value = new byte[300];
    private readonly byte[] _context = new byte[40];
    private readonly byte[] _destination = new byte[4096];
    private SiblingValue[] _siblings = [];
    private byte[] _get = [];
    private byte[] _put = [];
    private byte[] _getReply = [];
    private long _sink;

    private TreeNodeHash[] _hashes = [];
    private TreeNode[] _nodes = [];
    private int[] _partitions = [];
    private KeyVersionEntry[] _keys = [];
    private KeyCopyEntry[] _copies = [];
    private ClusterMember[] _members = [];
    private ushort[] _owners = [];
    private ReadOnlyMemory<byte>[] _ringMembers = [];
    private GossipMember[] _gossip = [];
    private byte[] _treeCompare = [];
    private byte[] _treeCompareReply = [];
    private byte[] _keysCompare = [];
    private byte[] _keysCompareReply = [];
    private byte[] _clusterInfoReply = [];
    private byte[] _gossipRequest = [];
    private byte[] _omittedGetReply = [];

    [SetUp]
    public void CreateSamples()
    {
        _value.AsSpan().Fill(0x76);
        _context.AsSpan().Fill(0xC7);
        _siblings = [new(_value), SiblingValue.Tombstone, new(_value.AsMemory(0, 17))];
        _get = Codec.Encode(new GetRequest("bucket"u8, "some-key"u8, 2, 1000));
        _put = Codec.Encode(new PutRequest("bucket"u8, "some-key"u8, _value, _context, 2, true, 1000));
        _getReply = Codec.Encode(new GetReply(_context, _siblings));
        _omittedGetReply = Codec.Encode(new GetReply(_context, [SiblingValue.Omitted(5_000_000), SiblingValue.Tombstone]));

        _hashes = [new(1, 2, 3), new(4, 5, 6), new(ProtocolLimits.PartitionsMax - 1, int.MaxValue, ulong.MaxValue)];
        _nodes = [new(1, 2), new(300, 70_000)];
        _partitions = [0, 129, ProtocolLimits.PartitionsMax - 1];
        _keys = [new("bucket"u8.ToArray(), "key-1"u8.ToArray(), 11), new(default, "key-2"u8.ToArray(), 12)];
        _copies = [new("bucket"u8.ToArray(), "key-1"u8.ToArray(), _value), new("bucket"u8.ToArray(), "key-2"u8.ToArray(), default)];
        _members = [new("n1", "10.0.0.1:7000"), new("n2", "[::1]:7001")];
        _owners = [0, 1, 1, 0];
        _ringMembers = ["n1"u8.ToArray(), "n2"u8.ToArray()];
        _gossip = [new("n1", "10.0.0.1:7000", 3, GossipStatus.Up, 99), new("n2", string.Empty, 1, GossipStatus.Down, 7)];
        _treeCompare = Codec.Encode(new TreeCompareRequest(2, _hashes));
        _treeCompareReply = Codec.Encode(new TreeCompareReply(_nodes, _partitions));
        _keysCompare = Codec.Encode(new KeysCompareRequest(_nodes, _keys));
        _keysCompareReply = Codec.Encode(new KeysCompareReply(_copies));
        _clusterInfoReply = Codec.Encode(new ClusterInfoReply(7, 3, 2, 2, _members, _owners));
        _gossipRequest = Codec.Encode(new GossipRequest(_gossip, new GossipRing(3, _ringMembers, _owners)));
    }

    [Test]
    public void Decoding_a_get_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var get = GetRequest.Read(_get);
            _sink += get.Key.Length + get.R;
        }), Is.Zero);
    }

    [Test]
    public void Decoding_a_put_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var put = PutRequest.Read(_put);
            _sink += put.Value.Length + put.Context.Length;
        }), Is.Zero);
    }

    [Test]
    public void Decoding_a_get_reply_and_walking_its_siblings_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var reply = GetReply.Read(_getReply);
            foreach (var sibling in reply.Siblings)
            {
                _sink += sibling.Value.Length + (sibling.IsTombstone ? 1 : 0);
            }
        }), Is.Zero);
    }

    [Test]
    public void Encoding_a_put_into_a_span_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var put = new PutRequest("bucket"u8, "some-key"u8, _value, _context, 2, true, 1000);
            put.WriteTo(_destination);
            _sink += put.Length;
        }), Is.Zero);
    }

    [Test]
    public void Encoding_a_get_reply_into_a_span_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var reply = new GetReply(_context, _siblings);
            reply.WriteTo(_destination);
            _sink += reply.Length;
        }), Is.Zero);
    }

    [Test]
    public void Reading_and_walking_every_list_of_every_list_message_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            foreach (var hash in TreeCompareRequest.Read(_treeCompare).Hashes)
            {
                _sink += hash.Index;
            }

            var treeReply = TreeCompareReply.Read(_treeCompareReply);
            foreach (var node in treeReply.Differing)
            {
                _sink += node.Partition;
            }

            foreach (var partition in treeReply.Unready)
            {
                _sink += partition;
            }

            var keys = KeysCompareRequest.Read(_keysCompare);
            foreach (var segment in keys.Segments)
            {
                _sink += segment.Index;
            }

            foreach (var key in keys.Keys)
            {
                _sink += key.Key.Length + (long)key.VersionHash;
            }

            foreach (var copy in KeysCompareReply.Read(_keysCompareReply).Copies)
            {
                _sink += copy.Object.Length;
            }

            foreach (var member in ClusterInfoReply.Read(_clusterInfoReply).Members)
            {
                _sink += member.Endpoint.Length;
            }

            foreach (var member in GossipReply.Read(_gossipRequest).Members)
            {
                _sink += member.NodeId.Length + (long)member.Heartbeat;
            }

            foreach (var sibling in GetReply.Read(_omittedGetReply).Siblings)
            {
                _sink += sibling.Length;
            }
        }), Is.Zero);
    }

    [Test]
    public void Building_and_writing_every_list_message_from_values_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            _sink += Write(new TreeCompareRequest(2, _hashes));
            _sink += Write(new TreeCompareReply(_nodes, _partitions));
            _sink += Write(new KeysCompareRequest(_nodes, _keys));
            _sink += Write(new KeysCompareReply(_copies));
            _sink += Write(new ClusterInfoReply(7, 3, 2, 2, _members, _owners));
            _sink += Write(new GossipRequest(_gossip, new GossipRing(3, _ringMembers, _owners)));
            _sink += Write(new GossipReply(_gossip, GossipRing.None));
        }), Is.Zero);
    }

    [Test]
    public void Writing_back_every_list_message_as_read_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            _sink += Write(TreeCompareRequest.Read(_treeCompare));
            _sink += Write(TreeCompareReply.Read(_treeCompareReply));
            _sink += Write(KeysCompareRequest.Read(_keysCompare));
            _sink += Write(KeysCompareReply.Read(_keysCompareReply));
            _sink += Write(ClusterInfoReply.Read(_clusterInfoReply));
            _sink += Write(GossipRequest.Read(_gossipRequest));
            _sink += Write(GetReply.Read(_omittedGetReply));
        }), Is.Zero);
    }

    [Test]
    public void The_measure_sees_an_allocation()
    {
        Assert.That(AllocatedBy(() => _sink += GetRequest.Read(_get).Key.ToArray().Length), Is.GreaterThan(0));
    }

    /// <summary>Writes a message into the reused destination; returns its length.</summary>
    private int Write<T>(in T message)
        where T : IPayload, allows ref struct
    {
        message.WriteTo(_destination);
        return message.Length;
    }

    private static long AllocatedBy(Action action)
    {
        for (var i = 0; i < WarmUps; i++)
        {
            action();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
