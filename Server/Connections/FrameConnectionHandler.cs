using Dynamo.Server.Node;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Connections;

/// <summary>Kestrel's entry point for every accepted connection: it serves the connection's frames.</summary>
internal sealed class FrameConnectionHandler : ConnectionHandler
{
    private readonly NodeLoop _loop;
    private readonly NodeStatus _status;
    private readonly ILogger<FrameConnection> _logger;
    private readonly ConnectionRegistry _registry;
    private readonly IHostApplicationLifetime _lifetime;

    public FrameConnectionHandler(
        NodeLoop loop, NodeStatus status, ConnectionRegistry registry, IHostApplicationLifetime lifetime, ILogger<FrameConnection> logger)
    {
        _lifetime = lifetime;
        _loop = loop;
        _status = status;
        _registry = registry;
        _logger = logger;
    }

    /// <inheritdoc/>
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var frames = new FrameConnection(connection.ConnectionId, connection.Transport, _loop, _status, _logger);
        _status.ConnectionOpened();
        _registry.Add(connection.ConnectionId, frames);
        Log.ConnectionOpened(_logger, connection.ConnectionId, connection.RemoteEndPoint);
        try
        {
            // A stopping node stops reading at once (peers' links never close by themselves), answers what it
            // has in flight, and closes.
            using var closing = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, _lifetime.ApplicationStopping);
            await frames.RunAsync(closing.Token).ConfigureAwait(false);
        }
        finally
        {
            _registry.Remove(connection.ConnectionId);
            _status.ConnectionClosed();
            Log.ConnectionClosed(_logger, connection.ConnectionId);
        }
    }
}

/// <summary>The open connections, by Kestrel's connection id: lets tests look at one connection's state.</summary>
internal sealed class ConnectionRegistry
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FrameConnection> _connections = new(StringComparer.Ordinal);

    /// <summary>The open connections now.</summary>
    public ICollection<FrameConnection> Open => _connections.Values;

    /// <summary>Registers a connection.</summary>
    public void Add(string id, FrameConnection connection) => _connections[id] = connection;

    /// <summary>Forgets a connection.</summary>
    public void Remove(string id) => _connections.TryRemove(id, out _);
}
