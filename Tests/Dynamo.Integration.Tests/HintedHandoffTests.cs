using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// Hinted handoff with real processes, N = 3, R = W = 2, gossip every 100 ms and a failure detector of 1 s: a node
/// killed under a steady write load, then restarted, gets every write it missed from the hints the others kept. The
/// fixtures below run it on four nodes (fallbacks keep the hints, sloppy quorum) and on three (no node is outside any
/// preference list, so coordinators keep them). Every test restarts the nodes it stopped.
/// </summary>
public abstract class HintedHandoffFixture : ClusterTestBase
{
    private protected const int Writers = 4;
    private static readonly TimeSpan s_loadBeforeKill = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan s_loadAfterKill = TimeSpan.FromMilliseconds(2500);

    /// <summary>
    /// How long handoff may take after the target is back: deliveries that failed while it was down back off, up to
    /// <c>Limits.HintRetryBackoffMaxMs</c> (30 s), before the next attempt.
    /// </summary>
    private protected static readonly TimeSpan s_handoffWait = TimeSpan.FromSeconds(45);

    [TearDown]
    public Task RestartStoppedNodes() => Cluster.RestartStoppedAsync();

    [Test]
    public async Task A_killed_node_fails_only_requests_in_flight_and_after_restart_holds_every_acknowledged_write_from_its_hints()
    {
        var victim = Cluster[1];
        var others = Cluster.Nodes.Where(n => n != victim).ToList();
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0], o => o.RingRefreshInterval = TimeSpan.Zero);
        var load = new WriteLoad(client, "handoff");
        var running = load.Start(Writers);
        await Task.Delay(s_loadBeforeKill);
        var killIssuedAt = load.Now;
        await victim.KillAsync();
        var killedAt = load.Now;
        await Task.Delay(s_loadAfterKill);
        await load.StopAsync(running);

        // In flight at the kill: started before the process was gone and not answered when the kill was issued.
        var inFlightAtKill = load.Acknowledged.Count(a => a.StartedAt <= killedAt && a.EndedAt >= killIssuedAt)
            + load.Failures.Count(f => f.StartedAt <= killedAt);
        var failedAfterKill = load.Failures.Where(f => f.StartedAt > killedAt).ToList();
        await TestContext.Out.WriteLineAsync(
            $"{load.Acknowledged.Count} writes acknowledged ({load.Acknowledged.Count(a => a.StartedAt > killedAt)} started after the kill), "
            + $"{load.Failures.Count} failed, {inFlightAtKill} in flight at the kill");
        Assert.That(failedAfterKill, Is.Empty, "no request that started after the kill may fail: " + string.Join("; ", failedAfterKill.Take(5)));
        Assert.That(load.Failures.Count, Is.LessThanOrEqualTo(Writers), "only requests in flight at the kill (one per writer at most) may fail");
        Assert.That(load.Acknowledged.Count(a => a.StartedAt > killedAt), Is.GreaterThan(50), "the load must go on after the kill");

        var pending = await SumAsync(others, "hints_pending");
        Assert.That(pending, Is.GreaterThan(0), "the other nodes keep hints for the killed node");

        await Cluster.RestartAsync(victim);
        await Deadline.UntilAsync(
            async _ =>
            {
                var left = await SumAsync(others, "hints_pending");
                return (left == 0, $"hints_pending:{left}");
            },
            s_handoffWait,
            "the other nodes to deliver every hint to the restarted node");
        Assert.That(await SumAsync(others, "hints_delivered"), Is.GreaterThanOrEqualTo(pending));

        // No client read touched these keys since the restart: the victim holds them through handoff alone.
        var mine = load.Acknowledged
            .Where(a => a.StartedAt > killedAt && client.Cluster.GetPlacement(a.Key).Primaries.Any(p => p.NodeId == victim.Id))
            .ToList();
        foreach (var node in others)
        {
            await node.StopAsync();
        }

        var missing = await MissingAsync(victim, mine);
        await TestContext.Out.WriteLineAsync($"{mine.Count} keys written while {victim.Id} was down read back from it alone at R = 1");
        Assert.That(mine, Is.Not.Empty);
        Assert.That(missing, Is.Empty, $"{victim.Id} must hold every write acknowledged while it was down");
    }

    /// <summary>Waits until a running node's failure detector believes <paramref name="node"/> down.</summary>
    private protected async Task WaitUntilBelievedDownAsync(NodeProcess node)
    {
        var observer = Cluster.Nodes.First(n => n.IsWanted);
        await Deadline.UntilAsync(
            async _ =>
            {
                var line = (await InfoAsync(observer)).GetValueOrDefault("member." + node.Id, "");
                return (line.Contains(" down ", StringComparison.Ordinal), line);
            },
            Deadline.Step,
            $"{observer.Id} to believe {node.Id} down");
    }

    private protected static async Task<long> PendingOf(NodeProcess node) =>
        long.Parse((await InfoAsync(node))["hints_pending"], CultureInfo.InvariantCulture);

    private protected static async Task<long> SumAsync(IEnumerable<NodeProcess> nodes, string field)
    {
        long sum = 0;
        foreach (var node in nodes.Where(n => n.IsWanted))
        {
            sum += long.Parse((await InfoAsync(node))[field], CultureInfo.InvariantCulture);
        }

        return sum;
    }

    private protected static async Task<List<string>> MissingAsync(NodeProcess node, IEnumerable<Written> writes)
    {
        using var limit = new CancellationTokenSource(Deadline.Start);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        var missing = new List<string>();
        foreach (var write in writes)
        {
            var read = await connection.GetAsync(write.Key, 1, limit.Token);
            if (read.Opcode != Opcode.GetReply || !read.Values.Contains(write.Value))
            {
                missing.Add($"{write.Key}: {read}");
            }
        }

        return missing;
    }

    private protected static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node)
    {
        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return await connection.InfoAsync(limit.Token);
    }

    /// <summary>An acknowledged write: its key, value, and when (ms since the load started) its request began and ended.</summary>
    private protected sealed record Written(string Key, string Value, long StartedAt, long EndedAt);

    /// <summary>A failed write: its key, when its request began, and why.</summary>
    private protected sealed record Failed(string Key, long StartedAt, string Reason);

    /// <summary>Writers putting distinct keys (blind writes, W = 2) through one driver until stopped.</summary>
    private protected sealed class WriteLoad(DynamoClient client, string prefix)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly CancellationTokenSource _stop = new();
        private int _inFlight;

        public ConcurrentBag<Written> Acknowledged { get; } = [];

        public ConcurrentBag<Failed> Failures { get; } = [];

        public int InFlight => Volatile.Read(ref _inFlight);

        public long Now => _clock.ElapsedMilliseconds;

        public Task[] Start(int writers) => [.. Enumerable.Range(0, writers).Select(RunAsync)];

        public async Task StopAsync(Task[] running)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(running).WaitAsync(Deadline.Step);
            _stop.Dispose();
        }

        private async Task RunAsync(int writer)
        {
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                var key = $"{prefix}-w{writer}-{n}";
                var value = "value of " + key;
                var started = Now;
                Interlocked.Increment(ref _inFlight);
                try
                {
                    await client.PutAsync(key, value, options: new PutOptions { W = 2 });
                    Acknowledged.Add(new Written(key, value, started, Now));
                }
                catch (DynamoException error)
                {
                    Failures.Add(new Failed(key, started, error.Message));
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
    }
}

