using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Membership;

/// <summary>
/// The ring as cluster state (docs/CLUSTER.md § The ring): the <see cref="Placement.Ring"/> that places keys and its
/// version. Nodes gossip it; a node adopts a ring state that <see cref="Supersedes"/> its own, so every node converges
/// on the same one. Only the claimant changes the ring, and only through <see cref="Ring.WithMembers"/> from the ring
/// in force, with the version one higher.
/// </summary>
/// <param name="Version">Counts the changes that led to this ring: 0 for a ring no change has touched (the ring of
/// <c>--peers</c>, or of a node alone), one more at every change.</param>
/// <param name="Ring">The ring.</param>
public sealed record RingState(ulong Version, Ring Ring)
{
    /// <summary>
    /// The change rule's order, a total order on ring states: the higher version wins; at the same version, the ring
    /// of more members (so a node alone, whose ring is its own at version 0, adopts the ring of the cluster it joins,
    /// even one no change has touched yet); then the higher <see cref="Ring.Fingerprint"/> (two claimants that changed
    /// the ring at once), and, should two different rings share a fingerprint, the higher owners table read as a
    /// sequence of member ids.
    /// </summary>
    /// <returns>True when this state is to be adopted by a node that holds <paramref name="other"/>.</returns>
    public bool Supersedes(RingState other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Version != other.Version)
        {
            return Version > other.Version;
        }

        if (Ring.Members.Length != other.Ring.Members.Length)
        {
            return Ring.Members.Length > other.Ring.Members.Length;
        }

        if (Ring.Fingerprint != other.Ring.Fingerprint)
        {
            return Ring.Fingerprint > other.Ring.Fingerprint;
        }

        return CompareOwners(Ring, other.Ring) > 0;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ring v{Version} {Ring.Fingerprint:x16} ({Ring.PartitionCount} partitions, {Ring.Members.Length} members)";

    private static int CompareOwners(Ring a, Ring b)
    {
        if (a.PartitionCount != b.PartitionCount)
        {
            return a.PartitionCount.CompareTo(b.PartitionCount);
        }

        for (var p = 0; p < a.PartitionCount; p++)
        {
            var order = a.OwnerOf(p).CompareTo(b.OwnerOf(p));
            if (order != 0)
            {
                return order;
            }
        }

        return a.Members.SequenceCompareTo(b.Members);
    }
}
