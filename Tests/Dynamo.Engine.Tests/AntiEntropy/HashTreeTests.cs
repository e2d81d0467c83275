using System.Text;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.AntiEntropy;

/// <summary>Anti-entropy hash trees: hash definitions, order independence, and incremental maintenance.</summary>
public sealed class HashTreeTests
{
    private const int IncrementalCases = 1000;

    private static readonly Ring s_ring = Ring.Create([NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")], 64);
    private static readonly Actor[] s_actors = [new(NodeId.Parse("a"), 1), new(NodeId.Parse("b"), 1), new(NodeId.Parse("c"), 2)];

    [Test]
    public void An_absent_key_or_an_empty_set_hashes_to_zero_and_a_tombstone_differs_from_a_value_at_the_same_dot()
    {
        Assert.That(TreeHashing.VersionHash(null), Is.Zero);
        Assert.That(TreeHashing.VersionHash(SiblingSet.Empty), Is.Zero);
        Assert.That(TreeHashing.ItemHash(12345, 0), Is.Zero);
        var value = SiblingSet.Empty.Put(s_actors[0], CausalContext.Empty, "v"u8.ToArray(), isTombstone: false);
        var tombstone = SiblingSet.Empty.Put(s_actors[0], CausalContext.Empty, ReadOnlyMemory<byte>.Empty, isTombstone: true);
        Assert.That(TreeHashing.VersionHash(value), Is.Not.Zero);
        Assert.That(TreeHashing.VersionHash(value), Is.Not.EqualTo(TreeHashing.VersionHash(tombstone)));
    }

    [Test]
    public void The_version_hash_is_xxh64_of_the_documented_encoding()
    {
        // One sibling, dot (a#1):1, not a tombstone: [01 'a'][01 00 00 00][01 00 00 00 00 00 00 00][00].
        var set = SiblingSet.Empty.Put(s_actors[0], CausalContext.Empty, "v"u8.ToArray(), isTombstone: false);
        byte[] encoding = [1, (byte)'a', 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.That(TreeHashing.VersionHash(set), Is.EqualTo(KeyHash.Xxh64(encoding)));
        var keyHash = KeyHash.Of([], "k"u8);
        var item = new byte[16];
        BitConverter.TryWriteBytes(item.AsSpan(0, 8), keyHash);
        BitConverter.TryWriteBytes(item.AsSpan(8), KeyHash.Xxh64(encoding));
        Assert.That(TreeHashing.ItemHash(keyHash, KeyHash.Xxh64(encoding)), Is.EqualTo(KeyHash.Xxh64(item)));
        Assert.That(TreeHashing.LeafOf(keyHash), Is.EqualTo((int)(keyHash % 1024)));
    }

    [Test]
    public void Two_replicas_with_the_same_data_written_in_different_orders_have_equal_trees_at_every_level()
    {
        var random = TestSeed.NewRandom();
        var data = Enumerable.Range(0, 2000).Select(i => (Key: Encoding.UTF8.GetBytes($"key{i}"), Set: RandomSet(random))).ToList();
        var one = new PartitionTrees(s_ring);
        var other = new PartitionTrees(s_ring);
        foreach (var (key, set) in data)
        {
            one.OnWrite([], key, SiblingSet.Empty.Put(s_actors[2], CausalContext.Empty, "old"u8.ToArray(), isTombstone: false));
            one.OnWrite([], key, set);
        }

        foreach (var (key, set) in data.OrderBy(_ => random.Next()))
        {
            other.OnWrite([], key, set);
        }

        AssertEqualTrees(one, other);
        Assert.That(one.Count, Is.EqualTo(64), "2,000 keys fill every partition of a 64-partition ring");
    }

    [Test]
    public void Incremental_maintenance_during_and_after_the_build_equals_a_build_from_scratch()
    {
        var random = TestSeed.NewRandom();
        for (var c = 0; c < IncrementalCases; c++)
        {
            var store = new InMemoryReplicaStore();
            var keys = Enumerable.Range(0, random.Next(1, 60)).Select(i => Encoding.UTF8.GetBytes($"k{c}.{i}")).ToArray();
            byte[][] buckets = [[], "b"u8.ToArray()];
            foreach (var key in keys.Where(_ => random.Next(2) == 0))
            {
                store.Write(buckets[random.Next(2)], key, RandomSet(random));
            }

            var trees = new PartitionTrees(s_ring);
            trees.Load(store);
            for (var step = random.Next(0, 80); step > 0; step--)
            {
                if (random.Next(4) == 0)
                {
                    trees.Build(store, random.Next(1, 5));
                }
                else
                {
                    var bucket = buckets[random.Next(2)];
                    var key = keys[random.Next(keys.Length)];
                    var set = (store.Read(bucket, key) ?? SiblingSet.Empty).Merge(RandomSet(random));
                    store.Write(bucket, key, set);
                    trees.OnWrite(bucket, key, set);
                }
            }

            trees.Build(store, int.MaxValue);
            var scratch = new PartitionTrees(s_ring);
            scratch.Load(store);
            scratch.Build(store, int.MaxValue);
            Assert.That(trees.UnreadyCount, Is.Zero);
            AssertEqualTrees(trees, scratch);
        }
    }

    [Test]
    public void A_tree_is_unready_until_its_build_read_every_key_and_a_write_meanwhile_is_not_counted_twice()
    {
        var store = new InMemoryReplicaStore();
        var key = "k"u8.ToArray();
        store.Write([], key, SiblingSet.Empty.Put(s_actors[0], CausalContext.Empty, "v1"u8.ToArray(), isTombstone: false));
        var trees = new PartitionTrees(s_ring);
        trees.Load(store);
        var partition = s_ring.PartitionOf(KeyHash.Of([], key));
        Assert.That((trees.IsReady(partition), trees.UnreadyCount), Is.EqualTo((false, 1)));
        var newer = store.Read([], key)!.Put(s_actors[1], store.Read([], key)!.Context, "v2"u8.ToArray(), isTombstone: false);
        store.Write([], key, newer);
        trees.OnWrite([], key, newer);
        Assert.That(trees.Build(store, 10), Is.EqualTo(1));
        Assert.That(trees.IsReady(partition), Is.True);
        var expected = new PartitionTrees(s_ring);
        expected.OnWrite([], key, newer);
        AssertEqualTrees(trees, expected);
    }

    [Test]
    public void The_log_store_lists_each_present_key_once()
    {
        using var store = LogStore.Open(new MemoryMedium(), new LogStoreOptions(), null);
        var set = SiblingSet.Empty.Put(s_actors[0], CausalContext.Empty, "v"u8.ToArray(), isTombstone: false);
        store.Write("b"u8.ToArray(), "k1"u8.ToArray(), set);
        store.Write([], "k2"u8.ToArray(), set);
        store.Write([], "k2"u8.ToArray(), set);
        var keys = store.Keys().Select(k => $"{Encoding.UTF8.GetString(k.Bucket)}/{Encoding.UTF8.GetString(k.Key)}").Order(StringComparer.Ordinal);
        Assert.That(keys, Is.EqualTo(new[] { "/k2", "b/k1" }));
    }

    private static SiblingSet RandomSet(Random random)
    {
        var set = SiblingSet.Empty;
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var context = random.Next(3) == 0 ? set.Context : CausalContext.Empty;
            set = set.Put(s_actors[random.Next(s_actors.Length)], context, new byte[] { (byte)random.Next(256) }, isTombstone: random.Next(5) == 0);
        }

        return set;
    }

    private static void AssertEqualTrees(PartitionTrees actual, PartitionTrees expected)
    {
        for (var partition = 0; partition < s_ring.PartitionCount; partition++)
        {
            var a = actual.Get(partition);
            var e = expected.Get(partition);
            Assert.That(actual.RootOf(partition), Is.EqualTo(expected.RootOf(partition)), $"root of partition {partition}");
            for (var branch = 0; branch < TreeHashing.Branches; branch++)
            {
                Assert.That(a?.Branch(branch) ?? 0, Is.EqualTo(e?.Branch(branch) ?? 0), $"branch {partition}/{branch}");
            }

            for (var leaf = 0; leaf < TreeHashing.Leaves; leaf++)
            {
                if ((a?.Leaf(leaf) ?? 0) != (e?.Leaf(leaf) ?? 0))
                {
                    Assert.Fail($"leaf {partition}/{leaf} differs");
                }
            }
        }
    }
}
