using System.Buffers;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;
using Dynamo.Server.Wire;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>The bucket table on the wire: gossip, cluster information and the SetBucket request.</summary>
public sealed class BucketWireTests
{
    private static readonly NodeId s_n1 = NodeId.Parse("n1");
    private static readonly NodeId s_n2 = NodeId.Parse("n2");

    private static readonly BucketEntry[] s_entries =
    [
        new("carts", new BucketProps(2, 1, 1, 900), new BucketVersion(3, s_n2)),
        new("logs", new BucketProps(5, 3, 4, 100), new BucketVersion(0, s_n1)),
    ];

    [Test]
    public void The_wire_limits_match_the_engine_limits()
    {
        Assert.That(ProtocolLimits.BucketsMax, Is.EqualTo(Limits.BucketsMax), "gossip carries every bucket the engine holds");
        Assert.That(ProtocolLimits.ReplicasMax, Is.EqualTo(Limits.ReplicasMax));
        Assert.That(ProtocolLimits.BucketBytesMax, Is.EqualTo(Limits.BucketNameBytesMax));
    }

    [Test]
    public void Gossip_carries_the_bucket_table_to_the_peer_and_back()
    {
        var members = System.Collections.Immutable.ImmutableArray.Create(new MemberState(s_n1, "h:1", 1, MemberStatus.Up, 4));
        var output = new ArrayBufferWriter<byte>();
        PeerCodec.WriteRequest(output, 9, new Gossip(members, null, [.. s_entries]), new ArrayBufferWriter<byte>());
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);

        var decoded = RequestDecoder.Decode(header.Opcode, payload.ToArray());
        var gossip = (Gossip)decoded.Request!;
        Assert.That(gossip.Buckets, Is.EqualTo(s_entries));

        var (replyHeader, replyPayload) = WriteReply(new OutboundReply(9, ReplyKind.Response, Opcode.Gossip, Response: new GossipResult(members, null, [.. s_entries])));
        var result = (GossipResult)PeerCodec.ReadReply(Opcode.Gossip, replyHeader.Opcode, replyPayload);
        Assert.That(result.Buckets, Is.EqualTo(s_entries));
    }

    [Test]
    public void Gossip_with_a_bucket_the_engine_cannot_hold_is_refused_whole()
    {
        GossipMember[] members = [new("n1", "h:1", 1, GossipStatus.Up, 1)];
        BucketInfo[] badNode = [new("b", 2, 1, 1, 100, 1, "bad/id")];
        BucketInfo[] badTimeout = [new("b", 2, 1, 1, Limits.RequestTimeoutMaxMs + 1, 1, "n1")];
        foreach (var buckets in new[] { badNode, badTimeout })
        {
            var decoded = RequestDecoder.Decode(Opcode.Gossip, Encode(new GossipRequest(members, GossipRing.None, buckets)));
            Assert.That((decoded.Kind, decoded.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));
            Assert.That(PeerCodec.ReadReply(Opcode.Gossip, Opcode.GossipReply, Encode(new GossipReply(members, GossipRing.None, buckets))), Is.TypeOf<PeerFailure>());
        }
    }

    [Test]
    public void A_set_bucket_frame_becomes_the_core_request_and_its_result_the_reply()
    {
        var decoded = RequestDecoder.Decode(Opcode.SetBucket, Encode(new SetBucketRequest("carts"u8, 2, 0, 1, 0)));
        Assert.That(decoded.Kind, Is.EqualTo(RequestKind.Core));
        Assert.That(decoded.Request, Is.EqualTo(new SetBucketProps("carts", 2, 0, 1, 0)));

        var (header, payload) = WriteReply(new OutboundReply(4, ReplyKind.Response, Opcode.SetBucket, Response: new BucketPropsResult(s_entries[0])));
        Assert.That(header.Opcode, Is.EqualTo(Opcode.SetBucketReply));
        var reply = SetBucketReply.Read(payload);
        Assert.That(BucketWire.TryRead(reply.Bucket, out var entry, out _), Is.True);
        Assert.That(entry, Is.EqualTo(s_entries[0]));
    }

    [TestCase("0162" + "020301" + "00000000", TestName = "A set bucket frame with R over N is a bad request")]
    [TestCase("0162" + "000000" + "00000000", TestName = "A set bucket frame that changes nothing is a bad request")]
    [TestCase("05" + "020101", TestName = "A set bucket frame whose name runs past the payload is a bad request")]
    public void Bad_set_bucket_frames_are_answered_with_an_error(string hex)
    {
        var decoded = RequestDecoder.Decode(Opcode.SetBucket, Convert.FromHexString(hex));
        Assert.That((decoded.Kind, decoded.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));
    }

    [Test]
    public void A_refused_change_is_answered_with_its_reason()
    {
        var refused = new ClientResult(ClientStatus.BadRequest, null, Engine.Versions.CausalContext.Empty, 0, 0, "R must be from 1 to N = 3; it is 4.");
        var (header, payload) = WriteReply(new OutboundReply(4, ReplyKind.Response, Opcode.SetBucket, Response: refused));
        Assert.That(header.Opcode, Is.EqualTo(Opcode.Error));
        var error = ErrorReply.Read(payload);
        Assert.That((error.Code, error.MessageText), Is.EqualTo((ErrorCode.BadRequest, "R must be from 1 to N = 3; it is 4.")));
    }

    [Test]
    public void Cluster_information_carries_the_bucket_table()
    {
        var ring = Ring.Create([s_n1, s_n2], 8);
        var addresses = new Dictionary<NodeId, string> { [s_n1] = "h:1", [s_n2] = "h:2" };
        var payload = ClusterInfoWire.Payload(BucketProps.Default, ring, addresses, [.. s_entries])!;

        var reply = ClusterInfoReply.Read(payload);
        var read = new List<BucketEntry>();
        foreach (var bucket in reply.Buckets)
        {
            Assert.That(BucketWire.TryRead(bucket, out var entry, out _), Is.True);
            read.Add(entry);
        }

        Assert.That(read, Is.EqualTo(s_entries));
    }

    private static byte[] Encode<T>(in T message)
        where T : IPayload, allows ref struct
    {
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        return bytes;
    }

    private static (FrameHeader Header, byte[] Payload) WriteReply(OutboundReply reply)
    {
        var output = new ArrayBufferWriter<byte>();
        ReplyEncoder.Write(output, reply, new ArrayBufferWriter<byte>());
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
        using var lease = FramePayload.Open(header, payload);
        return (header, lease.Span.ToArray());
    }
}
