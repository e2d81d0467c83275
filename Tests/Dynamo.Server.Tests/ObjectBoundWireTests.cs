using System.Buffers;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;
using Dynamo.Server.Wire;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// Objects over the bound on the wire (docs/VERSIONS.md § Objects over the bound): a replica answers a read of one
/// with versions and sizes, a client get of one gets sizes and the context, a refusal is a status and not a failed
/// peer, and a message too large to encode says so without blaming the peer.
/// </summary>
public sealed class ObjectBoundWireTests
{
    private const int ValueBytes = 5_000_000;

    [Test]
    public void The_engine_and_the_wire_agree_on_the_object_bound()
    {
        Assert.That(Limits.ObjectBytesMax, Is.EqualTo(ProtocolLimits.ObjectBytesMax));
    }

    [Test]
    public void A_replica_answers_a_read_of_a_set_over_the_bound_with_its_versions_and_value_sizes()
    {
        var set = Concurrent(4);
        var reply = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.ReplicaRead, Response: new ReplicaReadResult(set)));

        Assert.That(reply.Header.Opcode, Is.EqualTo(Opcode.ReplicaReadReply));
        Assert.That(reply.Payload.Length, Is.LessThan(1024), "no value travels");
        var read = (ReplicaReadResult)PeerCodec.ReadReply(Opcode.ReplicaRead, Opcode.ReplicaReadReply, reply.Payload);
        Assert.That(read.Set!.HasOmittedValues, Is.True);
        Assert.That(read.Set.Siblings.Select(s => (s.Dot, s.ValueLength)), Is.EqualTo(set.Siblings.Select(s => (s.Dot, s.ValueLength))));
        Assert.That(read.Set.Context, Is.EqualTo(set.Context));
    }

    [Test]
    public void A_replica_answers_a_read_of_a_set_within_the_bound_with_its_values()
    {
        var set = Concurrent(3);
        var reply = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.ReplicaRead, Response: new ReplicaReadResult(set)));

        var read = (ReplicaReadResult)PeerCodec.ReadReply(Opcode.ReplicaRead, Opcode.ReplicaReadReply, reply.Payload);
        Assert.That(read.Set, Is.EqualTo(set));
    }

    [Test]
    public void A_replica_write_carrying_a_set_without_values_is_refused_as_malformed()
    {
        var writer = new ArrayBufferWriter<byte>();
        SiblingSetCodec.EncodeWithoutValues(Concurrent(1), writer);
        var request = new ReplicaWriteRequest("b"u8, "k"u8, writer.WrittenSpan);
        var payload = new byte[request.Length];
        request.WriteTo(payload);

        var decoded = RequestDecoder.Decode(Opcode.ReplicaWrite, payload);

        Assert.That(decoded.Kind, Is.Not.EqualTo(RequestKind.Core), "sizes in place of values must never reach a store");
    }

    [TestCase(4)]
    [TestCase(3)]
    public void A_get_reply_carries_the_values_when_they_fit_and_their_sizes_with_the_context_when_they_do_not(int siblings)
    {
        var set = Concurrent(siblings);
        var result = new ClientResult(ClientStatus.Ok, set, set.Context, 2, 2, null);

        var reply = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Get, Response: result));

        Assert.That(reply.Header.Opcode, Is.EqualTo(Opcode.GetReply));
        var get = GetReply.Read(reply.Payload);
        Assert.That(get.SiblingCount, Is.EqualTo(siblings));
        Assert.That(ContextCodec.Decode(get.Context), Is.EqualTo(set.Context));
        var omitted = siblings == 4;
        foreach (var sibling in get.Siblings)
        {
            Assert.That((sibling.IsOmitted, sibling.Length, sibling.Value.Length), Is.EqualTo((omitted, (long)ValueBytes, omitted ? 0 : ValueBytes)));
        }
    }

    [Test]
    public void A_get_reply_of_a_merge_holding_values_a_replica_left_out_gives_sizes()
    {
        var set = SiblingSet.FromSiblings(Concurrent(2).Siblings.Select(s => s.WithoutValue()));
        var reply = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Get, Response: new ClientResult(ClientStatus.Ok, set, set.Context, 2, 2, null)));

        foreach (var sibling in GetReply.Read(reply.Payload).Siblings)
        {
            Assert.That((sibling.IsOmitted, sibling.Length), Is.EqualTo((true, (long)ValueBytes)));
        }
    }

    [Test]
    public void A_refusal_at_the_bound_reaches_the_client_as_a_too_large_error_with_the_message()
    {
        var result = new ClientResult(ClientStatus.TooLarge, null, CausalContext.Empty, 2, 0, "over the object bound");
        var reply = WriteReply(new OutboundReply(1, ReplyKind.Response, Opcode.Put, Response: result));

        var error = ErrorReply.Read(reply.Payload);
        Assert.That((reply.Header.Opcode, error.Code, error.MessageText), Is.EqualTo((Opcode.Error, ErrorCode.TooLarge, "over the object bound")));
    }

    [Test]
    public void A_request_too_large_to_encode_is_a_refusal_not_a_failed_peer()
    {
        var write = new ReplicaWrite("b"u8.ToArray(), "k"u8.ToArray(), Concurrent(4));
        var output = new ArrayBufferWriter<byte>();
        var error = Assert.Throws<ProtocolException>(() => PeerCodec.WriteRequest(output, 1, write, new ArrayBufferWriter<byte>()));
        Assert.That(output.WrittenCount, Is.Zero, "nothing was written");

        var response = PeerCodec.NotEncoded(error!);

        Assert.That(response.Status, Is.EqualTo(ClientStatus.TooLarge));
        Assert.That(response.Message, Does.StartWith("Not sent: "));
    }

    private static SiblingSet Concurrent(int count)
    {
        var set = SiblingSet.Empty;
        for (var i = 0; i < count; i++)
        {
            set = set.Merge(SiblingSet.Empty.Put(new Actor(NodeId.Parse("n" + i), 1), CausalContext.Empty, new byte[ValueBytes], false));
        }

        return set;
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
