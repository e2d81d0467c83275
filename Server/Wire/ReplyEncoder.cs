using System.Buffers;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>What a reply carries.</summary>
internal enum ReplyKind
{
    /// <summary>A Pong.</summary>
    Pong,

    /// <summary>A ready payload (<see cref="OutboundReply.Payload"/>) under <see cref="OutboundReply.Opcode"/>'s reply opcode.</summary>
    Payload,

    /// <summary>An error frame (<see cref="OutboundReply.ErrorCode"/>, <see cref="OutboundReply.Text"/>).</summary>
    Error,

    /// <summary>The core's answer (<see cref="OutboundReply.Response"/>) to a request with <see cref="OutboundReply.Opcode"/>.</summary>
    Response,
}

/// <summary>A reply waiting in a connection's queue; the connection's writer encodes it.</summary>
/// <param name="RequestId">The request id the reply echoes.</param>
/// <param name="Kind">What it carries.</param>
/// <param name="Opcode">The request's opcode: a client result becomes a GetReply, PutReply or DeleteReply by it.</param>
/// <param name="ReturnContext">For a put: whether the client asked for the new context.</param>
/// <param name="Response">For <see cref="ReplyKind.Response"/>.</param>
/// <param name="Payload">For <see cref="ReplyKind.Payload"/>.</param>
/// <param name="ErrorCode">For <see cref="ReplyKind.Error"/>.</param>
/// <param name="Text">For <see cref="ReplyKind.Error"/>: the message.</param>
/// <param name="Final">The connection closes once this reply is written (framing was lost).</param>
internal readonly record struct OutboundReply(
    ulong RequestId,
    ReplyKind Kind,
    Opcode Opcode,
    bool ReturnContext = false,
    NodeResponse? Response = null,
    ReadOnlyMemory<byte> Payload = default,
    ErrorCode ErrorCode = 0,
    string? Text = null,
    bool Final = false)
{
    /// <summary>An error reply.</summary>
    public static OutboundReply Error(ulong requestId, Opcode opcode, ErrorCode code, string message) =>
        new(requestId, ReplyKind.Error, opcode, ErrorCode: code, Text: message);
}

/// <summary>
/// Encodes replies straight into a connection's pipe writer. A client result becomes the reply its request expects
/// or an error frame with the mapped code; a get whose merged set holds only tombstones is "not found" (zero
/// siblings) but keeps its context, so a later put supersedes the tombstones. A reply that cannot be encoded (over a
/// limit) becomes an error frame for the same request: the client always gets an answer.
/// </summary>
internal static class ReplyEncoder
{
    /// <summary>Writes one reply frame.</summary>
    /// <param name="output">The connection's writer.</param>
    /// <param name="reply">The reply.</param>
    /// <param name="scratch">A reusable buffer for encoded contexts and objects; reset here.</param>
    public static void Write(IBufferWriter<byte> output, in OutboundReply reply, ArrayBufferWriter<byte> scratch)
    {
        try
        {
            WriteReply(output, reply, scratch);
        }
        catch (Exception error) when (error is ProtocolException or VersionLimitException)
        {
            var code = error is ProtocolException protocol ? protocol.Code : ErrorCode.VersionLimit;
            WriteError(output, reply.RequestId, code, error.Message);
        }
    }

    /// <summary>Writes an error frame, its message cut to the protocol's limit.</summary>
    public static void WriteError(
        IBufferWriter<byte> output, ulong requestId, ErrorCode code, string message, int required = 0, int received = 0, uint retryAfterMs = 0)
    {
        Span<byte> buffer = stackalloc byte[ProtocolLimits.ErrorMessageBytesMax];
        var error = new ErrorReply(
            code, ErrorReply.EncodeMessage(message, buffer), ClampByte(required), ClampByte(received), retryAfterMs);
        FrameWriter.Write(output, Opcode.Error, requestId, error);
    }

    private static void WriteReply(IBufferWriter<byte> output, in OutboundReply reply, ArrayBufferWriter<byte> scratch)
    {
        switch (reply.Kind)
        {
            case ReplyKind.Pong:
                FrameWriter.Write(output, Opcode.Pong, reply.RequestId, new PongReply());
                break;
            case ReplyKind.Payload:
                FrameWriter.Write(output, Opcodes.ReplyTo(reply.Opcode), reply.RequestId, reply.Payload.Span);
                break;
            case ReplyKind.Error:
                WriteError(output, reply.RequestId, reply.ErrorCode, reply.Text ?? string.Empty);
                break;
            default:
                WriteResponse(output, reply, scratch);
                break;
        }
    }

