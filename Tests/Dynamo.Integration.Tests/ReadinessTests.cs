using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// Peer links and readiness on real processes: a request never fails because a link is still connecting or backing
/// off from a peer that is back, and a node says <c>ready:1</c> only when it can serve quorum requests.
/// </summary>
public sealed class ReadinessTests : ClusterTestBase
{
    private const int Reads = 400;

    [TearDown]
    public Task RestartStoppedNodes() => Cluster.RestartStoppedAsync();

    [Test]
    public async Task After_two_nodes_restart_and_one_read_at_R3_succeeds_every_read_at_R3_succeeds()
    {
        var (n1, n2, n3) = (Cluster[0], Cluster[1], Cluster[2]);
        await using (var writer = await TestCluster.ConnectClientAsync(n1))
        {
            for (var i = 0; i < 20; i++)
            {
                await writer.PutAsync(Key(i), "v"u8.ToArray(), options: new PutOptions { W = 3 });
            }
        }

        await n2.KillAsync();
        await n3.KillAsync();
        Cluster.StartWithoutWaiting(n2);
        Cluster.StartWithoutWaiting(n3);

        // As a user would: wait for one read at R = 3 to succeed (every replica answers again), then keep reading
        // through every node as coordinator. None may fail: a link backing off from a peer that is back must not refuse.
        var clients = new List<DynamoClient>();
        try
        {
            await Deadline.UntilAsync(
                async cancellationToken =>
                {
                    try
                    {
                        clients.Add(await TestCluster.ConnectClientAsync(n1));
                        await clients[^1].GetAsync(Key(0), new GetOptions { R = 3 }, cancellationToken);
                        return (true, "read");
                    }
                    catch (DynamoException error)
                    {
                        return (false, error.Message);
                    }
                },
                Deadline.Start,
                "a first read at R = 3 after the restart");
            clients.Add(await TestCluster.ConnectClientAsync(n2));
            clients.Add(await TestCluster.ConnectClientAsync(n3));

            var failures = new List<string>();
            for (var i = 0; i < Reads; i++)
            {
                var client = clients[^(1 + (i % 3))];
                try
                {
                    await client.GetAsync(Key(i % 20), new GetOptions { R = 3 });
                }
                catch (DynamoException error)
                {
                    failures.Add($"read {i}: {error.Message}");
                }
            }

            Assert.That(failures, Is.Empty, $"{failures.Count} of {Reads} reads at R = 3 failed");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_node_is_ready_only_while_it_can_reach_a_quorum_of_every_partition()
    {
        var (n1, n2, n3) = (Cluster[0], Cluster[1], Cluster[2]);
        Assert.That((await ObjectBoundTests.InfoAsync(n1))["ready"], Is.EqualTo("1"));

        await n2.KillAsync();
        await n3.KillAsync();
        await Deadline.UntilAsync(
            async _ => ((await ObjectBoundTests.InfoAsync(n1))["ready"] == "0", "ready:1"),
            Deadline.Start,
            "n1, alone, to report ready:0 (R = W = 2 of N = 3)");

        await Cluster.RestartAsync(n2);
        await Deadline.UntilAsync(
            async _ => ((await ObjectBoundTests.InfoAsync(n1))["ready"] == "1", "ready:0"),
            Deadline.Start,
            "n1 to report ready:1 with n2 back (two of three replicas reachable)");
    }

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"ready-{i}");
}
