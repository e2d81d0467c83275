namespace Dynamo.Server.Node;

/// <summary>What the shell knows about itself that the core does not: for Info and ClusterInfo replies.</summary>
internal sealed class NodeStatus
{
    private int _openConnections;
    private volatile byte[] _clusterInfoPayload;

    /// <summary>Creates the status of a node advertised at <paramref name="address"/>.</summary>
    public NodeStatus(string address, byte[] clusterInfoPayload)
    {
        Address = address;
        _clusterInfoPayload = clusterInfoPayload;
    }

    /// <summary>The endpoint the node is advertised at (its entry in the member list).</summary>
    public string Address { get; }

    /// <summary>
    /// The encoded ClusterInfo reply of the core's current ring and members. The node loop publishes a new one when
    /// the ring changes (members learned by gossip); connections read whichever is current.
    /// </summary>
    public ReadOnlyMemory<byte> ClusterInfoPayload => _clusterInfoPayload;

    /// <summary>Publishes a new ClusterInfo reply (node loop only).</summary>
    public void PublishClusterInfo(byte[] payload) => _clusterInfoPayload = payload;

    /// <summary>Connections open now (clients and peers' links alike).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Counts a connection that opened.</summary>
    public void ConnectionOpened() => Interlocked.Increment(ref _openConnections);

    /// <summary>Counts a connection that closed.</summary>
    public void ConnectionClosed() => Interlocked.Decrement(ref _openConnections);
}
