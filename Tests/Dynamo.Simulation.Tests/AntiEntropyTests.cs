using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>
/// Anti-entropy on simulated clusters: replicas that diverged (writes lost on the way to one node, a node that lost
/// its data) converge without any client read, siblings and tombstones survive, failed exchanges are retried, and
/// the repair command reports what it did.
/// </summary>
public sealed class AntiEntropyTests
{
    private const int ConvergenceSeeds = 20;

    [Test]
    public void Identical_replicas_exchange_with_no_differences()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyEnabled = false });
        for (var i = 0; i < 30; i++)
        {
            Assert.That(sim.Execute(sim.NodeIds[i % 3], Simulation.Put($"k{i}", $"v{i}")).Status, Is.EqualTo(ClientStatus.Ok));
        }

        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        var result = Repair(sim, sim.NodeIds[0]);
        Assert.That(result, Is.EqualTo(new RepairResult(true, 2, 0, 0, 0, null)));
        Assert.That(sim[0].Core.Stats.AntiEntropyExchanges, Is.EqualTo(2));
        Assert.That(sim[0].Core.Stats.AntiEntropyLastExchangeMs, Is.Positive);
    }

    [Test]
    public void One_differing_key_is_found_by_an_exchange_and_exactly_that_key_is_repaired()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyEnabled = false });
        var victim = sim.NodeIds[2];
        sim.DropRule = m => m.To == victim && m.Payload is ReplicaWrite w && Simulation.Text(w.Key) == "k7";
        for (var i = 0; i < 30; i++)
        {
            Assert.That(sim.Execute(sim.NodeIds[i % 2], Simulation.Put($"k{i}", $"v{i}")).Status, Is.EqualTo(ClientStatus.Ok));
        }

        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        sim.Heal();
        Assert.That(Read(sim[2], "k7"), Is.Null);
        var result = Repair(sim, sim.NodeIds[0]);
        Assert.That(result, Is.EqualTo(new RepairResult(true, 2, 0, 1, 1, null)));
        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        Assert.That(Read(sim[2], "k7"), Is.EqualTo(Read(sim[0], "k7")));
        Assert.That(sim[0].Core.Stats.AntiEntropyDifferences, Is.EqualTo(1));
        Assert.That(sim[0].Core.Stats.AntiEntropyKeysRepaired, Is.EqualTo(1));
    }

    [Test]
    public void Replicas_diverged_by_lost_writes_converge_without_client_reads_and_then_stay_quiet()
    {
        var baseSeed = TestSeed.Next();
        long repaired = 0;
        for (var i = 0UL; i < ConvergenceSeeds; i++)
        {
            var seed = baseSeed + i;
            var random = new Random(unchecked((int)(seed * 0x9E3779B97F4A7C15UL >> 33)));
            var sim = Cluster(seed, random.Next(3, 5), o => o with { AntiEntropyIntervalMs = 500 });
            var victim = sim.NodeIds[random.Next(sim.NodeIds.Count)];
            sim.DropRule = m => m.To == victim && m.Payload is ReplicaWrite;
            var keys = Enumerable.Range(0, 40).Select(k => $"key{k}").ToArray();
            var contexts = new Dictionary<string, CausalContext>();
            var calls = new List<ClientCall>();
            for (var op = 0; op < 120; op++)
            {
                var key = keys[random.Next(keys.Length)];
                var context = random.Next(2) == 0 ? contexts.GetValueOrDefault(key, CausalContext.Empty) : CausalContext.Empty;
                var command = random.Next(6) == 0
                    ? Simulation.Delete(key, context) with { ReturnContext = true }
                    : Simulation.Put(key, $"v{op}", context) with { ReturnContext = true };
                calls.Add(sim.Submit(sim.NodeIds[random.Next(sim.NodeIds.Count)], command));
                sim.RunFor(random.Next(0, 4));
                foreach (var done in calls.Where(c => c.Done && c.Result!.Status == ClientStatus.Ok))
                {
                    contexts[Simulation.Text(done.Command.Key)] = done.Result!.Context;
                }
            }

            Assert.That(sim.RunUntil(() => calls.All(c => c.Done), 30_000), Is.True);
            sim.Heal();
            var converged = false;
            for (var round = 0; round < 60 && !converged; round++)
            {
                sim.RunFor(1000);
                converged = Differing(sim, keys).Count == 0;
            }

            Assert.That(Differing(sim, keys), Is.Empty, $"seed {seed} (replay: {TestSeed.EnvironmentVariable}={seed}) converges");
            Assert.That(sim.Nodes.Sum(n => n.Core.Stats.ReadRepairs), Is.Zero, "no client read repaired anything");
            var counters = Counters(sim);
            sim.RunFor(10_000);
            Assert.That(Counters(sim), Is.EqualTo(counters), $"seed {seed}: nothing more to repair once converged");
            Assert.That(sim.Nodes.All(n => n.Core.Stats.AntiEntropyExchanges > 0), Is.True);
            repaired += counters.Repaired;
        }

        TestContext.Out.WriteLine($"{ConvergenceSeeds} seeds: {repaired} keys repaired by anti-entropy");
        Assert.That(repaired, Is.Positive);
    }

    [Test]
    public void Concurrent_siblings_reach_the_replica_that_missed_both_as_siblings()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyIntervalMs = 500 });
        var victim = sim.NodeIds[2];
        sim.DropRule = m => m.To == victim && m.Payload is ReplicaWrite;
        var a = sim.Submit(sim.NodeIds[0], Simulation.Put("k", "a"));
        var b = sim.Submit(sim.NodeIds[1], Simulation.Put("k", "b"));
        Assert.That(sim.RunUntil(() => a.Done && b.Done, 30_000), Is.True);
        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        sim.Heal();
        Assert.That(sim.RunUntil(() => Read(sim[2], "k")?.Count == 2, 30_000), Is.True);
        Assert.That(Read(sim[2], "k")!.Siblings.Select(s => Simulation.Text(s.Value)).Order(StringComparer.Ordinal), Is.EqualTo(new[] { "a", "b" }));
        sim.RunFor(5_000);
        Assert.That(Differing(sim, ["k"]), Is.Empty);
    }

    [Test]
    public void A_delete_is_carried_to_the_replica_that_missed_it_and_no_replica_brings_the_value_back()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyEnabled = false });
        var put = sim.Execute(sim.NodeIds[0], Simulation.Put("k", "v") with { ReturnContext = true, W = 3 });
        Assert.That(put.Status, Is.EqualTo(ClientStatus.Ok));
        var victim = sim.NodeIds[2];
        sim.DropRule = m => m.To == victim && m.Payload is ReplicaWrite;
        Assert.That(sim.Execute(sim.NodeIds[0], Simulation.Delete("k", put.Context)).Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        Assert.That(Read(sim[2], "k")!.Siblings.Single().IsTombstone, Is.False);
        sim.Heal();
        RestartWithAntiEntropy(sim);
        sim.RunFor(10_000);
        foreach (var node in sim.Nodes)
        {
            Assert.That(Read(node, "k")!.Siblings.Select(s => s.IsTombstone), Is.EqualTo(new[] { true }), $"{node.Id} holds the tombstone");
        }
    }

    [Test]
    public void An_exchange_with_an_unreachable_peer_is_abandoned_and_a_later_one_repairs()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyEnabled = false });
        var victim = sim.NodeIds[2];
        sim.DropRule = m => m.To == victim && m.Payload is ReplicaWrite;
        Assert.That(sim.Execute(sim.NodeIds[0], Simulation.Put("k", "v")).Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        sim.DropRule = null;
        RestartWithAntiEntropy(sim);
        sim.Partition(sim.NodeIds[0], victim);
        sim.Partition(sim.NodeIds[1], victim);
        sim.RunFor(30_000);
        Assert.That(sim[0].Core.Stats.AntiEntropyExchangesFailed, Is.Positive, "exchanges with the unreachable peer passed their deadline");
        Assert.That(sim[2].Core.Stats.AntiEntropyExchangesFailed, Is.Positive);
        Assert.That(Read(sim[2], "k"), Is.Null);
        sim.Heal();
        Assert.That(sim.RunUntil(() => Read(sim[2], "k") is not null, 30_000), Is.True, "a later exchange repairs");
        Assert.That(Read(sim[2], "k"), Is.EqualTo(Read(sim[0], "k")));
    }

    [Test]
    public void A_node_that_restarts_empty_with_a_new_epoch_gets_every_key_back()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyIntervalMs = 500 });
        var keys = Enumerable.Range(0, 40).Select(k => $"key{k}").ToArray();
        foreach (var key in keys)
        {
            Assert.That(sim.Execute(sim.NodeIds[0], Simulation.Put(key, "v")).Status, Is.EqualTo(ClientStatus.Ok));
        }

        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        var store = new InMemoryReplicaStore();
        sim.Replace(sim.NodeIds[2], o => o with { Epoch = o.Epoch + 1 }, store);
        Assert.That(sim.RunUntil(() => store.KeyCount == keys.Length, 60_000), Is.True);
        sim.RunFor(2_000);
        Assert.That(Differing(sim, keys), Is.Empty);
    }

    [Test]
    public void The_repair_command_reports_a_stopped_peer_as_a_failed_exchange()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyEnabled = false });
        Assert.That(sim.Execute(sim.NodeIds[0], Simulation.Put("k", "v")).Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        sim.Stop(sim.NodeIds[2]);
        var result = Repair(sim, sim.NodeIds[0]);
        Assert.That((result.Completed, result.Exchanges, result.ExchangesFailed), Is.EqualTo((false, 1, 1)));
        Assert.That(result.Message, Does.Contain("connection refused"));
        Assert.That(Repair(sim, sim.NodeIds[0], timeoutMs: -1).Message, Does.Contain("timeout"));
    }

    [Test]
    public void Repairs_beyond_the_rate_limit_wait_for_the_budget()
    {
        var sim = Cluster(TestSeed.Next(), 3, o => o with { AntiEntropyEnabled = false, AntiEntropyKeysPerSecond = 20 });
        var victim = sim.NodeIds[2];
        sim.DropRule = m => m.To == victim && m.Payload is ReplicaWrite;
        for (var i = 0; i < 60; i++)
        {
            Assert.That(sim.Execute(sim.NodeIds[0], Simulation.Put($"k{i}", "v")).Status, Is.EqualTo(ClientStatus.Ok));
        }

        Assert.That(sim.RunUntilIdle(30_000), Is.True);
        sim.Heal();
        var started = sim.NowMs;
        var result = Repair(sim, sim.NodeIds[0]);
        Assert.That((result.Completed, result.Differences, result.KeysRepaired), Is.EqualTo((true, 60L, 60L)));
        Assert.That(sim.NowMs - started, Is.GreaterThanOrEqualTo(1_900), "20 keys at once, then 20 per second");
    }

    [Test]
    public void A_tree_being_built_at_start_is_reported_unready_and_compared_once_built()
    {
        var ids = new[] { NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c") };
        var ring = Ring.Create(ids, 64);
        var store = new InMemoryReplicaStore();
        var set = SiblingSet.Empty.Put(new Actor(ids[1], 1), CausalContext.Empty, "v"u8.ToArray(), isTombstone: false);
        for (var i = 0; i < 500; i++)
        {
            store.Write([], Encoding.UTF8.GetBytes($"k{i}"), set);
        }

        var core = new NodeCore(new NodeOptions(ids[0], 1, ring, BucketProps.Default, new Dictionary<string, BucketProps>())
        {
            AntiEntropyBuildKeysPerTick = 50,
            AntiEntropyEnabled = false,
        }, store);
        Assert.That(core.Stats.AntiEntropyTreesBuilding, Is.EqualTo(64));
        var compare = new TreeCompare(0, [.. Enumerable.Range(0, 64).Select(p => new TreeHash(p, 0, 0))]);
        Assert.That(Answer(core, compare, 0).Unready, Has.Length.EqualTo(64));
        for (var tick = 1; tick <= 10; tick++)
        {
            core.OnTick(tick * 5);
        }

        Assert.That(core.Stats.AntiEntropyTreesBuilding, Is.Zero);
        var answer = Answer(core, compare, 50);
        Assert.That((answer.Unready.Length, answer.Differing.Length), Is.EqualTo((0, 64)), "every built tree holds keys");
    }

    private static TreeCompareResult Answer(NodeCore core, TreeCompare compare, long nowMs)
    {
        core.OnRequest(1, compare, nowMs);
        var effects = new List<NodeEffect>();
        core.DrainEffects(effects);
        return (TreeCompareResult)((Reply)effects.Single()).Response;
    }

    private static Simulation Cluster(ulong seed, int nodes, Func<NodeOptions, NodeOptions> options)
    {
        var sim = new Simulation(seed, nodes);
        foreach (var id in sim.NodeIds)
        {
            sim.Replace(id, options, new InMemoryReplicaStore());
        }

        return sim;
    }

    /// <summary>Restarts every node on its own store with scheduled anti-entropy (every 500 ms); trees rebuild at start.</summary>
    private static void RestartWithAntiEntropy(Simulation sim)
    {
        foreach (var node in sim.Nodes.ToList())
        {
            sim.Replace(node.Id, o => o with { AntiEntropyEnabled = true, AntiEntropyIntervalMs = 500 }, node.Store);
        }
    }

    private static RepairResult Repair(Simulation sim, NodeId at, int timeoutMs = 0)
    {
        RepairResult? result = null;
        sim.Request(at, new RepairCommand(timeoutMs), r => result = (RepairResult)r);
        Assert.That(sim.RunUntil(() => result is not null, 120_000), Is.True, "the repair command answers");
        return result!;
    }

    private static SiblingSet? Read(SimNode node, string key) => node.Store.Read([], Encoding.UTF8.GetBytes(key));

    private static List<string> Differing(Simulation sim, IEnumerable<string> keys) =>
        keys.Where(key =>
        {
            var copies = sim.PrimariesOf(key, 3).Select(p => Read(sim[p], key)).ToList();
            return copies.Any(c => !Equals(c, copies[0]));
        }).ToList();

    private static (long Differences, long Repaired) Counters(Simulation sim) =>
        (sim.Nodes.Sum(n => n.Core.Stats.AntiEntropyDifferences), sim.Nodes.Sum(n => n.Core.Stats.AntiEntropyKeysRepaired));
}
