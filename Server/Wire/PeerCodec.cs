using System.Buffers;
using System.Collections.Immutable;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Handoff;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>
/// The outbound half of a peer link's wire mapping: a <see cref="NodeRequest"/> the core sends to a peer becomes a
/// request frame, and the peer's reply frame becomes the <see cref="NodeResponse"/> the core is given back. A
/// <see cref="ClientCommand"/> is a forward: it travels as an ordinary client Put or Delete, and the peer's reply,
/// an error included, becomes a <see cref="ClientResult"/>.
/// </summary>
internal static class PeerCodec
{
    /// <summary>The opcode a request travels under.</summary>
    public static Opcode OpcodeOf(NodeRequest request) => request switch
    {
        ReplicaRead => Opcode.ReplicaRead,
        ReplicaWrite => Opcode.ReplicaWrite,
        Gossip => Opcode.Gossip,
        HintedWrite => Opcode.HintedWrite,
        ClientCommand { Operation: ClientOperation.Get } => Opcode.Get,
        ClientCommand { Operation: ClientOperation.Put } => Opcode.Put,
        ClientCommand => Opcode.Delete,
        TreeCompare => Opcode.TreeCompare,
        KeysCompare => Opcode.KeysCompare,
        _ => throw new ArgumentException($"No frame carries a {request.GetType().Name}.", nameof(request)),
    };

    /// <summary>
    /// Writes the request frame. Throws <see cref="ProtocolException"/> or <see cref="VersionLimitException"/>
    /// (nothing written) when the request does not fit the protocol's limits.
    /// </summary>
    public static void WriteRequest(IBufferWriter<byte> output, ulong operationId, NodeRequest request, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        switch (request)
        {
            case ReplicaRead read:
                FrameWriter.Write(output, Opcode.ReplicaRead, operationId, new ReplicaReadRequest(read.Bucket, read.Key));
                break;
            case ReplicaWrite write:
                SiblingSetCodec.Encode(write.Set, scratch);
                FrameWriter.Write(
                    output, Opcode.ReplicaWrite, operationId, new ReplicaWriteRequest(write.Bucket, write.Key, scratch.WrittenSpan));
                break;
            case ClientCommand command:
                WriteCommand(output, operationId, command, scratch);
                break;
            case TreeCompare or KeysCompare:
                AntiEntropyWire.TryWriteRequest(output, operationId, request);
                break;
            case Gossip gossip:
                WriteGossip(output, operationId, gossip);
                break;
            case HintedWrite hinted:
                SiblingSetCodec.Encode(hinted.Set, scratch);
                FrameWriter.Write(output, Opcode.HintedWrite, operationId, new HintedWriteRequest(
                    System.Text.Encoding.UTF8.GetBytes(hinted.Target.Value), hinted.Bucket, hinted.Key, scratch.WrittenSpan));
                break;
            default:
                throw new ArgumentException($"No frame carries a {request.GetType().Name}.", nameof(request));
        }
    }

    /// <summary>
    /// Maps a peer's reply to the request it answers. A reply of the wrong kind or with bad bytes is a
    /// <see cref="PeerFailure"/>: the core treats it as a replica that did not answer.
    /// </summary>
    public static NodeResponse ReadReply(Opcode requestOpcode, Opcode replyOpcode, ReadOnlySpan<byte> payload)
    {
        try
        {
            if (replyOpcode == Opcode.Error)
            {
                return ReadError(requestOpcode, ErrorReply.Read(payload));
            }

            if (replyOpcode != Opcodes.ReplyTo(requestOpcode))
            {
                return new PeerFailure($"The peer answered {requestOpcode} with {replyOpcode}.");
            }

            return replyOpcode switch
            {
                Opcode.ReplicaReadReply => ReadReplicaReadReply(payload),
                Opcode.ReplicaWriteReply => Ack(payload),
                Opcode.HintedWriteReply => HintAck(payload),
                Opcode.GossipReply => ReadGossipReply(payload),
                Opcode.PutReply => ReadPutReply(payload),
                Opcode.DeleteReply => Deleted(payload),
                Opcode.TreeCompareReply => AntiEntropyWire.ReadTreeCompareReply(payload),
                Opcode.KeysCompareReply => AntiEntropyWire.ReadKeysCompareReply(payload),
                _ => new PeerFailure($"A {replyOpcode} reply cannot be relayed to the core."),
            };
        }
        catch (ProtocolException error)
        {
            return new PeerFailure($"The peer's {replyOpcode} reply is malformed: {error.Message}");
        }
    }

    private static void WriteCommand(IBufferWriter<byte> output, ulong operationId, ClientCommand command, ArrayBufferWriter<byte> scratch)
    {
        if (!command.Context.IsEmpty)
        {
            ContextCodec.Encode(command.Context, scratch);
        }

        var timeout = (uint)Math.Max(command.TimeoutMs, 0);
        var w = (byte)Math.Clamp(command.W, 0, byte.MaxValue);
        switch (command.Operation)
        {
            case ClientOperation.Get:
                var r = (byte)Math.Clamp(command.R, 0, byte.MaxValue);
                FrameWriter.Write(output, Opcode.Get, operationId, new GetRequest(command.Bucket, command.Key, r, timeout, command.Strict));
                break;
            case ClientOperation.Put:
                FrameWriter.Write(output, Opcode.Put, operationId, new PutRequest(
                    command.Bucket, command.Key, command.Value.Span, scratch.WrittenSpan, w, command.ReturnContext, timeout, command.Strict));
                break;
            default:
                FrameWriter.Write(
                    output, Opcode.Delete, operationId, new DeleteRequest(command.Bucket, command.Key, scratch.WrittenSpan, w, timeout, command.Strict));
                break;
        }
    }

