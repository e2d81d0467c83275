using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// A long-lived driver against real nodes that learn each other by gossip (<c>--seeds</c>), so that a node can come
/// back on another port and the others learn its new address.
/// </summary>
public sealed class DriverTests : ClusterTestBase
{
    internal override ClusterSettings Settings => new(
        Nodes: 3, Seeds: true, ServerArguments: ["--gossip-interval-ms", "100", "--member-down-after-ms", "1000"]);

    [Test]
    public async Task A_driver_connected_before_a_node_moved_to_another_port_reaches_it_at_its_new_address_after_a_refresh()
    {
        // Connected before the move, as an application's one client is; the first put opens its connection to the node.
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        var before = Cluster[2];
        var keys = Enumerable.Range(0, 1000).Select(i => $"moving-{i}").Where(k => client.Cluster.GetPlacement(k).Primaries[0].NodeId == before.Id).Take(2).ToArray();
        await client.PutAsync(keys[0], "before the move", options: new PutOptions { W = 3 });
        var ringBefore = client.Cluster.Fingerprint;

        Assert.That(await before.StopAsync(), Is.Zero);
        var moved = await Cluster.MoveAsync(before);
        Assert.That(moved.Endpoint, Is.Not.EqualTo(before.Endpoint));

        await Deadline.UntilAsync(
            async cancellationToken =>
            {
                await client.RefreshAsync(cancellationToken);
                var listed = client.Cluster.Members.First(member => member.NodeId == moved.Id).Endpoint;
                return (listed == moved.Endpoint, $"the driver lists {moved.Id} at {listed}, not {moved.Endpoint}");
            },
            Deadline.Step,
            $"the driver's refresh to list {moved.Id} at its new address {moved.Endpoint}");
        Assert.That(client.Cluster.Fingerprint, Is.EqualTo(ringBefore), "the ring did not change: only the address did");

        await client.PutAsync(keys[1], "after the move", options: new PutOptions { W = 3 });
        var read = await client.GetAsync(keys[1], new GetOptions { R = 3 });

        Assert.That(read.Values.Select(value => Encoding.UTF8.GetString(value.Span)), Is.EqualTo(new[] { "after the move" }));
        var info = await InfoAsync(moved);
        Assert.That((info["puts"], info["gets"]), Is.EqualTo(("1", "1")),
            $"the put and the get of a key {moved.Id} coordinates went to {moved.Id} at {moved.Endpoint}");
    }

    private static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node)
    {
        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return await connection.InfoAsync(limit.Token);
    }
}
