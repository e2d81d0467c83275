using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>Turns a reply payload into an owned result; runs on the reader loop, before the pipe advances.</summary>
internal delegate T ReplyDecoder<out T>(ReadOnlySpan<byte> payload);

/// <summary>
/// A request in a connection's pending map: what to write, and how to complete its caller when the reply (or a
/// failure) arrives. Completion happens once; whoever removes the request from the map completes it.
/// </summary>
internal abstract class PendingRequest
{
    private volatile bool _sent;

    protected PendingRequest(ulong id, RequestFrame frame)
    {
        Id = id;
        Frame = frame;
    }

    public ulong Id { get; }

    public RequestFrame Frame { get; }

    /// <summary>Set by the writer loop just before it encodes the frame: from then on the node may apply it.</summary>
    public bool Sent
    {
        get => _sent;
        set => _sent = value;
    }

    /// <summary>True once the caller has its answer (or gave up): the writer skips it.</summary>
    public abstract bool IsDone { get; }

    /// <summary>Completes with the reply in <paramref name="payload"/> (an Error frame becomes its typed exception).</summary>
    public abstract void Complete(Opcode opcode, ReadOnlySpan<byte> payload);

    public abstract void Fail(Exception error);
}

/// <summary>A pending request whose reply decodes to <typeparamref name="T"/>.</summary>
internal sealed class PendingRequest<T> : PendingRequest
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReplyDecoder<T> _decode;

    public PendingRequest(ulong id, RequestFrame frame, ReplyDecoder<T> decode)
        : base(id, frame)
    {
        _decode = decode;
    }

    public Task<T> Task => _completion.Task;

    public override bool IsDone => _completion.Task.IsCompleted;

    public override void Complete(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        try
        {
            if (opcode == Opcode.Error)
            {
                _completion.TrySetException(ErrorReplies.ToException(ErrorReply.Read(payload)));
            }
            else if (opcode != Frame.ReplyOpcode)
            {
                _completion.TrySetException(new DynamoProtocolException(
                    ErrorCode.BadRequest, $"the node answered {Frame.Opcode} with {opcode}"));
            }
            else
            {
                _completion.TrySetResult(_decode(payload));
            }
        }
        catch (ProtocolException error)
        {
            _completion.TrySetException(ErrorReplies.FromReplyDecoding(error));
        }
        catch (DynamoException error)
        {
            // A reply that decodes but makes no sense (cluster information describing no valid ring).
            _completion.TrySetException(error);
        }
    }

    public override void Fail(Exception error) => _completion.TrySetException(error);

    /// <summary>The caller gave up (deadline or cancellation): nothing is delivered any more.</summary>
    public void Abandon() => _completion.TrySetCanceled();
}
