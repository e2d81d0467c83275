using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dynamo.Client;

/// <summary>
/// A partition-aware client of a Dynamo cluster. It learns the ring from a node, hashes each key as the nodes do,
/// and sends each request to the first reachable node of the key's preference list, over one multiplexed
/// connection per node. Thread-safe; create one per application and dispose it at the end.
/// </summary>
/// <remarks>
/// <see cref="ConnectAsync(DynamoClientOptions, CancellationToken)"/> connects before it returns; a client made with
/// the constructor (as <c>AddDynamoClient</c> does) connects on its first request instead, once for all the requests
/// that arrive meanwhile, each waiting within its own deadline. Failed requests are repeated only as
/// <see cref="DynamoClientOptions.RetryPolicy"/> allows: never a write that may have been applied.
/// </remarks>
/// <example>
/// <code>
/// await using var client = await DynamoClient.ConnectAsync(DynamoClientOptions.Parse("nodes=127.0.0.1:7101;w=2"));
/// await client.PutAsync("cart:42", "apples");
/// var read = await client.GetAsync("cart:42");
/// if (read.HasSiblings)
/// {
///     var merged = string.Join(",", read.Values.Select(v => Encoding.UTF8.GetString(v.Span)));
///     await client.PutAsync("cart:42", merged, read.Context, new PutOptions { W = 2 });
/// }
/// </code>
/// </example>
public sealed class DynamoClient : IDynamoClient, IAsyncDisposable, IDisposable
{
    private readonly DynamoClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _defaultBucket;
    private readonly string[] _seeds;
    private readonly ConcurrentDictionary<string, NodeChannel> _channels = new(StringComparer.Ordinal);

    // Neither is disposed: in-flight requests may still touch them after DisposeAsync, and neither holds a timer or
    // a wait handle.
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Lock _connectLock = new();
    private Task<ClusterInfo>? _connecting;
    private Task _refreshLoop = Task.CompletedTask;
    private volatile ClusterInfo? _cluster;
    private volatile bool _disposed;

    /// <summary>
    /// Creates a client that connects on its first request (or on <see cref="ConnectAsync(CancellationToken)"/>).
    /// The client keeps a copy of <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public DynamoClient(DynamoClientOptions options)
        : this(options, null)
    {
    }

