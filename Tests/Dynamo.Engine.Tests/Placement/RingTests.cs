using Dynamo.Engine.Placement;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Placement.RingFacts;

namespace Dynamo.Engine.Tests.Placement;

public sealed class RingTests
{
    [TestCase(8, 0UL, 0)]
    [TestCase(8, 0x1FFF_FFFF_FFFF_FFFFUL, 0)]
    [TestCase(8, 0x2000_0000_0000_0000UL, 1)]
    [TestCase(8, ulong.MaxValue, 7)]
    [TestCase(1024, 0x0040_0000_0000_0000UL, 1)]
    [TestCase(1024, 0x003F_FFFF_FFFF_FFFFUL, 0)]
    [TestCase(1024, 0x8000_0000_0000_0000UL, 512)]
    [TestCase(1024, ulong.MaxValue, 1023)]
    [TestCase(65536, 0xABCD_0000_0000_0001UL, 0xABCD)]
    public void A_hash_falls_in_the_partition_of_its_top_bits(int q, ulong hash, int partition)
    {
        var ring = Ring.Create(Nodes(3), q);
        Assert.That(ring.PartitionOf(hash), Is.EqualTo(partition));
    }

    [Test]
    public void Partitions_cut_the_hash_space_into_equal_slices()
    {
        var ring = Ring.Create(Nodes(2), 16);
        var slice = ulong.MaxValue / 16 + 1;
        for (var i = 0; i < 16; i++)
        {
            Assert.That(ring.PartitionOf((ulong)i * slice), Is.EqualTo(i));
            Assert.That(ring.PartitionOf(((ulong)i * slice) + slice - 1), Is.EqualTo(i));
        }
    }

    [TestCase(0)]
    [TestCase(4)]
    [TestCase(100)]
    [TestCase(1000)]
    [TestCase(131072)]
    public void A_partition_count_outside_the_limits_or_not_a_power_of_two_is_rejected(int q)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ring.Create(Nodes(1), q));
    }

    [Test]
    public void Fewer_partitions_than_members_is_rejected_with_both_counts()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ring.Create(Nodes(9), 8));
        Assert.That(ex!.Message, Does.Contain("8 partitions").And.Contain("9 members"));
        var ring = Ring.Create(Nodes(8), 8);
        Assert.Throws<ArgumentException>(() => ring.WithMembers(Nodes(9)));
    }

    [Test]
    public void Duplicate_default_or_missing_members_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ring.Create([Node(1), Node(2), Node(1)], 64));
        Assert.That(ex!.Message, Does.Contain("node-001"));
        Assert.Throws<ArgumentException>(() => Ring.Create([Node(1), default], 64));
        Assert.Throws<ArgumentException>(() => Ring.Create([], 64));
        Assert.Throws<ArgumentException>(() => Ring.Create(Nodes(2), 64).WithMembers([Node(3), Node(3)]));
    }

    [Test]
    public void Members_are_sorted_and_partition_counts_add_up()
    {
        var ring = Ring.Create([Node(5), Node(2), Node(9)], 64);
        Assert.That(ring.Members.ToArray(), Is.EqualTo(new[] { Node(2), Node(5), Node(9) }));
        Assert.That(ring.PartitionCount, Is.EqualTo(64));
        Assert.That(ring.Members.ToArray().Sum(ring.CountOwnedBy), Is.EqualTo(64));
        Assert.That(ring.CountOwnedBy(Node(7)), Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.OwnerOf(64));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.OwnerOf(-1));
    }

    [Test]
    public void The_default_ring_has_the_default_partition_count()
    {
        Assert.That(Ring.Create(Nodes(3)).PartitionCount, Is.EqualTo(Limits.PartitionsDefault));
    }

    [Test]
    public void Equal_rings_have_equal_fingerprints_and_different_rings_do_not()
    {
        var a = Ring.Create(Nodes(5), 256);
        var b = Ring.Create(Nodes(5).Reverse(), 256);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(b.Fingerprint, Is.EqualTo(a.Fingerprint));
        Assert.That(b.GetHashCode(), Is.EqualTo(a.GetHashCode()));

        var otherSize = Ring.Create(Nodes(5), 512);
        var otherMembers = Ring.Create([.. Nodes(4), Node(7)], 256);
        var otherHistory = Ring.Create(Nodes(4), 256).WithMembers(Nodes(5));
        foreach (var other in new[] { otherSize, otherMembers, otherHistory })
        {
            Assert.That(other, Is.Not.EqualTo(a));
            Assert.That(other.Fingerprint, Is.Not.EqualTo(a.Fingerprint));
        }
    }

    [Test]
    public void The_fingerprint_is_XXH64_of_the_documented_layout()
    {
        // Q = 8 (int32 LE), 3 members (int32 LE), each member as length byte + ASCII, then the owners of partitions
        // 0..7 as member indexes (uint16 LE): 0 1 2 0 1 2 0 1. Expected value from the reference XXH64 (libxxhash).
        // A change here changes what every node computes, so it must be deliberate.
        Assert.That(Ring.Create(Nodes(3), 8).Fingerprint, Is.EqualTo(0x1C6C229E6A24913DUL));
    }
}
