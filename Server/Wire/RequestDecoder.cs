using System.Collections.Immutable;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Handoff;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>What a connection does with a request frame it read.</summary>
internal enum RequestKind
{
    /// <summary>Post <see cref="DecodedRequest.Request"/> to the node loop.</summary>
    Core,

    /// <summary>Answer Pong at once.</summary>
    Ping,

    /// <summary>Answer with the cluster information (it does not change while the node runs).</summary>
    ClusterInfo,

    /// <summary>Ask the node loop for the status text (it reads the core's counters).</summary>
    Info,

    /// <summary>Answer with an error frame (<see cref="DecodedRequest.ErrorCode"/>) and keep the connection.</summary>
    Error,
}

/// <summary>A request frame turned into what the shell must do with it.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Opcode">The request's opcode (decides the reply's shape).</param>
/// <param name="Request">For <see cref="RequestKind.Core"/>: the core's request, owning copies of every byte.</param>
/// <param name="ErrorCode">For <see cref="RequestKind.Error"/>: the code to answer.</param>
/// <param name="ErrorMessage">For <see cref="RequestKind.Error"/>: why.</param>
internal readonly record struct DecodedRequest(
    RequestKind Kind, Opcode Opcode, NodeRequest? Request = null, ErrorCode ErrorCode = 0, string? ErrorMessage = null)
{
    /// <summary>For a put: whether the client asked for the new context.</summary>
    public bool ReturnContext => Request is ClientCommand { ReturnContext: true };
}

/// <summary>
/// Maps a request frame's plain payload to a <see cref="NodeRequest"/>: decodes the message, then the engine's
/// opaque fields (a client's context with <see cref="ContextCodec"/>, a replica object with
/// <see cref="SiblingSetCodec"/>). Everything the request keeps is copied out of the payload, which belongs to the
/// pipe. Bad bytes never throw: they become an error to answer for this request.
/// </summary>
internal static class RequestDecoder
{
    /// <summary>Decodes one request.</summary>
    public static DecodedRequest Decode(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        try
        {
            return opcode switch
            {
                Opcode.Ping => Empty<PingRequest>(opcode, payload, RequestKind.Ping),
                Opcode.ClusterInfo => Empty<ClusterInfoRequest>(opcode, payload, RequestKind.ClusterInfo),
                Opcode.Info => Empty<InfoRequest>(opcode, payload, RequestKind.Info),
                Opcode.Get => DecodeGet(payload),
                Opcode.Put => DecodePut(payload),
                Opcode.Delete => DecodeDelete(payload),
                Opcode.ReplicaRead => DecodeReplicaRead(payload),
                Opcode.ReplicaWrite => DecodeReplicaWrite(payload),
                Opcode.TreeCompare => AntiEntropyWire.DecodeTreeCompare(payload),
                Opcode.KeysCompare => AntiEntropyWire.DecodeKeysCompare(payload),
                Opcode.Repair => AntiEntropyWire.DecodeRepair(payload),
                Opcode.Gossip => DecodeGossip(payload),
                Opcode.HintedWrite => DecodeHintedWrite(payload),
                Opcode.SetBucket => BucketWire.DecodeSetBucket(payload),
                _ => Error(opcode, ErrorCode.UnknownOpcode, $"Opcode 0x{(byte)opcode:X2} is not a request this node serves."),
            };
        }
        catch (ProtocolException error)
        {
            return Error(opcode, error.Code, error.Message);
        }
    }

    /// <summary>An error answer for <paramref name="opcode"/>.</summary>
    public static DecodedRequest Error(Opcode opcode, ErrorCode code, string message) =>
        new(RequestKind.Error, opcode, ErrorCode: code, ErrorMessage: message);

    private static DecodedRequest Empty<T>(Opcode opcode, ReadOnlySpan<byte> payload, RequestKind kind)
        where T : IMessage<T>, allows ref struct
    {
        _ = T.Read(payload);
        return new DecodedRequest(kind, opcode);
    }

    private static DecodedRequest DecodeGet(ReadOnlySpan<byte> payload)
    {
        var get = GetRequest.Read(payload);
        var command = new ClientCommand(
            ClientOperation.Get, get.Bucket.ToArray(), get.Key.ToArray(), ReadOnlyMemory<byte>.Empty, CausalContext.Empty,
            get.R, 0, Timeout(get.TimeoutMs), ReturnContext: false, Strict: get.Strict);
        return new DecodedRequest(RequestKind.Core, Opcode.Get, command);
    }

    private static DecodedRequest DecodePut(ReadOnlySpan<byte> payload)
    {
        var put = PutRequest.Read(payload);
        if (!TryDecodeContext(put.Context, out var context, out var error))
        {
            return Error(Opcode.Put, ErrorCode.BadRequest, error);
        }

        var command = new ClientCommand(
            ClientOperation.Put, put.Bucket.ToArray(), put.Key.ToArray(), put.Value.ToArray(), context,
            0, put.W, Timeout(put.TimeoutMs), put.ReturnContext, put.Strict);
        return new DecodedRequest(RequestKind.Core, Opcode.Put, command);
    }

