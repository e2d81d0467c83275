using System.IO.Pipelines;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>
/// A request as the writer loop encodes it: the opcode and the fields of its message, which are encoded straight into
/// the connection's pipe by the protocol's codecs.
/// </summary>
internal readonly record struct RequestFrame(
    Opcode Opcode,
    ReadOnlyMemory<byte> Bucket = default,
    ReadOnlyMemory<byte> Key = default,
    ReadOnlyMemory<byte> Value = default,
    ReadOnlyMemory<byte> Context = default,
    byte Quorum = 0,
    bool ReturnContext = false,
    uint TimeoutMs = 0,
    bool Strict = false,
    BucketChange Change = default)
{
    /// <summary>The reply opcode that answers this request (besides Error).</summary>
    public Opcode ReplyOpcode => Opcodes.ReplyTo(Opcode);

    /// <summary>Encodes the frame into <paramref name="writer"/>; throws <see cref="ProtocolException"/> on a limit.</summary>
    public void WriteTo(PipeWriter writer, ulong requestId)
    {
        switch (Opcode)
        {
            case Opcode.Get:
                FrameWriter.Write(writer, Opcode, requestId, new GetRequest(Bucket.Span, Key.Span, Quorum, TimeoutMs, Strict));
                break;
            case Opcode.Put:
                FrameWriter.Write(
                    writer,
                    Opcode,
                    requestId,
                    new PutRequest(Bucket.Span, Key.Span, Value.Span, Context.Span, Quorum, ReturnContext, TimeoutMs, Strict));
                break;
            case Opcode.Delete:
                FrameWriter.Write(
                    writer, Opcode, requestId, new DeleteRequest(Bucket.Span, Key.Span, Context.Span, Quorum, TimeoutMs, Strict));
                break;
            case Opcode.Repair:
                // TimeoutMs is what the driver still waits; the node's repair must end earlier, so that its answer
                // (sent at its deadline with what it finished) arrives in time.
                var repairMs = TimeoutMs > ClientLimits.RepairReplySlackMs ? TimeoutMs - ClientLimits.RepairReplySlackMs : Math.Max(TimeoutMs / 2, 1);
                FrameWriter.Write(writer, Opcode, requestId, new RepairRequest(repairMs));
                break;
            case Opcode.SetBucket:
                FrameWriter.Write(writer, Opcode, requestId, new SetBucketRequest(Bucket.Span, Change.N, Change.R, Change.W, Change.TimeoutMs));
                break;
            case Opcode.Ping:
            case Opcode.ClusterInfo:
            case Opcode.Info:
                FrameWriter.Write(writer, Opcode, requestId, ReadOnlySpan<byte>.Empty);
                break;
            default:
                throw new InvalidOperationException($"The driver does not send {Opcode}.");
        }
    }
}

/// <summary>The fields of a SetBucket request: each 0 keeps the bucket's current value.</summary>
internal readonly record struct BucketChange(byte N, byte R, byte W, uint TimeoutMs);
