using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Cluster;

public sealed class InMemoryHintStoreTests
{
    private static readonly NodeId s_target = NodeId.Parse("t");
    private static readonly Actor s_actor = new(NodeId.Parse("c"), 1);

    private static byte[] Key(string key) => System.Text.Encoding.UTF8.GetBytes(key);

    private static SiblingSet Write(SiblingSet on, string value) =>
        on.Put(s_actor, on.Context, Key(value), isTombstone: false);

    [Test]
    public void At_the_bound_new_keys_for_a_target_are_refused_while_hints_of_held_keys_merge_and_other_targets_are_unaffected()
    {
        var store = new InMemoryHintStore(hintsPerTargetMax: 2);
        var v1 = Write(SiblingSet.Empty, "1");
        Assert.That(store.TryAdd(s_target, [], Key("a"), v1, out _), Is.True);
        Assert.That(store.TryAdd(s_target, [], Key("b"), v1, out _), Is.True);

        Assert.That(store.TryAdd(s_target, [], Key("c"), v1, out var refusal), Is.False);
        Assert.That(refusal, Does.Contain("limit"));
        Assert.That(store.PendingFor(s_target), Is.EqualTo(2));

        var v2 = Write(v1, "2");
        Assert.That(store.TryAdd(s_target, [], Key("a"), v2, out _), Is.True, "a held key merges at the bound");
        Assert.That(store.Find(s_target, [], Key("a")), Is.EqualTo(v2));
        Assert.That(store.TryAdd(NodeId.Parse("u"), [], Key("c"), v1, out _), Is.True);
        Assert.That(store.Targets, Is.EquivalentTo(new[] { s_target, NodeId.Parse("u") }));
    }

    [Test]
    public void Peek_gives_the_oldest_hints_first_and_leaves_them_in_place()
    {
        var store = new InMemoryHintStore();
        foreach (var key in new[] { "x", "y", "z" })
        {
            Assert.That(store.TryAdd(s_target, Key("b"), Key(key), Write(SiblingSet.Empty, key), out _), Is.True);
        }

        var concurrent = SiblingSet.Empty.Put(new Actor(NodeId.Parse("d"), 1), CausalContext.Empty, Key("x2"), isTombstone: false);
        Assert.That(store.TryAdd(s_target, Key("b"), Key("x"), concurrent, out _), Is.True, "keeps its place");
        var first = store.Peek(s_target, 2);
        Assert.That(first.Select(h => System.Text.Encoding.UTF8.GetString(h.Key)), Is.EqualTo(new[] { "x", "y" }));
        Assert.That(first[0].Set.Count, Is.EqualTo(2), "two concurrent hinted writes of x, merged");
        Assert.That(store.PendingFor(s_target), Is.EqualTo(3));
        Assert.That(store.Peek(NodeId.Parse("none"), 5), Is.Empty);
    }

    [Test]
    public void A_delivery_removes_the_hint_only_if_it_covers_what_the_store_holds_now()
    {
        var store = new InMemoryHintStore();
        var delivered = Write(SiblingSet.Empty, "1");
        Assert.That(store.TryAdd(s_target, [], Key("k"), delivered, out _), Is.True);

        // A newer write was hinted while the delivery was in flight: it stays for the next round.
        Assert.That(store.TryAdd(s_target, [], Key("k"), Write(delivered, "2"), out _), Is.True);
        store.Remove(s_target, [], Key("k"), delivered);
        Assert.That(store.PendingFor(s_target), Is.EqualTo(1));

        var latest = store.Peek(s_target, 1)[0].Set;
        store.Remove(s_target, [], Key("k"), latest);
        Assert.That((store.PendingFor(s_target), store.Targets.Count, store.Count), Is.EqualTo((0, 0, 0)));
    }
}
