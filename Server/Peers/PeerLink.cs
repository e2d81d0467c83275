using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;
using Dynamo.Server.Addresses;
using Dynamo.Server.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Peers;

/// <summary>
/// One long-lived outbound connection to a peer, multiplexed: many operations in flight at once, each frame's
/// request id the core's operation id, replies matched back in any order (StackExchange.Redis's shape). Frames queued
/// while the writer is busy go out together under one flush.
/// </summary>
/// <remarks>
/// <para>States (<see cref="LinkState"/>): <b>connecting</b> (an attempt is under way: at start, and at once after a
/// connection drops), <b>connected</b>, and <b>backing off</b> after a failed attempt (50 ms doubling to 2 s, with
/// jitter). A request is never failed because the link is still connecting: it waits for the attempt within its
/// deadline and goes out when the connection is up. When an attempt fails, every request waiting for it fails at once
/// (the peer is unreachable), and when a connection drops every operation pending on it fails, so the core hears of a
/// dead peer without waiting for a deadline. A request that arrives while the link backs off ends the back-off: the
/// core sends only to peers it believes up, so a request means the peer is likely back (it gossiped a newer
/// heartbeat), and it waits for a new attempt instead of failing against a stale back-off.</para>
/// </remarks>
/// <remarks>
/// Thread-safety: <see cref="TrySend"/> and <see cref="CollectOverdue"/> run on the node loop; the reader and writer
/// run on the pool. <see cref="_lock"/> guards the connection state and the pending map, so an operation is either
/// accepted by a live connection or refused, and failed exactly once.
/// </remarks>
internal sealed class PeerLink
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, PendingOperation> _pending = [];
    private readonly Channel<Outgoing> _queue = Channel.CreateUnbounded<Outgoing>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });

    private readonly SocketConnectionContextFactory _factory;
    private readonly Random _random;
    private readonly ILogger _logger;
    private IPeerInbox? _loop;
    private volatile LinkState _state = LinkState.Connecting;

    /// <summary>While backing off: completed by the first request, which ends the back-off early.</summary>
    private TaskCompletionSource? _wakeup;

    public PeerLink(MemberAddress peer, SocketConnectionContextFactory factory, Random random, ILogger logger)
    {
        Peer = peer.Id;
        Endpoint = peer.Endpoint;
        _factory = factory;
        _random = random;
        _logger = logger;
    }

    /// <summary>The peer's node id.</summary>
    public NodeId Peer { get; }

    /// <summary>The peer's endpoint.</summary>
    public HostPort Endpoint { get; }

    /// <summary>The link's connection states.</summary>
    public enum LinkState
    {
        /// <summary>A connection attempt is under way; requests wait for it.</summary>
        Connecting,

        /// <summary>A connection is up.</summary>
        Connected,

        /// <summary>The last attempt failed; the next one waits for the back-off or for a request.</summary>
        BackingOff,
    }

    /// <summary>Whether a connection is up now.</summary>
    public bool IsConnected => _state == LinkState.Connected;

    /// <summary>The link's state now.</summary>
    public LinkState State => _state;

    /// <summary>Whether operations wait for an answer on this link.</summary>
    public bool HasPending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count > 0;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="request"/> under <paramref name="operationId"/>, to fail by
    /// <paramref name="deadlineMs"/> at the latest. While the link connects the request waits for the connection; while
    /// it backs off, the request ends the back-off and waits for a new attempt. False, with the reason, only when the
    /// link is full: the caller answers the core with a <see cref="PeerFailure"/> at once.
    /// </summary>
    public bool TrySend(ulong operationId, NodeRequest request, long deadlineMs, out string reason)
    {
        lock (_lock)
        {
            if (_state == LinkState.BackingOff)
            {
                _state = LinkState.Connecting;
                _wakeup?.TrySetResult();
            }

            if (_pending.Count >= ServerLimits.PeerOperationsPendingMax)
            {
                reason = $"The link to {Peer} has {_pending.Count} operations pending, its limit.";
                return false;
            }

            if (!_pending.TryAdd(operationId, new PendingOperation(PeerCodec.OpcodeOf(request), deadlineMs)))
            {
                reason = $"Operation {operationId} is already pending on the link to {Peer}.";
                return false;
            }

            var queued = _queue.Writer.TryWrite(new Outgoing(operationId, request));
            Invariant.Check(queued);
        }

        reason = string.Empty;
        return true;
    }

    /// <summary>Fails the operations whose deadline passed (a peer that never answers must not leak entries).</summary>
    public void CollectOverdue(long nowMs, List<PeerResponse> into)
    {
        lock (_lock)
        {
            var first = into.Count;
            foreach (var (operationId, pending) in _pending)
            {
                if (pending.DeadlineMs <= nowMs)
                {
                    into.Add(new PeerResponse(Peer, operationId, new PeerFailure($"{Peer} did not answer in time.")));
                }
            }

            for (var i = first; i < into.Count; i++)
            {
                _pending.Remove(into[i].OperationId);
            }
        }
    }

    /// <summary>Connects, serves and reconnects until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(IPeerInbox loop, CancellationToken cancellationToken)
    {
        _loop = loop;
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            ConnectionContext connection;
            try
            {
                connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SocketException or OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                // The node is stopping: a connect that fails now (the peer may be stopping too) ends the link.
                return;
            }
            catch (Exception error) when (error is SocketException or OperationCanceledException)
            {
                // The requests that waited for this attempt fail now: the peer cannot be reached.
                var reason = $"{Peer} at {Endpoint} cannot be reached: {error.Message}";
                await FailAllAsync(reason, LinkState.BackingOff, cancellationToken).ConfigureAwait(false);
                var delay = BackoffMs(attempt++);
                Log.PeerConnectFailed(_logger, Peer, Endpoint.ToString(), delay, error.Message);
                await WaitForRetryAsync(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }

            attempt = 0;
            Exception? failure = null;
            try
            {
                await ServeAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The peer closed the connection: reading stopped by cancellation, which is not a fault to report.
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                failure = error;
            }
            finally
            {
                // The next attempt starts at once; requests from now on wait for it.
                var failed = await FailAllAsync($"The connection to {Peer} dropped.", LinkState.Connecting, cancellationToken).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
                if (!cancellationToken.IsCancellationRequested)
                {
                    Log.PeerLost(_logger, Peer, Endpoint.ToString(), failed, failure);
                }
            }
        }
    }

    /// <summary>Waits out a back-off; a request arriving meanwhile (<see cref="TrySend"/>) ends it early.</summary>
    private async Task WaitForRetryAsync(int delayMs, CancellationToken cancellationToken)
    {
        Task wakeup;
        lock (_lock)
        {
            wakeup = _wakeup?.Task ?? Task.CompletedTask;
        }

        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(Task.Delay(delayMs, delay.Token), wakeup).ConfigureAwait(false);
        await delay.CancelAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _state = LinkState.Connecting;
            _wakeup = null;
        }
    }

    private async Task<ConnectionContext> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ServerLimits.ConnectTimeoutMs);
            await socket.ConnectAsync(Endpoint.BareHost, Endpoint.Port, timeout.Token).ConfigureAwait(false);
            return _factory.Create(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ServeAsync(ConnectionContext connection, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.ConnectionClosed);
        lock (_lock)
        {
            _state = LinkState.Connected;
        }

        Log.PeerConnected(_logger, Peer, Endpoint.ToString());
        var writer = WriteLoopAsync(connection.Transport.Output, stop.Token);
        try
        {
            await ReadLoopAsync(connection.Transport.Input, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _state = LinkState.Connecting;
            }

            await stop.CancelAsync().ConfigureAwait(false);
            connection.Abort();
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The writer stops by cancellation when the reader ends first.
            }
        }
    }

    private async Task WriteLoopAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        var scratch = new ArrayBufferWriter<byte>(4096);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var written = 0; written < ServerLimits.RepliesPerFlushMax && reader.TryRead(out var item);)
            {
                if (!IsPending(item.OperationId))
                {
                    continue;
                }

                try
                {
                    PeerCodec.WriteRequest(output, item.OperationId, item.Request, scratch);
                    written++;
                }
                catch (Exception error) when (error is ProtocolException or VersionLimitException)
                {
                    // Nothing was sent: the message, not the peer, is at fault, so the peer is not reported down.
                    if (TryRemove(item.OperationId, out _))
                    {
                        await _loop!.PostAsync(
                            new PeerResponse(Peer, item.OperationId, PeerCodec.NotEncoded(error)), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return;
            }
        }
    }

    private async Task ReadLoopAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (TryReadReply(ref buffer, out var response))
                {
                    if (response is { } ready)
                    {
                        var posted = new PeerResponse(ready.From, ready.OperationId, ready.Response);
                        if (!_loop!.TryPost(posted))
                        {
                            await _loop.PostAsync(posted, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>
    /// Reads one reply frame. <paramref name="response"/> is null for a reply nobody waits for any more (the
    /// operation failed or timed out already). A connection-scoped framing error propagates: the link closes.
    /// </summary>
    private bool TryReadReply(ref ReadOnlySequence<byte> buffer, out PeerResponse? response)
    {
        response = null;
        FrameHeader header;
        ReadOnlySequence<byte> payload;
        try
        {
            if (!FrameReader.TryReadFrame(ref buffer, out header, out payload))
            {
                return false;
            }
        }
        catch (ProtocolException error) when (error.Scope == ErrorScope.Request)
        {
            if (TryRemove(error.RequestId, out _))
            {
                response = new PeerResponse(Peer, error.RequestId, new PeerFailure(error.Message));
            }

            return true;
        }

        if (!TryRemove(header.RequestId, out var pending))
        {
            return true;
        }

        NodeResponse decoded;
        try
        {
            using var lease = FramePayload.Open(header, payload);
            decoded = PeerCodec.ReadReply(pending.Opcode, header.Opcode, lease.Span);
        }
        catch (ProtocolException error)
        {
            decoded = new PeerFailure(error.Message);
        }

        response = new PeerResponse(Peer, header.RequestId, decoded);
        return true;
    }

    private bool IsPending(ulong operationId)
    {
        lock (_lock)
        {
            return _pending.ContainsKey(operationId);
        }
    }

    private bool TryRemove(ulong operationId, out PendingOperation pending)
    {
        lock (_lock)
        {
            return _pending.Remove(operationId, out pending);
        }
    }

    /// <summary>
    /// Fails every pending operation, drops the queue and enters <paramref name="next"/> in one step, so a request is
    /// either failed here or waits for what comes next; returns how many failed.
    /// </summary>
    private async Task<int> FailAllAsync(string reason, LinkState next, CancellationToken cancellationToken)
    {
        List<ulong> failed;
        lock (_lock)
        {
            _state = next;
            _wakeup = next == LinkState.BackingOff ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
            failed = [.. _pending.Keys];
            _pending.Clear();
            while (_queue.Reader.TryRead(out _))
            {
            }
        }

        try
        {
            foreach (var operationId in failed)
            {
                await _loop!.PostAsync(new PeerResponse(Peer, operationId, new PeerFailure(reason)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping: nobody waits for these answers any more.
        }

        return failed.Count;
    }

    /// <summary>50 ms doubling to 2 s, each delay drawn from its upper half (jitter keeps nodes from reconnecting in step).</summary>
    private int BackoffMs(int attempt)
    {
        var ceiling = (int)Math.Min(ServerLimits.ReconnectDelayMaxMs, (long)ServerLimits.ReconnectDelayMinMs << Math.Min(attempt, 16));
        return (ceiling / 2) + _random.Next((ceiling / 2) + 1);
    }

    private readonly record struct PendingOperation(Opcode Opcode, long DeadlineMs);

    private readonly record struct Outgoing(ulong OperationId, NodeRequest Request);
}
