using System.Buffers.Binary;
using Dynamo.Engine.Versions;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

public sealed class SiblingSetTests
{
    private static readonly Actor s_a = V.A("a");
    private static readonly Actor s_b = V.A("b");

    [Test]
    public void A_put_with_an_empty_context_keeps_everything_as_siblings()
    {
        var set = SiblingSet.Empty.Put(s_a, CausalContext.Empty, new byte[] { 1 }, false);
        set = set.Put(s_a, CausalContext.Empty, new byte[] { 2 }, false);
        set = set.Put(s_b, CausalContext.Empty, new byte[] { 3 }, false);
        Assert.That(set.Siblings.Select(s => s.Value.Span[0]), Is.EquivalentTo(new byte[] { 1, 2, 3 }));
        Assert.That(set.Siblings.Select(s => s.Dot), Is.EqualTo(new[] { V.D("a", 1), V.D("a", 2), V.D("b", 1) }));
    }

    [Test]
    public void A_put_with_the_context_of_a_read_replaces_what_was_read()
    {
        var set = SiblingSet.Empty.Put(s_a, CausalContext.Empty, new byte[] { 1 }, false);
        set = set.Put(s_b, CausalContext.Empty, new byte[] { 2 }, false);
        var read = set.Context;
        set = set.Put(s_a, read, new byte[] { 3 }, false);
        Assert.That(set.Count, Is.EqualTo(1));
        Assert.That(set.Siblings[0].Dot, Is.EqualTo(V.D("a", 2)));
        Assert.That(set.Siblings[0].Version.Past, Is.EqualTo(read));
    }

    [Test]
    public void A_delete_is_a_tombstone_sibling_that_covers_what_it_read_but_not_a_concurrent_write()
    {
        var set = SiblingSet.Empty.Put(s_a, CausalContext.Empty, new byte[] { 1 }, false);
        var read = set.Context;
        var concurrent = set.Put(s_b, read, new byte[] { 2 }, false);
        var deleted = set.Put(s_a, read, ReadOnlyMemory<byte>.Empty, isTombstone: true);
        var merged = deleted.Merge(concurrent);
        Assert.That(merged.Siblings.Select(s => (s.IsTombstone, s.Value.Length)), Is.EquivalentTo(new[] { (true, 0), (false, 1) }));
    }

    /// <summary>
    /// Riak's sibling_explosion test: two clients do read-modify-write cycles through one node, interleaved so that
    /// every write carries a context that misses the other client's latest write. Each client writes the set of
    /// all values it has read plus its own new one. Plain vector clocks (actor = node) made 99 siblings here.
    /// </summary>
    [Test]
    public void Two_interleaved_clients_never_make_more_than_two_siblings_and_lose_no_value()
    {
        var node = V.A("n1");
        var set = SiblingSet.Empty;
        var contexts = new CausalContext[2];
        var seen = new[] { new HashSet<int>(), new HashSet<int>() };
        var maxSiblings = 0;

        void Read(int client)
        {
            contexts[client] = set.Context;
            foreach (var sibling in set.Siblings)
            {
                seen[client].UnionWith(Values(sibling));
            }
        }

        void Write(int client, int value)
        {
            seen[client].Add(value);
            set = set.Put(node, contexts[client], Encode(seen[client]), false);
            maxSiblings = Math.Max(maxSiblings, set.Count);
        }

        // R0 R1 W0 R0 W1 R1 W0 R0 W1 ...: each write's context misses the other client's last write.
        Read(0);
        Read(1);
        for (var round = 0; round < 100; round++)
        {
            Write(0, 2 * round);
            Read(0);
            Write(1, (2 * round) + 1);
            Read(1);
        }

        Assert.That(maxSiblings, Is.EqualTo(2), "stale writes must make siblings, and never more than the two writers");
        var final = set.Siblings.SelectMany(Values).ToHashSet();
        Assert.That(final, Is.EquivalentTo(Enumerable.Range(0, 200)));
    }

    /// <summary>
    /// Riak KV679: a replica loses its data and coordinates a write again. Under its old actor the new write would
    /// reuse counter 1, which an old context already covers, and replicas would drop it as seen. Under a new epoch
    /// the write is a new actor's first dot, and nothing old covers it.
    /// </summary>
    [TestCase(1u, true)]
    [TestCase(0u, false)]
    public void A_replica_that_lost_its_data_writes_under_a_new_epoch_and_its_write_survives(uint epochAfterWipe, bool survives)
    {
        var before = V.A("a", 0);
        var replicaA = SiblingSet.Empty;
        for (var i = 0; i < 3; i++)
        {
            replicaA = replicaA.Put(before, replicaA.Context, new byte[] { (byte)i }, false);
        }

        var replicaB = SiblingSet.Empty.Merge(replicaA);
        var staleContext = replicaB.Context;

        // Replica a is wiped and comes back; a client writes there with no context.
        replicaA = SiblingSet.Empty.Put(V.A("a", epochAfterWipe), CausalContext.Empty, "new"u8.ToArray(), false);
        var synced = replicaB.Merge(replicaA);
        var rewritten = synced.Put(V.A("b"), staleContext, "stale"u8.ToArray(), false).Merge(replicaA);

        foreach (var state in new[] { synced, rewritten })
        {
            Assert.That(state.Siblings.Any(s => s.Value.Span.SequenceEqual("new"u8)), Is.EqualTo(survives));
        }
    }

