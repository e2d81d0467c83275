using Dynamo.Engine.Placement;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Placement.RingFacts;

namespace Dynamo.Engine.Tests.Placement;

public sealed class PreferenceListTests
{
    [Test]
    public void Primaries_then_fallbacks_are_the_distinct_nodes_met_walking_clockwise()
    {
        var random = TestSeed.NewRandom();
        foreach (var (q, m) in new[] { (64, 1), (64, 3), (256, 5), (1024, 12), (1024, 40), (256, 64) })
        {
            var ring = Ring.Create(Nodes(m), q).WithMembers([.. Nodes(m).Skip(1), Node(900)]);
            for (var i = 0; i < 200; i++)
            {
                var hash = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33);
                var n = random.Next(1, Math.Min(m, Limits.ReplicasMax) + 1);
                var list = ring.GetPreferenceList(hash, n);
                var walk = Walk(ring, ring.PartitionOf(hash));
                var context = $"Q {q}, {m} members, hash {hash:X16}, N {n}";

                Assert.That(list.Partition, Is.EqualTo(ring.PartitionOf(hash)), context);
                Assert.That(list.Primaries.ToArray(), Is.EqualTo(walk.Take(n)), context);
                Assert.That(
                    list.Fallbacks.ToArray(),
                    Is.EqualTo(walk.Skip(n).Take(Limits.PreferenceListNodesMax - n)),
                    context);
                Assert.That(list.Primaries[0], Is.EqualTo(ring.OwnerOf(list.Partition)), context);
            }
        }
    }

    [Test]
    public void Primaries_and_fallbacks_are_all_distinct_members()
    {
        var ring = Ring.Create(Nodes(40), 1024).WithMembers(Nodes(41));
        for (var p = 0; p < ring.PartitionCount; p++)
        {
            var hash = (ulong)p << 54;
            var list = ring.GetPreferenceList(hash, 3);
            var all = list.Primaries.ToArray().Concat(list.Fallbacks.ToArray()).ToArray();
            Assert.That(all, Is.Unique);
            Assert.That(all, Has.Length.EqualTo(Limits.PreferenceListNodesMax));
            Assert.That(ring.Members.ToArray(), Is.SupersetOf(all));
        }
    }

    [Test]
    public void With_few_members_the_fallbacks_are_every_other_member()
    {
        var ring = Ring.Create(Nodes(5), 64);
        var list = ring.GetPreferenceList(0, 3);
        Assert.That(list.Primaries.ToArray(), Is.EqualTo(new[] { Node(0), Node(1), Node(2) }));
        Assert.That(list.Fallbacks.ToArray(), Is.EqualTo(new[] { Node(3), Node(4) }));
    }

    [Test]
    public void The_walk_wraps_from_the_last_partition_to_the_first()
    {
        var ring = Ring.Create(Nodes(4), 64);
        var list = ring.GetPreferenceList(ulong.MaxValue, 3);
        Assert.That(list.Partition, Is.EqualTo(63));
        Assert.That(list.Primaries.ToArray(), Is.EqualTo(new[] { Node(3), Node(0), Node(1) }));
    }

    [Test]
    public void Fewer_members_than_N_is_a_clear_error_carrying_both_counts()
    {
        var ring = Ring.Create(Nodes(2), 64);
        var ex = Assert.Throws<NotEnoughMembersException>(() => ring.GetPreferenceList(12345, 3));
        Assert.That(ex!.Required, Is.EqualTo(3));
        Assert.That(ex.Available, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("N = 3").And.Contain("2 members"));
        Assert.That(ring.TryGetPreferenceList(12345, 3, out _), Is.False);
        Assert.That(ring.TryGetPreferenceList(12345, 2, out var list), Is.True);
        Assert.That(list.Primaries.Length, Is.EqualTo(2));
        Assert.That(list.Fallbacks.Length, Is.Zero);
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(Limits.ReplicasMax + 1)]
    public void N_outside_1_to_ReplicasMax_is_rejected(int n)
    {
        var ring = Ring.Create(Nodes(20), 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.GetPreferenceList(0, n));
    }

    [Test]
    public void N_up_to_ReplicasMax_is_served()
    {
        var ring = Ring.Create(Nodes(20), 64);
        var list = ring.GetPreferenceList(0, Limits.ReplicasMax);
        Assert.That(list.Primaries.Length, Is.EqualTo(Limits.ReplicasMax));
        Assert.That(list.Fallbacks.Length, Is.EqualTo(20 - Limits.ReplicasMax));
    }

    [Test]
    public void Lookup_allocates_nothing_after_warm_up()
    {
        var ring = Ring.Create(Nodes(12), 1024);
        var key = new byte[24];
        var bucket = "carts"u8.ToArray();
        var sink = Lookups(ring, bucket, key, 1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        sink += Lookups(ring, bucket, key, 100_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, $"sink {sink}");
    }

    private static int Lookups(Ring ring, byte[] bucket, byte[] key, int count)
    {
        var sink = 0;
        for (var i = 0; i < count; i++)
        {
            key[i % key.Length]++;
            var list = ring.GetPreferenceList(KeyHash.Of(bucket, key), 3);
            sink += list.Partition + list.Primaries.Length + list.Fallbacks.Length;
            sink += list.Primaries[2].IsDefault ? 1 : 0;
            sink += ring.PartitionOf((ulong)i) + ring.CountOwnedBy(list.Primaries[0]);
        }

        return sink;
    }
}
