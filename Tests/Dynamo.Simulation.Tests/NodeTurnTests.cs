using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

/// <summary>
/// The node turn (Engine/Cluster/NodeTurn.cs), which the server's node loop and every simulation run: the persist
/// comes first, a failed persist withholds the batch, a refused send is a failure in the same turn.
/// </summary>
public sealed class NodeTurnTests
{
    private static readonly NodeId[] s_ids = [NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")];

    [Test]
    public void A_failed_sync_in_the_simulation_withholds_the_acknowledgement_and_the_replica_writes_as_on_the_server()
    {
        var seed = TestSeed.Next();
        TestContext.Out.WriteLine($"seed {seed}");
        var sim = new Simulation(seed, 3, durable: true);
        var coordinator = sim.PrimariesOf("k", 3)[0];
        var replicaWrites = 0;
        sim.Observer = (from, send) => replicaWrites += from == coordinator && send.Request is ReplicaWrite ? 1 : 0;
        sim.RunFor(500);
        sim[coordinator].Medium!.FailNextSync();

        var result = sim.Execute(coordinator, Simulation.Put("k", "v", w: 1));

        Assert.That(result.Status, Is.EqualTo(ClientStatus.StorageFailed));
        Assert.That(result.Message, Does.StartWith("The node's storage failed: "), "the turn's own refusal, as the server gives it");
        Assert.That(replicaWrites, Is.Zero, "no write that depends on the failed sync left the node with it");
    }

    [Test]
    public void The_persist_comes_before_every_effect_of_its_batch()
    {
        var shell = new RecordingShell();
        var core = Core();
        var turn = new NodeTurn(core, shell);

        core.OnRequest(1, new ReplicaWrite([], [1], Write("v")), 0);
        core.OnRequest(2, new ReplicaRead([], [2]), 0);
        Assert.That(turn.Complete(0), Is.True);

        Assert.That(shell.Calls, Is.EqualTo(new[] { "persist Replicas", "reply 1", "reply 2" }));
    }

    [Test]
    public void A_failed_persist_turns_replies_into_storage_failures_and_sends_into_failures_the_core_hears_at_once()
    {
        var shell = new RecordingShell { PersistResult = PersistOutcome.Failed };
        var core = Core();
        var turn = new NodeTurn(core, shell);

        core.OnRequest(1, Simulation.Put("k", "v", w: 2), 0);
        turn.Complete(0);

        // The withheld sends fail the put's slots, whose writes the coordinator keeps as hints: that batch persists
        // the hint store, fails too, and the reply is withheld as well.
        Assert.That(shell.Calls, Is.EqualTo(new[] { "persist Replicas", "persist Hints", "reply 1 StorageFailed" }), "no send left the node");
        Assert.That(core.IsUp(s_ids[1]) && core.IsUp(s_ids[2]), Is.False, "the withheld sends came back as failures, in the same turn");
        Assert.That(turn.PersistFailures, Is.EqualTo(2));
    }

    [Test]
    public void A_send_the_shell_refuses_is_answered_in_the_same_turn_and_the_put_fails_without_waiting()
    {
        var shell = new RecordingShell { Refuse = true };
        var core = Core();
        var turn = new NodeTurn(core, shell);

        core.OnRequest(1, Simulation.Put("k", "v", w: 3), 0);
        turn.Complete(0);

        Assert.That(shell.Calls, Has.Member("reply 1 QuorumNotMet"));
        Assert.That(core.Stats.OperationsInFlight, Is.Zero);
    }

    [Test]
    public void A_halted_persist_drops_the_rest_of_the_batch()
    {
        var shell = new RecordingShell { PersistResult = PersistOutcome.Halted };
        var core = Core();
        var turn = new NodeTurn(core, shell);

        core.OnRequest(1, new ReplicaWrite([], [1], Write("v")), 0);

        Assert.That(turn.Complete(0), Is.False);
        Assert.That(shell.Calls, Is.EqualTo(new[] { "persist Replicas" }));
    }

    private static NodeCore Core() =>
        new(new NodeOptions(s_ids[0], 1, Ring.Create(s_ids, 64), BucketProps.Default, new Dictionary<string, BucketProps>()), new InMemoryReplicaStore());

    private static SiblingSet Write(string value) =>
        SiblingSet.Empty.Put(new Actor(s_ids[1], 1), CausalContext.Empty, System.Text.Encoding.UTF8.GetBytes(value), false);

    private sealed class RecordingShell : INodeShell
    {
        public List<string> Calls { get; } = [];

        public PersistOutcome PersistResult { get; init; } = PersistOutcome.Done;

        public bool Refuse { get; init; }

        public PersistOutcome Persist(PersistStores stores, out string? reason)
        {
            Calls.Add($"persist {stores}");
            reason = PersistResult == PersistOutcome.Failed ? "EIO" : null;
            return PersistResult;
        }

        public bool TrySend(Send send, out string reason)
        {
            Calls.Add($"send {send.To} {send.Request.GetType().Name}");
            reason = "refused";
            return !Refuse;
        }

        public bool TrySend(SendToAddress send, out string reason)
        {
            Calls.Add($"send {send.Address}");
            reason = "refused";
            return !Refuse;
        }

        public void Reply(Reply reply) => Calls.Add(reply.Response is ClientResult { Status: not ClientStatus.Ok } result
            ? $"reply {reply.ReplyToken} {result.Status}"
            : $"reply {reply.ReplyToken}");
    }
}
