using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

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
    protected Operation(ulong id, ulong replyToken, long deadlineMs, ClientCommand command, NodeId[] replicas)
    {
        Id = id;
        ReplyToken = replyToken;
        DeadlineMs = deadlineMs;
        Command = command;
        Replicas = replicas;
        SendIds = new ulong[replicas.Length];
        States = new SlotState[replicas.Length];
    }

    public ulong Id { get; }

    public ulong ReplyToken { get; }

    public long DeadlineMs { get; }

    public ClientCommand Command { get; }

    /// <summary>The nodes this operation talks to: the key's primaries, in preference-list order.</summary>
    public NodeId[] Replicas { get; }

    /// <summary>Per replica: the id of the outstanding send, or 0 when none is outstanding.</summary>
    public ulong[] SendIds { get; }

    public SlotState[] States { get; }

    public bool Replied { get; set; }

    public bool Finished { get; set; }
}

/// <summary>A get: read every primary, reply at R successes, then read repair once all answered or at the deadline.</summary>
internal sealed class GetOperation(ulong id, ulong replyToken, long deadlineMs, ClientCommand command, NodeId[] replicas, int r)
    : Operation(id, replyToken, deadlineMs, command, replicas)
{
    public int R { get; } = r;

    /// <summary>Per replica: the set it answered with (null: absent or no answer).</summary>
    public SiblingSet?[] Sets { get; } = new SiblingSet?[replicas.Length];

    public SiblingSet Merged { get; set; } = SiblingSet.Empty;

    public int Successes { get; set; }

    public int Failures { get; set; }
}

/// <summary>A put or delete coordinated by a primary: written locally, sent to the other primaries, Ok at W acks.</summary>
internal sealed class PutOperation(
    ulong id, ulong replyToken, long deadlineMs, ClientCommand command, NodeId[] replicas, int w, SiblingSet written)
    : Operation(id, replyToken, deadlineMs, command, replicas)
{
    public int W { get; } = w;

    /// <summary>The set the coordinator wrote and sent to the other primaries.</summary>
    public SiblingSet Written { get; } = written;

    public int Acks { get; set; }

    public int Failures { get; set; }
}

/// <summary>A put or delete at a node that is not a primary: handed to the first primary that can be reached.</summary>
internal sealed class ForwardOperation(ulong id, ulong replyToken, long deadlineMs, ClientCommand command, NodeId[] primaries, int w)
    : Operation(id, replyToken, deadlineMs, command, primaries)
{
    public int W { get; } = w;

    /// <summary>The index of the primary to try next.</summary>
    public int Next { get; set; }
}