    [Test]
    public void A_put_that_would_leave_more_than_SiblingsMax_siblings_is_refused_and_changes_nothing()
    {
        var set = SiblingSet.Empty;
        for (var i = 0; i < Limits.SiblingsMax; i++)
        {
            set = set.Put(s_a, CausalContext.Empty, new byte[] { 1 }, false);
        }

        var ex = Assert.Throws<VersionLimitException>(() => set.Put(s_a, CausalContext.Empty, new byte[] { 2 }, false));
        Assert.That(ex!.Error, Is.EqualTo(new VersionLimitError(VersionBound.Siblings, Limits.SiblingsMax, Limits.SiblingsMax + 1)));
        Assert.That(ex.Message, Does.Contain("101 siblings").And.Contain("SiblingsMax").And.Contain("read the key"));
        Assert.That(set.Count, Is.EqualTo(Limits.SiblingsMax));

        var resolved = set.Put(s_a, set.Context, new byte[] { 3 }, false);
        Assert.That(resolved.Count, Is.EqualTo(1));
    }

    [Test]
    public void A_context_naming_more_than_VersionEntriesMax_actors_is_refused()
    {
        var dots = Enumerable.Range(0, Limits.VersionEntriesMax + 1).Select(i => V.D($"n{i}", 1));
        var context = CausalContext.FromDots(dots);
        var accepted = SiblingSet.Empty.TryPut(s_a, context, new byte[] { 1 }, false, out var result, out var error);
        Assert.That(accepted, Is.False);
        Assert.That(result, Is.SameAs(SiblingSet.Empty));
        Assert.That(error, Is.EqualTo(new VersionLimitError(VersionBound.VersionEntries, Limits.VersionEntriesMax, Limits.VersionEntriesMax + 1)));
        Assert.Throws<VersionLimitException>(() => ContextCodec.Encode(context, new System.Buffers.ArrayBufferWriter<byte>()));
    }

    [Test]
    public void A_put_whose_history_would_name_one_actor_too_many_is_refused()
    {
        var dots = Enumerable.Range(0, Limits.VersionEntriesMax).Select(i => V.D($"n{i}", 1));
        var context = CausalContext.FromDots(dots);
        Assert.That(SiblingSet.Empty.TryPut(V.A("n0"), context, new byte[] { 1 }, false, out _, out _), Is.True);
        Assert.That(SiblingSet.Empty.TryPut(V.A("zz"), context, new byte[] { 1 }, false, out _, out var error), Is.False);
        Assert.That(error.Bound, Is.EqualTo(VersionBound.VersionEntries));
    }

    [Test]
    public void A_context_with_more_than_VersionCloudDotsMax_cloud_dots_is_refused()
    {
        var dots = Enumerable.Range(0, Limits.VersionCloudDotsMax + 1).Select(i => V.D("a", (ulong)(2 * i) + 2));
        var context = CausalContext.FromDots(dots);
        Assert.That(context.Cloud.Length, Is.EqualTo(Limits.VersionCloudDotsMax + 1));
        Assert.That(SiblingSet.Empty.TryPut(s_b, context, new byte[] { 1 }, false, out _, out var error), Is.False);
        Assert.That(error.Bound, Is.EqualTo(VersionBound.CloudDots));
    }

    [Test]
    public void Merge_keeps_every_uncovered_sibling_even_above_SiblingsMax_and_says_so()
    {
        var left = SiblingSet.Empty;
        var right = SiblingSet.Empty;
        for (var i = 0; i < 80; i++)
        {
            left = left.Put(s_a, CausalContext.Empty, new byte[] { 1 }, false);
            right = right.Put(s_b, CausalContext.Empty, new byte[] { 2 }, false);
        }

        var merged = left.Merge(right);
        Assert.That(merged.Count, Is.EqualTo(160));
        Assert.That(merged.ExceedsSiblingsMax, Is.True);
        Assert.That(merged.TryPut(s_a, CausalContext.Empty, new byte[] { 3 }, false, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(new VersionLimitError(VersionBound.Siblings, Limits.SiblingsMax, 161)));
        Assert.That(merged.Put(s_a, left.Context, new byte[] { 3 }, false).Count, Is.EqualTo(81));
        Assert.That(merged.Put(s_a, merged.Context, new byte[] { 3 }, false).Count, Is.EqualTo(1));
        Assert.That(SiblingSetCodec.Decode(V.Encode(merged)), Is.EqualTo(merged));
    }

    [Test]
    public void A_counter_at_its_largest_value_refuses_the_put_instead_of_wrapping()
    {
        var context = V.Ctx(V.D("a", ulong.MaxValue));
        Assert.That(SiblingSet.Empty.TryPut(s_a, context, new byte[] { 1 }, false, out _, out var error), Is.False);
        Assert.That(error.Bound, Is.EqualTo(VersionBound.Counter));
        Assert.That(SiblingSet.Empty.TryPut(s_b, context, new byte[] { 1 }, false, out _, out _), Is.True);
    }

    [Test]
    public void FromSiblings_drops_covered_siblings_and_keeps_one_of_each_dot()
    {
        var first = new Sibling(new DottedVersion(V.D("a", 1), CausalContext.Empty), new byte[] { 1 }, false);
        var second = new Sibling(new DottedVersion(V.D("b", 1), first.Version.History()), new byte[] { 2 }, false);
        var other = new Sibling(new DottedVersion(V.D("c", 1), CausalContext.Empty), new byte[] { 3 }, false);
        var set = SiblingSet.FromSiblings([other, first, second, second]);
        Assert.That(set.Siblings, Is.EqualTo(new[] { second, other }));
    }

    private static byte[] Encode(HashSet<int> values)
    {
        var bytes = new byte[values.Count * 4];
        var at = 0;
        foreach (var value in values.Order())
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value);
            at += 4;
        }

        return bytes;
    }

    private static IEnumerable<int> Values(Sibling sibling)
    {
        var bytes = sibling.Value.ToArray();
        for (var at = 0; at < bytes.Length; at += 4)
        {
            yield return BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        }
    }
}
