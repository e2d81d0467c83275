using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>
/// One multiplexed connection to one node. Callers enqueue requests with fresh request ids; a writer loop encodes
/// every queued frame into the pipe and flushes once per batch; a reader loop parses frames in the Kestrel shape and
/// completes pending requests by request id, in whatever order the replies come. Every request waits with a
/// deadline; at most <c>maxInFlight</c> are pending, and more wait for a slot. When the connection is lost, every
/// pending request fails with a <see cref="DynamoConnectionException"/> saying whether it had been sent.
/// </summary>
internal sealed class NodeConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ConcurrentDictionary<ulong, PendingRequest> _pending = new();
    private readonly Channel<PendingRequest> _queue = Channel.CreateUnbounded<PendingRequest>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly SemaphoreSlim _slots;
    private readonly TimeProvider _time;
    private readonly Lock _failLock = new();
    private readonly Task _readLoop;
    private readonly Task _writeLoop;
    private readonly int _maxInFlight;
    private readonly Action<NodeConnection, Exception>? _onClosed;
    private long _nextRequestId;
    private volatile Exception? _failure;

    private NodeConnection(
        string endpoint, Socket socket, int maxInFlight, TimeProvider time, Action<NodeConnection, Exception>? onClosed)
    {
        Endpoint = endpoint;
        _socket = socket;
        _time = time;
        _maxInFlight = maxInFlight;
        _onClosed = onClosed;

        // No maximum count: when the connection fails, every waiter is woken at once and finds it closed.
        _slots = new SemaphoreSlim(maxInFlight);
        var stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    public string Endpoint { get; }

    /// <summary>True once the connection failed or was closed; it takes no more requests.</summary>
    public bool IsClosed => _failure is not null;

    /// <summary>Requests waiting for their reply (the pending map's size).</summary>
    public int PendingCount => _pending.Count;

    /// <summary>
    /// Opens a TCP connection to <paramref name="endpoint"/>; a failure is a <see cref="DynamoConnectionException"/>
    /// with nothing sent. Cancelling <paramref name="cancellationToken"/> gives <see cref="OperationCanceledException"/>.
    /// <paramref name="onClosed"/> is called once, when the connection is lost or closed, with the cause.
    /// </summary>
    public static async Task<NodeConnection> ConnectAsync(
        string endpoint,
        int maxInFlight,
        TimeProvider time,
        TimeSpan timeout,
        Action<NodeConnection, Exception>? onClosed,
        CancellationToken cancellationToken)
    {
        var parsed = NodeEndpoint.Parse(endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(parsed.Host, parsed.Port), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new DynamoConnectionException(
                endpoint, requestSent: false, $"cannot connect to {endpoint}: no answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw new DynamoConnectionException(endpoint, requestSent: false, $"cannot connect to {endpoint}: {error.Message}", error);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new NodeConnection(endpoint, socket, maxInFlight, time, onClosed);
    }

    /// <summary>
    /// Sends one request and waits for its reply until <paramref name="timeout"/> has passed, decoding it with
    /// <paramref name="decode"/> on the reader loop.
    /// </summary>
    /// <exception cref="DynamoTimeoutException">No slot or no reply within the deadline.</exception>
    /// <exception cref="DynamoConnectionException">The connection is closed or was lost.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled; a late reply is ignored.</exception>
    public async Task<T> SendAsync<T>(
        RequestFrame frame, ReplyDecoder<T> decode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        var start = _time.GetTimestamp();
        if (!await _slots.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            throw new DynamoTimeoutException(
                $"timed out after {timeout.TotalMilliseconds:0} ms waiting for one of the connection's in-flight slots ({Endpoint})");
        }

        ThrowIfClosed();
        var id = (ulong)Interlocked.Increment(ref _nextRequestId);
        var request = new PendingRequest<T>(id, frame, decode);
        _pending[id] = request;

        // Fail sets _failure before it sweeps the map: a request added concurrently is either swept or sees it.
        if (_failure is not null || !_queue.Writer.TryWrite(request))
        {
            Remove(id)?.Fail(ForRequest(_failure ?? new ObjectDisposedException(Endpoint), request));
        }

        var remaining = timeout - _time.GetElapsedTime(start);
        try
        {
            return await request.Task.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _time, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abandon(id);
            throw new DynamoTimeoutException(
                $"no reply from {Endpoint} within {timeout.TotalMilliseconds:0} ms; the request's outcome is unknown");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Abandon(id);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new DynamoConnectionException(Endpoint, requestSent: false, $"the connection to {Endpoint} was closed"));
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
    }

    private void ThrowIfClosed()
    {
        if (_failure is { } failure)
        {
            throw failure as DynamoConnectionException
                ?? new DynamoConnectionException(Endpoint, requestSent: false, $"the connection to {Endpoint} is lost: {failure.Message}", failure);
        }
    }

    /// <summary>Removes a pending request and frees its slot; null when someone else already completed it.</summary>
    private PendingRequest? Remove(ulong id)
    {
        if (!_pending.TryRemove(id, out var request))
        {
            return null;
        }

        if (_failure is null)
        {
            _slots.Release();
        }

        return request;
    }

    private void Abandon(ulong id)
    {
        if (Remove(id) is PendingRequest request)
        {
            request.Fail(new OperationCanceledException("The caller stopped waiting."));
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception failure;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (TryReadOne(ref buffer))
                    {
                    }

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        failure = new DynamoConnectionException(
                            Endpoint,
                            requestSent: true,
                            buffer.IsEmpty ? $"{Endpoint} closed the connection" : $"{Endpoint} closed the connection in the middle of a frame");
                        break;
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (ProtocolException error)
        {
            failure = new DynamoProtocolException(error.Code, $"the connection to {Endpoint} is unreadable: {error.Message}", error);
        }
        catch (DynamoException error)
        {
            failure = error;
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            failure = new DynamoConnectionException(Endpoint, requestSent: true, $"the connection to {Endpoint} was lost: {error.Message}", error);
        }

        Fail(failure);
        await _input.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Reads and dispatches one frame. A request-scoped protocol error (a payload checksum mismatch) has consumed
    /// its frame: it fails that request only, and reading goes on. Connection-scoped errors propagate.
    /// </summary>
    private bool TryReadOne(ref ReadOnlySequence<byte> buffer)
    {
        try
        {
            if (!FrameReader.TryReadFrame(ref buffer, out var header, out var payload))
            {
                return false;
            }

            Dispatch(header, payload);
        }
        catch (ProtocolException error) when (error.Scope == ErrorScope.Request)
        {
            Remove(error.RequestId)?.Fail(ErrorReplies.FromReplyDecoding(error));
        }

        return true;
    }

    private void Dispatch(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.RequestId == 0 && header.Opcode == Opcode.Error)
        {
            // Request id 0 is never ours: the node reports a connection-scoped error and closes.
            using var lease = FramePayload.Open(header, payload);
            throw ErrorReplies.ToException(ErrorReply.Read(lease.Span));
        }

        // A reply for an id no longer pending is late (its caller timed out or cancelled): ignored.
        if (Remove(header.RequestId) is not PendingRequest request)
        {
            return;
        }

        try
        {
            using var lease = FramePayload.Open(header, payload);
            request.Complete(header.Opcode, lease.Span);
        }
        catch (ProtocolException error)
        {
            request.Fail(ErrorReplies.FromReplyDecoding(error));
        }
    }

    private async Task WriteLoopAsync()
    {
        var queue = _queue.Reader;
        try
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (queue.TryRead(out var request))
                {
                    Write(request);
                    if (_output.CanGetUnflushedBytes && _output.UnflushedBytes >= ClientLimits.WriteBatchBytesMax)
                    {
                        await _output.FlushAsync().ConfigureAwait(false);
                    }
                }

                await _output.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Fail(new DynamoConnectionException(Endpoint, requestSent: true, $"the connection to {Endpoint} was lost: {error.Message}", error));
        }

        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
        {
            // Completing flushes what is left; when the connection is already gone (the read loop saw it close and
            // disposed the stream) there is nowhere to flush to, and every pending request has failed already.
        }
    }

    private void Write(PendingRequest request)
    {
        if (request.IsDone)
        {
            return;
        }

        try
        {
            request.Sent = true;
            request.Frame.WriteTo(_output, request.Id);
        }
        catch (ProtocolException error)
        {
            request.Sent = false;
            Remove(request.Id)?.Fail(new DynamoProtocolException(error.Code, error.Message, error));
        }
    }

    /// <summary>
    /// Ends the connection once: no request is taken any more, every pending one fails with a typed exception,
    /// the socket closes (which ends both loops) and the owner is told.
    /// </summary>
    private void Fail(Exception cause)
    {
        lock (_failLock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = cause;
        }

        _queue.Writer.TryComplete();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var request))
            {
                request.Fail(ForRequest(cause, request));
            }
        }

        _slots.Release(_maxInFlight);
        _socket.Dispose();
        _input.CancelPendingRead();
        _onClosed?.Invoke(this, cause);
    }

    private DynamoConnectionException ForRequest(Exception cause, PendingRequest request) =>
        new(Endpoint, request.Sent, request.Sent
            ? $"the connection to {Endpoint} was lost with the request in flight; its outcome is unknown ({cause.Message})"
            : $"the connection to {Endpoint} was lost before the request was sent ({cause.Message})", cause);
}
