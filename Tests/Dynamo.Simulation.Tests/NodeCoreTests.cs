using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>One node core driven by hand: validation, bounds and the replica side.</summary>
public sealed class NodeCoreTests
{
    private static readonly NodeId[] s_ids = [NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")];

    private static NodeCore Core(int operationsInFlightMax = Limits.OperationsInFlightMax, int members = 3, IReplicaStore? store = null) =>
        new(
            new NodeOptions(s_ids[0], 7, Ring.Create(s_ids.Take(members), 64), BucketProps.Default,
                new Dictionary<string, BucketProps> { ["one"] = new BucketProps(1, 1, 1, 100) })
            {
                OperationsInFlightMax = operationsInFlightMax,
            },
            store ?? new InMemoryReplicaStore());

    private static List<NodeEffect> Drain(NodeCore core)
    {
        var effects = new List<NodeEffect>();
        core.DrainEffects(effects);
        return effects;
    }

    private static ClientResult OnlyReply(NodeCore core, ulong token)
    {
        var replies = Drain(core).OfType<Reply>().ToList();
        Assert.That(replies, Has.Count.EqualTo(1));
        Assert.That(replies[0].ReplyToken, Is.EqualTo(token));
        return (ClientResult)replies[0].Response;
    }

    [TestCase(4, 0)]
    [TestCase(0, 4)]
    [TestCase(-1, 0)]
    [TestCase(0, -1)]
    public void R_or_W_outside_1_to_N_is_a_bad_request(int r, int w)
    {
        var core = Core();
        var operation = r != 0 ? ClientOperation.Get : ClientOperation.Put;
        core.OnRequest(1, Simulation.Get("k") with { Operation = operation, R = r, W = w }, 0);
        var result = OnlyReply(core, 1);
        Assert.That(result.Status, Is.EqualTo(ClientStatus.BadRequest));
        Assert.That(result.Message, Does.Contain(r != 0 ? "R must be" : "W must be"));
        Assert.That(core.Stats.OperationsInFlight, Is.Zero);
    }

    [Test]
    public void Fewer_members_than_N_is_unavailable_naming_N_and_the_member_count()
    {
        var core = Core(members: 2);
        core.OnRequest(1, Simulation.Put("k", "v"), 0);
        var result = OnlyReply(core, 1);
        Assert.That((result.Status, result.Required, result.Received), Is.EqualTo((ClientStatus.Unavailable, 3, 2)));
    }

    [Test]
    public void A_bucket_named_in_the_options_uses_its_own_settings()
    {
        var core = Core(members: 1);
        var command = Simulation.Put("k", "v") with { Bucket = Encoding.UTF8.GetBytes("one") };
        core.OnRequest(1, command, 0);
        var result = OnlyReply(core, 1);
        Assert.That((result.Status, result.Required, result.Received), Is.EqualTo((ClientStatus.Ok, 1, 1)));
    }

    [Test]
    public void Operations_beyond_the_in_flight_bound_are_refused_as_overloaded_until_deadlines_free_them()
    {
        var core = Core(operationsInFlightMax: 4);
        for (var token = 1UL; token <= 4; token++)
        {
            core.OnRequest(token, Simulation.Get($"k{token}"), 0);
        }

        Assert.That(Drain(core).OfType<Reply>(), Is.Empty, "no peer answered, so no get is done");
        Assert.That(core.Stats.OperationsInFlight, Is.EqualTo(4));
        core.OnRequest(5, Simulation.Put("k5", "v"), 0);
        Assert.That(OnlyReply(core, 5).Status, Is.EqualTo(ClientStatus.Overloaded));
        Assert.That(core.Stats.Overloads, Is.EqualTo(1));

        core.OnTick(BucketProps.Default.TimeoutMs);
        var timeouts = Drain(core).OfType<Reply>().Select(r => ((ClientResult)r.Response).Status).ToList();
        Assert.That(timeouts, Is.EqualTo(Enumerable.Repeat(ClientStatus.Timeout, 4)));
        Assert.That((core.Stats.OperationsInFlight, core.PendingSendCount), Is.EqualTo((0, 0)));

        core.OnRequest(6, Simulation.Get("k6"), BucketProps.Default.TimeoutMs);
        Assert.That(Drain(core).OfType<Send>().Count(), Is.EqualTo(2), "accepted again: reads sent to both peers");
    }

    [Test]
    public void The_in_flight_bound_defaults_to_the_engine_limit()
    {
        Assert.That(Core().Options.OperationsInFlightMax, Is.EqualTo(Limits.OperationsInFlightMax));
        Assert.Throws<ArgumentOutOfRangeException>(() => Core(operationsInFlightMax: Limits.OperationsInFlightMax + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Core(operationsInFlightMax: 0));
    }

    [TestCase(Limits.PhiThresholdMin - 0.01)]
    [TestCase(Limits.PhiThresholdMax + 0.01)]
    [TestCase(double.NaN)]
    public void A_phi_threshold_outside_its_range_is_refused(double threshold)
    {
        static NodeCore WithThreshold(double phi) => new(Core().Options with { PhiThreshold = phi }, new InMemoryReplicaStore());

        Assert.That(Core().Options.PhiThreshold, Is.EqualTo(Limits.PhiThresholdDefault));
        Assert.That(WithThreshold(Limits.PhiThresholdMin).Options.PhiThreshold, Is.EqualTo(1));
        Assert.That(WithThreshold(Limits.PhiThresholdMax).Options.PhiThreshold, Is.EqualTo(16));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WithThreshold(threshold));
        Assert.That(error!.Message, Does.Contain("PhiThreshold must be from 1 to 16"));
    }

    [Test]
    public void A_replica_write_is_merged_into_the_local_copy_and_stored_before_the_ack()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store: store);
        var actor = new Actor(s_ids[1], 1);
        var first = SiblingSet.Empty.Put(actor, CausalContext.Empty, new byte[] { 1 }, false);
        var concurrent = SiblingSet.Empty.Put(new Actor(s_ids[2], 1), CausalContext.Empty, new byte[] { 2 }, false);
        byte[] key = [9];
        core.OnRequest(1, new ReplicaWrite([], key, first), 0);
        core.OnRequest(2, new ReplicaWrite([], key, concurrent), 0);
        var effects = Drain(core);
        Assert.That(
            effects,
            Is.EqualTo(new NodeEffect[] { new Persist(PersistStores.Replicas), new Reply(1, new ReplicaWriteAck()), new Reply(2, new ReplicaWriteAck()) }),
            "the batch's writes are persisted before either acknowledgement leaves");
        Assert.That(store.Read([], key), Is.EqualTo(first.Merge(concurrent)));
        Assert.That(store.KeyCount, Is.EqualTo(1));

