using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>Whole clusters of node cores on simulated time: quorums, timeouts, siblings, read repair, forwarding.</summary>
public sealed class ClusterTests
{
    private static string[] Values(ClientResult result) =>
        result.Siblings!.Siblings.Where(s => !s.IsTombstone).Select(s => Simulation.Text(s.Value)).Order(StringComparer.Ordinal).ToArray();

    [Test]
    public void A_put_at_W_2_is_read_back_by_a_get_at_R_2()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        var put = sim.Execute(sim.NodeIds[0], Simulation.Put("k", "v1", w: 2));
        Assert.That((put.Status, put.Required, put.Received), Is.EqualTo((ClientStatus.Ok, 2, 2)));
        var get = sim.Execute(sim.NodeIds[1], Simulation.Get("k", r: 2));
        Assert.That((get.Status, get.Required), Is.EqualTo((ClientStatus.Ok, 2)));
        Assert.That(Values(get), Is.EqualTo(new[] { "v1" }));
        Assert.That(get.Context.IsEmpty, Is.False);
    }

    [Test]
    public void With_one_of_three_nodes_stopped_gets_and_puts_at_quorum_2_succeed()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        sim.Stop(sim.NodeIds[2]);
        var put = sim.Execute(sim.NodeIds[0], Simulation.Put("k", "v1"));
        Assert.That((put.Status, put.Received), Is.EqualTo((ClientStatus.Ok, 2)));
        var get = sim.Execute(sim.NodeIds[1], Simulation.Get("k"));
        Assert.That(get.Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(Values(get), Is.EqualTo(new[] { "v1" }));
        Assert.That(sim.RunUntilIdle(10_000), Is.True, "the stopped node's failures end every operation");
    }

    [Test]
    public void With_two_of_three_nodes_stopped_gets_and_puts_fail_with_quorum_not_met_2_required_1_received()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        sim.Stop(sim.NodeIds[1]);
        sim.Stop(sim.NodeIds[2]);
        var call = sim.Submit(sim.NodeIds[0], Simulation.Put("k", "v1"));
        sim.RunUntil(() => call.Done, 10_000);
        var put = call.Result!;
        Assert.That((put.Status, put.Required, put.Received), Is.EqualTo((ClientStatus.QuorumNotMet, 2, 1)));
        var get = sim.Execute(sim.NodeIds[0], Simulation.Get("k"));
        Assert.That((get.Status, get.Required, get.Received), Is.EqualTo((ClientStatus.QuorumNotMet, 2, 1)));
        Assert.That(sim[0].Core.Stats.QuorumFailures, Is.EqualTo(2));
        Assert.That(call.CompletedMs - call.SubmittedMs, Is.LessThan(sim.Defaults.TimeoutMs), "failed fast, not at the deadline");
    }

    [Test]
    public void Dropped_messages_end_in_timeout_at_the_deadline_and_leave_nothing_pending()
    {
        var sim = new Simulation(TestSeed.Next(), 3) { DropProbability = 1.0 };
        var put = sim.Submit(sim.NodeIds[0], Simulation.Put("k", "v1"));
        var get = sim.Submit(sim.NodeIds[1], Simulation.Get("k"));
        sim.RunUntil(() => put.Done && get.Done, 3 * sim.Defaults.TimeoutMs);
        Assert.That((put.Result!.Status, put.Result.Required, put.Result.Received), Is.EqualTo((ClientStatus.Timeout, 2, 1)));
        Assert.That((get.Result!.Status, get.Result.Required, get.Result.Received), Is.EqualTo((ClientStatus.Timeout, 2, 1)));
        foreach (var call in new[] { put, get })
        {
            var took = call.CompletedMs - call.SubmittedMs;
            Assert.That(took, Is.InRange(sim.Defaults.TimeoutMs, sim.Defaults.TimeoutMs + Simulation.TickMs + (2 * sim.MaxDelayMs)));
        }

        Assert.That(sim.RunUntilIdle(100), Is.True);
        foreach (var node in sim.Nodes)
        {
            Assert.That((node.Core.Stats.OperationsInFlight, node.Core.PendingSendCount), Is.EqualTo((0, 0)), $"{node.Id}");
        }

        Assert.That(sim[0].Core.Stats.Timeouts + sim[1].Core.Stats.Timeouts, Is.EqualTo(2));
    }

    [Test]
    public void Concurrent_blind_writes_become_siblings_and_a_put_with_their_context_resolves_them()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        var first = sim.Submit(sim.NodeIds[0], Simulation.Put("k", "from-1"));
        var second = sim.Submit(sim.NodeIds[1], Simulation.Put("k", "from-2"));
        sim.RunUntil(() => first.Done && second.Done, 10_000);
        Assert.That((first.Result!.Status, second.Result!.Status), Is.EqualTo((ClientStatus.Ok, ClientStatus.Ok)));

        var read = sim.Execute(sim.NodeIds[2], Simulation.Get("k"));
        Assert.That(Values(read), Is.EqualTo(new[] { "from-1", "from-2" }));
        Assert.That(read.Siblings!.Count, Is.EqualTo(2));

        Assert.That(sim.Execute(sim.NodeIds[2], Simulation.Put("k", "merged", read.Context)).Status, Is.EqualTo(ClientStatus.Ok));
        sim.RunUntilIdle(10_000);
        foreach (var node in sim.NodeIds)
        {
            Assert.That(Values(sim.Execute(node, Simulation.Get("k", r: 3))), Is.EqualTo(new[] { "merged" }), $"read at {node}");
        }
    }

    [Test]
    public void A_replica_that_missed_a_write_is_repaired_by_a_later_get()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        var coordinator = sim.NodeIds[0];
        var missing = sim.NodeIds[2];
        sim.DropRule = m => m.To == missing && m.Payload is ReplicaWrite;
        Assert.That(sim.Execute(coordinator, Simulation.Put("k", "v1")).Status, Is.EqualTo(ClientStatus.Ok));
        sim.RunUntilIdle(10_000);
        Assert.That(sim[missing].Store.Read([], "k"u8.ToArray()), Is.Null, "the write to this replica was dropped");

        sim.DropRule = null;
        var get = sim.Execute(sim.NodeIds[1], Simulation.Get("k"));
        Assert.That(Values(get), Is.EqualTo(new[] { "v1" }));
        Assert.That(sim.RunUntilIdle(10_000), Is.True);
        Assert.That(sim[1].Core.Stats.ReadRepairs, Is.EqualTo(1));
        var expected = sim[coordinator].Store.Read([], "k"u8.ToArray());
        Assert.That(sim[missing].Store.Read([], "k"u8.ToArray()), Is.EqualTo(expected));

        var again = sim.Execute(sim.NodeIds[1], Simulation.Get("k", r: 3));
        Assert.That(Values(again), Is.EqualTo(new[] { "v1" }));
        sim.RunUntilIdle(10_000);
        Assert.That(sim[1].Core.Stats.ReadRepairs, Is.EqualTo(1), "converged replicas need no repair");
    }

    [Test]
    public void A_put_at_a_node_that_is_not_a_primary_is_forwarded_to_one_and_succeeds()
    {
        var sim = new Simulation(TestSeed.Next(), 5);
        var (key, outsider) = KeyWithOutsider(sim);
        var put = sim.Execute(outsider, Simulation.Put(key, "v1"));
        Assert.That((put.Status, put.Required, put.Received), Is.EqualTo((ClientStatus.Ok, 2, 2)));
        Assert.That(sim[outsider].Core.Stats.Forwarded, Is.EqualTo(1));
        sim.RunUntilIdle(10_000);
        Assert.That(sim[outsider].Store.Read([], System.Text.Encoding.UTF8.GetBytes(key)), Is.Null, "only primaries hold the key");
        var primaries = sim.PrimariesOf(key, 3);
        Assert.That(primaries.Count(p => sim[p].Store.KeyCount == 1), Is.EqualTo(3));
        Assert.That(sim[primaries[0]].Core.Stats.Puts, Is.EqualTo(1), "the first primary coordinated");
        Assert.That(Values(sim.Execute(outsider, Simulation.Get(key))), Is.EqualTo(new[] { "v1" }));
    }

    [Test]
    public void A_forward_skips_a_stopped_primary_and_fails_only_when_none_is_left()
    {
        var sim = new Simulation(TestSeed.Next(), 5);
        var (key, outsider) = KeyWithOutsider(sim);
        var primaries = sim.PrimariesOf(key, 3);
        sim.Stop(primaries[0]);
        var put = sim.Execute(outsider, Simulation.Put(key, "v1"));
        Assert.That(put.Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(sim[primaries[1]].Core.Stats.Puts, Is.EqualTo(1), "the second primary coordinated");

        sim.Stop(primaries[1]);
        sim.Stop(primaries[2]);
        var failed = sim.Execute(outsider, Simulation.Put(key, "v2"));
        Assert.That((failed.Status, failed.Required, failed.Received), Is.EqualTo((ClientStatus.QuorumNotMet, 2, 0)));
        Assert.That(failed.Message, Does.Contain("primaries"));
        Assert.That(sim[outsider].Core.Stats.OperationsInFlight, Is.Zero);
    }

    [Test]
    public void A_delete_leaves_a_tombstone_that_reads_as_not_found_with_a_context()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        sim.Execute(sim.NodeIds[0], Simulation.Put("k", "v1"));
        var read = sim.Execute(sim.NodeIds[1], Simulation.Get("k"));
        Assert.That(sim.Execute(sim.NodeIds[1], Simulation.Delete("k", read.Context)).Status, Is.EqualTo(ClientStatus.Ok));
        var after = sim.Execute(sim.NodeIds[2], Simulation.Get("k"));
        Assert.That(after.Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(after.Siblings!.Siblings.All(s => s.IsTombstone), Is.True);
        Assert.That(after.Siblings.Count, Is.EqualTo(1));
        Assert.That(read.Context.IsSubsetOf(after.Context) && !after.Context.Equals(read.Context), Is.True);
    }

    [Test]
    public void A_get_of_a_key_never_written_is_ok_and_empty()
    {
        var sim = new Simulation(TestSeed.Next(), 3);
        var get = sim.Execute(sim.NodeIds[0], Simulation.Get("nothing"));
        Assert.That((get.Status, get.Siblings!.Count, get.Context.IsEmpty), Is.EqualTo((ClientStatus.Ok, 0, true)));
        sim.RunUntilIdle(1000);
        Assert.That(sim.Nodes.Sum(n => n.Store.KeyCount + n.Core.Stats.ReadRepairs), Is.Zero, "reads write nothing");
    }

    /// <summary>A key and a node that is not one of its N = 3 primaries.</summary>
    private static (string Key, NodeId Outsider) KeyWithOutsider(Simulation sim)
    {
        for (var i = 0; ; i++)
        {
            var key = $"key-{i}";
            var primaries = sim.PrimariesOf(key, 3);
            var outsider = sim.NodeIds.FirstOrDefault(n => Array.IndexOf(primaries, n) < 0);
            if (!outsider.IsDefault)
            {
                return (key, outsider);
            }
        }
    }
}
