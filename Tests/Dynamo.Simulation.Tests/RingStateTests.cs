using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>
/// The ring as cluster state (docs/CLUSTER.md § The ring): gossip spreads one versioned ring, only the claimant changes
/// it, by the minimal-movement claim from the ring in force, and every node converges on the same ring.
/// </summary>
public sealed class RingStateTests
{
    [Test]
    public void A_node_that_joins_three_takes_a_quarter_of_1024_partitions_from_them_and_nothing_else_moves()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 3, NoAntiEntropy, partitions: 1024);
        cluster.RunFor(2_000);
        var before = cluster[0].Core.RingState;
        Assert.That(before.Version, Is.Zero, "the ring of --peers is version 0 on every node");

        var joiner = cluster.Join(NodeId.Parse("n4"), cluster.NodeIds[0]);
        var joinedAt = cluster.NowMs;
        Assert.That(cluster.RunUntil(() => OneRing(cluster) is { } r && r.Ring.CountOwnedBy(joiner.Id) > 0, 30_000), Is.True);
        var after = OneRing(cluster)!;
        var moved = Moved(before.Ring, after.Ring);
        TestContext.Out.WriteLine(
            $"3 -> 4 at Q = 1024: {moved} partitions moved (the claim predicts 1024 / 4 = 256), ring v{after.Version}, "
            + $"every node holds it {cluster.NowMs - joinedAt} simulated ms after the joiner started");

        Assert.That(after.Version, Is.EqualTo(1UL), "one change, by one claimant");
        Assert.That(moved, Is.EqualTo(256));
        Assert.That(after.Ring.CountOwnedBy(joiner.Id), Is.EqualTo(256), "every moved partition went to the joiner");
        Assert.That(after.Ring.Members.ToArray(), Is.EqualTo(cluster.NodeIds.Order().ToArray()));
        Assert.That(after, Is.EqualTo(before.Ring.WithMembers(cluster.NodeIds) is var predicted ? new RingState(1, predicted) : null),
            "the ring in force is the claim from the ring before, as any node would compute it");
    }

    [Test]
    public void Nodes_started_alone_with_mutual_seeds_form_one_ring_and_later_joiners_never_replace_it()
    {
        var seed = TestSeed.Next();
        var cluster = GossipCluster.FromSeed(seed, 3, NoAntiEntropy);
        Assert.That(cluster.RunUntil(() => OneRing(cluster) is { } r && r.Ring.Members.Length == 3, 30_000), Is.True);
        var formed = OneRing(cluster)!;

        // Two joiners at once, each seeded with a different member: one ring again, holding all five, and the three
        // first members kept every partition they did not give to the joiners.
        cluster.Join(NodeId.Parse("n4"), cluster.NodeIds[1]);
        cluster.Join(NodeId.Parse("n5"), cluster.NodeIds[2]);
        Assert.That(cluster.RunUntil(() => OneRing(cluster) is { } r && r.Ring.Members.Length == 5, 30_000), Is.True);
        var grown = OneRing(cluster)!;
        TestContext.Out.WriteLine($"formed {formed}, grown {grown} after {cluster.NowMs} simulated ms");
        Assert.That(grown.Version, Is.GreaterThan(formed.Version));
        for (var p = 0; p < grown.Ring.PartitionCount; p++)
        {
            var owner = grown.Ring.OwnerOf(p);
            Assert.That(owner == formed.Ring.OwnerOf(p) || owner.Value is "n4" or "n5", Is.True, $"partition {p} moved between old members");
        }

        var counts = grown.Ring.Members.ToArray().Select(grown.Ring.CountOwnedBy).ToArray();
        Assert.That(counts.Max() - counts.Min(), Is.LessThanOrEqualTo(1), "balanced: " + string.Join(",", counts));
    }

    [Test]
    public void A_restarted_node_keeps_the_ring_in_force_and_does_not_fall_back_to_the_ring_it_started_with()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 3, NoAntiEntropy);
        cluster.Join(NodeId.Parse("n4"), cluster.NodeIds[0]);
        Assert.That(cluster.RunUntil(() => OneRing(cluster) is { } r && r.Ring.Members.Length == 4, 30_000), Is.True);
        var grown = OneRing(cluster)!;

        cluster.Restart(cluster.NodeIds[1]);
        Assert.That(cluster[1].Core.RingState, Is.EqualTo(grown));
        cluster.RunFor(5_000);
        Assert.That(OneRing(cluster), Is.EqualTo(grown), "no change: nobody joined or left");
    }

    [Test]
    public void A_ring_of_another_partition_count_is_ignored_and_counted()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 3, NoAntiEntropy);
        cluster.RunFor(1_000);
        var node = cluster[0];
        var foreign = new RingState(99, Ring.Create([NodeId.Parse("x1")], GossipCluster.Partitions * 2));
        var before = node.Core.RingState;
        node.Core.OnRequest(1, new Gossip([], foreign), cluster.NowMs);
        Assert.That(node.Core.RingState, Is.SameAs(before));
        Assert.That(node.Core.Stats.RingsIgnored, Is.EqualTo(1));
    }

    [Test]
    public void The_change_rule_orders_ring_states_by_version_then_members_then_fingerprint()
    {
        var a = NodeId.Parse("a");
        var b = NodeId.Parse("b");
        var c = NodeId.Parse("c");
        var solo = new RingState(0, Ring.Create([c], 64));
        var pair = new RingState(0, Ring.Create([a, b], 64));
        var changed = new RingState(1, Ring.Create([a], 64));
        Assert.That(pair.Supersedes(solo) && !solo.Supersedes(pair), Is.True, "at one version, more members win");
        Assert.That(changed.Supersedes(pair) && !pair.Supersedes(changed), Is.True, "a higher version wins");
        var x = new RingState(2, Ring.Create([a, b], 64).WithMembers([a, b, c]));
        var y = new RingState(2, Ring.Create([b, c], 64).WithMembers([a, b, c]));
        Assume.That(x.Ring.Fingerprint, Is.Not.EqualTo(y.Ring.Fingerprint));
        Assert.That(x.Supersedes(y), Is.Not.EqualTo(y.Supersedes(x)), "two different rings at one version: exactly one wins");
        Assert.That(x.Supersedes(x with { }), Is.False, "a ring does not supersede itself");
    }

    [Test]
    public void At_scale_97_nodes_joining_one_by_one_on_4096_partitions_keep_ownership_balanced_and_converge_within_20_gossip_rounds()
    {
        const int Partitions = 4096;
        const int Final = 100;
        var seed = TestSeed.Next();
        var cluster = GossipCluster.Static(seed, 3, NoAntiEntropy, partitions: Partitions);
        cluster.RunFor(2_000);
        var moved = 0;
        var previous = cluster[0].Core.RingState;
        var worstMoveExcess = 0;
        for (var i = 4; i <= Final; i++)
        {
            var joiner = cluster.Join(NodeId.Parse($"n{i}"), cluster.NodeIds[i % 3]);

            // One by one: the next starts once the claimant put this one on the cluster's ring (the joiner's own ring
            // of itself alone does not count).
            bool Claimed(RingState r) => r.Ring.Members.Length == i && r.Ring.CountOwnedBy(joiner.Id) > 0;
            Assert.That(
                cluster.RunUntil(() => cluster.Nodes.Any(n => Claimed(n.Core.RingState)), 60_000),
                Is.True,
                $"n{i} joins within 60 simulated s (seed {seed})");
            var next = cluster.Nodes.Select(n => n.Core.RingState).First(Claimed);
            var step = Moved(previous.Ring, next.Ring);
            Assert.That(next.Version, Is.EqualTo(previous.Version + 1), $"n{i}: one change per join");
            worstMoveExcess = Math.Max(worstMoveExcess, step - (Partitions / next.Ring.Members.Length) - 1);
            moved += step;
            previous = next;
        }

        var lastChangeMs = cluster.NowMs;
        Assert.That(cluster.RunUntil(() => OneRing(cluster) is { } r && r.Ring.Members.Length == Final, 120_000), Is.True);
        var rounds = (cluster.NowMs - lastChangeMs + Limits.GossipIntervalDefaultMs - 1) / Limits.GossipIntervalDefaultMs;
        var ring = OneRing(cluster)!;
        var counts = ring.Ring.Members.ToArray().Select(ring.Ring.CountOwnedBy).ToArray();
        var mean = (double)Partitions / Final;
        TestContext.Out.WriteLine(
            $"3 -> {Final} nodes at Q = {Partitions}: ring v{ring.Version}, {moved} partitions moved in all "
            + $"(worst step {worstMoveExcess} over Q/n + 1), owners hold {counts.Min()}..{counts.Max()} (mean {mean:F2}), "
            + $"every node holds the final ring {rounds} gossip rounds after the last change");

        Assert.That(counts.All(c => Math.Abs(c - mean) <= 1), Is.True, "each node within one partition of the mean");
        Assert.That(worstMoveExcess, Is.LessThanOrEqualTo(0), "each join moves only what the joiner takes");
        Assert.That(rounds, Is.LessThanOrEqualTo(20));
        for (var p = 0; p < Partitions; p++)
        {
            var list = ring.Ring.GetPreferenceList((ulong)p << (64 - 12), 3);
            Assert.That(list.Primaries.ToArray().Distinct().Count(), Is.EqualTo(3), $"partition {p}: N distinct nodes");
        }
    }

    private static NodeOptions NoAntiEntropy(NodeOptions options) => options with { AntiEntropyEnabled = false };

    /// <summary>The ring state every node holds, or null while they differ.</summary>
    private static RingState? OneRing(GossipCluster cluster)
    {
        var first = cluster[0].Core.RingState;
        return cluster.Nodes.All(n => n.Core.RingState.Equals(first)) ? first : null;
    }

    private static int Moved(Ring before, Ring after)
    {
        var moved = 0;
        for (var p = 0; p < before.PartitionCount; p++)
        {
            moved += before.OwnerOf(p) == after.OwnerOf(p) ? 0 : 1;
        }

        return moved;
    }
}
