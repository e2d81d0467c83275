using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Dynamo.Protocol;
using Dynamo.Server.Node;
using Dynamo.Server.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Connections;

/// <summary>
/// One inbound connection (a client's, or a peer's link: they are alike). A read loop in the Kestrel shape parses
/// frames and posts requests to the node loop; a writer loop drains queued replies into the pipe and flushes once per
/// batch. Many requests may be in flight and replies leave as soon as each is ready, in any order.
/// </summary>
/// <remarks>
/// <para>Memory is bounded by <see cref="ServerLimits.InFlightRequestsMax"/>: every frame read takes a slot, every
/// reply written gives it back, and with no slot free the reader stops reading the socket. A client that sends
/// without reading therefore fills its own socket buffers: the queue of replies never outgrows the slots, and the
/// pipes never outgrow their pause thresholds.</para>
/// <para>Errors: a request-scoped protocol error answers that request and the connection goes on; a
/// connection-scoped one (framing lost) sends an error frame and closes.</para>
/// </remarks>
internal sealed class FrameConnection : IReplySink, IDisposable
{
    private readonly IDuplexPipe _transport;
    private readonly NodeLoop _loop;
    private readonly NodeStatus _status;
    private readonly ILogger _logger;
    private readonly string _id;
    private readonly Channel<OutboundReply> _replies = Channel.CreateUnbounded<OutboundReply>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly SemaphoreSlim _slots = new(ServerLimits.InFlightRequestsMax, ServerLimits.InFlightRequestsMax);
    private readonly CancellationTokenSource _closing = new();
    private int _outstanding;
    private int _readerDone;

    public FrameConnection(string id, IDuplexPipe transport, NodeLoop loop, NodeStatus status, ILogger logger)
    {
        _id = id;
        _transport = transport;
        _loop = loop;
        _status = status;
        _logger = logger;
    }

    /// <summary>Requests read and not yet answered.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <inheritdoc/>
    public void Enqueue(in OutboundReply reply) => _replies.Writer.TryWrite(reply);

