using System.Collections.Immutable;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>The cluster's bucket table: changes on any node, spread by gossip, merged by one rule.</summary>
public sealed class BucketTableTests
{
    private const long ConvergenceLimitMs = 60_000;

    [Test]
    public void A_change_on_one_node_reaches_every_node_by_gossip_and_their_coordinators_use_it()
    {
        var cluster = GossipCluster.FromSeed(TestSeed.Next(), 3);
        Assert.That(
            cluster.RunUntil(
                () => cluster.Nodes.All(n => n.Core.Members.Length == 3 && n.Core.Ring.Members.Length == 3)
                    && cluster.Nodes.Select(n => n.Core.Ring.Fingerprint).Distinct().Count() == 1,
                30_000),
            Is.True,
            "members and the ring converge");
        Assert.That(cluster.Execute(cluster.NodeIds[0], Put("wide")).Result!.Status, Is.EqualTo(ClientStatus.Ok), "N = 3 fits 3 members");

        var answer = cluster.Request(cluster.NodeIds[2], new SetBucketProps("wide", 4, 0, 0, 0));

        var entry = ((BucketPropsResult)answer).Entry;
        Assert.That((entry.Props.N, entry.Props.R, entry.Props.W, entry.Props.TimeoutMs), Is.EqualTo((4, 2, 2, 5000)), "R, W and timeout kept");
        Assert.That(entry.Version, Is.EqualTo(new BucketVersion(1, cluster.NodeIds[2])));
        var spread = cluster.RunUntil(() => cluster.Nodes.All(n => n.Core.Buckets.SequenceEqual([entry])), ConvergenceLimitMs);
        TestContext.Out.WriteLine($"spread after {cluster.NowMs} simulated ms");
        Assert.That(spread, Is.True, $"every node holds {entry} within {ConvergenceLimitMs} simulated ms");
        var put = cluster.Execute(cluster.NodeIds[0], Put("wide")).Result!;
        Assert.That((put.Status, put.Required, put.Received), Is.EqualTo((ClientStatus.Unavailable, 4, 3)), "another node's coordinator takes N = 4");
    }

    [Test]
    public void Concurrent_changes_on_several_nodes_converge_to_the_one_entry_the_merge_rule_picks()
    {
        var seed = TestSeed.Next();
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var cluster = GossipCluster.Static(seed, 5);
        string[] names = ["a", "b"];
        var issued = new List<BucketEntry>();
        for (var change = 0; change < 40; change++)
        {
            var node = cluster.NodeIds[random.Next(cluster.NodeIds.Count)];
            var n = random.Next(1, 6);
            var answer = cluster.Request(node, new SetBucketProps(names[random.Next(names.Length)], n, random.Next(1, n + 1), random.Next(1, n + 1), random.Next(1, 10_000)));
            issued.Add(((BucketPropsResult)answer).Entry);
            cluster.RunFor(random.Next(0, 3) * GossipCluster.TickMs * 40);
        }

        var expected = names.Select(name => issued.Where(e => e.Name == name).Aggregate((best, e) => BucketEntry.Supersedes(e, best) ? e : best)).ToArray();
        var converged = cluster.RunUntil(() => cluster.Nodes.All(n => n.Core.Buckets.SequenceEqual(expected)), ConvergenceLimitMs);
        TestContext.Out.WriteLine($"converged after {cluster.NowMs} simulated ms on {string.Join(", ", expected.Select(e => $"{e.Name}: {e.Props} at {e.Version}"))}");
        Assert.That(converged, Is.True, "every node holds the highest version of each bucket");
    }

    [Test]
    public void Merging_the_same_entries_in_any_order_gives_the_same_table()
    {
        var random = TestSeed.NewRandom();
        NodeId[] nodes = [NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")];
        for (var trial = 0; trial < 200; trial++)
        {
            var entries = Enumerable.Range(0, 12).Select(_ =>
            {
                var n = random.Next(1, 4);
                return new BucketEntry(
                    $"b{random.Next(3)}",
                    new BucketProps(n, random.Next(1, n + 1), random.Next(1, n + 1), 1000),
                    new BucketVersion((ulong)random.Next(3), nodes[random.Next(nodes.Length)]));
            }).ToArray();

            var first = MergedInOneGossip(entries);
            var shuffled = entries.OrderBy(_ => random.Next()).ToArray();
            var oneByOne = new BucketTable(nodes[0], BucketProps.Default, new Dictionary<string, BucketProps>());
            foreach (var entry in shuffled)
            {
                oneByOne.Merge([entry]);
            }

            Assert.That(oneByOne.Snapshot, Is.EqualTo(first), $"trial {trial}: merge is order-independent");
            Assert.That(oneByOne.Merge(first), Is.False, "merging a table into itself changes nothing");
        }
    }

    [Test]
    public void Seeds_tie_at_counter_0_by_node_id_and_any_change_wins_over_them()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 3, options => options.Self.Value switch
        {
            "n1" => options with { Buckets = new Dictionary<string, BucketProps> { ["carts"] = new(3, 3, 3, 1000) } },
            "n2" => options with { Buckets = new Dictionary<string, BucketProps> { ["carts"] = new(2, 1, 1, 1000) } },
            _ => options,
        });