    private static DecodedRequest DecodeDelete(ReadOnlySpan<byte> payload)
    {
        var delete = DeleteRequest.Read(payload);
        if (!TryDecodeContext(delete.Context, out var context, out var error))
        {
            return Error(Opcode.Delete, ErrorCode.BadRequest, error);
        }

        var command = new ClientCommand(
            ClientOperation.Delete, delete.Bucket.ToArray(), delete.Key.ToArray(), ReadOnlyMemory<byte>.Empty, context,
            0, delete.W, Timeout(delete.TimeoutMs), ReturnContext: false, Strict: delete.Strict);
        return new DecodedRequest(RequestKind.Core, Opcode.Delete, command);
    }

    private static DecodedRequest DecodeReplicaRead(ReadOnlySpan<byte> payload)
    {
        var read = ReplicaReadRequest.Read(payload);
        return new DecodedRequest(RequestKind.Core, Opcode.ReplicaRead, new ReplicaRead(read.Bucket.ToArray(), read.Key.ToArray()));
    }

    private static DecodedRequest DecodeReplicaWrite(ReadOnlySpan<byte> payload)
    {
        var write = ReplicaWriteRequest.Read(payload);
        if (!SiblingSetCodec.TryDecode(write.Object, out var set, out var error))
        {
            return Error(Opcode.ReplicaWrite, ErrorCode.BadRequest, "Replica object: " + error);
        }

        return new DecodedRequest(
            RequestKind.Core, Opcode.ReplicaWrite, new ReplicaWrite(write.Bucket.ToArray(), write.Key.ToArray(), set));
    }

    private static DecodedRequest DecodeGossip(ReadOnlySpan<byte> payload)
    {
        var gossip = GossipRequest.Read(payload);
        if (!TryReadMembers(gossip.Members, out var members, out var error)
            || !TryReadRing(gossip.Ring, out var ring, out error)
            || !BucketWire.TryRead(gossip.Buckets, out var buckets, out error))
        {
            return Error(Opcode.Gossip, ErrorCode.BadRequest, error);
        }

        return new DecodedRequest(RequestKind.Core, Opcode.Gossip, new Gossip(members, ring, buckets));
    }

    private static DecodedRequest DecodeHintedWrite(ReadOnlySpan<byte> payload)
    {
        var write = HintedWriteRequest.Read(payload);
        if (!NodeId.TryParse(System.Text.Encoding.UTF8.GetString(write.Target), out var target, out var reason))
        {
            return Error(Opcode.HintedWrite, ErrorCode.BadRequest, "Hint target: " + reason);
        }

        if (!SiblingSetCodec.TryDecode(write.Object, out var set, out var error))
        {
            return Error(Opcode.HintedWrite, ErrorCode.BadRequest, "Hinted object: " + error);
        }

        return new DecodedRequest(
            RequestKind.Core, Opcode.HintedWrite, new HintedWrite(target, write.Bucket.ToArray(), write.Key.ToArray(), set));
    }

    /// <summary>Gossip members as the core's states; a node id the engine rejects makes the whole message bad.</summary>
    internal static bool TryReadMembers(
        GossipMemberList members, out ImmutableArray<MemberState> states, out string error)
    {
        var builder = ImmutableArray.CreateBuilder<MemberState>(members.Count);
        foreach (var member in members)
        {
            if (!NodeId.TryParse(member.NodeIdText, out var node, out var reason))
            {
                states = default;
                error = "Gossip member: " + reason;
                return false;
            }

            var status = member.Status == GossipStatus.Up ? MemberStatus.Up : MemberStatus.Down;
            builder.Add(new MemberState(node, member.EndpointText, member.Epoch, status, member.Heartbeat));
        }

        states = builder.MoveToImmutable();
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// The gossip's ring as the core's ring state (null when none is present); member ids the engine rejects, or
    /// members out of ordinal order (every node lists a ring's members sorted), make the whole message bad.
    /// </summary>
    internal static bool TryReadRing(GossipRing ring, out RingState? state, out string error)
    {
        state = null;
        error = string.Empty;
        if (!ring.IsPresent)
        {
            return true;
        }

        var members = new List<NodeId>(ring.Members.Count);
        foreach (var member in ring.Members)
        {
            if (!NodeId.TryParse(System.Text.Encoding.UTF8.GetString(member), out var node, out var reason))
            {
                error = "Ring member: " + reason;
                return false;
            }

            members.Add(node);
        }

        var owners = new ushort[ring.PartitionCount];
        for (var p = 0; p < owners.Length; p++)
        {
            owners[p] = (ushort)ring.GetOwner(p);
        }

        try
        {
            state = new RingState(ring.Version, Engine.Placement.Ring.FromOwners(members, owners));
            return true;
        }
        catch (ArgumentException e)
        {
            error = "Ring: " + e.Message;
            return false;
        }
    }

    /// <summary>An empty context is a blind write; anything else must be a context this node's codec accepts.</summary>
    private static bool TryDecodeContext(ReadOnlySpan<byte> bytes, out CausalContext context, out string error)
    {
        error = string.Empty;
        if (bytes.IsEmpty)
        {
            context = CausalContext.Empty;
            return true;
        }

        if (ContextCodec.TryDecode(bytes, out var decoded, out var reason))
        {
            context = decoded;
            return true;
        }

        context = CausalContext.Empty;
        error = "Context: " + reason;
        return false;
    }

    /// <summary>A u32 deadline as the core's int; anything beyond int's range is far past the core's limit anyway.</summary>
    private static int Timeout(uint timeoutMs) => (int)Math.Min(timeoutMs, int.MaxValue);
}