/// <summary>Four nodes, N = 3: a fallback stands in for a primary believed down and keeps its hints (sloppy quorum).</summary>
public sealed class HintedHandoffTests : HintedHandoffFixture
{
    internal override ClusterSettings Settings => new(
        Nodes: 4, N: 3, R: 2, W: 2, Partitions: 64, TimeoutMs: 3000,
        ServerArguments: ["--gossip-interval-ms", "100", "--member-down-after-ms", "1000"]);

    [Test]
    public async Task A_fallback_killed_and_restarted_before_delivery_still_delivers_its_hints()
    {
        var victim = Cluster[2];
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0], o => o.RingRefreshInterval = TimeSpan.Zero);
        await victim.KillAsync();
        await WaitUntilBelievedDownAsync(victim);

        var written = new List<Written>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"fallback-restart-{i}";
            await client.PutAsync(key, "v" + key, options: new PutOptions { W = 2 });
            written.Add(new Written(key, "v" + key, 0, 0));
        }

        var fallback = Cluster[0];
        long before = 0;
        foreach (var node in Cluster.Nodes.Where(n => n != victim))
        {
            var pending = await PendingOf(node);
            (fallback, before) = pending > before ? (node, pending) : (fallback, before);
        }

        Assert.That(before, Is.GreaterThan(0), "some node keeps hints for the down node");

        await fallback.KillAsync();
        await Cluster.RestartAsync(fallback);
        Assert.That(await PendingOf(fallback), Is.EqualTo(before), $"{fallback.Id} recovers every hint it acknowledged");

        await Cluster.RestartAsync(victim);
        var others = Cluster.Nodes.Where(n => n != victim).ToList();
        await Deadline.UntilAsync(
            async _ =>
            {
                var left = await SumAsync(others, "hints_pending");
                return (left == 0, $"hints_pending:{left}");
            },
            s_handoffWait,
            $"{fallback.Id} and the other fallbacks to deliver their hints");
        Assert.That(long.Parse((await InfoAsync(fallback))["hints_delivered"], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(before));

        var mine = written.Where(w => client.Cluster.GetPlacement(w.Key).Primaries.Any(p => p.NodeId == victim.Id)).ToList();
        foreach (var node in Cluster.Nodes.Where(n => n != victim))
        {
            await node.StopAsync();
        }

        Assert.That(await MissingAsync(victim, mine), Is.Empty, $"{victim.Id} holds the writes hinted on the restarted fallback");
    }

    [Test]
    public async Task With_two_primaries_down_strict_quorum_fails_where_sloppy_quorum_succeeds_in_the_driver_and_the_cli()
    {
        var down = new[] { Cluster[1], Cluster[3] };
        foreach (var node in down)
        {
            await node.KillAsync();
        }

        foreach (var node in down)
        {
            await WaitUntilBelievedDownAsync(node);
        }

        await using var client = await TestCluster.ConnectClientAsync(Cluster[0], o => o.RingRefreshInterval = TimeSpan.Zero);
        var key = Enumerable.Range(0, 1000).Select(i => $"strict-{i}")
            .First(k => down.All(d => client.Cluster.GetPlacement(k).Primaries.Any(p => p.NodeId == d.Id)));

        await client.PutAsync(key, "sloppy", options: new PutOptions { W = 2 });
        var error = Assert.ThrowsAsync<QuorumNotMetException>(
            () => client.PutAsync(key, "strict", options: new PutOptions { W = 2, Strict = true }));
        Assert.That((error!.Required, error.Received), Is.EqualTo((2, 1)), error.Message);
        Assert.ThrowsAsync<QuorumNotMetException>(() => client.GetAsync(key, new GetOptions { R = 2, Strict = true }));
        Assert.That((await client.GetAsync(key, new GetOptions { R = 2 })).Values.Select(v => Encoding.UTF8.GetString(v.Span)), Is.EqualTo(new[] { "sloppy" }));

        var cli = await CliProcess.RunAsync(Cluster[0].Port, ["SET", key, "strict", "STRICT"]);
        Assert.That(cli.Output, Does.Contain("quorum not met"), cli.ToString());
        var members = await CliProcess.RunAsync(Cluster[0].Port, ["MEMBERS"]);
        Assert.That(members.Output, Does.Contain("2 of 4 members up"), members.ToString());
    }
}

