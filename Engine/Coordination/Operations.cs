using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Coordination;

/// <summary>The state of one replica's part in a coordinator operation.</summary>
internal enum SlotState : byte
{
    /// <summary>No answer yet.</summary>
    Pending,

    /// <summary>Answered successfully.</summary>
    Succeeded,

    /// <summary>Failed (unreachable peer, error reply, or an answer of the wrong kind).</summary>
    Failed,
}

/// <summary>
/// A client command a node coordinates, from its arrival until every replica answered or its deadline passed.
/// A reply to the client may leave earlier (at the quorum); the operation lives on to collect the rest.
/// </summary>
internal abstract class Operation
{
    protected Operation(ulong id, ulong replyToken, long deadlineMs, ClientCommand command, ReplicaPlan plan)
    {
        Id = id;
        ReplyToken = replyToken;
        DeadlineMs = deadlineMs;
        Command = command;
        Replicas = plan.Replicas;
        Targets = plan.Targets;
        Fallbacks = plan.Fallbacks;
        NextFallback = plan.NextFallback;
        SendIds = new ulong[Replicas.Length];
        States = new SlotState[Replicas.Length];
    }

    public ulong Id { get; }

    public ulong ReplyToken { get; }

    public long DeadlineMs { get; }

    public ClientCommand Command { get; }

    /// <summary>
    /// The nodes this operation talks to, one per slot: the key's primaries in preference-list order, each one
    /// believed down replaced by a live fallback (sloppy quorum).
    /// </summary>
    public NodeId[] Replicas { get; }

    /// <summary>Per slot: the primary the slot stands for (equal to the replica unless a fallback stands in).</summary>
    public NodeId[] Targets { get; }

    /// <summary>The key's fallbacks, in preference-list order.</summary>
    public NodeId[] Fallbacks { get; }

    /// <summary>The index in <see cref="Fallbacks"/> of the next fallback to try.</summary>
    public int NextFallback { get; set; }

    /// <summary>Per replica: the id of the outstanding send, or 0 when none is outstanding.</summary>
    public ulong[] SendIds { get; }

    public SlotState[] States { get; }

    public bool Replied { get; set; }

    public bool Finished { get; set; }

    /// <summary>Whether the slot's answer counts toward R or W: always, except a fallback's under strict quorum.</summary>
    public bool Counts(int slot) => !Command.Strict || Replicas[slot] == Targets[slot];

    /// <summary>Slots still waiting for an answer that would count.</summary>
    public int PendingCounted()
    {
        var pending = 0;
        for (var slot = 0; slot < States.Length; slot++)
        {
            if (States[slot] == SlotState.Pending && Counts(slot))
            {
                pending++;
            }
        }

        return pending;
    }

    /// <summary>Whether a slot is still waiting.</summary>
    public bool AnyPending() => Array.IndexOf(States, SlotState.Pending) >= 0;
}

/// <summary>Who an operation talks to: see <see cref="Operation.Replicas"/> and <see cref="Operation.Targets"/>.</summary>
internal readonly record struct ReplicaPlan(NodeId[] Replicas, NodeId[] Targets, NodeId[] Fallbacks, int NextFallback);

/// <summary>A get: read every primary, reply at R successes, then read repair once all answered or at the deadline.</summary>
internal sealed class GetOperation(ulong id, ulong replyToken, long deadlineMs, ClientCommand command, ReplicaPlan plan, int r)
    : Operation(id, replyToken, deadlineMs, command, plan)
{
    /// <summary>The quorum and the merge of the answers.</summary>
    public GetCore Core { get; } = new(r, plan.Replicas.Length);

    /// <summary>Per replica: the set it answered with (null: absent or no answer).</summary>
    public SiblingSet?[] Sets { get; } = new SiblingSet?[plan.Replicas.Length];
}

/// <summary>A put or delete coordinated by a primary: written locally, sent to the other primaries, Ok at W acks.</summary>
internal sealed class PutOperation(
    ulong id, ulong replyToken, long deadlineMs, ClientCommand command, ReplicaPlan plan, int w, SiblingSet written)
    : Operation(id, replyToken, deadlineMs, command, plan)
{
    /// <summary>The quorum of acknowledgements.</summary>
    public PutCore Core { get; } = new(w, plan.Replicas.Length);

    /// <summary>The set the coordinator wrote and sent to the other primaries.</summary>
    public SiblingSet Written { get; } = written;
}

/// <summary>A put or delete at a node that is not a primary: handed to the first primary that can be reached.</summary>
internal sealed class ForwardOperation(ulong id, ulong replyToken, long deadlineMs, ClientCommand command, NodeId[] primaries, int w)
    : Operation(id, replyToken, deadlineMs, command, new ReplicaPlan(primaries, primaries, [], 0))
{
    public int W { get; } = w;

    /// <summary>The index of the primary to try next.</summary>
    public int Next { get; set; }
}