        var seeded = new BucketEntry("carts", new BucketProps(2, 1, 1, 1000), new BucketVersion(0, cluster.NodeIds[1]));
        Assert.That(cluster.RunUntil(() => cluster.Nodes.All(n => n.Core.Buckets.SequenceEqual([seeded])), ConvergenceLimitMs), Is.True, "n2's seed wins the tie");

        var changed = ((BucketPropsResult)cluster.Request(cluster.NodeIds[0], new SetBucketProps("carts", 0, 0, 2, 0))).Entry;
        Assert.That((changed.Props, changed.Version), Is.EqualTo((new BucketProps(2, 1, 2, 1000), new BucketVersion(1, cluster.NodeIds[0]))));
        Assert.That(cluster.RunUntil(() => cluster.Nodes.All(n => n.Core.Buckets.SequenceEqual([changed])), ConvergenceLimitMs), Is.True, "the change wins on every node");
    }

    [Test]
    public void Bad_changes_are_refused_with_the_reason_and_change_nothing()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 1);
        var node = cluster.NodeIds[0];

        Assert.That(Refusal(cluster.Request(node, new SetBucketProps("b", 3, 4, 0, 0))), Is.EqualTo("R must be from 1 to N = 3; it is 4."));
        Assert.That(Refusal(cluster.Request(node, new SetBucketProps("b", Limits.ReplicasMax + 1, 0, 0, 0))), Does.StartWith("N must be from 1"));
        Assert.That(Refusal(cluster.Request(node, new SetBucketProps("b", 1, 0, 0, 0))), Is.EqualTo("R must be from 1 to N = 1; it is 2."), "R = 2 kept from the defaults");
        Assert.That(Refusal(cluster.Request(node, new SetBucketProps("", 1, 1, 1, 0))), Does.Contain("must not be empty"));
        Assert.That(Refusal(cluster.Request(node, new SetBucketProps(new string('x', Limits.BucketNameBytesMax + 1), 1, 1, 1, 0))), Does.Contain("at most 255 bytes"));
        Assert.That(cluster[node].Core.Buckets, Is.Empty);
    }

    [Test]
    public void The_table_holds_at_most_BucketsMax_buckets_and_refuses_one_more()
    {
        var cluster = GossipCluster.Static(TestSeed.Next(), 1);
        var node = cluster.NodeIds[0];
        for (var i = 0; i < Limits.BucketsMax; i++)
        {
            Assert.That(cluster.Request(node, new SetBucketProps($"b{i}", 1, 1, 1, 0)), Is.TypeOf<BucketPropsResult>());
        }

        Assert.That(Refusal(cluster.Request(node, new SetBucketProps("one-more", 1, 1, 1, 0))), Does.Contain($"{Limits.BucketsMax} buckets, the most it may"));
        Assert.That(cluster.Request(node, new SetBucketProps("b0", 2, 0, 0, 0)), Is.TypeOf<BucketPropsResult>(), "a bucket already held still changes");
        var table = new BucketTable(node, BucketProps.Default, new Dictionary<string, BucketProps>());
        table.Merge(cluster[node].Core.Buckets);
        Assert.That(table.Merge([new BucketEntry("one-more", BucketProps.Default, new BucketVersion(9, node))]), Is.False, "gossip past the bound is ignored");
        Assert.That(table.Snapshot.Length, Is.EqualTo(Limits.BucketsMax));
    }

    private static ImmutableArray<BucketEntry> MergedInOneGossip(BucketEntry[] entries)
    {
        var table = new BucketTable(NodeId.Parse("z"), BucketProps.Default, new Dictionary<string, BucketProps>());
        table.Merge([.. entries]);
        return table.Snapshot;
    }

    private static string? Refusal(NodeResponse response) =>
        response is ClientResult { Status: ClientStatus.BadRequest } refused ? refused.Message : $"not refused: {response}";

    private static ClientCommand Put(string bucket) =>
        new(ClientOperation.Put, System.Text.Encoding.UTF8.GetBytes(bucket), "k"u8.ToArray(), "v"u8.ToArray(), CausalContext.Empty, 0, 0, 0, ReturnContext: false);
}
