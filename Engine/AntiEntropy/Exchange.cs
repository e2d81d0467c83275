namespace Dynamo.Engine.AntiEntropy;

/// <summary>Where an anti-entropy exchange stands.</summary>
internal enum ExchangeStep
{
    /// <summary>Comparing tree hashes at <see cref="Exchange.Level"/>.</summary>
    Trees,

    /// <summary>Comparing the keys of differing leaves, and repairing.</summary>
    Keys,

    /// <summary>Completed or abandoned.</summary>
    Finished,
}

/// <summary>
/// One anti-entropy exchange this node runs as initiator with one peer (docs/CLUSTER.md § Anti-entropy): the tree
/// descent, root → branches → leaves → keys, then repairs. At most one comparison is in flight at a time.
/// </summary>
internal sealed class Exchange(NodeId peer, RepairRun? run)
{
    public NodeId Peer { get; } = peer;

    /// <summary>The repair command this exchange belongs to, or null for a scheduled exchange.</summary>
    public RepairRun? Run { get; } = run;

    public ExchangeStep Step { get; set; }

    /// <summary>The tree level being compared: 0 roots, 1 branches, 2 leaves.</summary>
    public int Level { get; set; }

    /// <summary>This node's hashes at <see cref="Level"/> not yet sent.</summary>
    public Queue<TreeHash> ToCompare { get; } = new();

    /// <summary>The tree nodes the peer reported as differing at <see cref="Level"/>.</summary>
    public List<TreeIndex> Differing { get; } = [];

    /// <summary>Differing leaves whose keys are not yet compared.</summary>
    public Queue<TreeIndex> Leaves { get; } = new();

    /// <summary>The leaves whose keys this round compared: compared again when the round repaired keys.</summary>
    public List<TreeIndex> RoundLeaves { get; } = [];

    /// <summary>The peer's copies of differing keys, waiting for the repair rate budget.</summary>
    public Queue<KeyCopy> Repairs { get; } = new();

    /// <summary>Operation ids of repair writes sent to the peer and not yet acknowledged.</summary>
    public HashSet<ulong> RepairWrites { get; } = [];

    /// <summary>The operation id of the comparison awaiting its answer, or 0.</summary>
    public ulong Awaited { get; set; }

    /// <summary>The core time by which the awaited answer (or repair acknowledgements) must arrive.</summary>
    public long DeadlineMs { get; set; }

    /// <summary>Rounds of key comparison started (see <see cref="Limits.AntiEntropyRoundsMax"/>).</summary>
    public int Round { get; set; }

    /// <summary>Keys repaired in the current round.</summary>
    public long RoundRepairs { get; set; }

    /// <summary>Keys found to differ.</summary>
    public long Differences { get; set; }

    /// <summary>Keys repaired here or on the peer.</summary>
    public long KeysRepaired { get; set; }

    /// <summary>True while the exchange waits for an answer or for repair acknowledgements.</summary>
    public bool Waiting => Awaited != 0 || RepairWrites.Count > 0;
}

/// <summary>A repair command in progress: its exchanges, their outcome, and the client waiting for it.</summary>
internal sealed class RepairRun(ulong replyToken, long deadlineMs)
{
    public ulong ReplyToken { get; } = replyToken;

    public long DeadlineMs { get; } = deadlineMs;

    /// <summary>Exchanges of this run not yet ended.</summary>
    public int Pending { get; set; }

    public int Exchanges { get; set; }

    public int ExchangesFailed { get; set; }

    public long Differences { get; set; }

    public long KeysRepaired { get; set; }

    /// <summary>Why the first failed exchange failed.</summary>
    public string? FirstFailure { get; set; }

    public bool Replied { get; set; }
}

/// <summary>
/// The repair rate limit: a token bucket of <c>keysPerSecond</c> tokens refilled continuously on core time, holding at
/// most one second's worth. A repair takes one token; without one it waits for a later tick.
/// </summary>
internal sealed class RepairBudget(int keysPerSecond)
{
    private double _tokens = keysPerSecond;
    private long _lastMs = long.MinValue;

    public void Refill(long nowMs)
    {
        if (_lastMs != long.MinValue && nowMs > _lastMs)
        {
            _tokens = Math.Min(keysPerSecond, _tokens + ((nowMs - _lastMs) * (double)keysPerSecond / 1000));
        }

        _lastMs = Math.Max(_lastMs, nowMs);
    }

    public bool TryTake()
    {
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