    /// <summary>Serves the connection until either side closes it.</summary>
    public async Task RunAsync(CancellationToken connectionClosed)
    {
        using var registration = connectionClosed.Register(static state => ((CancellationTokenSource)state!).Cancel(), _closing);
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync(_closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // The transport closed or the writer gave up: nothing more to read.
        }
        catch (Exception error) when (error is IOException or ConnectionAbortedException)
        {
            Log.ConnectionFailed(_logger, _id, error);
        }
        finally
        {
            Volatile.Write(ref _readerDone, 1);
            if (Volatile.Read(ref _outstanding) == 0)
            {
                _replies.Writer.TryComplete();
            }
        }

        await writer.ConfigureAwait(false);
        await _transport.Input.CompleteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _closing.Dispose();
        _slots.Dispose();
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var input = _transport.Input;
        var haveSlot = false;
        while (true)
        {
            if (!haveSlot && !_slots.Wait(0, CancellationToken.None))
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            haveSlot = true;
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                while (true)
                {
                    if (!haveSlot && !_slots.Wait(0, CancellationToken.None))
                    {
                        // Out of slots: stop here without examining the rest, so that the next read returns the
                        // buffered frames at once when a reply has freed a slot.
                        examined = consumed;
                        break;
                    }

                    haveSlot = true;
                    var outcome = ReadOne(ref buffer, out var post);
                    if (outcome == FrameOutcome.Incomplete)
                    {
                        break;
                    }

                    consumed = buffer.Start;
                    if (outcome == FrameOutcome.Close)
                    {
                        return;
                    }

                    haveSlot = false;
                    Interlocked.Increment(ref _outstanding);
                    if (outcome == FrameOutcome.Post && !_loop.TryPost(post))
                    {
                        await _loop.PostAsync(post, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (examined.Equals(buffer.End) && (result.IsCompleted || result.IsCanceled))
                {
                    return;
                }
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>
    /// Reads and handles one frame: answers it at once (ping, cluster information, an error) or returns the input to
    /// post. Synchronous, so that the payload's span never crosses an await.
    /// </summary>
    private FrameOutcome ReadOne(ref ReadOnlySequence<byte> buffer, out NodeInput post)
    {
        post = default;
        FrameHeader header;
        ReadOnlySequence<byte> payload;
        try
        {
            if (!FrameReader.TryReadFrame(ref buffer, out header, out payload))
            {
                return FrameOutcome.Incomplete;
            }
        }
        catch (ProtocolException error) when (error.Scope == ErrorScope.Request)
        {
            // The header was sound, so the reader consumed the frame: answer it and go on.
            Refuse(error.RequestId, 0, error.Code, error.Message);
            return FrameOutcome.Answered;
        }
        catch (ProtocolException error)
        {
            Log.FramingError(_logger, _id, error.Code, error.Message);
            Enqueue(OutboundReply.Error(error.RequestId, 0, error.Code, error.Message) with { Final = true });
            return FrameOutcome.Close;
        }

        DecodedRequest decoded;
        try
        {
            using var lease = FramePayload.Open(header, payload);
            decoded = RequestDecoder.Decode(header.Opcode, lease.Span);
        }
        catch (ProtocolException error)
        {
            decoded = RequestDecoder.Error(header.Opcode, error.Code, error.Message);
        }

        switch (decoded.Kind)
        {
            case RequestKind.Ping:
                Enqueue(new OutboundReply(header.RequestId, ReplyKind.Pong, header.Opcode));
                return FrameOutcome.Answered;
            case RequestKind.ClusterInfo:
                Enqueue(new OutboundReply(header.RequestId, ReplyKind.Payload, header.Opcode, Payload: _status.ClusterInfoPayload));
                return FrameOutcome.Answered;
            case RequestKind.Info:
                post = NodeInput.ForInfo(this, header.RequestId);
                return FrameOutcome.Post;
            case RequestKind.Core:
                post = NodeInput.ForRequest(this, header.RequestId, header.Opcode, decoded.Request!);
                return FrameOutcome.Post;
            default:
                Refuse(header.RequestId, header.Opcode, decoded.ErrorCode, decoded.ErrorMessage ?? string.Empty);
                return FrameOutcome.Answered;
        }
    }

    private void Refuse(ulong requestId, Opcode opcode, ErrorCode code, string message)
    {
        Log.RequestRefused(_logger, _id, requestId, code, message);
        Enqueue(OutboundReply.Error(requestId, opcode, code, message));
    }

    private async Task WriteLoopAsync()
    {
        var output = _transport.Output;
        var scratch = new ArrayBufferWriter<byte>(ScratchBytes);
        var reader = _replies.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var final = false;
                for (var written = 0; written < ServerLimits.RepliesPerFlushMax && !final && reader.TryRead(out var reply); written++)
                {
                    ReplyEncoder.Write(output, reply, scratch);
                    final = reply.Final;
                    if (!final)
                    {
                        Answered();
                    }
                }

                if (scratch.Capacity > ScratchBytesKept)
                {
                    scratch = new ArrayBufferWriter<byte>(ScratchBytes);
                }

                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (final || flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or ConnectionAbortedException)
        {
            Log.ConnectionFailed(_logger, _id, error);
        }
        finally
        {
            // Nothing more will be written: stop the reader (it may wait for a slot) and drop later replies.
            _replies.Writer.TryComplete();
            await _closing.CancelAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A reply left: free its slot, and finish when the reader is done and nothing is outstanding.</summary>
    private void Answered()
    {
        _slots.Release();
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _readerDone) == 1)
        {
            _replies.Writer.TryComplete();
        }
    }

    private const int ScratchBytes = 4096;

    private const int ScratchBytesKept = 1024 * 1024;

    private enum FrameOutcome
    {
        Incomplete,
        Answered,
        Post,
        Close,
    }
}
