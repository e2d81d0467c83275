using Dynamo.Client;

namespace Dynamo.Bench.Load;

/// <summary>
/// Drives a Dynamo cluster through <c>Dynamo.Client</c>: one <see cref="DynamoClient"/> per harness client, each with
/// its own multiplexed connections, seeded with the URL's endpoints. Updates carry the latest context the target saw
/// for the key (<see cref="ContextCache"/>), so siblings stay bounded by the number of truly concurrent writers of
/// a key instead of growing with every blind write.
/// </summary>
internal sealed class DynamoTarget : ITarget
{
    /// <summary>Keys whose latest context the target remembers by default.</summary>
    public const int ContextCacheEntriesDefault = 1_000_000;

    private readonly string[] _endpoints;
    private DynamoClient[] _clients = [];
    private GetOptions _getOptions = new();
    private PutOptions _putOptions = new() { ReturnContext = true };
    private long _siblingReads;

    /// <summary>Creates the target; nothing is opened before <see cref="ConnectAsync"/>.</summary>
    public DynamoTarget(string name, string[] endpoints, int contextCacheEntries = ContextCacheEntriesDefault)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        Name = name;
        _endpoints = endpoints;
        Contexts = new ContextCache(contextCacheEntries);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The seed endpoints, "host:port".</summary>
    public IReadOnlyList<string> Endpoints => _endpoints;

    /// <summary>The latest context seen per key, shared by every client.</summary>
    public ContextCache Contexts { get; }

    /// <summary>Successful reads (plain or in a read-modify-write) that found more than one sibling.</summary>
    public long SiblingReads => Interlocked.Read(ref _siblingReads);

    /// <inheritdoc/>
    public async ValueTask ConnectAsync(TargetSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Pipeline, 1);
        _getOptions = new GetOptions { R = settings.R, N = settings.N, Timeout = settings.Timeout };
        _putOptions = new PutOptions { W = settings.W, N = settings.N, Timeout = settings.Timeout, ReturnContext = true };
        var connecting = new Task<DynamoClient>[settings.Clients];
        for (var i = 0; i < connecting.Length; i++)
        {
            var options = new DynamoClientOptions(_endpoints)
            {
                DefaultTimeout = settings.Timeout,
                MaxInFlightPerConnection = Math.Min(settings.Pipeline, ClientLimits.InFlightRequestsMax),
            };
            connecting[i] = DynamoClient.ConnectAsync(options, cancellationToken);
        }

        try
        {
            _clients = await Task.WhenAll(connecting).ConfigureAwait(false);
        }
        catch (DynamoException error)
        {
            foreach (var task in connecting)
            {
                if (task.IsCompletedSuccessfully)
                {
                    await task.Result.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw new InvalidOperationException(
                $"{Name}: cannot connect to the cluster at {string.Join(", ", _endpoints)}: {error.Message}", error);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<OperationOutcome> ReadAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        try
        {
            var read = await ReadAndRememberAsync(client, key, cancellationToken).ConfigureAwait(false);
            return read.Found ? OperationOutcome.Ok : OperationOutcome.NotFound;
        }
        catch (DynamoException error)
        {
            return OperationOutcome.Error(KindOf(error));
        }
    }

    /// <inheritdoc/>
    public async ValueTask<OperationOutcome> UpdateAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAndRememberAsync(client, key, value, Contexts.Get(key.Span), cancellationToken).ConfigureAwait(false);
            return OperationOutcome.Ok;
        }
        catch (DynamoException error)
        {
            return OperationOutcome.Error(KindOf(error));
        }
    }

    /// <inheritdoc/>
    public async ValueTask<OperationOutcome> ReadModifyWriteAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        try
        {
            var read = await ReadAndRememberAsync(client, key, cancellationToken).ConfigureAwait(false);
            await WriteAndRememberAsync(client, key, value, read.Context, cancellationToken).ConfigureAwait(false);
            return OperationOutcome.Ok;
        }
        catch (DynamoException error)
        {
            return OperationOutcome.Error(KindOf(error));
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        var clients = _clients;
        _clients = [];
        foreach (var client in clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The error kind the report shows for a failed operation.</summary>
    internal static string KindOf(DynamoException error) => error switch
    {
        DynamoTimeoutException => "timeout",
        QuorumNotMetException => "quorum",
        UnavailableException => "unavailable",
        OverloadedException => "overloaded",
        DynamoConnectionException => "connection",
        DynamoProtocolException => "protocol",
        SiblingLimitException => "sibling-limit",
        _ => "other",
    };

    private async Task<GetResult> ReadAndRememberAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        var read = await _clients[client].GetAsync(key, _getOptions, cancellationToken).ConfigureAwait(false);
        if (read.HasSiblings)
        {
            Interlocked.Increment(ref _siblingReads);
        }

        Contexts.Set(key.Span, read.Context);
        return read;
    }

    private async Task WriteAndRememberAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, DynamoContext? context, CancellationToken cancellationToken)
    {
        var written = await _clients[client].PutAsync(key, value, context, _putOptions, cancellationToken).ConfigureAwait(false);
        Contexts.Set(key.Span, written.Context);
    }
}
