namespace Dynamo.Engine.Cluster;

/// <summary>The parts of a node core that send requests to peers; a response goes back to the part that sent.</summary>
internal enum Feature : byte
{
    /// <summary>Gets, puts, deletes and their forwards and read repairs (<c>Engine/Coordination</c>).</summary>
    Coordination = 1,

    /// <summary>Hash-tree exchanges and their repair writes (<c>Engine/AntiEntropy</c>).</summary>
    AntiEntropy = 2,

    /// <summary>Gossip rounds (<c>Engine/Membership</c>).</summary>
    Membership = 3,

    /// <summary>Deliveries of hints to their targets (<c>Engine/Handoff</c>).</summary>
    Handoff = 4,
}

/// <summary>
/// Operation ids are tagged with the feature that sent them: the top byte names the <see cref="Feature"/>, the rest
/// is a sequence number unique within the core. A response is routed by its tag, so no feature probes another's
/// pending map, and a new feature takes a new tag.
/// </summary>
internal static class OperationId
{
    private const int TagShift = 56;
    private const ulong SequenceMask = (1UL << TagShift) - 1;

    /// <summary>The id of the <paramref name="sequence"/>-th operation, sent by <paramref name="feature"/>.</summary>
    public static ulong Make(Feature feature, ulong sequence)
    {
        Invariant.Check(sequence is > 0 and <= SequenceMask);
        return ((ulong)feature << TagShift) | sequence;
    }

    /// <summary>The feature that sent the operation; 0 for an id no core made (a stray or forged response).</summary>
    public static Feature FeatureOf(ulong id) => (Feature)(id >> TagShift);
}
