using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// Bucket properties as cluster state on real nodes that learn each other by gossip (<c>--seeds</c>): a change made
/// through one node reaches the others and the driver.
/// </summary>
public sealed class BucketPropsTests : ClusterTestBase
{
    internal override ClusterSettings Settings => new(
        Nodes: 3, Seeds: true, ServerArguments: ["--gossip-interval-ms", "100", "--member-down-after-ms", "1000"]);

    [Test]
    public async Task A_bucket_set_through_one_node_is_shown_by_another_and_seen_by_a_driver_after_refresh()
    {
        var set = await CliProcess.RunAsync(Cluster[0].Port, ["BUCKET", "SET", "b", "n=2", "r=1", "w=1"]);
        Assert.That(
            (set.ExitCode, set.Output.TrimEnd('\n')),
            Is.EqualTo((0, $"bucket b: n=2 r=1 w=1 timeout=5000ms (version 1 by {Cluster[0].Id})")),
            set.ToString());

        CliRun? shown = null;
        await Deadline.UntilAsync(
            async _ =>
            {
                shown = await CliProcess.RunAsync(Cluster[2].Port, ["BUCKET", "GET", "b"]);
                return (shown.ExitCode == 0 && shown.Output.Contains("n=2 r=1 w=1", StringComparison.Ordinal), shown.ToString());
            },
            Deadline.Start,
            $"BUCKET GET b through {Cluster[2].Id} to show the change made through {Cluster[0].Id}");
        Assert.That(shown!.Output.TrimEnd('\n'), Is.EqualTo($"bucket b: n=2 r=1 w=1 timeout=5000ms (version 1 by {Cluster[0].Id})"));

        await using var client = await TestCluster.ConnectClientAsync(Cluster[1]);
        await Deadline.UntilAsync(
            async cancellationToken =>
            {
                await client.RefreshAsync(cancellationToken);
                var held = client.Cluster.GetBucketProps("b");
                return (held is { N: 2, R: 1, W: 1 }, $"the driver holds {held?.ToString() ?? "no entry"} for b");
            },
            Deadline.Step,
            "the driver's cluster information to hold b with N = 2, R = 1, W = 1 after a refresh");

        Assert.That(client.Cluster.GetPlacement("k", "b").Primaries, Has.Count.EqualTo(2), "the driver routes b by N = 2");
        await client.PutAsync("k", "v", options: new PutOptions { Bucket = "b" });
        var read = await client.GetAsync("k", new GetOptions { Bucket = "b" });
        Assert.That(read.Values.Select(value => System.Text.Encoding.UTF8.GetString(value.Span)), Is.EqualTo(new[] { "v" }));
    }
}