/// <summary>
/// Three nodes, N = 3: every node is a primary of every key, so no fallback exists and the coordinators keep the hints
/// for the killed node. Anti-entropy is off, so what reaches the restarted node comes through hinted handoff.
/// </summary>
public sealed class CoordinatorHintTests : HintedHandoffFixture
{
    internal override ClusterSettings Settings => new(
        Nodes: 3, N: 3, R: 2, W: 2, Partitions: 64, TimeoutMs: 3000,
        ServerArguments: ["--gossip-interval-ms", "100", "--member-down-after-ms", "1000", "--anti-entropy", "off"]);
}

/// <summary>Three nodes started with <c>--seeds</c> (each knows only itself and the first node's address).</summary>
public sealed class GossipMembershipTests : ClusterTestBase
{
    internal override ClusterSettings Settings => new(
        Nodes: 3, Seeds: true, ServerArguments: ["--gossip-interval-ms", "100", "--member-down-after-ms", "1000"]);

    [Test]
    public async Task Nodes_started_with_seeds_converge_on_one_member_list_and_serve_quorum_requests()
    {
        // The cluster is ready only once every node holds links to the two others and believes all three up.
        var lists = new List<string>();
        foreach (var node in Cluster.Nodes)
        {
            using var limit = new CancellationTokenSource(Deadline.Step);
            await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
            var info = await connection.InfoAsync(limit.Token);
            Assert.That((info["members"], info["members_up"], info["members_down"]), Is.EqualTo(("3", "3", "0")), node.Id);
            lists.Add(string.Join(",", info.Keys.Where(k => k.StartsWith("member.", StringComparison.Ordinal)).Order()
                .Select(k => k + "=" + info[k].Split(' ')[0])));
        }

        Assert.That(lists.Distinct().Count(), Is.EqualTo(1), "one member list: " + string.Join(" | ", lists));
        Assert.That(lists[0], Is.EqualTo(string.Join(",", Cluster.Nodes.Select(n => $"member.{n.Id}={n.Endpoint}"))));

        await using var client = await TestCluster.ConnectClientAsync(Cluster[2]);
        Assert.That(client.Cluster.Members.Count, Is.EqualTo(3), "ClusterInfo describes the ring learned by gossip");
        for (var i = 0; i < 20; i++)
        {
            await client.PutAsync($"gossip-{i}", $"v{i}", options: new PutOptions { W = 3 });
            var read = await client.GetAsync($"gossip-{i}", new GetOptions { R = 3 });
            Assert.That(read.Values.Select(v => Encoding.UTF8.GetString(v.Span)), Is.EqualTo(new[] { $"v{i}" }));
        }
    }

