namespace Dynamo.Engine.Cluster;

/// <summary>
/// The request logic of one node as a deterministic state machine (the etcd raft <c>Ready</c> shape, Riak's
/// <c>*_core</c> modules): the shell feeds it requests, responses and ticks, and carries out the effects it drains.
/// No clock, randomness, threads or I/O; not thread-safe (one node loop drives it).
/// </summary>
public sealed class NodeCore
{
    private readonly IReplicaStore _store;
    private readonly List<NodeEffect> _effects = [];

    /// <summary>Creates the core of a node.</summary>
    public NodeCore(NodeOptions options, IReplicaStore store)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        Options = options;
        _store = store;
    }

    /// <summary>The node's configuration.</summary>
    public NodeOptions Options { get; }

    /// <summary>The node's counters.</summary>
    public NodeStats Stats { get; } = new();

    /// <summary>
    /// A request arrived (from a client, or from a peer acting as coordinator). The core answers with a
    /// <see cref="Reply"/> effect carrying <paramref name="replyToken"/>, maybe much later.
    /// </summary>
    public void OnRequest(ulong replyToken, NodeRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = _store;
        _ = replyToken;
        _ = nowMs;
        throw new NotImplementedException();
    }

    /// <summary>The response to the <see cref="Send"/> effect with <paramref name="operationId"/>, sent to <paramref name="from"/>.</summary>
    public void OnResponse(NodeId from, ulong operationId, NodeResponse response, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(response);
        _ = from;
        _ = _effects;
        _ = operationId;
        _ = nowMs;
        throw new NotImplementedException();
    }

    /// <summary>Time passes: operations whose deadline passed end (Timeout, or read repair) and are cleaned up.</summary>
    public void OnTick(long nowMs)
    {
        _ = nowMs;
        _ = _store;
        throw new NotImplementedException();
    }

    /// <summary>Appends the pending effects to <paramref name="into"/>, in the order they arose, and clears them.</summary>
    public void DrainEffects(List<NodeEffect> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.AddRange(_effects);
        _effects.Clear();
    }
}