    private static void WriteResponse(IBufferWriter<byte> output, in OutboundReply reply, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        switch (reply.Response)
        {
            case ClientResult { Status: ClientStatus.Ok } result:
                WriteClientResult(output, reply, result, scratch);
                break;
            case ClientResult result:
                WriteError(
                    output,
                    reply.RequestId,
                    ErrorMapping.ToErrorCode(result.Status),
                    result.Message ?? result.Status.ToString(),
                    result.Status == ClientStatus.QuorumNotMet ? result.Required : 0,
                    result.Status == ClientStatus.QuorumNotMet ? result.Received : 0,
                    result.Status == ClientStatus.Overloaded ? ServerLimits.OverloadedRetryAfterMs : 0u);
                break;
            case ReplicaReadResult read:
                if (read.Set is not null && SiblingSetCodec.FitsObjectBound(read.Set, out _))
                {
                    SiblingSetCodec.Encode(read.Set, scratch);
                }
                else if (read.Set is not null)
                {
                    // Over the object bound (a merge with hints kept here, or data older than the bound): the versions
                    // and value sizes travel, so the coordinator still learns the key's context.
                    SiblingSetCodec.EncodeWithoutValues(read.Set, scratch);
                }

                FrameWriter.Write(output, Opcode.ReplicaReadReply, reply.RequestId, new ReplicaReadReply(scratch.WrittenSpan));
                break;
            case ReplicaWriteAck when reply.Opcode == Opcode.HintedWrite:
                FrameWriter.Write(output, Opcode.HintedWriteReply, reply.RequestId, new HintedWriteReply());
                break;
            case ReplicaWriteAck:
                FrameWriter.Write(output, Opcode.ReplicaWriteReply, reply.RequestId, new ReplicaWriteReply());
                break;
            case TreeCompareResult or KeysCompareResult or RepairResult:
                AntiEntropyWire.TryWriteResponse(output, reply.RequestId, reply.Response, scratch);
                break;
            case GossipResult { Ring: null } gossip:
                FrameWriter.Write(
                    output,
                    Opcode.GossipReply,
                    reply.RequestId,
                    new GossipReply(PeerCodec.ToWire(gossip.Members), GossipRing.None, BucketWire.ToWire(gossip.Buckets)));
                break;
            case GossipResult gossip:
                var (members, owners) = PeerCodec.RingToWire(gossip.Ring);
                FrameWriter.Write(
                    output,
                    Opcode.GossipReply,
                    reply.RequestId,
                    new GossipReply(
                        PeerCodec.ToWire(gossip.Members), new GossipRing(gossip.Ring.Version, members, owners), BucketWire.ToWire(gossip.Buckets)));
                break;
            case BucketPropsResult set:
                FrameWriter.Write(output, Opcode.SetBucketReply, reply.RequestId, new SetBucketReply(BucketWire.ToWire(set.Entry)));
                break;
            default:
                WriteError(output, reply.RequestId, ErrorCode.Internal, $"The node produced no answer for {reply.Opcode}.");
                break;
        }
    }

    private static void WriteClientResult(
        IBufferWriter<byte> output, in OutboundReply reply, ClientResult result, ArrayBufferWriter<byte> scratch)
    {
        switch (reply.Opcode)
        {
            case Opcode.Get:
                WriteGetReply(output, reply.RequestId, result, scratch);
                break;
            case Opcode.Put:
                if (reply.ReturnContext)
                {
                    EncodeContext(result.Context, scratch);
                }

                FrameWriter.Write(output, Opcode.PutReply, reply.RequestId, new PutReply(scratch.WrittenSpan));
                break;
            case Opcode.Delete:
                FrameWriter.Write(output, Opcode.DeleteReply, reply.RequestId, new DeleteReply());
                break;
            default:
                WriteError(output, reply.RequestId, ErrorCode.Internal, $"A client result answers no {reply.Opcode} request.");
                break;
        }
    }

    /// <summary>
    /// A get reply: the merged siblings' values, or, when a replica left values out or they would not fit one reply
    /// together, every live value's size in their place (GetReply's omitted flag). The context is always there.
    /// </summary>
    private static void WriteGetReply(IBufferWriter<byte> output, ulong requestId, ClientResult result, ArrayBufferWriter<byte> scratch)
    {
        EncodeContext(result.Context, scratch);
        var siblings = result.Siblings?.Siblings ?? [];
        var count = OnlyTombstones(siblings) ? 0 : siblings.Length;
        var omit = result.Siblings is { } set && (set.HasOmittedValues || ReplyBytesUpperBound(siblings, scratch.WrittenCount) > ProtocolLimits.UncompressedFrameBytesMax);
        var values = ArrayPool<SiblingValue>.Shared.Rent(Math.Max(count, 1));
        try
        {
            for (var i = 0; i < count; i++)
            {
                var sibling = siblings[i];
                values[i] = sibling.IsTombstone ? SiblingValue.Tombstone
                    : omit ? SiblingValue.Omitted(sibling.ValueLength)
                    : new SiblingValue(sibling.Value);
            }

            FrameWriter.Write(output, Opcode.GetReply, requestId, new GetReply(scratch.WrittenSpan, values.AsSpan(0, count)));
        }
        finally
        {
            ArrayPool<SiblingValue>.Shared.Return(values, clearArray: true);
        }
    }

    /// <summary>At least the length of a get reply holding every value: a context, then a flag and length per sibling.</summary>
    private static long ReplyBytesUpperBound(System.Collections.Immutable.ImmutableArray<Sibling> siblings, int contextBytes)
    {
        long bytes = contextBytes + 8;
        foreach (var sibling in siblings)
        {
            bytes += 6 + sibling.ValueLength;
        }

        return bytes;
    }

    private static bool OnlyTombstones(System.Collections.Immutable.ImmutableArray<Sibling> siblings)
    {
        foreach (var sibling in siblings)
        {
            if (!sibling.IsTombstone)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An empty context travels as zero bytes: "the key has no versions", and a blind write.</summary>
    private static void EncodeContext(CausalContext context, ArrayBufferWriter<byte> scratch)
    {
        if (!context.IsEmpty)
        {
            ContextCodec.Encode(context, scratch);
        }
    }

    private static byte ClampByte(int value) => (byte)Math.Clamp(value, 0, byte.MaxValue);
}
