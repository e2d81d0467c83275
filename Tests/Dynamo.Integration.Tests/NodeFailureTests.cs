using System.Globalization;
using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// Nodes killed with kill -9 and started again, on a cluster of their own (N = 3, R = W = 2). Every test restarts
/// the nodes it stopped, so each one starts from three running nodes.
/// </summary>
public sealed class NodeFailureTests : ClusterTestBase
{
    private const int Keys = 30;

    [TearDown]
    public Task RestartStoppedNodes() => Cluster.RestartStoppedAsync();

    [Test]
    public async Task With_one_node_killed_every_get_and_put_at_quorum_2_succeeds_without_a_timeout()
    {
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        for (var i = 0; i < Keys; i++)
        {
            await client.PutAsync($"before-{i}", $"before {i}", options: new PutOptions { W = 3 });
        }

        var victim = Cluster[1];
        await victim.KillAsync();

        var failures = new List<string>();
        for (var i = 0; i < Keys; i++)
        {
            await Record(failures, $"put one-down-{i}", () => client.PutAsync($"one-down-{i}", $"one down {i}", options: new PutOptions { W = 2 }));
            await Record(failures, $"get before-{i}", async () => Expect(await client.GetAsync($"before-{i}", new GetOptions { R = 2 }), $"before {i}"));
            await Record(failures, $"get one-down-{i}", async () => Expect(await client.GetAsync($"one-down-{i}", new GetOptions { R = 2 }), $"one down {i}"));
        }

        var routedPastTheVictim = Enumerable.Range(0, Keys).Count(i => client.Cluster.GetPlacement($"one-down-{i}").Primaries[0].NodeId == victim.Id);
        Assert.That(routedPastTheVictim, Is.GreaterThan(0), "some keys must have the killed node first in their preference list");
        Assert.That(failures, Is.Empty, "no request may fail, none may time out (deadline 5 s each)");
    }

    [Test]
    public async Task With_two_nodes_killed_a_put_and_a_get_fail_with_quorum_not_met_required_2_received_1()
    {
        await using (var before = await TestCluster.ConnectClientAsync(Cluster[0]))
        {
            await before.PutAsync("survivor-key", "written by three", options: new PutOptions { W = 3 });
        }

        await Cluster[1].KillAsync();
        await Cluster[2].KillAsync();
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);

        var put = Assert.ThrowsAsync<QuorumNotMetException>(() => client.PutAsync("two-down", "lonely", options: new PutOptions { W = 2 }));
        Assert.That((put!.Required, put.Received), Is.EqualTo((2, 1)), put.Message);
        var get = Assert.ThrowsAsync<QuorumNotMetException>(() => client.GetAsync("survivor-key", new GetOptions { R = 2 }));
        Assert.That((get!.Required, get.Received), Is.EqualTo((2, 1)), get.Message);

        var cliSet = await CliProcess.RunAsync(Cluster[0].Port, ["SET", "two-down-cli", "v"]);
        var cliGet = await CliProcess.RunAsync(Cluster[0].Port, ["GET", "survivor-key"]);
        foreach (var run in new[] { cliSet, cliGet })
        {
            Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
            Assert.That(run.Lines, Has.Length.EqualTo(1), run.ToString());
            Assert.That(run.Lines[0], Does.StartWith("(error) ").And.Contain("required 2").And.Contain("received 1"), run.ToString());
        }
    }

    [Test]
    public async Task A_node_restarted_after_kill_9_keeps_its_epoch_in_always_mode_serves_again_and_a_write_made_while_it_was_down_is_read_at_R_2()
    {
        var victim = Cluster[2];
        string key;
        await using (var routing = await TestCluster.ConnectClientAsync(Cluster[0]))
        {
            key = Enumerable.Range(0, 1000).Select(i => $"restart-{i}")
                .First(k => routing.Cluster.GetPlacement(k).Primaries[0].NodeId == victim.Id);
        }

        var epochBefore = await EpochAsync(victim);
        await victim.KillAsync();
        await using (var whileDown = await TestCluster.ConnectClientAsync(Cluster[0]))
        {
            await whileDown.PutAsync(key, "written while the node was down", options: new PutOptions { W = 2 });
        }

        await Cluster.RestartAsync(victim);

        Assert.That(await EpochAsync(victim), Is.EqualTo(epochBefore),
            "the log store in always mode acknowledged nothing before its fsync, so no dot of this epoch was lost");
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        var read = await client.GetAsync(key, new GetOptions { R = 2 });
        Assert.That(read.Values.Select(v => Encoding.UTF8.GetString(v.Span)), Is.EqualTo(new[] { "written while the node was down" }),
            $"a get at R = 2 routed to {victim.Id} first");

        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(victim.Port, limit.Token);
        var coordinated = await connection.GetAsync(key, 2, limit.Token);
        Assert.That(coordinated.Values, Is.EqualTo(new[] { "written while the node was down" }), $"a get coordinated by {victim.Id}: {coordinated}");
        Assert.That(await connection.PutAsync(key + "-after", "after the restart", 2, limit.Token), Is.EqualTo(Opcode.PutReply));
        Assert.That((await connection.GetAsync(key + "-after", 2, limit.Token)).Values, Is.EqualTo(new[] { "after the restart" }));
    }

    private static async Task<long> EpochAsync(NodeProcess node)
    {
        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return long.Parse((await connection.InfoAsync(limit.Token))["epoch"], CultureInfo.InvariantCulture);
    }

    private static void Expect(GetResult read, string value)
    {
        if (read.Values.Count != 1 || Encoding.UTF8.GetString(read.Values[0].Span) != value)
        {
            throw new InvalidOperationException($"expected [{value}], read {read.Values.Count} values");
        }
    }

    private static async Task Record(List<string> failures, string what, Func<Task> request)
    {
        try
        {
            await request();
        }
        catch (Exception error) when (error is DynamoException or InvalidOperationException)
        {
            failures.Add($"{what}: {error.GetType().Name}: {error.Message}");
        }
    }
}
