using System.Collections.Concurrent;
using System.Text;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>
/// A partition-aware client of a Dynamo cluster. It learns the ring from a node, hashes each key as the nodes do,
/// and sends each request to the first reachable node of the key's preference list, over one multiplexed
/// connection per node. Thread-safe; create one per application and dispose it at the end.
/// </summary>
/// <example>
/// <code>
/// await using var client = await DynamoClient.ConnectAsync(new DynamoClientOptions("127.0.0.1:7101"));
/// await client.PutAsync("cart:42", "apples");
/// var read = await client.GetAsync("cart:42");
/// if (read.HasSiblings)
/// {
///     var merged = string.Join(",", read.Values.Select(v => Encoding.UTF8.GetString(v.Span)));
///     await client.PutAsync("cart:42", merged, read.Context, new PutOptions { W = 2 });
/// }
/// </code>
/// </example>
public sealed class DynamoClient : IDynamoClient, IAsyncDisposable
{
    private readonly DynamoClientOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[] _defaultBucket;
    private readonly string[] _seeds;
    private readonly ConcurrentDictionary<string, NodeChannel> _channels = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private Task _refreshLoop = Task.CompletedTask;
    private volatile ClusterInfo? _cluster;

    private DynamoClient(DynamoClientOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _defaultBucket = RequestChecks.CheckBucket(options.DefaultBucket);
        _seeds = [.. options.Endpoints];
    }

    /// <summary>The cluster information the client routes with (the last one read).</summary>
    public ClusterInfo Cluster => _cluster ?? throw new InvalidOperationException("The client is not connected.");

    /// <summary>Requests waiting for a reply on all connections (for tests and monitoring).</summary>
    internal int PendingRequestCount => _channels.Values.Sum(channel => channel.PendingCount);

    /// <summary>
    /// Connects to the cluster: asks the first reachable endpoint of <paramref name="options"/> for the cluster
    /// information, rebuilds the ring from it and learns every member's endpoint.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="UnavailableException">No endpoint answered.</exception>
    public static async Task<DynamoClient> ConnectAsync(DynamoClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var client = new DynamoClient(options);
        try
        {
            await client.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (options.RingRefreshInterval > TimeSpan.Zero)
        {
            client._refreshLoop = client.RefreshPeriodicallyAsync(options.RingRefreshInterval);
        }

        return client;
    }

    /// <summary>
    /// Re-reads the cluster information from a reachable node and, when the ring's fingerprint differs from the
    /// one in use, routes with the new ring from then on. Returns true when it changed.
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default) =>
        (await ReadClusterAsync(cancellationToken).ConfigureAwait(false)).Changed;

    /// <inheritdoc/>
    /// <remarks>The answer also replaces the client's routing when its fingerprint differs.</remarks>
    public async Task<ClusterInfo> GetClusterInfoAsync(CancellationToken cancellationToken = default) =>
        (await ReadClusterAsync(cancellationToken).ConfigureAwait(false)).Info;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The key or bucket is too long, or R is not from 1 to N.</exception>
    /// <exception cref="DynamoException">The read failed; see the derived types.</exception>
    public Task<GetResult> GetAsync(ReadOnlyMemory<byte> key, GetOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequestChecks.CheckKey(key.Span);
        var cluster = Cluster;
        var n = RequestChecks.CheckN(options?.N, cluster.DefaultN);
        var r = RequestChecks.CheckQuorum(options?.R, n, "R");
        var frame = new RequestFrame(Opcode.Get, BucketOf(options), key, Quorum: r, Strict: options?.Strict ?? false);
        return SendToKeyAsync(frame, n, TimeoutOf(options), DecodeGet, cancellationToken);
    }

