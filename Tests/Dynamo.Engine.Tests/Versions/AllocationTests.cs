using Dynamo.Engine.Versions;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

/// <summary>Compare and Merge are on the replica hot path (every read and repair): they must not allocate.</summary>
public sealed class AllocationTests
{
    private const int Rounds = 1000;

    [Test]
    public void Compare_allocates_nothing()
    {
        var set = ThreeSiblings("c");
        var later = set.Put(V.A("a"), set.Context, new byte[] { 9 }, false);
        var a = set.Siblings[1].Version;
        var b = later.Siblings[0].Version;
        var result = Ordering.Equal;
        var allocated = Measure(() => result = DottedVersion.Compare(a, b));
        Assert.That(result, Is.EqualTo(Ordering.IsDescended));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Merging_two_equal_three_sibling_sets_allocates_nothing()
    {
        var set = ThreeSiblings("c");
        var copy = SiblingSetCodec.Decode(V.Encode(set));
        var result = set;
        var allocated = Measure(() => result = set.Merge(copy));
        Assert.That(result, Is.SameAs(set));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Merging_into_a_set_that_already_covers_the_other_allocates_nothing()
    {
        var older = ThreeSiblings("c");
        var newer = older.Put(V.A("a"), older.Siblings[0].Version.History(), new byte[] { 9 }, false);
        var result = older;
        var allocated = Measure(() => result = older.Merge(newer));
        Assert.That(result, Is.SameAs(newer));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Merging_two_different_three_sibling_sets_allocates_only_the_result()
    {
        var left = ThreeSiblings("c");
        var right = ThreeSiblings("d");
        var result = left;
        var allocated = Measure(() => result = left.Merge(right));
        Assert.That(result.Count, Is.EqualTo(4));
        Assert.That(allocated / Rounds, Is.LessThanOrEqualTo(128), "one set object and one array of four references");
    }

    private static SiblingSet ThreeSiblings(string third) => SiblingSet.Empty
        .Put(V.A("a"), CausalContext.Empty, new byte[] { 1 }, false)
        .Put(V.A("b"), V.Ctx(V.D("x", 1), V.D("x", 3)), new byte[] { 2 }, false)
        .Put(V.A(third), CausalContext.Empty, new byte[] { 3 }, false);

    private static long Measure(Action action)
    {
        for (var i = 0; i < 100; i++)
        {
            action();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Rounds; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
