namespace Dynamo.Server.Node;

/// <summary>What the shell knows about itself that the core does not: for Info and ClusterInfo replies.</summary>
internal sealed class NodeStatus
{
    private int _openConnections;

    /// <summary>Creates the status of a node advertised at <paramref name="address"/>.</summary>
    public NodeStatus(string address, ReadOnlyMemory<byte> clusterInfoPayload)
    {
        Address = address;
        ClusterInfoPayload = clusterInfoPayload;
    }

    /// <summary>The endpoint the node is advertised at (its entry in the member list).</summary>
    public string Address { get; }

    /// <summary>The encoded ClusterInfo reply: the ring is static while the node runs, so it is built once.</summary>
    public ReadOnlyMemory<byte> ClusterInfoPayload { get; }

    /// <summary>Connections open now (clients and peers' links alike).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Counts a connection that opened.</summary>
    public void ConnectionOpened() => Interlocked.Increment(ref _openConnections);

    /// <summary>Counts a connection that closed.</summary>
    public void ConnectionClosed() => Interlocked.Decrement(ref _openConnections);
}
