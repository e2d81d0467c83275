using System.Buffers;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Handoff;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;
using Dynamo.Server.Wire;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

public sealed class WireMappingTests
{
    private static readonly Actor s_actor = new(NodeId.Parse("n1"), 7);

    private static SiblingSet TwoSiblings()
    {
        var first = SiblingSet.Empty.Put(s_actor, CausalContext.Empty, "v1"u8.ToArray(), isTombstone: false);
        var other = new Actor(NodeId.Parse("n2"), 1);
        return first.Merge(SiblingSet.Empty.Put(other, CausalContext.Empty, "v2"u8.ToArray(), isTombstone: false));
    }

    private static byte[] Encode<T>(in T message)
        where T : IPayload, allows ref struct
    {
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        return bytes;
    }

    private static byte[] EncodeContext(CausalContext context)
    {
        var writer = new ArrayBufferWriter<byte>();
        ContextCodec.Encode(context, writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a reply through the encoder and reads the one frame back.</summary>
    private static (FrameHeader Header, byte[] Payload) WriteReply(OutboundReply reply)
    {
        var output = new ArrayBufferWriter<byte>();
        ReplyEncoder.Write(output, reply, new ArrayBufferWriter<byte>());
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
        Assert.That(buffer.Length, Is.Zero, "exactly one frame");
        using var lease = FramePayload.Open(header, payload);
        return (header, lease.Span.ToArray());
    }

    [Test]
    public void A_put_frame_becomes_a_client_command_owning_its_bytes_with_the_decoded_context()
    {
        var context = TwoSiblings().Context;
        var payload = Encode(new PutRequest("b"u8, "k"u8, "value"u8, EncodeContext(context), w: 3, returnContext: true, timeoutMs: 250));

        var decoded = RequestDecoder.Decode(Opcode.Put, payload);
        payload.AsSpan().Clear();

        Assert.That(decoded.Kind, Is.EqualTo(RequestKind.Core));
        var command = (ClientCommand)decoded.Request!;
        Assert.That(command.Operation, Is.EqualTo(ClientOperation.Put));
        Assert.That(command.Bucket, Is.EqualTo("b"u8.ToArray()));
        Assert.That(command.Key, Is.EqualTo("k"u8.ToArray()));
        Assert.That(command.Value.ToArray(), Is.EqualTo("value"u8.ToArray()), "copied out of the pipe's payload");
        Assert.That(command.Context, Is.EqualTo(context));
        Assert.That((command.W, command.TimeoutMs, command.ReturnContext), Is.EqualTo((3, 250, true)));
        Assert.That(decoded.ReturnContext, Is.True);
    }

    [Test]
    public void Get_delete_and_replica_frames_map_to_their_requests()
    {
        var get = (ClientCommand)RequestDecoder.Decode(Opcode.Get, Encode(new GetRequest("b"u8, "k"u8, 2, 40))).Request!;
        Assert.That((get.Operation, get.R, get.TimeoutMs, get.Context.IsEmpty), Is.EqualTo((ClientOperation.Get, 2, 40, true)));

        var delete = (ClientCommand)RequestDecoder.Decode(Opcode.Delete, Encode(new DeleteRequest("b"u8, "k"u8, [], 1))).Request!;
        Assert.That((delete.Operation, delete.W, delete.Context.IsEmpty), Is.EqualTo((ClientOperation.Delete, 1, true)));

        var read = (ReplicaRead)RequestDecoder.Decode(Opcode.ReplicaRead, Encode(new ReplicaReadRequest("b"u8, "k"u8))).Request!;
        Assert.That(read.Key, Is.EqualTo("k"u8.ToArray()));

        var set = TwoSiblings();
        var objectBytes = new ArrayBufferWriter<byte>();
        SiblingSetCodec.Encode(set, objectBytes);
        var write = (ReplicaWrite)RequestDecoder.Decode(
            Opcode.ReplicaWrite, Encode(new ReplicaWriteRequest("b"u8, "k"u8, objectBytes.WrittenSpan))).Request!;
        Assert.That(write.Set, Is.EqualTo(set));
    }

    [Test]
    public void Ping_info_and_cluster_info_are_answered_by_the_shell()
    {
        Assert.That(RequestDecoder.Decode(Opcode.Ping, []).Kind, Is.EqualTo(RequestKind.Ping));
        Assert.That(RequestDecoder.Decode(Opcode.Info, []).Kind, Is.EqualTo(RequestKind.Info));
        Assert.That(RequestDecoder.Decode(Opcode.ClusterInfo, []).Kind, Is.EqualTo(RequestKind.ClusterInfo));
    }

    [Test]
    public void Bad_request_bytes_become_an_error_for_that_request()
    {
        var badContext = RequestDecoder.Decode(Opcode.Put, Encode(new PutRequest("b"u8, "k"u8, "v"u8, [0xFF, 0x00])));
        Assert.That((badContext.Kind, badContext.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));
        Assert.That(badContext.ErrorMessage, Does.StartWith("Context:"));

        var badObject = RequestDecoder.Decode(Opcode.ReplicaWrite, Encode(new ReplicaWriteRequest("b"u8, "k"u8, [1, 2, 3])));
        Assert.That((badObject.Kind, badObject.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));

        var trailing = RequestDecoder.Decode(Opcode.Ping, [0]);
        Assert.That((trailing.Kind, trailing.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));

        var unknown = RequestDecoder.Decode((Opcode)0x2A, []);
        Assert.That((unknown.Kind, unknown.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.UnknownOpcode)));

        var reply = RequestDecoder.Decode(Opcode.Pong, []);
        Assert.That(reply.ErrorCode, Is.EqualTo(ErrorCode.UnknownOpcode), "a reply opcode is no request");
    }

    [Test]
    public void A_get_result_becomes_a_get_reply_with_values_tombstones_and_the_context()
    {
        var set = TwoSiblings();
        var deleted = set.Put(s_actor, CausalContext.Empty, ReadOnlyMemory<byte>.Empty, isTombstone: true);
        var result = new ClientResult(ClientStatus.Ok, deleted, deleted.Context, 2, 2, null);

        var (header, payload) = WriteReply(new OutboundReply(9, ReplyKind.Response, Opcode.Get, Response: result));

        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.GetReply, 9UL)));
        var reply = GetReply.Read(payload);
        Assert.That(ContextCodec.Decode(reply.Context), Is.EqualTo(deleted.Context));
        var siblings = new List<(bool, string)>();
        foreach (var sibling in reply.Siblings)
        {
            siblings.Add((sibling.IsTombstone, System.Text.Encoding.UTF8.GetString(sibling.Value)));
        }

        Assert.That(siblings, Is.EquivalentTo(new[] { (false, "v1"), (false, "v2"), (true, string.Empty) }));
    }

    [Test]
    public void A_get_of_only_tombstones_is_not_found_but_keeps_its_context()
    {
        var deleted = SiblingSet.Empty.Put(s_actor, CausalContext.Empty, ReadOnlyMemory<byte>.Empty, isTombstone: true);
        var result = new ClientResult(ClientStatus.Ok, deleted, deleted.Context, 1, 1, null);

        var reply = GetReply.Read(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Get, Response: result)).Payload);

        Assert.That(reply.IsNotFound, Is.True);
        Assert.That(ContextCodec.Decode(reply.Context), Is.EqualTo(deleted.Context));
    }

    [Test]
    public void A_get_of_a_missing_key_is_not_found_with_an_empty_context()
    {
        var result = new ClientResult(ClientStatus.Ok, SiblingSet.Empty, CausalContext.Empty, 1, 1, null);

        var reply = GetReply.Read(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Get, Response: result)).Payload);

        Assert.That(reply.IsNotFound, Is.True);
        Assert.That(reply.Context.IsEmpty, Is.True);
    }

    [Test]
    public void A_put_result_carries_the_context_only_when_asked()
    {
        var set = TwoSiblings();
        var result = new ClientResult(ClientStatus.Ok, null, set.Context, 2, 2, null);

        var asked = PutReply.Read(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Put, ReturnContext: true, Response: result)).Payload);
        var notAsked = PutReply.Read(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Put, Response: result)).Payload);

        Assert.That(ContextCodec.Decode(asked.Context), Is.EqualTo(set.Context));
        Assert.That(notAsked.Context.IsEmpty, Is.True);
        Assert.That(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Delete, Response: result)).Header.Opcode, Is.EqualTo(Opcode.DeleteReply));
    }

    [TestCase(ClientStatus.QuorumNotMet, ErrorCode.QuorumNotMet, 2, 1, 0u)]
    [TestCase(ClientStatus.Timeout, ErrorCode.Timeout, 0, 0, 0u)]
    [TestCase(ClientStatus.Unavailable, ErrorCode.Unavailable, 0, 0, 0u)]
    [TestCase(ClientStatus.VersionLimit, ErrorCode.VersionLimit, 0, 0, 0u)]
    [TestCase(ClientStatus.BadRequest, ErrorCode.BadRequest, 0, 0, 0u)]
    [TestCase(ClientStatus.Overloaded, ErrorCode.Overloaded, 0, 0, (uint)ServerLimits.OverloadedRetryAfterMs)]
    public void A_failed_command_becomes_an_error_reply_with_the_mapped_code(
        ClientStatus status, ErrorCode code, int required, int received, uint retryAfterMs)
    {
        var result = new ClientResult(status, null, CausalContext.Empty, 2, 1, "why");

        var (header, payload) = WriteReply(new OutboundReply(5, ReplyKind.Response, Opcode.Put, Response: result));

        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.Error, 5UL)));
        var error = ErrorReply.Read(payload);
        Assert.That((error.Code, (int)error.Required, (int)error.Received, error.RetryAfterMs), Is.EqualTo((code, required, received, retryAfterMs)));
        Assert.That(error.MessageText, Is.EqualTo("why"));
    }

    [Test]
    public void Replica_results_become_replica_replies()
    {
        var set = TwoSiblings();
        var present = ReplicaReadReply.Read(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.ReplicaRead, Response: new ReplicaReadResult(set))).Payload);
        var absent = ReplicaReadReply.Read(WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.ReplicaRead, Response: new ReplicaReadResult(null))).Payload);

        Assert.That(SiblingSetCodec.Decode(present.Object), Is.EqualTo(set));
        Assert.That(absent.IsAbsent, Is.True);
        Assert.That(
            WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.ReplicaWrite, Response: new ReplicaWriteAck())).Header.Opcode,
            Is.EqualTo(Opcode.ReplicaWriteReply));
    }

    [Test]
    public void A_long_error_message_is_cut_to_the_protocol_limit()
    {
        var (_, payload) = WriteReply(OutboundReply.Error(3, Opcode.Get, ErrorCode.BadRequest, new string('é', 5000)));

        Assert.That(ErrorReply.Read(payload).Message.Length, Is.LessThanOrEqualTo(ProtocolLimits.ErrorMessageBytesMax));
    }

    [Test]
    public void Requests_to_peers_travel_as_frames_the_peer_decodes_to_the_same_request()
    {
        var set = TwoSiblings();
        NodeRequest[] requests =
        [
            new ReplicaRead("b"u8.ToArray(), "k"u8.ToArray()),
            new ReplicaWrite("b"u8.ToArray(), "k"u8.ToArray(), set),
            new ClientCommand(ClientOperation.Put, "b"u8.ToArray(), "k"u8.ToArray(), "v"u8.ToArray(), set.Context, 0, 2, 300, true),
            new ClientCommand(ClientOperation.Delete, "b"u8.ToArray(), "k"u8.ToArray(), default, set.Context, 0, 3, 0, false),
        ];
        foreach (var request in requests)
        {
            var output = new ArrayBufferWriter<byte>();
            PeerCodec.WriteRequest(output, 77, request, new ArrayBufferWriter<byte>());
            var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
            Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
            Assert.That((header.RequestId, header.Opcode), Is.EqualTo((77UL, PeerCodec.OpcodeOf(request))));
            var decoded = RequestDecoder.Decode(header.Opcode, payload.ToArray()).Request;
            if (request is ClientCommand command)
            {
                var back = (ClientCommand)decoded!;
                Assert.That((back.Operation, back.W, back.TimeoutMs, back.Context), Is.EqualTo((command.Operation, command.W, command.TimeoutMs, command.Context)));
                Assert.That(back.Value.ToArray(), Is.EqualTo(command.Value.ToArray()));
            }
            else if (request is ReplicaWrite write)
            {
                Assert.That(((ReplicaWrite)decoded!).Set, Is.EqualTo(write.Set));
            }
            else
            {
                Assert.That(((ReplicaRead)decoded!).Key, Is.EqualTo(((ReplicaRead)request).Key));
            }
        }
    }

    [Test]
    public void Peer_replies_map_back_to_core_responses()
    {
        var set = TwoSiblings();
        var objectBytes = new ArrayBufferWriter<byte>();
        SiblingSetCodec.Encode(set, objectBytes);

        Assert.That(
            ((ReplicaReadResult)PeerCodec.ReadReply(Opcode.ReplicaRead, Opcode.ReplicaReadReply, Encode(new ReplicaReadReply(objectBytes.WrittenSpan)))).Set,
            Is.EqualTo(set));
        Assert.That(((ReplicaReadResult)PeerCodec.ReadReply(Opcode.ReplicaRead, Opcode.ReplicaReadReply, Encode(new ReplicaReadReply([])))).Set, Is.Null);
        Assert.That(PeerCodec.ReadReply(Opcode.ReplicaWrite, Opcode.ReplicaWriteReply, []), Is.TypeOf<ReplicaWriteAck>());
        Assert.That(
            ((ClientResult)PeerCodec.ReadReply(Opcode.Put, Opcode.PutReply, Encode(new PutReply(EncodeContext(set.Context))))).Context,
            Is.EqualTo(set.Context));
        Assert.That(((ClientResult)PeerCodec.ReadReply(Opcode.Delete, Opcode.DeleteReply, [])).Status, Is.EqualTo(ClientStatus.Ok));
    }

    [Test]
    public void A_peer_error_relays_its_status_as_a_refusal_and_only_unknown_errors_count_as_a_peer_failure()
    {
        var quorum = Encode(new ErrorReply(ErrorCode.QuorumNotMet, "q"u8, required: 2, received: 1));
        var forwarded = (ClientResult)PeerCodec.ReadReply(Opcode.Put, Opcode.Error, quorum);
        Assert.That((forwarded.Status, forwarded.Required, forwarded.Received, forwarded.Message), Is.EqualTo((ClientStatus.QuorumNotMet, 2, 1, "q")));

        // A replica that answers a write with an error is up and said no: the core fails the slot without
        // believing the peer down (a PeerFailure would).
        var tooLarge = (ClientResult)PeerCodec.ReadReply(Opcode.ReplicaWrite, Opcode.Error, Encode(new ErrorReply(ErrorCode.TooLarge, "big"u8)));
        Assert.That((tooLarge.Status, tooLarge.Message), Is.EqualTo((ClientStatus.TooLarge, "big")));
        var storage = (ClientResult)PeerCodec.ReadReply(Opcode.ReplicaWrite, Opcode.Error, Encode(new ErrorReply(ErrorCode.StorageFailed, "eio"u8)));
        Assert.That(storage.Status, Is.EqualTo(ClientStatus.StorageFailed));
        var forwardedTooLarge = (ClientResult)PeerCodec.ReadReply(Opcode.Put, Opcode.Error, Encode(new ErrorReply(ErrorCode.TooLarge, "big"u8)));
        Assert.That(forwardedTooLarge.Status, Is.EqualTo(ClientStatus.TooLarge), "a forwarded write refused at the bound stays TooLarge");

        Assert.That(PeerCodec.ReadReply(Opcode.Put, Opcode.Error, Encode(new ErrorReply(ErrorCode.Internal, "x"u8))), Is.TypeOf<PeerFailure>());
        Assert.That(PeerCodec.ReadReply(Opcode.ReplicaWrite, Opcode.Error, Encode(new ErrorReply(ErrorCode.CorruptFrame, "x"u8))), Is.TypeOf<PeerFailure>());
        Assert.That(PeerCodec.ReadReply(Opcode.ReplicaRead, Opcode.ReplicaWriteReply, []), Is.TypeOf<PeerFailure>(), "a reply of the wrong kind");
        Assert.That(PeerCodec.ReadReply(Opcode.ReplicaRead, Opcode.ReplicaReadReply, [9]), Is.TypeOf<PeerFailure>(), "a malformed reply");
    }

    [Test]
    public void Gossip_and_hinted_writes_travel_to_peers_and_back_as_the_same_requests_and_replies()
    {
        var set = TwoSiblings();
        var members = System.Collections.Immutable.ImmutableArray.Create(
            new MemberState(NodeId.Parse("n1"), "127.0.0.1:7101", 3, MemberStatus.Up, 42),
            new MemberState(NodeId.Parse("n2"), "[::1]:7102", 1, MemberStatus.Down, 7),
            new MemberState(NodeId.Parse("n4"), "", 0, MemberStatus.Up, 0));
        var ring = new RingState(4, Ring.Create([NodeId.Parse("n1"), NodeId.Parse("n2"), NodeId.Parse("n4")], 16));
        NodeRequest[] requests =
        [
            new Gossip(members, ring),
            new HintedWrite(NodeId.Parse("n3"), "b"u8.ToArray(), "k"u8.ToArray(), set),
        ];
        foreach (var request in requests)
        {
            var output = new ArrayBufferWriter<byte>();
            PeerCodec.WriteRequest(output, 9, request, new ArrayBufferWriter<byte>());
            var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
            Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
            Assert.That(header.Opcode, Is.EqualTo(PeerCodec.OpcodeOf(request)));
            var decoded = RequestDecoder.Decode(header.Opcode, payload.ToArray());
            Assert.That(decoded.Kind, Is.EqualTo(RequestKind.Core));
            if (request is Gossip)
            {
                Assert.That(((Gossip)decoded.Request!).Members, Is.EqualTo(members));
                Assert.That(((Gossip)decoded.Request!).Ring, Is.EqualTo(ring), "the ring and its version arrive whole");
            }
            else
            {
                var hinted = (HintedWrite)decoded.Request!;
                Assert.That((hinted.Target, hinted.Set), Is.EqualTo((NodeId.Parse("n3"), set)));
                Assert.That(hinted.Key, Is.EqualTo("k"u8.ToArray()));
            }
        }

        var gossipReply = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Gossip, Response: new GossipResult(members, ring)));
        Assert.That(gossipReply.Header.Opcode, Is.EqualTo(Opcode.GossipReply));
        var result = (GossipResult)PeerCodec.ReadReply(Opcode.Gossip, Opcode.GossipReply, gossipReply.Payload);
        Assert.That((result.Members, result.Ring), Is.EqualTo((members, ring)));

        var hintAck = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.HintedWrite, Response: new ReplicaWriteAck()));
        Assert.That(hintAck.Header.Opcode, Is.EqualTo(Opcode.HintedWriteReply));
        Assert.That(PeerCodec.ReadReply(Opcode.HintedWrite, Opcode.HintedWriteReply, hintAck.Payload), Is.TypeOf<ReplicaWriteAck>());

        var refused = WriteReply(new OutboundReply(
            1, ReplyKind.Response, Opcode.HintedWrite, Response: new ClientResult(ClientStatus.Overloaded, null, CausalContext.Empty, 0, 0, "full")));
        Assert.That(refused.Header.Opcode, Is.EqualTo(Opcode.Error));
        Assert.That(
            ((ClientResult)PeerCodec.ReadReply(Opcode.HintedWrite, Opcode.Error, refused.Payload)).Status,
            Is.EqualTo(ClientStatus.Overloaded),
            "a refused hint is a failed slot, not a failed peer");
    }

    [Test]
    public void The_strict_flag_travels_on_client_frames_and_forwards()
    {
        var get = RequestDecoder.Decode(Opcode.Get, Encode(new GetRequest("b"u8, "k"u8, r: 2, strict: true)));
        var put = RequestDecoder.Decode(Opcode.Put, Encode(new PutRequest("b"u8, "k"u8, "v"u8, [], w: 2, strict: true)));
        var delete = RequestDecoder.Decode(Opcode.Delete, Encode(new DeleteRequest("b"u8, "k"u8, [], w: 2)));
        Assert.That(((ClientCommand)get.Request!).Strict, Is.True);
        Assert.That(((ClientCommand)put.Request!).Strict, Is.True);
        Assert.That(((ClientCommand)delete.Request!).Strict, Is.False);

        var forward = new ClientCommand(ClientOperation.Delete, "b"u8.ToArray(), "k"u8.ToArray(), default, CausalContext.Empty, 0, 2, 100, false, Strict: true);
        var output = new ArrayBufferWriter<byte>();
        PeerCodec.WriteRequest(output, 5, forward, new ArrayBufferWriter<byte>());
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
        Assert.That(((ClientCommand)RequestDecoder.Decode(header.Opcode, payload.ToArray()).Request!).Strict, Is.True);
    }

    [Test]
    public void A_gossip_ring_whose_members_are_not_in_ordinal_order_is_a_bad_request_and_a_bad_ring_reply_is_a_peer_failure()
    {
        GossipMember[] members = [new("n1", "h:1", 1, GossipStatus.Up, 1)];
        ReadOnlyMemory<byte>[] unsorted = ["n2"u8.ToArray(), "n1"u8.ToArray()];
        var payload = Encode(new GossipRequest(members, new GossipRing(1, unsorted, [0, 1, 0, 1])));
        var decoded = RequestDecoder.Decode(Opcode.Gossip, payload);
        Assert.That((decoded.Kind, decoded.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));
        Assert.That(decoded.ErrorMessage, Does.Contain("Ring"));

        var reply = Encode(new GossipReply(members, new GossipRing(1, unsorted, [0, 1, 0, 1])));
        Assert.That(PeerCodec.ReadReply(Opcode.Gossip, Opcode.GossipReply, reply), Is.TypeOf<PeerFailure>());
    }

    [Test]
    public void A_gossip_member_with_an_id_the_engine_refuses_is_a_bad_request()
    {
        var payload = Encode(new GossipRequest([new GossipMember("bad/id", "h:1", 1, GossipStatus.Up, 1)], GossipRing.None));
        var decoded = RequestDecoder.Decode(Opcode.Gossip, payload);
        Assert.That((decoded.Kind, decoded.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));
    }

    [Test]
    public void Every_client_status_but_ok_has_an_error_code_of_its_name_and_comes_back_as_itself()
    {
        foreach (var status in Enum.GetValues<ClientStatus>().Where(s => s != ClientStatus.Ok))
        {
            var code = ErrorMapping.ToErrorCode(status);
            Assert.That(code.ToString(), Is.EqualTo(status.ToString()), $"{status} travels as the code of its name");
            Assert.That(ErrorMapping.ToClientStatus(code), Is.EqualTo(status), $"{status} comes back from {code}");
        }

        Assert.That(ErrorMapping.ToErrorCode(ClientStatus.Ok), Is.EqualTo(ErrorCode.Internal), "Ok is no error: a reply for it would be a bug");
    }

    [Test]
    public void The_error_codes_about_the_connection_or_a_peer_failure_map_to_no_status_and_every_other_code_round_trips()
    {
        ErrorCode[] none = [ErrorCode.UnknownOpcode, ErrorCode.ChecksumMismatch, ErrorCode.UnsupportedVersion, ErrorCode.CorruptFrame, ErrorCode.Internal];
        foreach (var code in Enum.GetValues<ErrorCode>())
        {
            var status = ErrorMapping.ToClientStatus(code);
            if (none.Contains(code))
            {
                Assert.That(status, Is.Null, $"{code} says the peer failed, not that it refused");
                continue;
            }

            Assert.That(status, Is.Not.Null, $"{code} maps to a status");
            Assert.That(ErrorMapping.ToErrorCode(status!.Value), Is.EqualTo(code), $"{code} comes back from {status}");
        }
    }
}
