using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

public sealed class CausalContextTests
{
    private static readonly Actor[] s_actors = [V.A("a"), V.A("a", 1), V.A("b"), V.A("c")];

    /// <summary>Arbitrary sets of dots with small counters, so vector runs and gaps are both common.</summary>
    private static readonly Gen<HashSet<Dot>> s_dotSets =
        Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new Random(seed);
            var dots = new HashSet<Dot>();
            var count = random.Next(0, 14);
            for (var i = 0; i < count; i++)
            {
                dots.Add(new Dot(s_actors[random.Next(s_actors.Length)], (ulong)random.Next(1, 9)));
            }

            return dots;
        });

    private static readonly IEnumerable<Dot> s_universe =
        s_actors.SelectMany(a => Enumerable.Range(1, 10).Select(c => new Dot(a, (ulong)c)));

    [Test]
    public void A_context_holds_exactly_the_dots_it_was_built_from_in_one_canonical_form()
    {
        Prop.ForAll(s_dotSets.ToArbitrary(), dots =>
        {
            var context = CausalContext.FromDots(dots);
            var byAdding = dots.Aggregate(CausalContext.Empty, (c, d) => c.Add(d));
            return V.Expand(context).SetEquals(dots)
                && s_universe.All(d => context.Contains(d) == dots.Contains(d))
                && byAdding.Equals(context)
                && byAdding.GetHashCode() == context.GetHashCode()
                && IsCanonical(context)
                && context.ActorCount == dots.Select(d => d.Actor).Distinct().Count();
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void Union_and_subset_agree_with_set_union_and_inclusion()
    {
        Prop.ForAll(s_dotSets.ToArbitrary(), s_dotSets.ToArbitrary(), (x, y) =>
        {
            var cx = CausalContext.FromDots(x);
            var cy = CausalContext.FromDots(y);
            var union = cx.Union(cy);
            return V.Expand(union).SetEquals(x.Union(y))
                && IsCanonical(union)
                && union.Equals(cy.Union(cx))
                && cx.IsSubsetOf(cy) == x.IsSubsetOf(y)
                && cx.IsSubsetOf(union)
                && cy.IsSubsetOf(union);
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void Dots_contiguous_with_the_vector_are_folded_into_it()
    {
        var context = V.Ctx(V.D("a", 1), V.D("a", 2), V.D("a", 4), V.D("b", 2));
        Assert.That(context.Vector.ToArray(), Is.EqualTo(new[] { new VectorEntry(V.A("a"), 2) }));
        Assert.That(context.Cloud.ToArray(), Is.EqualTo(new[] { V.D("a", 4), V.D("b", 2) }));

        var filled = context.Add(V.D("a", 3)).Add(V.D("b", 1));
        Assert.That(filled.Vector.ToArray(), Is.EqualTo(new[] { new VectorEntry(V.A("a"), 4), new VectorEntry(V.A("b"), 2) }));
        Assert.That(filled.Cloud.Length, Is.Zero);
        Assert.That(filled.ToString(), Is.EqualTo("{a#0:4, b#0:2}"));
    }

    [Test]
    public void The_largest_counter_of_an_actor_counts_vector_and_cloud()
    {
        var context = V.Ctx(V.D("a", 1), V.D("a", 5), V.D("b", 3, epoch: 2));
        Assert.That(context.MaxCounter(V.A("a")), Is.EqualTo(5));
        Assert.That(context.MaxCounter(V.A("b", 2)), Is.EqualTo(3));
        Assert.That(context.MaxCounter(V.A("b")), Is.Zero);
        Assert.That(context.MaxCounter(V.A("c")), Is.Zero);
    }

    private static bool IsCanonical(CausalContext context)
    {
        var vector = context.Vector.ToArray();
        var cloud = context.Cloud.ToArray();
        var maxOf = vector.ToDictionary(e => e.Actor, e => e.Max);
        return vector.All(e => e.Max >= 1)
            && vector.Zip(vector.Skip(1)).All(p => p.First.Actor < p.Second.Actor)
            && cloud.Zip(cloud.Skip(1)).All(p => p.First < p.Second)
            && cloud.All(d => d.Counter >= maxOf.GetValueOrDefault(d.Actor) + 2);
    }
}