    [Test]
    public async Task A_node_back_on_another_port_is_learned_by_gossip_and_ClusterInfo_gives_drivers_its_new_address()
    {
        var before = Cluster[2];
        Assert.That(await before.StopAsync(), Is.Zero);
        var moved = await Cluster.MoveAsync(before);
        Assert.That(moved.Endpoint, Is.Not.EqualTo(before.Endpoint));

        // Each node's ClusterInfo must follow: a driver asking the seed node alone must reach the moved node.
        foreach (var asked in new[] { Cluster[0], Cluster[1] })
        {
            await Deadline.UntilAsync(
                async _ =>
                {
                    await using var driver = await TestCluster.ConnectClientAsync(asked);
                    var listed = driver.Cluster.Members.First(m => m.NodeId == moved.Id).Endpoint;
                    return (listed == moved.Endpoint, $"{asked.Id} lists {moved.Id} at {listed}, not {moved.Endpoint}");
                },
                Deadline.Step,
                $"{asked.Id}'s ClusterInfo to list {moved.Id} at {moved.Endpoint}");
        }

        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        await client.PutAsync("moved-key", "after the move", options: new PutOptions { W = 3 });
        Assert.That((await client.GetAsync("moved-key", new GetOptions { R = 3 })).Values.Select(v => Encoding.UTF8.GetString(v.Span)),
            Is.EqualTo(new[] { "after the move" }), "W = 3 and R = 3 reach the moved node at its new address");
    }
}
