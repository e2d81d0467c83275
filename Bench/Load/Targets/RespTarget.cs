namespace Dynamo.Bench.Load;

/// <summary>
/// Drives a server speaking RESP2 (Redis, Garnet) with the client of <see cref="RespConnection"/>: one pipelined
/// connection per harness client. A read is <c>GET</c>, an update <c>SET</c>, a read-modify-write <c>GET</c> then
/// <c>SET</c>. Each request has the run's timeout; a connection that fails is not reopened, and its later requests
/// fail with "connection".
/// </summary>
internal sealed class RespTarget : ITarget
{
    private readonly CancellationTokenSource _stopping = new();
    private RespConnection[] _connections = [];
    private Task _sweeper = Task.CompletedTask;

    /// <summary>Creates the target; nothing is opened before <see cref="ConnectAsync"/>.</summary>
    public RespTarget(string name, string host, int port)
    {
        Name = name;
        Host = host;
        Port = port;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The server's host.</summary>
    public string Host { get; }

    /// <summary>The server's port.</summary>
    public int Port { get; }

    /// <summary>The first error message a server sent or a reply broke the protocol with, for the report; null if none.</summary>
    public string? FirstErrorMessage => Array.Find(_connections, c => c.FirstErrorMessage is not null)?.FirstErrorMessage;

    /// <inheritdoc/>
    public async ValueTask ConnectAsync(TargetSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Clients, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.Timeout, TimeSpan.Zero);
        var connecting = new Task<RespConnection>[settings.Clients];
        for (var i = 0; i < connecting.Length; i++)
        {
            connecting[i] = RespConnection.ConnectAsync(Host, Port, settings.Timeout, cancellationToken);
        }

        try
        {
            await Task.WhenAll(connecting).ConfigureAwait(false);
        }
        catch (Exception error) when (error is System.Net.Sockets.SocketException or TimeoutException)
        {
            await DisposeAllAsync(connecting).ConfigureAwait(false);
            throw new InvalidOperationException($"{Name}: cannot connect to {Host}:{Port}: {error.Message}", error);
        }

        _connections = Array.ConvertAll(connecting, task => task.Result);
        _sweeper = SweepAsync(SweepInterval(settings.Timeout), _stopping.Token);

        // One round trip per connection: fails fast when the port is not a RESP server.
        foreach (var connection in _connections)
        {
            var pong = await connection.PingAsync().ConfigureAwait(false);
            if (pong.Kind != RespKind.SimpleString)
            {
                var detail = connection.FirstErrorMessage ?? pong.ErrorKind;
                throw new InvalidOperationException($"{Name}: {Host}:{Port} does not answer PING as a RESP server ({detail}).");
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask<OperationOutcome> ReadAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadOutcome(await _connections[client].GetAsync(key.Span).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async ValueTask<OperationOutcome> UpdateAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteOutcome(await _connections[client].SetAsync(key.Span, value.Span).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async ValueTask<OperationOutcome> ReadModifyWriteAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _connections[client];
        var read = ReadOutcome(await connection.GetAsync(key.Span).ConfigureAwait(false));
        if (read.Status == OperationStatus.Error)
        {
            return read;
        }

        return WriteOutcome(await connection.SetAsync(key.Span, value.Span).ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sweeper.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>How often deadlines are checked: a tenth of the timeout, within the limits.</summary>
    internal static TimeSpan SweepInterval(TimeSpan timeout) => TimeSpan.FromMilliseconds(
        Math.Clamp(timeout.TotalMilliseconds / 10, RespLimits.DeadlineSweepMinMs, RespLimits.DeadlineSweepMaxMs));

    private static OperationOutcome ReadOutcome(RespResult result) => result.Kind switch
    {
        RespKind.BulkString => OperationOutcome.Ok,
        RespKind.NullBulkString => OperationOutcome.NotFound,
        RespKind.Error => OperationOutcome.Error(result.ErrorKind ?? "other"),
        _ => OperationOutcome.Error("protocol"),
    };

    private static OperationOutcome WriteOutcome(RespResult result) => result.Kind switch
    {
        RespKind.SimpleString => OperationOutcome.Ok,
        RespKind.Error => OperationOutcome.Error(result.ErrorKind ?? "other"),
        _ => OperationOutcome.Error("protocol"),
    };

    private static async Task DisposeAllAsync(Task<RespConnection>[] connecting)
    {
        foreach (var task in connecting)
        {
            await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (task.IsCompletedSuccessfully)
            {
                await task.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task SweepAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                var now = TimeProvider.System.GetTimestamp();
                foreach (var connection in _connections)
                {
                    connection.SweepDeadlines(now);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
    }
}
