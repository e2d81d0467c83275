using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

/// <summary>The laws of <see cref="SiblingSet"/>, over states from simulated replicas and clients.</summary>
public sealed class SiblingSetLawTests
{
    /// <summary>Simulations where clients write only with contexts the system handed out (or unions of histories).</summary>
    private static readonly Gen<VersionWorld> s_worlds =
        Gen.Choose(0, int.MaxValue).Select(seed => VersionWorld.Run(seed, forged: false));

    /// <summary>Simulations where clients may also write with contexts of arbitrary dots.</summary>
    private static readonly Gen<VersionWorld> s_forgedWorlds =
        Gen.Choose(0, int.MaxValue).Select(seed => VersionWorld.Run(seed, forged: seed % 2 == 0));

    private static Arbitrary<SiblingSet[]> Triples(Gen<VersionWorld> worlds) =>
        worlds.Select(w => new[] { w.AnyState(), w.AnyState(), w.AnyState() }).ToArbitrary();

    [Test]
    public void Merge_is_commutative()
    {
        Prop.ForAll(Triples(s_forgedWorlds), s => s[0].Merge(s[1]).Equals(s[1].Merge(s[0])))
            .Check(TestSeed.Property(1000));
    }

    [Test]
    public void Merge_is_associative()
    {
        var nontrivial = 0;
        Prop.ForAll(Triples(s_worlds), s =>
        {
            var left = s[0].Merge(s[1]).Merge(s[2]);
            var right = s[0].Merge(s[1].Merge(s[2]));
            nontrivial += left.Count > 1 && !left.Equals(s[0]) && !left.Equals(s[2]) ? 1 : 0;
            return left.Equals(right) && SiblingSet.IsCanonical(left.Siblings.AsSpan());
        }).Check(TestSeed.Property(1000));
        Assert.That(nontrivial, Is.GreaterThan(50), "too few merges combined siblings from several states");
    }

    [Test]
    public void Merge_is_idempotent()
    {
        Prop.ForAll(Triples(s_forgedWorlds), s =>
        {
            var copy = SiblingSetCodec.Decode(V.Encode(s[0]));
            return s[0].Merge(s[0]).Equals(s[0]) && s[0].Merge(copy).Equals(s[0]) && copy.Merge(s[0]).Equals(s[0]);
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void Merging_a_state_again_changes_nothing()
    {
        Prop.ForAll(Triples(s_worlds), s =>
        {
            var joined = s[0].Merge(s[1]);
            return joined.Merge(s[1]).Equals(joined) && joined.Merge(s[0]).Equals(joined) && s[1].Merge(joined).Equals(joined);
        }).Check(TestSeed.Property(1000));
    }

    /// <summary>
    /// Why associativity needs causally closed histories: a forged context can name a write without its past, and
    /// then "covered by" is not transitive. Dynamo never hands out such a context, and a put closes the context
    /// over the siblings it names; the forged case can drop only a write the forged context named.
    /// </summary>
    [Test]
    public void A_forged_context_that_names_a_write_without_its_past_breaks_only_associativity()
    {
        var s = new Sibling(new DottedVersion(V.D("c", 1), CausalContext.Empty), new byte[] { 1 }, false);
        var t = new Sibling(new DottedVersion(V.D("b", 1), V.Ctx(s.Dot)), new byte[] { 2 }, false);
        var v = new Sibling(new DottedVersion(V.D("a", 1), V.Ctx(t.Dot)), new byte[] { 3 }, false);
        var (x, y, z) = (SiblingSet.FromSiblings([v]), SiblingSet.FromSiblings([t]), SiblingSet.FromSiblings([s]));
        Assert.That(x.Merge(y).Merge(z).Siblings, Is.EqualTo(new[] { v, s }));
        Assert.That(x.Merge(y.Merge(z)).Siblings, Is.EqualTo(new[] { v }));
    }

    [Test]
    public void Merge_keeps_every_sibling_that_no_other_covers_and_invents_none()
    {
        var dropped = 0;
        Prop.ForAll(Triples(s_worlds), s =>
        {
            var merged = s[0].Merge(s[1]);
            var inputs = s[0].Siblings.Concat(s[1].Siblings).ToList();
            var ok = SiblingSet.IsCanonical(merged.Siblings.AsSpan());
            foreach (var sibling in inputs)
            {
                var kept = merged.Siblings.Any(m => m.Dot == sibling.Dot);
                var covered = merged.Siblings.Any(m => sibling.IsCoveredBy(m));
                ok &= kept || covered;
                dropped += kept ? 0 : 1;
            }

            ok &= merged.Siblings.All(m => inputs.Any(i => ReferenceEquals(i, m)));
            return ok;
        }).Check(TestSeed.Property(1000));
        Assert.That(dropped, Is.GreaterThan(0), "no merge dropped a covered sibling, so coverage went untested");
    }

    /// <summary>
    /// With forged contexts (arbitrary dots, not causally closed) the coverer may itself be dropped, so the
    /// guarantee is weaker: a sibling is dropped only when some version of the inputs names its dot.
    /// </summary>
    [Test]
    public void Merge_drops_a_sibling_only_when_some_version_names_it_even_with_forged_contexts()
    {
        Prop.ForAll(Triples(s_forgedWorlds), s =>
        {
            var merged = s[0].Merge(s[1]);
            var inputs = s[0].Siblings.Concat(s[1].Siblings).ToList();
            return SiblingSet.IsCanonical(merged.Siblings.AsSpan())
                && inputs.All(i => merged.Siblings.Any(m => m.Dot == i.Dot) || inputs.Any(i.IsCoveredBy))
                && merged.Siblings.All(m => inputs.Any(i => ReferenceEquals(i, m)));
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void Put_drops_exactly_the_siblings_its_context_covers_and_adds_exactly_one()
    {
        var dropped = 0;
        Prop.ForAll(s_forgedWorlds.ToArbitrary(), world =>
        {
            var before = world.AnyState();
            var context = world.AnyContext();
            var actor = world.AnyActor();
            if (!before.TryPut(actor, context, new byte[] { 7 }, isTombstone: false, out var after, out var error))
            {
                return error.Count > error.Limit && ReferenceEquals(after, before);
            }

            var covered = before.Siblings.Where(s => context.Contains(s.Dot)).ToList();
            var added = after.Siblings.Except(before.Siblings).ToList();
            dropped += covered.Count;
            var written = added.Single();
            return after.Count == before.Count - covered.Count + 1
                && before.Siblings.Except(covered).All(s => after.Siblings.Contains(s))
                && covered.All(s => !after.Siblings.Contains(s))
                && written.Dot.Actor == actor
                && written.Dot.Counter == 1 + Math.Max(before.Context.MaxCounter(actor), context.MaxCounter(actor))
                && context.IsSubsetOf(written.Version.Past)
                && written.Value.Span.SequenceEqual(new byte[] { 7 })
                && SiblingSet.IsCanonical(after.Siblings.AsSpan())
                && after.Context.Equals(before.Siblings.Except(covered).Append(written)
                    .Aggregate(CausalContext.Empty, (c, s) => c.Union(s.Version.History())));
        }).Check(TestSeed.Property(1000));
        Assert.That(dropped, Is.GreaterThan(0), "no put dropped a sibling, so coverage by a context went untested");
    }
}