    /// <summary>Reads a key given as text (UTF-8).</summary>
    /// <inheritdoc cref="GetAsync(ReadOnlyMemory{byte}, GetOptions?, CancellationToken)"/>
    public Task<GetResult> GetAsync(string key, GetOptions? options = null, CancellationToken cancellationToken = default) =>
        GetAsync(Utf8(key), options, cancellationToken);

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
        var cluster = Cluster;
        var n = RequestChecks.CheckN(options?.N, cluster.DefaultN);
        var w = RequestChecks.CheckQuorum(options?.W, n, "W");
        var frame = new RequestFrame(
            Opcode.Put, BucketOf(options), key, value, context?.Bytes ?? default, w, options?.ReturnContext ?? false,
            Strict: options?.Strict ?? false);
        return SendToKeyAsync(frame, n, TimeoutOf(options), DecodePut, cancellationToken);
    }

    /// <summary>Writes a value given as text (UTF-8) under a key given as text.</summary>
    /// <inheritdoc cref="PutAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, DynamoContext?, PutOptions?, CancellationToken)"/>
    public Task<PutResult> PutAsync(
        string key, string value, DynamoContext? context = null, PutOptions? options = null, CancellationToken cancellationToken = default) =>
        PutAsync(Utf8(key), Utf8(value), context, options, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The key or bucket is too long, or W is not from 1 to N.</exception>
    /// <exception cref="DynamoException">The delete failed; see the derived types.</exception>
    public async Task DeleteAsync(
        ReadOnlyMemory<byte> key, DynamoContext? context = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        RequestChecks.CheckKey(key.Span);
        var cluster = Cluster;
        var n = RequestChecks.CheckN(options?.N, cluster.DefaultN);
        var w = RequestChecks.CheckQuorum(options?.W, n, "W");
        if (context is null)
        {
            // Delete what is there, as a user expects: read the key's context first (at the bucket's R), so the
            // tombstone supersedes every version the read saw instead of becoming one more sibling.
            var read = await GetAsync(
                key,
                new GetOptions { Bucket = options?.Bucket, N = options?.N, Timeout = options?.Timeout, Strict = options?.Strict ?? false },
                cancellationToken).ConfigureAwait(false);
            if (read.Context.Bytes.IsEmpty)
            {
                return;
            }

            context = read.Context;
        }

        var frame = new RequestFrame(
            Opcode.Delete, BucketOf(options), key, Context: context.Bytes, Quorum: w, Strict: options?.Strict ?? false);
        await SendToKeyAsync(frame, n, TimeoutOf(options), DecodeEmpty<DeleteReply>, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a key given as text (UTF-8).</summary>
    /// <inheritdoc cref="DeleteAsync(ReadOnlyMemory{byte}, DynamoContext?, DeleteOptions?, CancellationToken)"/>
    public Task DeleteAsync(
        string key, DynamoContext? context = null, DeleteOptions? options = null, CancellationToken cancellationToken = default) =>
        DeleteAsync(Utf8(key), context, options, cancellationToken);

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

    /// <summary>Stops the periodic refresh and closes every connection; pending requests fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _refreshLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var channel in _channels.Values)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        _closing.Dispose();
        _refreshing.Dispose();
    }

    private static byte[] Utf8(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encoding.UTF8.GetBytes(text);
    }

    private static uint Milliseconds(TimeSpan timeout) => (uint)Math.Max(1, Math.Ceiling(timeout.TotalMilliseconds));

    /// <summary>The key's candidates in order: its primaries, then its fallbacks.</summary>
    private static string CandidateEndpoint(ClusterInfo cluster, ulong hash, int n, int index, out int count)
    {
        var list = cluster.Ring.GetPreferenceList(hash, n);
        count = list.Primaries.Length + list.Fallbacks.Length;
        var node = index < list.Primaries.Length ? list.Primaries[index] : list.Fallbacks[index - list.Primaries.Length];
        return cluster.NodeOf(node).Endpoint;
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

    private static string DecodeInfo(ReadOnlySpan<byte> payload) => Encoding.UTF8.GetString(InfoReply.Read(payload).Text);

    private static bool DecodeEmpty<TReply>(ReadOnlySpan<byte> payload)
        where TReply : IMessage<TReply>, allows ref struct
    {
        _ = TReply.Read(payload);
        return true;
    }

    private ReadOnlyMemory<byte> BucketOf(RequestOptions? options) =>
        options?.Bucket is { } bucket ? RequestChecks.CheckBucket(bucket) : _defaultBucket;

    private TimeSpan TimeoutOf(RequestOptions? options)
    {
        if (options?.Timeout is { } timeout)
        {
            RequestChecks.CheckTimeout(timeout, nameof(options.Timeout));
            return timeout;
        }

        return _options.DefaultTimeout;
    }

    private NodeChannel ChannelFor(string endpoint) =>
        _channels.GetOrAdd(endpoint, static (key, client) => new NodeChannel(key, client._options, client._closing.Token), this);

    private TimeSpan Remaining(long start, TimeSpan timeout)
    {
        var remaining = timeout - _time.GetElapsedTime(start);
        return remaining > TimeSpan.Zero
            ? remaining
            : throw new DynamoTimeoutException($"timed out after {timeout.TotalMilliseconds:0} ms before any node answered");
    }

    /// <summary>
    /// Sends a key's request to the first node of its preference list that is not marked down: primaries first,
    /// then fallbacks (any node may coordinate). A node is skipped, and marked down, only when the failure came
    /// before the request was written; once it may have been applied, the failure is the caller's to see.
    /// </summary>
    private async Task<T> SendToKeyAsync<T>(
        RequestFrame frame, int n, TimeSpan timeout, ReplyDecoder<T> decode, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        var cluster = Cluster;
        var hash = KeyHash.Of(frame.Bucket.Span, frame.Key.Span);
        var routingN = cluster.RoutingN(n);
        DynamoConnectionException? last = null;
        var skipped = 0;
        var count = 1;
        for (var i = 0; i < count; i++)
        {
            var channel = ChannelFor(CandidateEndpoint(cluster, hash, routingN, i, out count));
            if (channel.IsDown)
            {
                skipped++;
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

        var message = $"no node of the key's preference list is reachable ({count} nodes: {skipped} marked down, "
            + $"{count - skipped} failed to connect)";
        throw last is null ? new UnavailableException(message) : new UnavailableException(message, last);
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

    private async Task<(ClusterInfo Info, bool Changed)> ReadClusterAsync(CancellationToken cancellationToken)
    {
        var info = await SendToAnyAsync(
            null, new RequestFrame(Opcode.ClusterInfo), ClusterInfo.Decode, _options.DefaultTimeout, cancellationToken)
            .ConfigureAwait(false);
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cluster is { } current && current.Fingerprint == info.Fingerprint && current.Ring.Equals(info.Ring))
            {
                return (current, false);
            }

            _cluster = info;
            return (info, true);
        }
        finally
        {
            _refreshing.Release();
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
                catch (DynamoException)
                {
                    // No node answered this time: the client keeps routing with the ring it has and asks again at
                    // the next tick. Requests report their own failures.
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Disposed.
        }
    }
}