        core.OnRequest(3, new ReplicaRead([], key), 0);
        Assert.That(Drain(core), Is.EqualTo(new NodeEffect[] { new Reply(3, new ReplicaReadResult(first.Merge(concurrent))) }));
        core.OnRequest(4, new ReplicaRead([], [8]), 0);
        Assert.That(Drain(core), Is.EqualTo(new NodeEffect[] { new Reply(4, new ReplicaReadResult(null)) }));
    }

    [Test]
    public void A_node_whose_store_failed_answers_puts_deletes_and_replica_writes_with_a_failure_and_still_serves_reads()
    {
        var medium = new FaultInjectingMedium(new Random(1).Next);
        using var store = LogStore.Open(medium, new LogStoreOptions(), null);
        var core = Core(members: 1, store: store);
        var bucket = Encoding.UTF8.GetBytes("one");
        core.OnRequest(1, Simulation.Put("k", "v") with { Bucket = bucket }, 0);
        Assert.That(OnlyReply(core, 1).Status, Is.EqualTo(ClientStatus.Ok));
        medium.FailNextSync();
        Assert.Throws<StorageFailedException>(store.Sync);

        core.OnRequest(2, Simulation.Put("k", "w") with { Bucket = bucket }, 0);
        var refused = OnlyReply(core, 2);
        Assert.That(refused.Status, Is.EqualTo(ClientStatus.StorageFailed));
        Assert.That(refused.Message, Does.Contain("fsync"));
        core.OnRequest(3, Simulation.Delete("k", CausalContext.Empty) with { Bucket = bucket }, 0);
        Assert.That(OnlyReply(core, 3).Status, Is.EqualTo(ClientStatus.StorageFailed));

        var set = SiblingSet.Empty.Put(new Actor(s_ids[1], 1), CausalContext.Empty, new byte[] { 1 }, false);
        core.OnRequest(4, new ReplicaWrite(bucket, [9], set), 0);
        var reply = Drain(core).OfType<Reply>().Single();
        Assert.That(reply.Response, Is.Not.InstanceOf<ReplicaWriteAck>(), "the coordinator counts it as a failed replica");
        Assert.That(((ClientResult)reply.Response).Status, Is.EqualTo(ClientStatus.StorageFailed));
        Assert.That(core.Stats.StorageFailures, Is.EqualTo(3));

        core.OnRequest(5, Simulation.Get("k") with { Bucket = bucket }, 0);
        var read = OnlyReply(core, 5);
        Assert.That(read.Status, Is.EqualTo(ClientStatus.Ok));
        Assert.That(read.Siblings!.Siblings.Single().Value.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("v")));
    }

    [Test]
    public void A_write_that_fails_in_the_store_is_refused_with_StorageFailed_not_acknowledged()
    {
        var medium = new FaultInjectingMedium(new Random(1).Next);
        using var store = LogStore.Open(medium, new LogStoreOptions(), null);
        var core = Core(members: 1, store: store);
        medium.CutPowerAfter(0);
        core.OnRequest(1, Simulation.Put("k", "v") with { Bucket = Encoding.UTF8.GetBytes("one") }, 0);
        Assert.That(OnlyReply(core, 1).Status, Is.EqualTo(ClientStatus.StorageFailed));
        Assert.That(store.Failure, Is.Not.Null);
    }

    [Test]
    public void A_put_at_a_primary_mints_a_dot_of_the_nodes_actor_and_sends_the_set_to_the_other_primaries()
    {
        var core = Core();
        core.OnRequest(1, Simulation.Put("k", "v") with { ReturnContext = true }, 0);
        var sends = Drain(core).OfType<Send>().ToList();
        Assert.That(sends.Select(s => s.To), Is.EquivalentTo(new[] { s_ids[1], s_ids[2] }));
        Assert.That(sends.Select(s => s.OperationId).Distinct().Count(), Is.EqualTo(2));
        var written = ((ReplicaWrite)sends[0].Request).Set;
        Assert.That(written.Siblings.Single().Dot, Is.EqualTo(new Dot(new Actor(s_ids[0], 7), 1)));

        core.OnResponse(sends[0].To, sends[0].OperationId, new ReplicaWriteAck(), 1);
        var result = OnlyReply(core, 1);
        Assert.That((result.Status, result.Required, result.Received), Is.EqualTo((ClientStatus.Ok, 2, 2)));
        Assert.That(result.Context, Is.EqualTo(written.Context));
        Assert.That(core.Stats.OperationsInFlight, Is.EqualTo(1), "still collecting the last ack");

        core.OnResponse(sends[1].To, sends[1].OperationId, new PeerFailure("gone"), 2);
        Assert.That(Drain(core), Is.EqualTo(new NodeEffect[] { new Persist(PersistStores.Hints) }), "the client was answered once; the missed write is kept as a hint");
        Assert.That((core.Stats.OperationsInFlight, core.PendingSendCount), Is.EqualTo((0, 0)));
        core.OnResponse(sends[1].To, sends[1].OperationId, new ReplicaWriteAck(), 3);
        Assert.That(core.Stats.LateResponses, Is.EqualTo(1));
    }

    [Test]
    public void A_put_that_would_exceed_the_sibling_bound_is_refused_and_writes_nothing()
    {
        var store = new InMemoryReplicaStore();
        var core = Core(store: store);
        var full = SiblingSet.Empty;
        for (var i = 0; i < Limits.SiblingsMax; i++)
        {
            full = full.Put(new Actor(s_ids[1], (uint)i), CausalContext.Empty, new byte[] { 1 }, false);
        }

        store.Write([], Encoding.UTF8.GetBytes("k"), full);
        core.OnRequest(1, Simulation.Put("k", "v"), 0);
        var effects = Drain(core);
        Assert.That(effects.OfType<Send>(), Is.Empty);
        var result = (ClientResult)effects.OfType<Reply>().Single().Response;
        Assert.That(result.Status, Is.EqualTo(ClientStatus.VersionLimit));
        Assert.That(result.Message, Does.Contain("siblings"));
        Assert.That(store.Read([], Encoding.UTF8.GetBytes("k")), Is.SameAs(full));
    }
}
