namespace Dynamo.Engine.Cluster;

/// <summary>
/// What the features of one node core share: the configuration, the counters, the effects emitted so far and the
/// operation ids. Deterministic and single-threaded, as the core is.
/// </summary>
internal sealed class NodeContext
{
    private readonly List<NodeEffect> _effects = [];
    private ulong _lastSequence;
    private PersistStores _unpersisted;

    public NodeContext(NodeOptions options)
    {
        Options = options;
        Buckets = new BucketTable(options.Self, options.Defaults, options.Buckets);
        if (!options.KeptBuckets.IsDefaultOrEmpty)
        {
            Buckets.Merge(options.KeptBuckets);
        }
    }

    public NodeOptions Options { get; }

    public NodeStats Stats { get; } = new();

    public NodeId Self => Options.Self;

    /// <summary>The core's time at the input being handled (the router sets it at every input).</summary>
    public long NowMs { get; set; }

    /// <summary>Effects emitted and not drained yet.</summary>
    public int PendingEffects => _effects.Count;

    /// <summary>The cluster's bucket table as this node holds it (seeded from the options, merged by gossip).</summary>
    public BucketTable Buckets { get; }

    /// <summary>The settings of <paramref name="bucket"/>: the bucket table's, or the defaults.</summary>
    public BucketProps PropsOf(byte[] bucket) => Buckets.PropsOf(bucket);

    /// <summary>A fresh operation id, tagged with the feature that sends it.</summary>
    public ulong NextId(Feature feature) => OperationId.Make(feature, ++_lastSequence);

    public void Emit(NodeEffect effect) => _effects.Add(effect);

    /// <summary>Sends <paramref name="request"/> under a fresh id of <paramref name="feature"/>; returns the id.</summary>
    public ulong Send(Feature feature, NodeId to, NodeRequest request, long deadlineMs)
    {
        var id = NextId(feature);
        Emit(new Send(to, id, request, deadlineMs));
        return id;
    }

    /// <summary>A store took a write: the next drain starts with a <see cref="Persist"/> naming it.</summary>
    public void Wrote(PersistStores stores) => _unpersisted |= stores;

    /// <summary>
    /// Appends the effects to <paramref name="into"/>, a <see cref="Persist"/> first when a store was written since the
    /// last drain (every effect of the batch may depend on those writes), and clears them.
    /// </summary>
    public void Drain(List<NodeEffect> into)
    {
        if (_unpersisted != PersistStores.None)
        {
            into.Add(new Persist(_unpersisted));
            _unpersisted = PersistStores.None;
        }

        into.AddRange(_effects);
        _effects.Clear();
    }
}
