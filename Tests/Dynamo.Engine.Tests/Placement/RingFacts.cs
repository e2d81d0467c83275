using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Tests.Placement;

/// <summary>Measurements of rings, computed naively from the public API so that tests do not trust the ring.</summary>
internal static class RingFacts
{
    public static NodeId Node(int i) => NodeId.Parse($"node-{i:D3}");

    public static NodeId[] Nodes(int count) => [.. Enumerable.Range(0, count).Select(Node)];

    public static NodeId[] Owners(Ring ring) => [.. Enumerable.Range(0, ring.PartitionCount).Select(ring.OwnerOf)];

    public static int Moved(Ring before, Ring after) =>
        Enumerable.Range(0, before.PartitionCount).Count(p => before.OwnerOf(p) != after.OwnerOf(p));

    /// <summary>Largest minus smallest partition count over the members.</summary>
    public static int Spread(Ring ring)
    {
        var counts = ring.Members.ToArray().Select(ring.CountOwnedBy).ToArray();
        return counts.Max() - counts.Min();
    }

    /// <summary>
    /// The spacing metric: the fraction of partitions p whose owners of p..p+n-1 are distinct, that is, whose first n
    /// preference-list nodes are found within exactly n consecutive partitions.
    /// </summary>
    public static double Spacing(Ring ring, int n)
    {
        var owners = Owners(ring);
        var good = 0;
        for (var p = 0; p < owners.Length; p++)
        {
            var window = Enumerable.Range(0, n).Select(i => owners[(p + i) % owners.Length]);
            if (window.Distinct().Count() == n)
            {
                good++;
            }
        }

        return (double)good / owners.Length;
    }

    /// <summary>The distinct owners met walking clockwise from partition, in order: the preference list, naively.</summary>
    public static List<NodeId> Walk(Ring ring, int partition)
    {
        var seen = new List<NodeId>();
        for (var step = 0; step < ring.PartitionCount; step++)
        {
            var owner = ring.OwnerOf((partition + step) % ring.PartitionCount);
            if (!seen.Contains(owner))
            {
                seen.Add(owner);
            }
        }

        return seen;
    }

    /// <summary>
    /// The fewest partitions that must change hands going from before to a balanced ring of members: those of members
    /// that left, plus what staying members hold over their share (the larger shares going to those holding most).
    /// </summary>
    public static int MinimalMoves(Ring before, IReadOnlyCollection<NodeId> members)
    {
        var q = before.PartitionCount;
        var orphaned = before.Members.ToArray().Where(m => !members.Contains(m)).Sum(before.CountOwnedBy);
        var staying = members.Select(before.CountOwnedBy).OrderDescending().ToArray();
        var floor = q / members.Count;
        var larger = q % members.Count;
        var excess = staying.Select((count, rank) => Math.Max(0, count - floor - (rank < larger ? 1 : 0))).Sum();
        return orphaned + excess;
    }
}
