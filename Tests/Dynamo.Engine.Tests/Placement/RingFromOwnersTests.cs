using Dynamo.Engine.Placement;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Placement.RingFacts;

namespace Dynamo.Engine.Tests.Placement;

public sealed class RingFromOwnersTests
{
    private static IEnumerable<TestCaseData> Rings()
    {
        yield return new TestCaseData(1, 8).SetName("One member, Q 8");
        yield return new TestCaseData(3, 8).SetName("Three members, Q 8");
        yield return new TestCaseData(5, 64).SetName("Five members, Q 64");
        yield return new TestCaseData(7, 1024).SetName("Seven members, Q 1024");
        yield return new TestCaseData(64, 4096).SetName("Sixty-four members, Q 4096");
    }

    [TestCaseSource(nameof(Rings))]
    public void A_ring_rebuilt_from_its_owners_equals_the_ring(int members, int q)
    {
        var ring = Ring.Create(Nodes(members), q);
        var rebuilt = Ring.FromOwners(ring.Members.ToArray(), OwnerIndexes(ring));

        Assert.That(rebuilt, Is.EqualTo(ring));
        Assert.That(rebuilt.Fingerprint, Is.EqualTo(ring.Fingerprint));
        Assert.That(Owners(rebuilt), Is.EqualTo(Owners(ring)));
    }

    [Test]
    public void Rings_after_joins_and_leaves_rebuild_with_the_same_preference_lists()
    {
        var random = TestSeed.NewRandom();
        var ring = Ring.Create(Nodes(4), 256);
        for (var step = 0; step < 10; step++)
        {
            var members = Enumerable.Range(0, 40).Where(_ => random.Next(3) == 0).Select(Node).ToArray();
            if (members.Length < 3)
            {
                continue;
            }

            ring = ring.WithMembers(members);
            var rebuilt = Ring.FromOwners(ring.Members.ToArray(), OwnerIndexes(ring));
            Assert.That(rebuilt, Is.EqualTo(ring));
            Assert.That(rebuilt.Fingerprint, Is.EqualTo(ring.Fingerprint));
            for (var i = 0; i < 200; i++)
            {
                var hash = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
                var expected = ring.GetPreferenceList(hash, 3);
                var actual = rebuilt.GetPreferenceList(hash, 3);
                Assert.That(actual.Partition, Is.EqualTo(expected.Partition));
                Assert.That(actual.Primaries.ToArray(), Is.EqualTo(expected.Primaries.ToArray()));
                Assert.That(actual.Fallbacks.ToArray(), Is.EqualTo(expected.Fallbacks.ToArray()));
            }
        }
    }

    [Test]
    public void Owner_indexes_point_at_the_owners()
    {
        var ring = Ring.Create(Nodes(5), 64);
        var indexes = OwnerIndexes(ring);
        for (var p = 0; p < ring.PartitionCount; p++)
        {
            Assert.That(ring.Members[indexes[p]], Is.EqualTo(ring.OwnerOf(p)));
            Assert.That(ring.OwnerIndexOf(p), Is.EqualTo(indexes[p]));
        }

        Assert.Throws<ArgumentException>(() => ring.CopyOwnerIndexesTo(new ushort[63]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.OwnerIndexOf(64));
    }

    [TestCase(0)]
    [TestCase(4)]
    [TestCase(12)]
    [TestCase(131072)]
    public void A_partition_count_outside_the_limits_or_not_a_power_of_two_is_rejected(int q)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ring.FromOwners(Nodes(1), new ushort[q]));
    }

    [Test]
    public void Unsorted_duplicate_default_or_missing_members_are_rejected()
    {
        ushort[] owners = [0, 1, 0, 1, 0, 1, 0, 1];
        Assert.Throws<ArgumentException>(() => Ring.FromOwners([Node(2), Node(1)], owners));
        Assert.Throws<ArgumentException>(() => Ring.FromOwners([Node(1), Node(1)], owners));
        Assert.Throws<ArgumentException>(() => Ring.FromOwners([default, Node(1)], owners));
        Assert.Throws<ArgumentException>(() => Ring.FromOwners([], new ushort[8]));
        Assert.Throws<ArgumentException>(() => Ring.FromOwners(Nodes(9), new ushort[8]));
    }

    [Test]
    public void An_owner_index_beyond_the_members_is_rejected_with_the_partition()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ring.FromOwners(Nodes(2), [0, 1, 0, 1, 0, 2, 0, 1]));
        Assert.That(ex!.Message, Does.Contain("Partition 5").And.Contain("owner 2"));
    }

    [Test]
    public void A_member_owning_no_partition_is_rejected_with_its_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ring.FromOwners(Nodes(3), [0, 1, 0, 1, 0, 1, 0, 1]));
        Assert.That(ex!.Message, Does.Contain("node-002"));
    }

    private static ushort[] OwnerIndexes(Ring ring)
    {
        var owners = new ushort[ring.PartitionCount];
        ring.CopyOwnerIndexesTo(owners);
        return owners;
    }
}
