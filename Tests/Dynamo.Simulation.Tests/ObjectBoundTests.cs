using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Handoff;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>
/// The object bound in the core (docs/VERSIONS.md § Objects over the bound): no write or merge stores a sibling set
/// over <see cref="Limits.ObjectBytesMax"/>, a refusal is not a peer failure, and a read of concurrent writes merged
/// past the bound still answers, with nothing repaired.
/// </summary>
public sealed class ObjectBoundTests
{
    private const int ValueBytes = 5_000_000;

    private static readonly NodeId[] s_ids = [NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c"), NodeId.Parse("d")];
    private static readonly byte[] s_key = Encoding.UTF8.GetBytes("cart:42");

    [Test]
    public void A_blind_put_that_would_leave_siblings_over_the_bound_is_refused_before_anything_is_stored()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store);
        var stored = Concurrent(3, "x", "y", "z");
        store.Write([], s_key, stored);

        core.OnRequest(1, Put(ValueBytes, CausalContext.Empty), 0);

        var effects = Drain(core);
        var result = (ClientResult)effects.OfType<Reply>().Single().Response;
        Assert.That(result.Status, Is.EqualTo(ClientStatus.TooLarge));
        Assert.That(result.Message, Does.Contain($"object bound of {Limits.ObjectBytesMax} bytes").And.Contain("CTX=").And.Contain("'cart:42'"));
        Assert.That(effects.OfType<Send>(), Is.Empty, "nothing goes to the other replicas");
        Assert.That(store.Read([], s_key), Is.SameAs(stored), "the local copy is as it was");
        Assert.That(core.Stats.WritesRefusedTooLarge, Is.EqualTo(1));
    }

    [Test]
    public void A_put_with_the_context_of_a_read_resolves_a_key_at_the_bound()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store);
        var stored = Concurrent(3, "x", "y", "z");
        store.Write([], s_key, stored);

        core.OnRequest(1, Put(ValueBytes, stored.Context), 0);

        var effects = Drain(core);
        Assert.That(effects.OfType<Reply>(), Is.Empty, "waiting for W = 2");
        Assert.That(effects.OfType<Send>().Select(s => s.Request), Has.All.InstanceOf<ReplicaWrite>());
        Assert.That(store.Read([], s_key)!.Count, Is.EqualTo(1), "one value replaces the three it saw");
        Assert.That(core.Stats.WritesRefusedTooLarge, Is.Zero);
    }

    [Test]
    public void A_replica_write_whose_merge_would_pass_the_bound_is_refused_and_nothing_is_stored()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store);
        var local = Concurrent(3, "x", "y", "z");
        store.Write([], s_key, local);

        core.OnRequest(1, new ReplicaWrite([], s_key, Concurrent(2, "v", "w")), 0);

        var result = (ClientResult)Drain(core).OfType<Reply>().Single().Response;
        Assert.That(result.Status, Is.EqualTo(ClientStatus.TooLarge));
        Assert.That(store.Read([], s_key), Is.SameAs(local));
        Assert.That(core.Stats.MergesRefusedTooLarge, Is.EqualTo(1));
    }

    [Test]
    public void A_hinted_write_whose_hint_would_pass_the_bound_is_refused_and_not_kept()
    {
        var core = Core(new InMemoryReplicaStore());
        core.OnRequest(1, new HintedWrite(s_ids[1], [], s_key, Concurrent(3, "x", "y", "z")), 0);
        Assert.That(Drain(core).OfType<Reply>().Single().Response, Is.InstanceOf<ReplicaWriteAck>(), "15 MB of hints fit");

        core.OnRequest(2, new HintedWrite(s_ids[1], [], s_key, Concurrent(1, "w")), 0);

        var result = (ClientResult)Drain(core).OfType<Reply>().Single().Response;
        Assert.That(result.Status, Is.EqualTo(ClientStatus.TooLarge));
        Assert.That(core.Hints.Find(s_ids[1], [], s_key)!.Count, Is.EqualTo(3));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_replica_that_refuses_a_write_fails_its_slot_but_is_not_believed_down(bool refusal)
    {
        var core = Core(new InMemoryReplicaStore());
        core.OnRequest(1, Put(10, CausalContext.Empty), 0);
        var sends = Drain(core).OfType<Send>().ToList();
        var toB = sends.Single(s => s.To == s_ids[1]);

        NodeResponse answer = refusal
            ? new ClientResult(ClientStatus.TooLarge, null, CausalContext.Empty, 0, 0, "over the bound")
            : new PeerFailure("The connection to b dropped.");
        core.OnResponse(s_ids[1], toB.OperationId, answer, 1);

        Assert.That(core.IsUp(s_ids[1]), Is.EqualTo(refusal), "a refusal says nothing of the peer's health; a lost connection does");
    }

    [Test]
    public void A_read_of_replicas_whose_merge_passes_the_bound_answers_with_every_sibling_and_repairs_nothing()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store, n: 3);
        var local = Concurrent(2, "x", "y");
        var remote = Concurrent(2, "v", "w");
        store.Write([], s_key, local);

        core.OnRequest(1, Simulation.Get("cart:42", r: 2), 0);
        var reads = Drain(core).OfType<Send>().OrderBy(s => s.To).ToList();
        foreach (var read in reads)
        {
            core.OnResponse(read.To, read.OperationId, new ReplicaReadResult(read.To == s_ids[1] ? remote : null), 1);
        }

        var effects = Drain(core);
        var result = (ClientResult)effects.OfType<Reply>().Single().Response;
        Assert.That(result.Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(result.Siblings!.Count, Is.EqualTo(4), "the client learns every version and the context to resolve with");
        Assert.That(SiblingSetCodec.FitsObjectBound(result.Siblings, out _), Is.False);
        Assert.That(effects.OfType<Send>(), Is.Empty, "no read repair: no replica could store the merge");
        Assert.That(store.Read([], s_key), Is.SameAs(local));
        Assert.That(core.Stats.RepairsSkippedTooLarge, Is.EqualTo(1));
    }

    [Test]
    public void A_read_merging_a_copy_sent_without_values_returns_the_versions_and_never_stores_them()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store, n: 3);
        var full = Concurrent(2, "x", "y");
        var withoutValues = SiblingSet.FromCanonical([.. Concurrent(2, "v", "w").Siblings.Select(s => s.WithoutValue())]);
        store.Write([], s_key, full);

        core.OnRequest(1, Simulation.Get("cart:42", r: 3), 0);
        foreach (var read in Drain(core).OfType<Send>().ToList())
        {
            core.OnResponse(read.To, read.OperationId, new ReplicaReadResult(read.To == s_ids[1] ? withoutValues : full), 1);
        }

        var effects = Drain(core);
        var result = (ClientResult)effects.OfType<Reply>().Single().Response;
        Assert.That(result.Siblings!.HasOmittedValues, Is.True);
        Assert.That(result.Context, Is.EqualTo(full.Merge(withoutValues).Context));
        Assert.That(effects.OfType<Send>(), Is.Empty);
        Assert.That(store.Read([], s_key), Is.SameAs(full));
    }

    private static NodeCore Core(InMemoryReplicaStore store, int n = 3) =>
        new(new NodeOptions(s_ids[0], 1, Ring.Create(s_ids.Take(n), 64), BucketProps.Default, new Dictionary<string, BucketProps>()), store);

    private static ClientCommand Put(int size, CausalContext context) =>
        new(ClientOperation.Put, [], s_key, new byte[size], context, 0, 0, 0, false);

    /// <summary>Concurrent writes of <see cref="ValueBytes"/> each, one per named actor.</summary>
    private static SiblingSet Concurrent(int count, params string[] actors)
    {
        var set = SiblingSet.Empty;
        for (var i = 0; i < count; i++)
        {
            set = set.Merge(SiblingSet.Empty.Put(new Actor(NodeId.Parse(actors[i]), 1), CausalContext.Empty, new byte[ValueBytes], false));
        }

        return set;
    }

    private static List<NodeEffect> Drain(NodeCore core)
    {
        var effects = new List<NodeEffect>();
        core.DrainEffects(effects);
        return effects;
    }
}