    /// <summary>Creates a client logging to the options' factory, or else to <paramref name="loggerFactory"/>.</summary>
    internal DynamoClient(DynamoClientOptions options, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _time = _options.TimeProvider;
        _logger = (_options.LoggerFactory ?? loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DynamoClient>();
        _defaultBucket = RequestChecks.CheckBucket(_options.DefaultBucket);
        _seeds = [.. _options.Endpoints];
    }

    /// <summary>The cluster information the client routes with (the last one read).</summary>
    /// <exception cref="InvalidOperationException">The client has not connected yet.</exception>
    public ClusterInfo Cluster => _cluster ?? throw new InvalidOperationException(
        "The client is not connected yet: it connects on its first request, or call ConnectAsync.");

    /// <summary>True once the client has read the cluster information.</summary>
    public bool IsConnected => _cluster is not null;

    /// <summary>The options the client runs with (its own copy).</summary>
    internal DynamoClientOptions Options => _options;

    /// <summary>Requests waiting for a reply on all connections (for tests and monitoring).</summary>
    internal int PendingRequestCount => _channels.Values.Sum(channel => channel.PendingCount);

    /// <summary>The endpoints the client holds an open connection to (for tests).</summary>
    internal IReadOnlyList<string> ConnectedEndpoints =>
        [.. _channels.Values.Where(channel => channel.IsConnected).Select(channel => channel.Endpoint).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Connects to the cluster: asks the first reachable endpoint of <paramref name="options"/> for the cluster
    /// information, rebuilds the ring from it and learns every member's endpoint.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="UnavailableException">No endpoint answered.</exception>
    /// <exception cref="DynamoTimeoutException">No endpoint answered within <see cref="DynamoClientOptions.DefaultTimeout"/>.</exception>
    public static async Task<DynamoClient> ConnectAsync(DynamoClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new DynamoClient(options);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }

    /// <summary>
    /// Connects now, when the client has not yet: reads the cluster information within
    /// <see cref="DynamoClientOptions.DefaultTimeout"/> (shared with any request connecting at the same time).
    /// Returns at once when the client is connected. A failed attempt leaves the client usable: the next request
    /// tries again.
    /// </summary>
    /// <exception cref="UnavailableException">No endpoint answered.</exception>
    /// <exception cref="DynamoTimeoutException">No endpoint answered in time.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default) =>
        await ClusterAsync(_time.GetTimestamp(), _options.DefaultTimeout, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Re-reads the cluster information from a reachable node and, when anything the client routes by changed (the
    /// ring, a member's endpoint, the default N, R or W, the bucket table), routes with the new information from then on; connections
    /// to endpoints no member uses any more are closed. Returns true when something changed (or when this was the
    /// client's first read).
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default) =>
        (await ReadClusterAsync(cancellationToken).ConfigureAwait(false)).Changed;

    /// <inheritdoc/>
    /// <remarks>The answer also replaces the client's routing when anything it routes by changed (see <see cref="RefreshAsync"/>).</remarks>
    public async Task<ClusterInfo> GetClusterInfoAsync(CancellationToken cancellationToken = default) =>
        (await ReadClusterAsync(cancellationToken).ConfigureAwait(false)).Info;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The key or bucket is too long, or R is not from 1 to N.</exception>
    /// <exception cref="DynamoException">The read failed; see the derived types.</exception>
    public Task<GetResult> GetAsync(ReadOnlyMemory<byte> key, GetOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequestChecks.CheckKey(key.Span);
        var frame = new RequestFrame(Opcode.Get, BucketOf(options), key, Strict: StrictOf(options));
        var request = Prepare(frame, options, options?.R, _options.DefaultR, "R");
        return SendToKeyAsync(request, DecodeGet, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The key, value or bucket is too long, or W is not from 1 to N.</exception>
    /// <exception cref="DynamoException">The write failed; see the derived types. After a
    /// <see cref="DynamoTimeoutException"/>, or a <see cref="DynamoConnectionException"/> with
    /// <see cref="DynamoConnectionException.RequestSent"/>, the write may or may not have been applied.</exception>
    public Task<PutResult> PutAsync(
        ReadOnlyMemory<byte> key,
        ReadOnlyMemory<byte> value,
        DynamoContext? context = null,
        PutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        RequestChecks.CheckKey(key.Span);
        RequestChecks.CheckValue(value.Span);
        var frame = new RequestFrame(
            Opcode.Put, BucketOf(options), key, value, context?.Bytes ?? default, ReturnContext: options?.ReturnContext ?? false,
            Strict: StrictOf(options));
        var request = Prepare(frame, options, options?.W, _options.DefaultW, "W");
        return SendToKeyAsync(request, DecodePut, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The key or bucket is too long, or W is not from 1 to N.</exception>
    /// <exception cref="DynamoException">The delete failed; see the derived types.</exception>
    public Task DeleteAsync(
        ReadOnlyMemory<byte> key, DynamoContext? context = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequestChecks.CheckKey(key.Span);
        var frame = new RequestFrame(Opcode.Delete, BucketOf(options), key, Strict: StrictOf(options));
        var request = Prepare(frame, options, options?.W, _options.DefaultW, "W");
        return DeleteAsync(request, context, options, cancellationToken);
    }

    /// <inheritdoc/>
    /// <param name="endpoint">The node, "host:port"; null for the first reachable seed or member.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<TimeSpan> PingAsync(string? endpoint = null, CancellationToken cancellationToken = default)
    {
        var start = _time.GetTimestamp();
        await SendToAnyAsync(endpoint, new RequestFrame(Opcode.Ping), DecodeEmpty<PongReply>, _options.DefaultTimeout, cancellationToken)
            .ConfigureAwait(false);
        return _time.GetElapsedTime(start);
    }

    /// <inheritdoc/>
    /// <param name="endpoint">The node, "host:port"; null for the first reachable seed or member.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public Task<string> GetInfoAsync(string? endpoint = null, CancellationToken cancellationToken = default) =>
        SendToAnyAsync(endpoint, new RequestFrame(Opcode.Info), DecodeInfo, _options.DefaultTimeout, cancellationToken);

    /// <inheritdoc/>
    /// <param name="endpoint">The node, "host:port"; null for the first reachable seed or member.</param>
    /// <param name="timeout">The deadline of the whole repair, which the node keeps; null for
    /// <see cref="ClientLimits.RepairTimeoutDefaultMs"/>. The driver waits <see cref="ClientLimits.RepairReplySlackMs"/>
    /// longer for the answer, which the node sends at its deadline with what it finished.</param>
    /// <param name="cancellationToken">Cancels the wait (the node's repair goes on).</param>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is not positive or is over an hour.</exception>
    /// <exception cref="DynamoException">The node did not answer or refused the request.</exception>
    public Task<RepairResult> RepairAsync(string? endpoint = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = timeout ?? TimeSpan.FromMilliseconds(ClientLimits.RepairTimeoutDefaultMs);
        if (deadline <= TimeSpan.Zero || deadline.TotalMilliseconds > ClientLimits.RepairTimeoutMaxMs)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), deadline, $"Must be positive and at most {ClientLimits.RepairTimeoutMaxMs} ms.");
        }

        var frame = new RequestFrame(Opcode.Repair, TimeoutMs: Milliseconds(deadline));
        var wait = deadline + TimeSpan.FromMilliseconds(ClientLimits.RepairReplySlackMs);
        return SendToAnyAsync(endpoint, frame, DecodeRepair, wait, cancellationToken);
    }

    /// <inheritdoc/>
    /// <param name="bucket">The bucket's name, 1 to 255 bytes of UTF-8.</param>
    /// <param name="n">Replicas per key, from 1 to 16; null keeps the current value.</param>
    /// <param name="r">Read quorum, from 1 to N; null keeps the current value.</param>
    /// <param name="w">Write quorum, from 1 to N; null keeps the current value.</param>
    /// <param name="timeout">The bucket's request deadline; null keeps the current value.</param>
    /// <param name="cancellationToken">Cancels the wait (the change may still be applied).</param>
    /// <exception cref="ArgumentException">The name is empty or too long, nothing is to change, or a value is out of
    /// range (R or W over the N given).</exception>
    /// <exception cref="DynamoException">The node refused the change (BadRequest with the reason, for instance R over
    /// the bucket's current N) or did not answer.</exception>
    public Task<BucketSettings> SetBucketPropsAsync(
        string bucket, int? n = null, int? r = null, int? w = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var name = RequestChecks.CheckBucket(bucket);
        if (name.Length == 0)
        {
            throw new ArgumentException("A bucket name must not be empty: the default bucket takes the nodes' --n, --r and --w.", nameof(bucket));
        }

        if (n is null && r is null && w is null && timeout is null)
        {
            throw new ArgumentException("Give at least one of N, R, W and the timeout to change.");
        }

        var givenN = n is null ? 0 : RequestChecks.CheckN(n, 0);
        var change = new BucketChange(
            (byte)givenN,
            RequestChecks.CheckQuorum(r, givenN == 0 ? Dynamo.Engine.Limits.ReplicasMax : givenN, "R"),
            RequestChecks.CheckQuorum(w, givenN == 0 ? Dynamo.Engine.Limits.ReplicasMax : givenN, "W"),
            timeout is { } t ? CheckedMilliseconds(t) : 0);
        var frame = new RequestFrame(Opcode.SetBucket, name, Change: change);
        return SendToAnyAsync(null, frame, DecodeSetBucket, _options.DefaultTimeout, cancellationToken);
    }

    /// <inheritdoc/>
    /// <param name="bucket">The bucket's name.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<BucketSettings?> GetBucketPropsAsync(string bucket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var info = await GetClusterInfoAsync(cancellationToken).ConfigureAwait(false);
        return info.GetBucketProps(bucket);
    }

    /// <summary>Stops the periodic refresh and closes every connection; pending requests fail.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_connectLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _refreshLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var channel in _channels.Values)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the client as <see cref="DisposeAsync"/> does, waiting at most <see cref="ClientLimits.DisposeTimeoutMs"/>
    /// (for containers and callers that dispose synchronously).
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().Wait(TimeSpan.FromMilliseconds(ClientLimits.DisposeTimeoutMs));

    private static uint Milliseconds(TimeSpan timeout) => (uint)Math.Max(1, Math.Ceiling(timeout.TotalMilliseconds));

    /// <summary>The key's candidates in order: its primaries, then its fallbacks.</summary>
    private static string[] CandidateEndpoints(ClusterInfo cluster, ulong hash, int n)
    {
        var list = cluster.Ring.GetPreferenceList(hash, cluster.RoutingN(n));
        var endpoints = new string[list.Primaries.Length + list.Fallbacks.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var node = i < list.Primaries.Length ? list.Primaries[i] : list.Fallbacks[i - list.Primaries.Length];
            endpoints[i] = cluster.NodeOf(node).Endpoint;
        }

        return endpoints;
    }

    private static GetResult DecodeGet(ReadOnlySpan<byte> payload)
    {
        var reply = GetReply.Read(payload);
        var bytes = 0;
        var live = 0;
        var omitted = false;
        foreach (var sibling in reply.Siblings)
        {
            if (!sibling.IsTombstone)
            {
                bytes += sibling.Value.Length;
                live++;
                omitted |= sibling.IsOmitted;
            }
        }

        if (omitted)
        {
            // The values together pass the object bound: the node sent their sizes, and the context to resolve with.
            var sizes = new long[live];
            var at = 0;
            foreach (var sibling in reply.Siblings)
            {
                if (!sibling.IsTombstone)
                {
                    sizes[at++] = sibling.Length;
                }
            }

            return GetResult.WithValuesOmitted(sizes, reply.SiblingCount, DynamoContext.FromBytes(reply.Context));
        }

        // One buffer for every value: a get costs a few allocations whatever its sibling count.
        var buffer = new byte[bytes];
        var values = new ReadOnlyMemory<byte>[live];
        var offset = 0;
        var index = 0;
        foreach (var sibling in reply.Siblings)
        {
            if (!sibling.IsTombstone)
            {
                sibling.Value.CopyTo(buffer.AsSpan(offset));
                values[index++] = buffer.AsMemory(offset, sibling.Value.Length);
                offset += sibling.Value.Length;
            }
        }

        return new GetResult(values, reply.SiblingCount, DynamoContext.FromBytes(reply.Context));
    }

    private static PutResult DecodePut(ReadOnlySpan<byte> payload)
    {
        var reply = PutReply.Read(payload);
        return new PutResult(reply.Context.IsEmpty ? null : DynamoContext.FromBytes(reply.Context));
    }

    private static RepairResult DecodeRepair(ReadOnlySpan<byte> payload)
    {
        var reply = RepairReply.Read(payload);
        var message = reply.Message.IsEmpty ? null : Encoding.UTF8.GetString(reply.Message);
        return new RepairResult(reply.Completed, reply.Exchanges, reply.ExchangesFailed, reply.Differences, reply.KeysRepaired, message);
    }

    private static BucketSettings DecodeSetBucket(ReadOnlySpan<byte> payload)
    {
        var bucket = SetBucketReply.Read(payload).Bucket;
        return new BucketSettings(bucket.NameText, bucket.N, bucket.R, bucket.W, (int)Math.Min(bucket.TimeoutMs, int.MaxValue), bucket.Counter, bucket.NodeIdText);
    }

    private static uint CheckedMilliseconds(TimeSpan timeout)
    {
        RequestChecks.CheckTimeout(timeout, nameof(timeout));
        return Milliseconds(timeout);
    }

    private static string DecodeInfo(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(InfoReply.Read(payload).Text);

    private static bool DecodeEmpty<TReply>(ReadOnlySpan<byte> payload)
        where TReply : IMessage<TReply>, allows ref struct
    {
        _ = TReply.Read(payload);
        return true;
    }

    private ReadOnlyMemory<byte> BucketOf(RequestOptions? options) =>
        options?.Bucket is { } bucket ? RequestChecks.CheckBucket(bucket) : _defaultBucket;

    private bool StrictOf(RequestOptions? options) => options?.Strict ?? _options.DefaultStrict;

    private TimeSpan TimeoutOf(RequestOptions? options)
    {
        if (options?.Timeout is { } timeout)
        {
            RequestChecks.CheckTimeout(timeout, nameof(options.Timeout));
            return timeout;
        }

        return _options.DefaultTimeout;
    }

    /// <summary>
    /// Checks what can be checked before the request is sent: N, the timeout, and R or W against N when the cluster
    /// is known already (a client connecting on first use checks R or W once it knows the cluster's default N).
    /// </summary>
    private KeyRequest Prepare(RequestFrame frame, RequestOptions? options, int? quorum, int? defaultQuorum, string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var n = options?.N is { } value ? RequestChecks.CheckN(value, 0) : (int?)null;
        var request = new KeyRequest(
            frame, n, quorum ?? defaultQuorum, quorum is null && defaultQuorum is not null ? name + " (the client's default)" : name, TimeoutOf(options));
        if (_cluster is { } cluster)
        {
            RequestChecks.CheckQuorum(request.Quorum, n ?? cluster.NOf(frame.Bucket.Span), request.QuorumName);
        }

        return request;
    }

    private async Task DeleteAsync(KeyRequest request, DynamoContext? context, DeleteOptions? options, CancellationToken cancellationToken)
    {
        if (context is null)
        {
            // Delete what is there, as a user expects: read the key's context first (at the default R), so the
            // tombstone supersedes every version the read saw instead of becoming one more sibling.
            var read = await GetAsync(
                request.Frame.Key,
                new GetOptions { Bucket = options?.Bucket, N = options?.N, Timeout = options?.Timeout, Strict = request.Frame.Strict },
                cancellationToken).ConfigureAwait(false);
            if (read.Context.Bytes.IsEmpty)
            {
                return;
            }

            context = read.Context;
        }

        var withContext = request with { Frame = request.Frame with { Context = context.Bytes } };
        await SendToKeyAsync(withContext, DecodeEmpty<DeleteReply>, cancellationToken).ConfigureAwait(false);
    }

    private NodeChannel ChannelFor(string endpoint) =>
        _channels.GetOrAdd(endpoint, static (key, client) => new NodeChannel(key, client._options, client._logger, client._closing.Token), this);

    private TimeSpan Remaining(long start, TimeSpan timeout)
    {
        var remaining = timeout - _time.GetElapsedTime(start);
        return remaining > TimeSpan.Zero
            ? remaining
            : throw new DynamoTimeoutException($"timed out after {timeout.TotalMilliseconds:0} ms before any node answered");
    }

    /// <summary>
    /// The cluster information, reading it first when the client has not connected yet: one read at a time, shared
    /// by every request that arrives meanwhile, each waiting no longer than its own deadline.
    /// </summary>
    private async ValueTask<ClusterInfo> ClusterAsync(long start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_cluster is { } known)
        {
            return known;
        }

        Task<ClusterInfo> connecting;
        lock (_connectLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_cluster is { } read)
            {
                return read;
            }

            if (_connecting is null || _connecting.IsCompleted)
            {
                _connecting = ConnectOnceAsync();

                // Every waiter may have given up (deadline, cancellation) before a failure: it is observed here.
                _ = _connecting.ContinueWith(
                    static task => _ = task.Exception,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            connecting = _connecting;
        }

        try
        {
            return await connecting.WaitAsync(Remaining(start, timeout), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DynamoTimeoutException(string.Create(
                CultureInfo.InvariantCulture,
                $"timed out after {timeout.TotalMilliseconds:0} ms connecting to the cluster (seeds {string.Join(", ", _seeds)})"));
        }
    }

    private async Task<ClusterInfo> ConnectOnceAsync()
    {
        // Yield first: the caller holds the connect lock, and the read below may complete synchronously.
        await Task.Yield();
        return (await ReadClusterAsync(_closing.Token).ConfigureAwait(false)).Info;
    }

    /// <summary>
    /// Sends a key's request to the first node of its preference list that is not marked down: primaries first,
    /// then fallbacks (any node may coordinate). A node is skipped, and marked down, when the failure came before the
    /// request was written. Once a request may have been applied, only the retry policy may send it again: a read
    /// lost in flight once to the next node, any request the node refused as Overloaded after the node's
    /// retry-after.
    /// </summary>
    private async Task<T> SendToKeyAsync<T>(KeyRequest request, ReplyDecoder<T> decode, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        var cluster = await ClusterAsync(start, request.Timeout, cancellationToken).ConfigureAwait(false);
        var n = request.N ?? cluster.NOf(request.Frame.Bucket.Span);
        var frame = request.Frame with { Quorum = RequestChecks.CheckQuorum(request.Quorum, n, request.QuorumName) };
        var candidates = CandidateEndpoints(cluster, KeyHash.Of(frame.Bucket.Span, frame.Key.Span), n);
        var policy = _options.RetryPolicy;
        var overloadedRetries = 0;
        var lostReadRetried = false;
        (string Endpoint, string Reason)? passedOver = null;
        DynamoConnectionException? last = null;
        var skipped = 0;
        for (var i = 0; i < candidates.Length;)
        {
            var channel = ChannelFor(candidates[i]);
            if (channel.IsDown)
            {
                skipped++;
                passedOver = (channel.Endpoint, "marked down after a failure");
                i++;
                continue;
            }

            if (passedOver is { } from)
            {
                ClientLog.Failover(_logger, frame.Opcode, channel.Endpoint, i + 1, from.Endpoint, from.Reason);
                passedOver = null;
            }

            try
            {
                return await SendOnAsync(channel, frame, decode, start, request.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (DynamoConnectionException error) when (!error.RequestSent)
            {
                last = error;
                passedOver = (channel.Endpoint, error.Message);
                i++;
            }
            catch (DynamoConnectionException) when (
                frame.Opcode == Opcode.Get && policy.RetryLostReads && !lostReadRetried && i + 1 < candidates.Length)
            {
                // A read changes nothing: the next node of the preference list may answer it instead.
                lostReadRetried = true;
                ClientLog.Retrying(_logger, frame.Opcode, 1, 1, 0, "the next node of the preference list", channel.Endpoint, "lost it in flight");
                i++;
            }
            catch (OverloadedException error) when (overloadedRetries < policy.MaxOverloadedRetries)
            {
                // The node refused the request before doing anything: repeating it is safe, after the node's delay.
                var delay = TimeSpan.FromMilliseconds(Math.Max(error.RetryAfter.TotalMilliseconds, ClientLimits.OverloadedRetryDelayMinMs));
                if (delay >= request.Timeout - _time.GetElapsedTime(start))
                {
                    throw;
                }

                overloadedRetries++;
                ClientLog.Retrying(
                    _logger, frame.Opcode, overloadedRetries, policy.MaxOverloadedRetries, (long)delay.TotalMilliseconds, "the same node", channel.Endpoint, "answered Overloaded");
                await WaitAtLeastAsync(delay, cancellationToken).ConfigureAwait(false);
            }
        }

        var message = $"no node of the key's preference list is reachable ({candidates.Length} nodes: {skipped} marked down, "
            + $"{candidates.Length - skipped} failed to connect)";
        throw last is null ? new UnavailableException(message) : new UnavailableException(message, last);
    }

    /// <summary>
    /// Waits <paramref name="delay"/> at the least: a timer may fire up to a tick of the system's coarse clock early,
    /// and a node's retry-after is a floor.
    /// </summary>
    private async Task WaitAtLeastAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        for (var left = delay; left > TimeSpan.Zero; left = delay - _time.GetElapsedTime(start))
        {
            await Task.Delay(left, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends on <paramref name="channel"/>'s connection with what is left of the request's deadline, telling the node
    /// the same remaining time.
    /// </summary>
    private async Task<T> SendOnAsync<T>(
        NodeChannel channel, RequestFrame frame, ReplyDecoder<T> decode, long start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = await channel.GetConnectionAsync(Remaining(start, timeout), cancellationToken).ConfigureAwait(false);
        var remaining = Remaining(start, timeout);
        return await connection.SendAsync(frame with { TimeoutMs = Milliseconds(remaining) }, decode, remaining, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a request that is not about a key to <paramref name="endpoint"/>, or, when it is null, to the first
    /// reachable seed endpoint and then member.
    /// </summary>
    private async Task<T> SendToAnyAsync<T>(
        string? endpoint, RequestFrame frame, ReplyDecoder<T> decode, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var start = _time.GetTimestamp();
        string[] candidates = endpoint is not null
            ? [endpoint]
            : [.. _seeds.Concat(_cluster?.Members.Select(member => member.Endpoint) ?? []).Distinct(StringComparer.Ordinal)];
        if (endpoint is not null)
        {
            NodeEndpoint.Parse(endpoint);
        }

        DynamoConnectionException? last = null;
        foreach (var candidate in candidates)
        {
            var channel = ChannelFor(candidate);
            if (channel.IsDown && endpoint is null)
            {
                continue;
            }

            try
            {
                return await SendOnAsync(channel, frame, decode, start, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (DynamoConnectionException error) when (!error.RequestSent)
            {
                last = error;
            }
        }

        var message = $"no node is reachable (tried {string.Join(", ", candidates)})";
        throw last is null ? new UnavailableException(message) : new UnavailableException(message + ": " + last.Message, last);
    }

    /// <summary>
    /// Reads the cluster information and routes with it when anything the client routes by changed: the ring, a
    /// member's endpoint (a node back on another address keeps its place on the ring, so the fingerprint alone does
    /// not show it), or the default N, R or W. Connections to endpoints that no member and no seed uses any more are
    /// closed, so that a later node on such an address is not taken for the old member.
    /// </summary>
    private async Task<(ClusterInfo Info, bool Changed)> ReadClusterAsync(CancellationToken cancellationToken)
    {
        var info = await SendToAnyAsync(
            null, new RequestFrame(Opcode.ClusterInfo), ClusterInfo.Decode, _options.DefaultTimeout, cancellationToken)
            .ConfigureAwait(false);
        List<NodeChannel> retired = [];
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _cluster;
            string? changes = null;
            if (current is not null && (changes = current.DescribeChanges(info)) is null)
            {
                return (current, false);
            }

            _cluster = info;
            if (current is null)
            {
                StartRefreshLoop();
            }
            else
            {
                ClientLog.ClusterChanged(_logger, info.Fingerprint, changes!);
                var inUse = info.Members.Select(member => member.Endpoint).Concat(_seeds).ToHashSet(StringComparer.Ordinal);
                foreach (var endpoint in _channels.Keys)
                {
                    if (!inUse.Contains(endpoint) && _channels.TryRemove(endpoint, out var channel))
                    {
                        retired.Add(channel);
                    }
                }
            }
        }
        finally
        {
            _refreshing.Release();
        }

        foreach (var channel in retired)
        {
            var wasConnected = channel.IsConnected;
            await channel.DisposeAsync().ConfigureAwait(false);
            if (wasConnected)
            {
                ClientLog.ConnectionRetired(_logger, channel.Endpoint);
            }
        }

        return (info, true);
    }

    private void StartRefreshLoop()
    {
        if (_options.RingRefreshInterval > TimeSpan.Zero && !_disposed)
        {
            _refreshLoop = RefreshPeriodicallyAsync(_options.RingRefreshInterval);
        }
    }

    private async Task RefreshPeriodicallyAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(_closing.Token).ConfigureAwait(false);
                }
                catch (DynamoException error)
                {
                    // No node answered this time: the client keeps routing with what it has and asks again at the
                    // next tick. Requests report their own failures.
                    ClientLog.RefreshFailed(_logger, error.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>A keyed request before routing: its frame (quorum not set yet), N, R or W as given, and deadline.</summary>
    private readonly record struct KeyRequest(RequestFrame Frame, int? N, int? Quorum, string QuorumName, TimeSpan Timeout);
}
