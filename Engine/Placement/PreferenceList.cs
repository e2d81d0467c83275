namespace Dynamo.Engine.Placement;

/// <summary>
/// A key's preference list (Dynamo paper, section 4.3): the N distinct nodes that hold its replicas, in clockwise
/// order from the key's partition, then the distinct nodes after them, which a coordinator uses in their order as
/// fallbacks when a primary is unreachable (sloppy quorum, section 4.6). Slices of the ring's precomputed walks:
/// valid as long as the ring is referenced, and never copied.
/// </summary>
public readonly ref struct PreferenceList
{
    internal PreferenceList(ReadOnlySpan<NodeId> primaries, ReadOnlySpan<NodeId> fallbacks, int partition)
    {
        Primaries = primaries;
        Fallbacks = fallbacks;
        Partition = partition;
    }

    /// <summary>The N nodes that hold the key's replicas; the first is the owner of <see cref="Partition"/>.</summary>
    public ReadOnlySpan<NodeId> Primaries { get; }

    /// <summary>
    /// The next distinct nodes clockwise, at most <see cref="Limits.PreferenceListNodesMax"/> minus N (fewer when
    /// the ring has fewer members); distinct from the primaries.
    /// </summary>
    public ReadOnlySpan<NodeId> Fallbacks { get; }

    /// <summary>The partition the key hashes to.</summary>
    public int Partition { get; }
}
