using Microsoft.Extensions.Logging;

namespace Dynamo.Client;

/// <summary>
/// The driver's link to one node endpoint: at most one live <see cref="NodeConnection"/>, opened on first use and
/// shared by every request. When opening it fails, or an open connection is lost, the node is marked down for a
/// back-off that doubles from <see cref="ClientLimits.ReconnectBackoffMinMs"/> to
/// <see cref="ClientLimits.ReconnectBackoffMaxMs"/>; requests skip it meanwhile, and the first request after the
/// back-off tries again. A successful connection resets the back-off.
/// </summary>
internal sealed class NodeChannel : IAsyncDisposable
{
    private readonly DynamoClientOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _closing;
    private readonly Lock _lock = new();
    private Task<NodeConnection>? _connecting;
    private NodeConnection? _connection;
    private long _downUntil;
    private long _downSince;
    private bool _disposed;
    private TimeSpan _backoff = TimeSpan.FromMilliseconds(ClientLimits.ReconnectBackoffMinMs);

    public NodeChannel(string endpoint, DynamoClientOptions options, ILogger logger, CancellationToken closing)
    {
        Endpoint = endpoint;
        _options = options;
        _logger = logger;
        _closing = closing;
    }

    public string Endpoint { get; }

    /// <summary>True while the node is in its back-off after a failure.</summary>
    public bool IsDown
    {
        get
        {
            lock (_lock)
            {
                return _downUntil != 0 && _options.TimeProvider.GetTimestamp() < _downUntil;
            }
        }
    }

    /// <summary>True while a connection is open (for tests).</summary>
    public bool IsConnected => _connection is { IsClosed: false };

    /// <summary>Requests pending on the live connection.</summary>
    public int PendingCount => _connection?.PendingCount ?? 0;

    /// <summary>
    /// The live connection, opening one if needed. Throws <see cref="DynamoConnectionException"/> (nothing sent)
    /// when the node is down or cannot be reached, <see cref="DynamoTimeoutException"/> when
    /// <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<NodeConnection> GetConnectionAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<NodeConnection> connecting;
        lock (_lock)
        {
            if (_connection is { IsClosed: false } live)
            {
                return live;
            }

            if (_disposed)
            {
                throw new DynamoConnectionException(Endpoint, requestSent: false, $"the connection to {Endpoint} was closed");
            }

            if (_downUntil != 0 && _options.TimeProvider.GetTimestamp() < _downUntil)
            {
                throw new DynamoConnectionException(Endpoint, requestSent: false, $"{Endpoint} is marked down after a failure");
            }

            if (_connecting is null || _connecting.IsCompleted)
            {
                _connecting = ConnectAsync();
            }

            connecting = _connecting;
        }

        try
        {
            return await connecting.WaitAsync(timeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DynamoTimeoutException($"timed out connecting to {Endpoint}");
        }
    }

    /// <summary>Closes the connection; pending requests on it fail, and the channel opens none any more.</summary>
    public async ValueTask DisposeAsync()
    {
        NodeConnection? connection;
        lock (_lock)
        {
            _disposed = true;
            connection = _connection;
            _connection = null;
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<NodeConnection> ConnectAsync()
    {
        NodeConnection connection;
        try
        {
            connection = await NodeConnection.ConnectAsync(
                Endpoint,
                _options.MaxInFlightPerConnection,
                _options.TimeProvider,
                _options.ConnectTimeout,
                OnClosed,
                _closing).ConfigureAwait(false);
        }
        catch (DynamoConnectionException error)
        {
            MarkDown(error.Message);
            throw;
        }

        long downSince;
        bool disposed;
        lock (_lock)
        {
            disposed = _disposed;
            downSince = _downSince;
            if (!disposed)
            {
                _connection = connection;
                _downUntil = 0;
                _downSince = 0;
                _backoff = TimeSpan.FromMilliseconds(ClientLimits.ReconnectBackoffMinMs);
            }
        }

        if (disposed)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new DynamoConnectionException(Endpoint, requestSent: false, $"the connection to {Endpoint} was closed");
        }

        ClientLog.ConnectionOpened(_logger, Endpoint);
        if (downSince != 0)
        {
            var downMs = (long)_options.TimeProvider.GetElapsedTime(downSince).TotalMilliseconds;
            ClientLog.NodeBack(_logger, Endpoint, downMs);
        }

        return connection;
    }

    private void OnClosed(NodeConnection connection, Exception cause)
    {
        if (!_closing.IsCancellationRequested && ReferenceEquals(Volatile.Read(ref _connection), connection))
        {
            ClientLog.ConnectionLost(_logger, Endpoint, cause.Message);
            MarkDown(cause.Message);
        }
    }

    private void MarkDown(string reason)
    {
        TimeSpan backoff;
        lock (_lock)
        {
            var now = _options.TimeProvider.GetTimestamp();
            backoff = _backoff;
            _downUntil = now + (long)(backoff.TotalSeconds * _options.TimeProvider.TimestampFrequency);
            _downSince = _downSince == 0 ? now : _downSince;
            var doubled = _backoff * 2;
            var max = TimeSpan.FromMilliseconds(ClientLimits.ReconnectBackoffMaxMs);
            _backoff = doubled < max ? doubled : max;
        }

        ClientLog.NodeMarkedDown(_logger, Endpoint, (long)backoff.TotalMilliseconds, reason);
    }
}
