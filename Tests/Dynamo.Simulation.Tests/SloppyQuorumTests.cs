using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>Sloppy quorum, hinted handoff and strict quorum, on simulated time.</summary>
public sealed class SloppyQuorumTests
{
    private static string[] Values(ClientResult result) =>
        result.Siblings!.Siblings.Where(s => !s.IsTombstone).Select(s => Simulation.Text(s.Value)).Order(StringComparer.Ordinal).ToArray();

    private static string? StoredValue(GossipNode node, string key) =>
        node.Store.Read([], Encoding.UTF8.GetBytes(key)) is { } set
            ? string.Join(",", set.Siblings.Select(s => Simulation.Text(s.Value)))
            : null;

    private static void StopUntilBelievedDown(GossipCluster cluster, NodeId coordinator, params NodeId[] stopped)
    {
        foreach (var node in stopped)
        {
            cluster.Stop(node, StopKind.Refused);
        }

        Assert.That(cluster.RunUntil(() => stopped.All(s => !cluster[coordinator].Core.IsUp(s)), 10_000), Is.True);
    }

    [Test]
    public void With_no_node_outside_the_preference_list_the_coordinator_keeps_the_missed_write_as_a_hint_and_hands_it_off()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 3);
        cluster.RunFor(2_000);
        var key = Keys.Find(cluster, _ => true).First();
        var primaries = Keys.Primaries(cluster, key);
        var (coordinator, down) = (cluster[primaries[0]], cluster[primaries[2]]);
        StopUntilBelievedDown(cluster, coordinator.Id, down.Id);

        var put = cluster.Execute(coordinator.Id, Simulation.Put(key, "v", w: 2)).Result!;
        Assert.That((put.Status, put.Required, put.Received), Is.EqualTo((ClientStatus.Ok, 2, 2)), "the hint does not count");
        Assert.That((coordinator.Hints.PendingFor(down.Id), coordinator.Core.Stats.HintsKeptByCoordinator), Is.EqualTo((1, 1)));
        Assert.That(StoredValue(down, key), Is.Null);

        cluster.Resume(down.Id);
        Assert.That(cluster.RunUntil(() => coordinator.Hints.PendingFor(down.Id) == 0, 30_000), Is.True, "handed off once up");
        Assert.That(StoredValue(down, key), Is.EqualTo("v"), "with no client read");
        Assert.That(coordinator.Core.Stats.HintsDelivered, Is.EqualTo(1));
    }

    [Test]
    public void A_write_with_a_primary_down_is_acknowledged_through_a_hint_that_leaves_the_fallback_only_once_the_target_stored_it()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 5);
        cluster.RunFor(2_000);
        var key = Keys.Find(cluster, _ => true).First();
        var (primaries, fallback) = (Keys.Primaries(cluster, key), cluster[Keys.Fallbacks(cluster, key)[0]]);
        var down = cluster[primaries[2]];
        StopUntilBelievedDown(cluster, primaries[0], down.Id);

        var put = cluster.Execute(primaries[0], Simulation.Put(key, "v", w: 3)).Result!;
        Assert.That((put.Status, put.Required, put.Received), Is.EqualTo((ClientStatus.Ok, 3, 3)), "the fallback's ack counts");
        Assert.That((fallback.Hints.PendingFor(down.Id), fallback.Core.Stats.HintsStored), Is.EqualTo((1, 1)));
        Assert.That(StoredValue(fallback, key), Is.Null, "a hint is not a replica of the fallback's own");
        Assert.That(StoredValue(down, key), Is.Null);

        // The target comes back but its acks are lost: it stores the write, yet the hint stays until an ack arrives.
        cluster.DropRule = m => m.From == down.Id && m.To == fallback.Id && m.Payload is ReplicaWriteAck;
        cluster.Resume(down.Id);
        Assert.That(cluster.RunUntil(() => StoredValue(down, key) == "v", 20_000), Is.True, "handoff starts once it is up");
        cluster.RunFor(3_000);
        Assert.That(fallback.Hints.PendingFor(down.Id), Is.EqualTo(1), "no ack, no removal");

        cluster.DropRule = null;
        Assert.That(cluster.RunUntil(() => fallback.Hints.PendingFor(down.Id) == 0, 60_000), Is.True);
        Assert.That(fallback.Core.Stats.HintsDelivered, Is.GreaterThanOrEqualTo(1));
        Assert.That(fallback.Core.Stats.HintDeliveryFailures, Is.GreaterThanOrEqualTo(1), "the unanswered delivery timed out");
        Assert.That(fallback.Core.DeliveriesInFlight, Is.Zero);
    }

    [Test]
    public void With_two_primaries_down_a_read_at_R_3_is_answered_by_fallbacks_with_their_hinted_copies()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 5);
        cluster.RunFor(2_000);
        var key = Keys.Find(cluster, _ => true).First();
        var primaries = Keys.Primaries(cluster, key);
        StopUntilBelievedDown(cluster, primaries[0], primaries[1], primaries[2]);

        Assert.That(cluster.Execute(primaries[0], Simulation.Put(key, "v", w: 3)).Result!.Status, Is.EqualTo(ClientStatus.Ok));
        cluster.RunFor(200);
        var repairs = cluster[primaries[0]].Core.Stats.ReadRepairs;
        var get = cluster.Execute(primaries[0], Simulation.Get(key, r: 3)).Result!;
        Assert.That((get.Status, Values(get)), Is.EqualTo((ClientStatus.Ok, new[] { "v" })));
        cluster.RunFor(200);
        Assert.That(cluster[primaries[0]].Core.Stats.ReadRepairs, Is.EqualTo(repairs), "the fallbacks answered with the write");
    }

    [Test]
    public void Strict_quorum_with_two_of_three_primaries_down_fails_at_once_where_sloppy_quorum_succeeds()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 5);
        cluster.RunFor(2_000);
        var key = Keys.Find(cluster, _ => true).First();
        var primaries = Keys.Primaries(cluster, key);
        StopUntilBelievedDown(cluster, primaries[0], primaries[1], primaries[2]);

        var strictPut = cluster.Execute(primaries[0], Simulation.Put(key, "v", w: 2) with { Strict = true });
        var strictGet = cluster.Execute(primaries[0], Simulation.Get(key, r: 2) with { Strict = true });
        foreach (var call in new[] { strictPut, strictGet })
        {
            var result = call.Result!;
            Assert.That((result.Status, result.Required, result.Received), Is.EqualTo((ClientStatus.QuorumNotMet, 2, 1)));
            Assert.That(result.Message, Does.Contain("Strict"));
            Assert.That(call.CompletedMs - call.SubmittedMs, Is.LessThanOrEqualTo(20), "no replica was asked");
        }

        Assert.That(StoredValue(cluster[primaries[0]], key), Is.Null, "the refused strict put wrote nothing");
        var sloppy = cluster.Execute(primaries[0], Simulation.Put(key, "v", w: 2)).Result!;
        Assert.That((sloppy.Status, sloppy.Received), Is.EqualTo((ClientStatus.Ok, 2)));
        var strictOneOfOne = cluster.Execute(primaries[0], Simulation.Get(key, r: 1) with { Strict = true }).Result!;
        Assert.That(strictOneOfOne.Status, Is.EqualTo(ClientStatus.Ok));
    }

    [Test]
    public void A_fallback_at_its_hint_bound_refuses_new_keys_the_next_fallback_takes_them_and_a_restarted_fallback_still_delivers()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 5, newHints: () => new InMemoryHintStore(hintsPerTargetMax: 1));
        cluster.RunFor(2_000);

        // Two keys with the same coordinator, the same primary to stop, and the same first fallback.
        var down = cluster.NodeIds[2];
        var group = Keys.Find(cluster, l => l.Primaries[0] != down && l.Primaries.Contains(down))
            .GroupBy(k => (Keys.Primaries(cluster, k)[0], Keys.Fallbacks(cluster, k)[0], Keys.Fallbacks(cluster, k)[1]))
            .First(g => g.Count() >= 2);
        var (coordinator, first, second) = group.Key;
        var keys = group.Take(2).ToArray();
        StopUntilBelievedDown(cluster, coordinator, down);

        Assert.That(cluster.Execute(coordinator, Simulation.Put(keys[0], "a", w: 3)).Result!.Status, Is.EqualTo(ClientStatus.Ok));
        var next = cluster.Execute(coordinator, Simulation.Put(keys[1], "b", w: 3)).Result!;
        Assert.That((next.Status, next.Received), Is.EqualTo((ClientStatus.Ok, 3)), "the second fallback stood in");
        Assert.That(cluster[first].Core.Stats.HintsRefused, Is.EqualTo(1));
        Assert.That((cluster[first].Hints.PendingFor(down), cluster[second].Hints.PendingFor(down)), Is.EqualTo((1, 1)));

        // At the bound a hint of a key already held is merged, not refused.
        Assert.That(cluster.Execute(coordinator, Simulation.Put(keys[0], "a2", w: 3)).Result!.Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(cluster[first].Core.Stats.HintsRefused, Is.EqualTo(1));

        cluster.RunFor(100);
        cluster.Restart(first);
        cluster.Resume(down);
        Assert.That(cluster.RunUntil(
            () => cluster[first].Hints.PendingFor(down) == 0 && cluster[second].Hints.PendingFor(down) == 0, 30_000), Is.True);
        Assert.That(StoredValue(cluster[down], keys[1]), Is.EqualTo("b"));
        Assert.That(StoredValue(cluster[down], keys[0])!.Split(','), Does.Contain("a2"));
        Assert.That(cluster[first].Core.Stats.HintsDelivered, Is.EqualTo(1), "delivered by the restarted core");
    }
}
