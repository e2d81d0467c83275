using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>
/// A long-lived client follows what the driver routes by: the ring, each member's endpoint and the default N, R and
/// W. A node that comes back on another port keeps its place on the ring (same fingerprint): only its endpoint tells.
/// </summary>
public sealed class ClusterRefreshTests
{
    [Test]
    public async Task A_member_back_on_another_port_with_the_same_ring_is_reached_at_its_new_endpoint_after_a_refresh()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        await using var bMoved = new TestResponder("b");
        a.ClusterInfo = b.ClusterInfo = Info(7, a, b);
        await using var client = await DriverKit.ConnectAsync(a);
        var key = DriverKit.KeyFirstOn(client.Cluster, "b");
        await client.PutAsync(key, "before the move").WaitAsync(DriverKit.Wait);
        Assert.That(b.Received(Opcode.Put), Is.EqualTo(1));

        // b is back on another port: the same ring with the same fingerprint, only b's endpoint differs. The old
        // address still answers (as another process might after the move), so a put sent there would succeed silently.
        a.ClusterInfo = bMoved.ClusterInfo = Info(7, a, bMoved);
        var changed = await client.RefreshAsync().WaitAsync(DriverKit.Wait);

        Assert.That(changed, Is.True, "RefreshAsync reports the member's new endpoint as a change");
        Assert.That(client.Cluster.Members.Single(member => member.NodeId == "b").Endpoint, Is.EqualTo(bMoved.Endpoint));
        await client.PutAsync(key, "after the move").WaitAsync(DriverKit.Wait);
        Assert.That((b.Received(Opcode.Put), bMoved.Received(Opcode.Put)), Is.EqualTo((1, 1)), "the put after the refresh goes to the new endpoint");
        await DriverKit.UntilAsync(() => b.OpenConnections == 0, $"the client to close its connection to b's old endpoint {b.Endpoint}");
        Assert.That(client.ConnectedEndpoints, Is.EqualTo(new[] { a.Endpoint, bMoved.Endpoint }.Order(StringComparer.Ordinal)));
    }

    [Test]
    public async Task A_client_with_a_periodic_refresh_follows_a_moved_member_without_being_asked()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        await using var bMoved = new TestResponder("b");
        a.ClusterInfo = b.ClusterInfo = Info(7, a, b);
        await using var client = await DriverKit.ConnectAsync(a, options => options.RingRefreshInterval = TimeSpan.FromMilliseconds(50));

        a.ClusterInfo = bMoved.ClusterInfo = Info(7, a, bMoved);

        await DriverKit.UntilAsync(
            () => client.Cluster.Members.Single(member => member.NodeId == "b").Endpoint == bMoved.Endpoint,
            $"the periodic refresh to list b at {bMoved.Endpoint}");
        await client.GetAsync(DriverKit.KeyFirstOn(client.Cluster, "b")).WaitAsync(DriverKit.Wait);
        Assert.That((b.Received(Opcode.Get), bMoved.Received(Opcode.Get)), Is.EqualTo((0, 1)));
    }

    [Test]
    public async Task Refresh_reports_changed_defaults_and_nothing_when_nothing_changed()
    {
        await using var node = new TestResponder("n1");
        node.ClusterInfo = TestResponder.ClusterInfoPayload(3, 1, 1, 1, [("n1", node.Endpoint)], new ushort[8]);
        await using var client = await DriverKit.ConnectAsync(node);

        Assert.That(await client.RefreshAsync().WaitAsync(DriverKit.Wait), Is.False, "the same information again");
        var before = client.Cluster;

        node.ClusterInfo = TestResponder.ClusterInfoPayload(3, 1, 1, 1, [("n1", node.Endpoint)], new ushort[8]);
        Assert.That(await client.RefreshAsync().WaitAsync(DriverKit.Wait), Is.False, "an equal payload is no change");
        Assert.That(client.Cluster, Is.SameAs(before));

        node.ClusterInfo = TestResponder.ClusterInfoPayload(3, 3, 1, 2, [("n1", node.Endpoint)], new ushort[8]);
        Assert.That(await client.RefreshAsync().WaitAsync(DriverKit.Wait), Is.True, "new default N, R and W on the same ring");
        Assert.That((client.Cluster.DefaultN, client.Cluster.DefaultR, client.Cluster.DefaultW), Is.EqualTo((3, 1, 2)));
    }

    [Test]
    public async Task A_member_that_joins_or_leaves_is_a_change_and_a_seed_keeps_its_connection()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        a.ClusterInfo = TestResponder.ClusterInfoPayload(1, 1, 1, 1, [("a", a.Endpoint)], new ushort[8]);
        await using var client = await DriverKit.ConnectAsync(a);

        a.ClusterInfo = Info(2, a, b);
        Assert.That(await client.RefreshAsync().WaitAsync(DriverKit.Wait), Is.True);
        Assert.That(client.Cluster.Members.Select(member => member.NodeId), Is.EqualTo(new[] { "a", "b" }));
        await client.GetAsync(DriverKit.KeyFirstOn(client.Cluster, "b")).WaitAsync(DriverKit.Wait);
        Assert.That(b.Received(Opcode.Get), Is.EqualTo(1));

        // a leaves the ring but stays the client's seed: its connection is kept, b's is kept as a member's.
        b.ClusterInfo = a.ClusterInfo = TestResponder.ClusterInfoPayload(3, 1, 1, 1, [("b", b.Endpoint)], new ushort[8]);
        Assert.That(await client.RefreshAsync().WaitAsync(DriverKit.Wait), Is.True);
        Assert.That(client.Cluster.Members.Select(member => member.NodeId), Is.EqualTo(new[] { "b" }));
        Assert.That(client.ConnectedEndpoints, Is.EquivalentTo(new[] { a.Endpoint, b.Endpoint }));
    }

    private static byte[] Info(ulong fingerprint, TestResponder first, TestResponder second) =>
        TestResponder.ClusterInfoPayload(
            fingerprint, 2, 1, 1, [(first.NodeId, first.Endpoint), (second.NodeId, second.Endpoint)], DriverKit.AlternatingOwners);
}
