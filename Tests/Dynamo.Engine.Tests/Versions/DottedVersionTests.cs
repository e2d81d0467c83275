using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

public sealed class DottedVersionTests
{
    /// <summary>Versions with arbitrary pasts (not necessarily causally closed) plus versions from simulations.</summary>
    private static readonly Gen<DottedVersion[]> s_versionTriples =
        Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new Random(seed);
            if (random.Next(2) == 0)
            {
                var world = VersionWorld.Run(seed, forged: random.Next(2) == 0, steps: 25);
                return new[] { world.AnyVersion(), world.AnyVersion(), world.AnyVersion() };
            }

            return Enumerable.Range(0, 3).Select(_ => RandomVersion(random)).ToArray();
        });

    [Test]
    public void Compare_is_inclusion_of_causal_histories()
    {
        Prop.ForAll(s_versionTriples.ToArbitrary(), versions =>
        {
            var (a, b) = (versions[0], versions[1]);
            var (ha, hb) = (V.History(a), V.History(b));
            var expected = (ha.IsSubsetOf(hb), hb.IsSubsetOf(ha)) switch
            {
                (true, true) => Ordering.Equal,
                (false, true) => Ordering.Descends,
                (true, false) => Ordering.IsDescended,
                _ => Ordering.Concurrent,
            };
            return DottedVersion.Compare(a, b) == expected && DottedVersion.Descends(a, b) == hb.IsSubsetOf(ha);
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void Descends_is_a_partial_order()
    {
        var chains = 0;
        Prop.ForAll(s_versionTriples.ToArbitrary(), versions =>
        {
            var (a, b, c) = (versions[0], versions[1], versions[2]);
            var reflexive = DottedVersion.Compare(a, a) == Ordering.Equal && DottedVersion.Descends(a, a);
            var antisymmetric = !(DottedVersion.Descends(a, b) && DottedVersion.Descends(b, a))
                || a.History().Equals(b.History());
            var chain = DottedVersion.Descends(a, b) && DottedVersion.Descends(b, c);
            chains += chain && !a.Equals(b) && !b.Equals(c) ? 1 : 0;
            var transitive = !chain || DottedVersion.Descends(a, c);
            var converse = DottedVersion.Compare(b, a) == Flip(DottedVersion.Compare(a, b));
            return reflexive && antisymmetric && transitive && converse;
        }).Check(TestSeed.Property(1000));
        Assert.That(chains, Is.GreaterThan(0), "the generator produced no chain a > b > c, so transitivity went untested");
    }

    [Test]
    public void A_write_made_with_a_read_context_descends_from_what_was_read()
    {
        var first = new DottedVersion(V.D("a", 1), CausalContext.Empty);
        var second = new DottedVersion(V.D("b", 1), first.History());
        var concurrent = new DottedVersion(V.D("a", 2), CausalContext.Empty);
        Assert.That(DottedVersion.Compare(second, first), Is.EqualTo(Ordering.Descends));
        Assert.That(DottedVersion.Compare(first, second), Is.EqualTo(Ordering.IsDescended));
        Assert.That(DottedVersion.Compare(second, concurrent), Is.EqualTo(Ordering.Concurrent));
        Assert.That(DottedVersion.Compare(second, second), Is.EqualTo(Ordering.Equal));
    }

    [Test]
    public void A_dot_filling_the_gap_of_a_past_counts_toward_inclusion()
    {
        // b's history is a:1..5 (past a:1..3 and a:5, dot a:4); a's history a:1..5 too.
        var b = new DottedVersion(V.D("a", 4), V.Ctx(V.D("a", 1), V.D("a", 2), V.D("a", 3), V.D("a", 5)));
        var a = new DottedVersion(V.D("a", 5), V.Ctx(V.D("a", 1), V.D("a", 2), V.D("a", 3), V.D("a", 4)));
        Assert.That(DottedVersion.Compare(a, b), Is.EqualTo(Ordering.Equal));
    }

    private static Ordering Flip(Ordering ordering) => ordering switch
    {
        Ordering.Descends => Ordering.IsDescended,
        Ordering.IsDescended => Ordering.Descends,
        _ => ordering,
    };

    private static DottedVersion RandomVersion(Random random)
    {
        string[] nodes = ["a", "b"];
        Dot RandomDot() => V.D(nodes[random.Next(nodes.Length)], (ulong)random.Next(1, 6));
        var past = CausalContext.FromDots(Enumerable.Range(0, random.Next(0, 8)).Select(_ => RandomDot()));
        return new DottedVersion(RandomDot(), past);
    }
}
