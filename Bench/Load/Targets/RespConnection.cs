using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Dynamo.Engine;

namespace Dynamo.Bench.Load;

/// <summary>How a RESP request ended: the reply's type, or the kind of failure (<see cref="RespKind.Error"/>).</summary>
/// <param name="Kind">The reply's type; <see cref="RespKind.Error"/> for an error reply or a local failure.</param>
/// <param name="ErrorKind">With <see cref="RespKind.Error"/>: "timeout", "connection", "protocol", "overloaded", ….</param>
internal readonly record struct RespResult(RespKind Kind, string? ErrorKind = null)
{
    /// <summary>A failure of the given kind.</summary>
    public static RespResult Failed(string kind) => new(RespKind.Error, kind);
}

/// <summary>
/// One pipelined RESP2 connection. Callers encode their command into an outgoing pipe under a lock and join a FIFO
/// of pending requests in the same step, so the FIFO's order is the order of the bytes on the wire; a send loop
/// writes whatever accumulated (many commands per socket write under load); a reader loop parses replies and
/// completes the FIFO's head with each one. A request past its deadline is completed as a timeout by
/// <see cref="SweepDeadlines"/> but stays in the FIFO until its reply comes, which is then dropped. Pending requests
/// are pooled, so the steady state does not allocate. When the connection fails, every pending request and every
/// later one fails with the failure's kind; the connection is not reopened.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private static readonly PipeOptions s_outgoingOptions = new(
        pauseWriterThreshold: 0, // never blocks a writer: the FIFO bound limits what can accumulate
        resumeWriterThreshold: 0,
        minimumSegmentSize: 16 * 1024,
        useSynchronizationContext: false);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly Pipe _outgoing = new(s_outgoingOptions);
    private readonly Lock _lock = new();
    private readonly Queue<RespPending> _fifo = new();
    private readonly Stack<RespPending> _pool = new();
    private readonly List<RespPending> _expired = [];
    private readonly long _timeoutTicks;
    private readonly Task _readLoop;
    private readonly Task _sendLoop;
    private string? _failure;

    private RespConnection(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _timeoutTicks = (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096));
        _readLoop = Task.Run(ReadLoopAsync);
        _sendLoop = Task.Run(SendLoopAsync);
    }

    /// <summary>The failure that closed the connection ("connection", "protocol"), or null while it works.</summary>
    public string? Failure
    {
        get
        {
            lock (_lock)
            {
                return _failure;
            }
        }
    }

    /// <summary>The server's first error message that was not a timeout, for diagnostics.</summary>
    public string? FirstErrorMessage { get; private set; }

    /// <summary>Opens a TCP connection; a failure is a <see cref="SocketException"/> or a timeout.</summary>
    public static async Task<RespConnection> ConnectAsync(
        string host, int port, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(RespLimits.ConnectTimeoutMs);
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no connection within {RespLimits.ConnectTimeoutMs} ms");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RespConnection(socket, requestTimeout);
    }

    /// <summary>Sends <c>PING</c>.</summary>
    public ValueTask<RespResult> PingAsync() => Send("PING"u8, default, default, arguments: 1);

    /// <summary>Sends <c>GET key</c>.</summary>
    public ValueTask<RespResult> GetAsync(ReadOnlySpan<byte> key) => Send("GET"u8, key, default, arguments: 2);

    /// <summary>Sends <c>SET key value</c>.</summary>
    public ValueTask<RespResult> SetAsync(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        Send("SET"u8, key, value, arguments: 3);

    /// <summary>Completes as timeouts the requests whose deadline is at or before <paramref name="now"/> (a timestamp).</summary>
    public void SweepDeadlines(long now)
    {
        lock (_lock)
        {
            // Deadlines grow along the FIFO (one timeout, enqueued in order), so the expired ones are its head.
            foreach (var pending in _fifo)
            {
                if (pending.Deadline > now)
                {
                    break;
                }

                if (!pending.IsCompleted)
                {
                    pending.AddOwner(); // kept from reuse until completed below, outside the lock
                    _expired.Add(pending);
                }
            }
        }

        foreach (var pending in _expired)
        {
            pending.TryComplete(RespResult.Failed("timeout"));
            pending.Release();
        }

        _expired.Clear();
    }

    /// <summary>Closes the connection; pending requests fail with "connection".</summary>
    public async ValueTask DisposeAsync()
    {
        Fail("connection");
        _socket.Dispose();
        await _readLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _sendLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stream.Dispose();
    }

    /// <summary>Puts a completed and released request back in the pool.</summary>
    internal void Return(RespPending pending)
    {
        lock (_lock)
        {
            _pool.Push(pending);
        }
    }

    private static void WriteArrayHeader(PipeWriter writer, int count)
    {
        var span = writer.GetSpan(16);
        span[0] = (byte)'*';
        Invariant.Check(Utf8Formatter.TryFormat(count, span[1..], out var written));
        "\r\n"u8.CopyTo(span[(1 + written)..]);
        writer.Advance(written + 3);
    }

    private static void WriteBulk(PipeWriter writer, ReadOnlySpan<byte> bytes)
    {
        var span = writer.GetSpan(16);
        span[0] = (byte)'$';
        Invariant.Check(Utf8Formatter.TryFormat(bytes.Length, span[1..], out var written));
        "\r\n"u8.CopyTo(span[(1 + written)..]);
        writer.Advance(written + 3);
        writer.Write(bytes);
        writer.Write("\r\n"u8);
    }

    private static RespResult ToResult(in RespReply reply) =>
        reply.Kind == RespKind.Error ? RespResult.Failed(ErrorKindOf(reply.Payload)) : new RespResult(reply.Kind);

    /// <summary>The kind of a server error from its first word (the Redis error prefixes).</summary>
    private static string ErrorKindOf(ReadOnlySequence<byte> message)
    {
        Span<byte> head = stackalloc byte[16];
        var length = (int)Math.Min(message.Length, head.Length);
        message.Slice(0, length).CopyTo(head);
        head = head[..length];
        if (head.StartsWith("LOADING"u8) || head.StartsWith("MASTERDOWN"u8) || head.StartsWith("TRYAGAIN"u8)
            || head.StartsWith("CLUSTERDOWN"u8) || head.StartsWith("READONLY"u8) || head.StartsWith("MISCONF"u8))
        {
            return "unavailable";
        }

        return head.StartsWith("OOM"u8) || head.StartsWith("BUSY"u8) ? "overloaded" : "server";
    }

    private ValueTask<RespResult> Send(ReadOnlySpan<byte> command, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int arguments)
    {
        RespPending pending;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return new ValueTask<RespResult>(RespResult.Failed(_failure));
            }

            if (_fifo.Count >= RespLimits.InFlightRequestsMax)
            {
                return new ValueTask<RespResult>(RespResult.Failed("overloaded"));
            }

            pending = _pool.Count > 0 ? _pool.Pop() : new RespPending(this);
            pending.Start(TimeProvider.System.GetTimestamp() + _timeoutTicks);
            var writer = _outgoing.Writer;
            WriteArrayHeader(writer, arguments);
            WriteBulk(writer, command);
            if (arguments > 1)
            {
                WriteBulk(writer, key);
            }

            if (arguments > 2)
            {
                WriteBulk(writer, value);
            }

            _fifo.Enqueue(pending);

            // Only wakes the send loop: the pipe never pauses its writer, so this completes at once.
            var flush = writer.FlushAsync();
            if (flush.IsCompleted)
            {
                _ = flush.Result;
            }
            else
            {
                Invariant.Check(flush.IsCompleted);
            }
        }

        return new ValueTask<RespResult>(pending, pending.Version);
    }

    private async Task SendLoopAsync()
    {
        var outgoing = _outgoing.Reader;
        try
        {
            while (true)
            {
                var result = await outgoing.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _stream.WriteAsync(segment).ConfigureAwait(false);
                }

                outgoing.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
        {
            Fail("connection");
        }
        finally
        {
            await outgoing.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                try
                {
                    while (RespParser.TryRead(ref reader, out var reply))
                    {
                        Deliver(reply);
                    }
                }
                finally
                {
                    _input.AdvanceTo(reader.Position, buffer.End);
                }

                if (result.IsCompleted)
                {
                    Fail(reader.Remaining > 0 ? "protocol" : "connection");
                    break;
                }
            }
        }
        catch (RespProtocolException error)
        {
            FirstErrorMessage ??= error.Message;
            Fail("protocol");
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
        {
            Fail("connection");
        }
        finally
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Deliver(in RespReply reply)
    {
        RespPending? pending;
        lock (_lock)
        {
            if (!_fifo.TryDequeue(out pending))
            {
                throw new RespProtocolException("the server sent a reply no request was waiting for");
            }
        }

        if (reply.Kind == RespKind.Error && FirstErrorMessage is null)
        {
            FirstErrorMessage = System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, reply.Payload);
        }

        pending.TryComplete(ToResult(reply));
        pending.Release();
    }

    private void Fail(string kind)
    {
        RespPending[] pendings;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = kind;
            pendings = [.. _fifo];
            _fifo.Clear();
            _outgoing.Writer.Complete();
        }

        foreach (var pending in pendings)
        {
            pending.TryComplete(RespResult.Failed(kind));
            pending.Release();
        }
    }
}

