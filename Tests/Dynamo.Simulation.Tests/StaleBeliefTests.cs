using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>
/// A failure detector's belief can be stale: a node that came back is believed down until news of it arrives. A
/// request that cannot reach its quorum without such a node asks it anyway, and any answer from a node is news that
/// it is up.
/// </summary>
public sealed class StaleBeliefTests
{
    private static readonly NodeId[] s_ids = [NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")];

    [Test]
    public void A_read_that_needs_a_replica_believed_down_asks_it_anyway()
    {
        var core = CoreWithCDown();

        core.OnRequest(1, Simulation.Get("k", r: 3), 10);

        var effects = Drain(core);
        Assert.That(effects.OfType<Send>().Select(s => s.To), Is.EquivalentTo(new[] { s_ids[1], s_ids[2] }));
        Assert.That(effects.OfType<Reply>(), Is.Empty, "the read waits for c instead of failing at once");
    }

    [Test]
    public void A_read_that_reaches_its_quorum_without_a_replica_believed_down_does_not_ask_it()
    {
        var core = CoreWithCDown();

        core.OnRequest(1, Simulation.Get("k", r: 2), 10);

        Assert.That(Drain(core).OfType<Send>().Select(s => s.To), Is.EqualTo(new[] { s_ids[1] }));
    }

    [Test]
    public void A_write_that_needs_a_primary_believed_down_writes_it_anyway_and_its_ack_makes_it_up()
    {
        var core = CoreWithCDown();

        core.OnRequest(1, Simulation.Put("k", "v", w: 3), 10);
        var sends = Drain(core).OfType<Send>().ToList();
        Assert.That(sends.Select(s => s.To), Is.EquivalentTo(new[] { s_ids[1], s_ids[2] }));
        foreach (var send in sends)
        {
            core.OnResponse(send.To, send.OperationId, new ReplicaWriteAck(), 11);
        }

        var reply = (ClientResult)Drain(core).OfType<Reply>().Single().Response;
        Assert.That((reply.Status, reply.Received), Is.EqualTo((ClientStatus.Ok, 3)));
        Assert.That(core.IsUp(s_ids[2]), Is.True, "an answer is news that c is up, fresher than any heartbeat");
    }

    [Test]
    public void A_write_whose_probe_fails_fails_as_before_and_the_node_stays_down()
    {
        var core = CoreWithCDown();

        core.OnRequest(1, Simulation.Put("k", "v", w: 3), 10);
        var toC = Drain(core).OfType<Send>().Single(s => s.To == s_ids[2]);
        core.OnResponse(s_ids[2], toC.OperationId, new PeerFailure("connection refused"), 11);

        var reply = (ClientResult)Drain(core).OfType<Reply>().Single().Response;
        Assert.That(reply.Status, Is.EqualTo(ClientStatus.QuorumNotMet));
        Assert.That(core.IsUp(s_ids[2]), Is.False);
    }

    /// <summary>A core of node a (N = 3 of a, b, c) that believes c down after a failed request to it.</summary>
    private static NodeCore CoreWithCDown()
    {
        var core = new NodeCore(
            new NodeOptions(s_ids[0], 1, Ring.Create(s_ids, 64), BucketProps.Default, new Dictionary<string, BucketProps>()),
            new InMemoryReplicaStore());
        core.OnRequest(100, Simulation.Get("probe", r: 1), 0);
        var toC = Drain(core).OfType<Send>().Single(s => s.To == s_ids[2]);
        core.OnResponse(s_ids[2], toC.OperationId, new PeerFailure("connection refused"), 1);
        Drain(core);
        Assert.That(core.IsUp(s_ids[2]), Is.False, "set-up: c is believed down");
        return core;
    }

    private static List<NodeEffect> Drain(NodeCore core)
    {
        var effects = new List<NodeEffect>();
        core.DrainEffects(effects);
        return effects;
    }
}
