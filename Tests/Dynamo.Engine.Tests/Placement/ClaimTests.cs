using Dynamo.Engine.Placement;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Placement.RingFacts;

namespace Dynamo.Engine.Tests.Placement;

public sealed class ClaimTests
{
    private static readonly int[] s_partitionCounts = [8, 64, 256, 1024, 4096];

    [Test]
    public void Partition_counts_differ_by_at_most_one_for_1_to_64_members([ValueSource(nameof(s_partitionCounts))] int q)
    {
        var grown = Ring.Create(Nodes(1), q);
        for (var m = 1; m <= Math.Min(64, q); m++)
        {
            var created = Ring.Create(Nodes(m), q);
            grown = grown.WithMembers(Nodes(m));
            Assert.That(Spread(created), Is.LessThanOrEqualTo(1), $"created, {m} members");
            Assert.That(Spread(grown), Is.LessThanOrEqualTo(1), $"grown by joins, {m} members");
            Assert.That(created.CountOwnedBy(Node(m - 1)), Is.EqualTo(q / m).Or.EqualTo((q / m) + 1));
        }
    }

    [Test]
    public void The_first_ring_is_round_robin_over_sorted_members()
    {
        var ring = Ring.Create([Node(2), Node(0), Node(1), Node(3)], 16);
        for (var p = 0; p < 16; p++)
        {
            Assert.That(ring.OwnerOf(p), Is.EqualTo(Node(p % 4)));
        }

        var three = Ring.Create(Nodes(3), 8);
        Assert.That(Owners(three), Is.EqualTo(new[] { 0, 1, 2, 0, 1, 2, 0, 1 }.Select(Node)));
    }

    [Test]
    public void The_same_members_in_any_order_give_the_same_ring()
    {
        var random = TestSeed.NewRandom();
        foreach (var q in new[] { 64, 1024 })
        {
            foreach (var m in new[] { 1, 3, 7, 20, 64 })
            {
                var members = Nodes(m);
                var reference = Ring.Create(members, q);
                var shuffled = members.ToArray();
                random.Shuffle(shuffled);
                var ring = Ring.Create(shuffled, q);
                Assert.That(Owners(ring), Is.EqualTo(Owners(reference)), $"Q {q}, {m} members");
                Assert.That(ring.Fingerprint, Is.EqualTo(reference.Fingerprint));
            }
        }
    }

    [Test]
    public void Re_claiming_is_a_pure_function_of_the_ring_and_the_new_members()
    {
        var random = TestSeed.NewRandom();
        var ring = Ring.Create(Nodes(6), 1024);
        var next = Nodes(10).Where(n => n != Node(2)).ToArray();
        var first = ring.WithMembers(next);
        random.Shuffle(next);
        var second = ring.WithMembers(next);
        Assert.That(Owners(second), Is.EqualTo(Owners(first)));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(Owners(ring.WithMembers(Nodes(6))), Is.EqualTo(Owners(ring)), "same members: nothing moves");
    }

    [Test]
    public void Adding_a_node_moves_only_what_it_takes_about_Q_over_n_plus_1_partitions(
        [Values(64, 1024, 4096)] int q)
    {
        var ring = Ring.Create(Nodes(1), q);
        for (var n = 1; n < Math.Min(64, q); n++)
        {
            var joined = ring.WithMembers(Nodes(n + 1));
            var taken = joined.CountOwnedBy(Node(n));
            Assert.That(Moved(ring, joined), Is.EqualTo(taken), $"join to {n} members");
            Assert.That(taken, Is.EqualTo(q / (n + 1)).Or.EqualTo((q + n) / (n + 1)), $"join to {n} members");
            ring = joined;
        }
    }

    [Test]
    public void Removing_a_node_moves_only_its_partitions([Values(64, 1024)] int q)
    {
        var members = Nodes(Math.Min(64, q)).ToList();
        var ring = Ring.Create(members, q);
        var step = 0;
        while (members.Count > 1)
        {
            var leaving = members[(step++ * 7) % members.Count];
            members.Remove(leaving);
            var left = ring.WithMembers(members);
            Assert.That(Moved(ring, left), Is.EqualTo(ring.CountOwnedBy(leaving)), $"{leaving} leaving");
            for (var p = 0; p < q; p++)
            {
                if (ring.OwnerOf(p) != leaving)
                {
                    Assert.That(left.OwnerOf(p), Is.EqualTo(ring.OwnerOf(p)), $"partition {p}");
                }
            }

            Assert.That(Spread(left), Is.LessThanOrEqualTo(1));
            ring = left;
        }
    }

    [Test]
    public void Random_joins_and_leaves_keep_balance_and_move_the_fewest_partitions()
    {
        var random = TestSeed.NewRandom();
        var q = new[] { 64, 256, 1024 }[random.Next(3)];
        var members = Nodes(random.Next(1, 9)).ToList();
        var nextId = 100;
        var ring = Ring.Create(members, q);
        for (var step = 0; step < 150; step++)
        {
            var joins = random.Next(4);
            var leaves = random.Next(4);
            for (var j = 0; j < joins && members.Count < 64; j++)
            {
                members.Add(Node(nextId++));
            }

            for (var l = 0; l < leaves && members.Count > 1; l++)
            {
                members.RemoveAt(random.Next(members.Count));
            }

            var next = ring.WithMembers(members);
            var context = $"Q {q}, step {step}, {members.Count} members after +{joins} -{leaves}";
            Assert.That(Spread(next), Is.LessThanOrEqualTo(1), context);
            Assert.That(Moved(ring, next), Is.EqualTo(MinimalMoves(ring, members)), context);
            Assert.That(next.Members.ToArray(), Is.EquivalentTo(members), context);
            ring = next;
        }
    }
}