    /// <summary>
    /// A peer's error answer. One the core knows (a forwarded command's outcome, or a replica refusing a write: its
    /// storage failed, the merge would pass the object bound, a hint store at its bound) comes back as a
    /// <see cref="ClientResult"/> with that status: the peer is up and said no, which is not a sign of failure. Error
    /// codes about framing or unknown opcodes stay a <see cref="PeerFailure"/>.
    /// </summary>
    private static NodeResponse ReadError(Opcode requestOpcode, ErrorReply error)
    {
        if (ErrorMapping.ToClientStatus(error.Code) is { } status)
        {
            return new ClientResult(status, null, CausalContext.Empty, error.Required, error.Received, error.MessageText);
        }

        return new PeerFailure($"The peer answered {requestOpcode} with {error.Code}: {error.MessageText}");
    }

    /// <summary>
    /// The response the core gets for a request that could not be encoded (nothing was sent): a refusal, not a sign
    /// that the peer failed.
    /// </summary>
    public static ClientResult NotEncoded(Exception error)
    {
        var status = error switch
        {
            ProtocolException { Code: ErrorCode.TooLarge } => ClientStatus.TooLarge,
            VersionLimitException => ClientStatus.VersionLimit,
            _ => ClientStatus.BadRequest,
        };
        return new ClientResult(status, null, CausalContext.Empty, 0, 0, "Not sent: " + error.Message);
    }

    private static NodeResponse ReadReplicaReadReply(ReadOnlySpan<byte> payload)
    {
        var reply = ReplicaReadReply.Read(payload);
        if (reply.IsAbsent)
        {
            return new ReplicaReadResult(null);
        }

        // A replica answers a read of a set over the object bound with its versions and value sizes only.
        return SiblingSetCodec.TryDecode(reply.Object, allowOmittedValues: true, out var set, out var error)
            ? new ReplicaReadResult(set)
            : new PeerFailure("The peer's replica object is not valid: " + error);
    }

    private static ReplicaWriteAck Ack(ReadOnlySpan<byte> payload)
    {
        _ = ReplicaWriteReply.Read(payload);
        return new ReplicaWriteAck();
    }

    private static ReplicaWriteAck HintAck(ReadOnlySpan<byte> payload)
    {
        _ = HintedWriteReply.Read(payload);
        return new ReplicaWriteAck();
    }

    private static NodeResponse ReadGossipReply(ReadOnlySpan<byte> payload)
    {
        var reply = GossipReply.Read(payload);
        return RequestDecoder.TryReadMembers(reply.Members, out var members, out var error)
            && RequestDecoder.TryReadRing(reply.Ring, out var ring, out error)
            && BucketWire.TryRead(reply.Buckets, out var buckets, out error)
            ? new GossipResult(members, ring, buckets)
            : new PeerFailure("The peer's gossip is not valid: " + error);
    }

    /// <summary>
    /// A ring state as the gossip's ring section takes it: its members' ids as UTF-8 and the owners table, in arrays
    /// the caller keeps alive while the <see cref="GossipRing"/> over them is written.
    /// </summary>
    internal static (ReadOnlyMemory<byte>[] Members, ushort[] Owners) RingToWire(RingState ring)
    {
        var members = new ReadOnlyMemory<byte>[ring.Ring.Members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = System.Text.Encoding.UTF8.GetBytes(ring.Ring.Members[i].Value);
        }

        var owners = new ushort[ring.Ring.PartitionCount];
        ring.Ring.CopyOwnerIndexesTo(owners);
        return (members, owners);
    }

    /// <summary>Writes a member list as gossip; also used for the reply (<see cref="ReplyEncoder"/>).</summary>
    internal static GossipMember[] ToWire(ImmutableArray<MemberState> members)
    {
        var wire = new GossipMember[members.Length];
        for (var i = 0; i < wire.Length; i++)
        {
            var m = members[i];
            wire[i] = new GossipMember(
                m.Node.Value, m.Address, m.Epoch, m.Status == MemberStatus.Up ? GossipStatus.Up : GossipStatus.Down, m.Heartbeat);
        }

        return wire;
    }

    private static void WriteGossip(IBufferWriter<byte> output, ulong operationId, Gossip gossip)
    {
        var buckets = BucketWire.ToWire(gossip.Buckets);
        if (gossip.Ring is null)
        {
            FrameWriter.Write(output, Opcode.Gossip, operationId, new GossipRequest(ToWire(gossip.Members), GossipRing.None, buckets));
            return;
        }

        var (members, owners) = RingToWire(gossip.Ring);
        FrameWriter.Write(
            output,
            Opcode.Gossip,
            operationId,
            new GossipRequest(ToWire(gossip.Members), new GossipRing(gossip.Ring.Version, members, owners), buckets));
    }

    private static NodeResponse ReadPutReply(ReadOnlySpan<byte> payload)
    {
        var reply = PutReply.Read(payload);
        if (reply.Context.IsEmpty)
        {
            return new ClientResult(ClientStatus.Ok, null, CausalContext.Empty, 0, 0, null);
        }

        return ContextCodec.TryDecode(reply.Context, out var context, out var error)
            ? new ClientResult(ClientStatus.Ok, null, context, 0, 0, null)
            : new PeerFailure("The peer's context is not valid: " + error);
    }

    private static ClientResult Deleted(ReadOnlySpan<byte> payload)
    {
        _ = DeleteReply.Read(payload);
        return new ClientResult(ClientStatus.Ok, null, CausalContext.Empty, 0, 0, null);
    }
}
