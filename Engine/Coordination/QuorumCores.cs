using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Coordination;

/// <summary>What a quorum accumulator says of its operation now.</summary>
internal enum QuorumState
{
    /// <summary>Not enough answers yet, and enough may still come.</summary>
    Waiting,

    /// <summary>The quorum is reached: the coordinator may reply Ok.</summary>
    Reached,

    /// <summary>Too many replicas failed: the quorum cannot be reached any more.</summary>
    Lost,
}

/// <summary>
/// The quorum arithmetic of one get or put, in the shape of riak_kv's <c>get_core</c>/<c>put_core</c>: the
/// coordinator feeds it each replica's outcome and asks it what to do; it holds no ids, sends nothing and knows no
/// time. Only answers that count toward the quorum are counted (under strict quorum a fallback's do not).
/// </summary>
internal class QuorumCore
{
    private readonly int _slots;

    public QuorumCore(int required, int slots)
    {
        Invariant.Check(required >= 1 && required <= slots);
        Required = required;
        _slots = slots;
    }

    /// <summary>R or W.</summary>
    public int Required { get; }

    /// <summary>Successful answers that count toward <see cref="Required"/>.</summary>
    public int Succeeded { get; private set; }

    /// <summary>Slots that failed for good (no fallback left to stand in).</summary>
    public int Failed { get; private set; }

    /// <summary>A slot succeeded; it counts when <paramref name="counts"/>.</summary>
    public void AddSuccess(bool counts)
    {
        Succeeded += counts ? 1 : 0;
        Invariant.Check(Succeeded + Failed <= _slots);
    }

    /// <summary>A slot failed for good.</summary>
    public void AddFailure()
    {
        Failed++;
        Invariant.Check(Succeeded + Failed <= _slots);
    }

    /// <summary>Where the quorum stands, given how many slots that would count still wait for an answer.</summary>
    public QuorumState Decide(int pendingCounted)
    {
        Invariant.Check(pendingCounted >= 0 && Succeeded + Failed + pendingCounted <= _slots);
        return Succeeded >= Required ? QuorumState.Reached
            : Succeeded + pendingCounted < Required ? QuorumState.Lost
            : QuorumState.Waiting;
    }
}

/// <summary>A get's accumulator: the quorum, and the merge of every copy the replicas answered with.</summary>
internal sealed class GetCore(int r, int slots) : QuorumCore(r, slots)
{
    /// <summary>The merge of every copy answered so far (empty when none held the key).</summary>
    public SiblingSet Merged { get; private set; } = SiblingSet.Empty;

    /// <summary>A replica answered with its copy (null: it holds nothing for the key).</summary>
    public void AddResult(bool counts, SiblingSet? set)
    {
        AddSuccess(counts);
        if (set is not null)
        {
            Merged = Merged.Merge(set);
        }
    }

    /// <summary>Read repair (the final action of riak_kv's get_core): whether an answered copy misses the merge.</summary>
    public bool IsStale(SiblingSet? answered) => !Merged.Equals(answered);
}

/// <summary>A put's accumulator: acknowledgements toward W.</summary>
internal sealed class PutCore(int w, int slots) : QuorumCore(w, slots);
