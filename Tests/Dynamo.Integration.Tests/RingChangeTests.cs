using System.Globalization;
using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// The ring as cluster state on real processes (docs/CLUSTER.md § The ring): a node started with <c>--seeds</c> is put
/// on the ring by the claimant, every node and a running driver follow the change, and the ring survives a restart.
/// </summary>
public sealed class RingChangeTests : ClusterTestBase
{
    internal override ClusterSettings Settings => new(
        Nodes: 3, Seeds: true, Partitions: 64, ServerArguments: ["--gossip-interval-ms", "100", "--member-down-after-ms", "1000"]);

    [Test]
    public async Task A_running_driver_follows_a_node_joining_and_routes_its_keys_to_it_without_a_restart()
    {
        await using var client = await TestCluster.ConnectClientAsync(
            Cluster[0], options => options.RingRefreshInterval = TimeSpan.FromMilliseconds(200));
        var before = client.Cluster;
        Assert.That(before.Members.Select(m => m.NodeId), Is.EquivalentTo(new[] { "n1", "n2", "n3" }));
        var versionBefore = Version(await InfoAsync(Cluster[0]));

        var joiner = await Cluster.JoinAsync();

        // Every node holds one ring with the joiner on it, one version on from before.
        await Deadline.UntilAsync(
            async cancellationToken =>
            {
                var infos = await Task.WhenAll(Cluster.Nodes.Select(node => InfoAsync(node, cancellationToken)));
                var versions = infos.Select(Version).Distinct().ToArray();
                var members = infos.Select(info => info["ring_members"]).Distinct().ToArray();
                return (versions.Length == 1 && versions[0] > versionBefore && members is ["4"],
                    $"ring versions {string.Join(",", versions)}, ring members {string.Join(",", members)}");
            },
            Deadline.Step,
            "every node to hold one ring of four members");

        // The driver's own refresh, on its timer, picks the new ring up: the application does nothing.
        await Deadline.UntilAsync(
            _ => Task.FromResult((client.Cluster.Members.Any(m => m.NodeId == joiner.Id), $"the driver lists {string.Join(",", client.Cluster.Members.Select(m => m.NodeId))}")),
            Deadline.Step,
            "the driver to list the joiner");
        var owned = client.Cluster.Members.Single(m => m.NodeId == joiner.Id).PartitionCount;
        TestContext.Out.WriteLine($"the joiner owns {owned} of 64 partitions; ring {before.Fingerprint:x16} -> {client.Cluster.Fingerprint:x16}");
        Assert.That(owned, Is.EqualTo(16), "the claim gives a fourth node 64 / 4 partitions");

        var key = Enumerable.Range(0, 10_000).Select(i => $"joined-{i}").First(k => client.Cluster.GetPlacement(k).Primaries[0].NodeId == joiner.Id);
        var putsBefore = long.Parse((await InfoAsync(joiner))["puts"], CultureInfo.InvariantCulture);
        await client.PutAsync(key, "routed to the joiner", options: new PutOptions { W = 3 });
        var read = await client.GetAsync(key, new GetOptions { R = 3 });
        Assert.That(read.Values.Select(value => Encoding.UTF8.GetString(value.Span)), Is.EqualTo(new[] { "routed to the joiner" }));
        Assert.That(long.Parse((await InfoAsync(joiner))["puts"], CultureInfo.InvariantCulture), Is.EqualTo(putsBefore + 1),
            $"the driver sent the put of a key {joiner.Id} is the first primary of to {joiner.Id}");

        // A restarted member keeps the ring the cluster agreed on (its ring file), not the ring of its command line.
        var ring = Version(await InfoAsync(Cluster[1]));
        Assert.That(await Cluster[1].StopAsync(), Is.Zero);
        await Cluster.RestartAsync(Cluster[1]);
        var restarted = await InfoAsync(Cluster[1]);
        Assert.That((Version(restarted), restarted["ring_members"]), Is.EqualTo((ring, "4")));
    }

    private static ulong Version(Dictionary<string, string> info) => ulong.Parse(info["ring_version"], CultureInfo.InvariantCulture);

    private static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return await connection.InfoAsync(limit.Token);
    }
}
