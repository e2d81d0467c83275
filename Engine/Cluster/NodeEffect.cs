namespace Dynamo.Engine.Cluster;

/// <summary>Something the shell must carry out for the core (through <see cref="NodeTurn"/>).</summary>
public abstract record NodeEffect;

/// <summary>
/// Send <paramref name="Request"/> to node <paramref name="To"/> with frame request id
/// <paramref name="OperationId"/>; later call <see cref="NodeCore.OnResponse"/> exactly once for it, with the decoded
/// reply or a <see cref="PeerFailure"/>, at the latest at <paramref name="DeadlineMs"/> (core time) plus the shell's
/// slack: the core ends the operation at that deadline itself, and the shell must not keep its entry longer.
/// </summary>
/// <param name="To">The peer.</param>
/// <param name="OperationId">Unique per node core, tagged with the feature that sent it; the frame request id.</param>
/// <param name="Request">What to send.</param>
/// <param name="DeadlineMs">Core time by which the core has stopped waiting for the answer.</param>
public sealed record Send(NodeId To, ulong OperationId, NodeRequest Request, long DeadlineMs) : NodeEffect;

/// <summary>Answer the request that came with <paramref name="ReplyToken"/>.</summary>
/// <param name="ReplyToken">The token given to <see cref="NodeCore.OnRequest"/>.</param>
/// <param name="Response">The answer.</param>
public sealed record Reply(ulong ReplyToken, NodeResponse Response) : NodeEffect;

/// <summary>
/// Send <paramref name="Request"/> to the node listening at <paramref name="Address"/>, whose id is not known yet (a
/// seed); later call <see cref="NodeCore.OnResponse"/> exactly once for it, with a default <see cref="NodeId"/> as the
/// sender, and the decoded reply or a <see cref="PeerFailure"/>.
/// </summary>
/// <param name="Address">The peer's host:port.</param>
/// <param name="OperationId">Unique per node core, tagged with the feature that sent it; the frame request id.</param>
/// <param name="Request">What to send.</param>
/// <param name="DeadlineMs">Core time by which the core has stopped waiting for the answer.</param>
public sealed record SendToAddress(string Address, ulong OperationId, NodeRequest Request, long DeadlineMs) : NodeEffect;

/// <summary>The stores a <see cref="Persist"/> effect names.</summary>
[Flags]
public enum PersistStores
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>The replica store (<see cref="IReplicaStore"/>).</summary>
    Replicas = 1,

    /// <summary>The hint store (<see cref="IHintStore"/>).</summary>
    Hints = 2,
}

/// <summary>
/// Make durable what the core wrote to <paramref name="Stores"/> since the last persist: the core's writes are staged
/// in the stores (appended, not yet synced), and no effect drained after this one may leave the node before the
/// stores are durable, as the durability mode defines it (an fsync in <c>always</c>). The core emits at most one per
/// drain, first: the etcd raft <c>Ready</c> shape, entries to persist before the messages to send.
/// </summary>
/// <param name="Stores">The stores the drained batch wrote.</param>
public sealed record Persist(PersistStores Stores) : NodeEffect;
