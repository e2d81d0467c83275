using Dynamo.Engine;
using Dynamo.Engine.Cluster;

namespace Dynamo.Server.Peers;

/// <summary>A response for the core from a peer (or a link's failure in its name).</summary>
/// <param name="From">The peer; default for a seed reached by address.</param>
/// <param name="OperationId">The core's operation id the response is for.</param>
/// <param name="Response">The decoded reply, or a <see cref="PeerFailure"/>.</param>
internal readonly record struct PeerResponse(NodeId From, ulong OperationId, NodeResponse Response);

/// <summary>
/// Where peer links deliver what comes back from peers: the node loop's input queue. Links depend on this, not on the
/// node loop, so the peers layer sits below the node layer.
/// </summary>
internal interface IPeerInbox
{
    /// <summary>Queues a response without waiting; false when the queue is full.</summary>
    bool TryPost(in PeerResponse response);

    /// <summary>Queues a response, waiting while the queue is full (backpressure on the link's socket).</summary>
    ValueTask PostAsync(PeerResponse response, CancellationToken cancellationToken);
}