/// <summary>
/// A pooled pending request: the awaitable its caller waits on. It has two owners while in use, the FIFO (until its
/// reply is read or the connection fails) and the caller (until it took the result); the last to let go returns it
/// to the pool, so a late reply to a timed-out request can never complete a newer request.
/// </summary>
internal sealed class RespPending : IValueTaskSource<RespResult>
{
    private readonly RespConnection _connection;
    private ManualResetValueTaskSourceCore<RespResult> _core;
    private int _completed;
    private int _owners;

    public RespPending(RespConnection connection) => _connection = connection;

    /// <summary>The timestamp after which the request is a timeout.</summary>
    public long Deadline { get; private set; }

    public short Version => _core.Version;

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public void Start(long deadline)
    {
        Deadline = deadline;
        _completed = 0;
        _owners = 2;
    }

    public void AddOwner() => Interlocked.Increment(ref _owners);

    /// <summary>Completes the request unless it already was (a timeout, then its reply).</summary>
    public void TryComplete(RespResult result)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _core.SetResult(result);
        }
    }

    public void Release()
    {
        var owners = Interlocked.Decrement(ref _owners);
        Invariant.Check(owners >= 0);
        if (owners == 0)
        {
            _core.Reset();
            _connection.Return(this);
        }
    }

    public RespResult GetResult(short token)
    {
        var result = _core.GetResult(token);
        Release();
        return result;
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
