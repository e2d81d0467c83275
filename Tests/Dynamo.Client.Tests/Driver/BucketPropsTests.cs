using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>The bucket table in the driver: read from cluster information, routed by, changed with SetBucketPropsAsync.</summary>
public sealed class BucketPropsTests
{
    [Test]
    public async Task Cluster_information_exposes_the_bucket_table_and_a_refresh_reports_a_change_in_it()
    {
        await using var node = new TestResponder("n1");
        node.ClusterInfo = Info(node, new BucketInfo("carts", 2, 1, 1, 900, 1, "n1"));
        await using var client = await DriverKit.ConnectAsync(node);

        Assert.That(client.Cluster.Buckets, Is.EqualTo(new[] { new BucketSettings("carts", 2, 1, 1, 900, 1, "n1") }));
        Assert.That(client.Cluster.GetBucketProps("carts"), Is.EqualTo(new BucketSettings("carts", 2, 1, 1, 900, 1, "n1")));
        Assert.That(client.Cluster.GetBucketProps("other"), Is.Null, "a bucket not in the table takes the defaults");
        Assert.That(client.Cluster.NOf("carts"u8), Is.EqualTo(2));
        Assert.That(client.Cluster.NOf("other"u8), Is.EqualTo(3));

        node.ClusterInfo = Info(node, new BucketInfo("carts", 3, 3, 1, 900, 2, "n1"));
        Assert.That(await client.RefreshAsync().WaitAsync(DriverKit.Wait), Is.True, "a changed bucket is a change");
        Assert.That(await client.GetBucketPropsAsync("carts").WaitAsync(DriverKit.Wait), Is.EqualTo(new BucketSettings("carts", 3, 3, 1, 900, 2, "n1")));
    }

    [Test]
    public async Task A_bucket_request_is_checked_and_routed_by_the_bucket_N()
    {
        await using var node = new TestResponder("n1");
        node.ClusterInfo = TestResponder.ClusterInfoPayload(
            1, 1, 1, 1, [("n1", node.Endpoint)], new ushort[8], [new BucketInfo("wide", 3, 2, 2, 900, 1, "n1")]);
        await using var client = await DriverKit.ConnectAsync(node);

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = client.GetAsync("k", new GetOptions { R = 2 }), "R = 2 is over the default N = 1");
        await client.GetAsync("k", new GetOptions { R = 2, Bucket = "wide" }).WaitAsync(DriverKit.Wait);
        Assert.That(client.Cluster.GetPlacement("k", "wide").Primaries, Has.Count.EqualTo(1), "N is capped at the member count");
    }

    [Test]
    public async Task SetBucketPropsAsync_sends_the_change_to_a_node_and_returns_its_answer()
    {
        await using var node = new TestResponder("n1");
        node.ClusterInfo = Info(node);
        (string Name, byte N, byte R, byte W, uint TimeoutMs)? sent = null;
        node.Handler = request =>
        {
            if (request.Opcode != Opcode.SetBucket)
            {
                request.ReplyAsEmptyNode();
                return;
            }

            var change = SetBucketRequest.Read(request.Payload);
            sent = (System.Text.Encoding.UTF8.GetString(change.Name), change.N, change.R, change.W, change.TimeoutMs);
            request.Reply(Opcode.SetBucketReply, TestResponder.Encode(new SetBucketReply(new BucketInfo("b", 2, 1, 1, 5000, 1, "n1"))));
        };
        await using var client = await DriverKit.ConnectAsync(node);

        var settings = await client.SetBucketPropsAsync("b", n: 2, r: 1, w: 1).WaitAsync(DriverKit.Wait);

        Assert.That(sent, Is.EqualTo(("b", (byte)2, (byte)1, (byte)1, 0u)), "the timeout left out travels as 0: keep it");
        Assert.That(settings, Is.EqualTo(new BucketSettings("b", 2, 1, 1, 5000, 1, "n1")));
    }

    [Test]
    public async Task SetBucketPropsAsync_refuses_bad_input_before_sending_and_reports_a_node_refusal()
    {
        await using var node = new TestResponder("n1");
        node.ClusterInfo = Info(node);
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.SetBucket)
            {
                request.ReplyError(ErrorCode.BadRequest, message: "R must be from 1 to N = 3; it is 4.");
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await DriverKit.ConnectAsync(node);

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = client.SetBucketPropsAsync("b", n: 3, r: 4));
        Assert.Throws<ArgumentException>(() => _ = client.SetBucketPropsAsync("b"));
        Assert.Throws<ArgumentException>(() => _ = client.SetBucketPropsAsync(string.Empty, n: 1));
        Assert.That(node.Received(Opcode.SetBucket), Is.Zero);
        var refused = Assert.ThrowsAsync<DynamoProtocolException>(() => client.SetBucketPropsAsync("b", r: 4).WaitAsync(DriverKit.Wait));
        Assert.That(refused!.Message, Does.Contain("R must be from 1 to N = 3; it is 4."));
    }

    private static byte[] Info(TestResponder node, params BucketInfo[] buckets) =>
        TestResponder.ClusterInfoPayload(1, 3, 2, 2, [(node.NodeId, node.Endpoint)], new ushort[8], buckets);
}
