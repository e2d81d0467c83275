namespace Dynamo.Engine.Cluster;

/// <summary>Counters of one node core, for the shell's Info reply and for tests. Counts only ever grow, except
/// <see cref="OperationsInFlight"/>, <see cref="MembersUp"/>, <see cref="MembersDown"/> and the other gauges (values of "now").</summary>
public sealed class NodeStats
{
    /// <summary>Client gets received.</summary>
    public long Gets { get; internal set; }

    /// <summary>Client puts received.</summary>
    public long Puts { get; internal set; }

    /// <summary>Client deletes received.</summary>
    public long Deletes { get; internal set; }

    /// <summary>Puts and deletes this node forwarded to a primary because it is not one.</summary>
    public long Forwarded { get; internal set; }

    /// <summary>Read-repair writes sent to (or applied on) replicas that answered a get with a stale copy.</summary>
    public long ReadRepairs { get; internal set; }

    /// <summary>Client commands that ended QuorumNotMet.</summary>
    public long QuorumFailures { get; internal set; }

    /// <summary>Client commands that ended Timeout.</summary>
    public long Timeouts { get; internal set; }

    /// <summary>Client commands refused as Overloaded.</summary>
    public long Overloads { get; internal set; }

    /// <summary>Client commands refused as BadRequest.</summary>
    public long BadRequests { get; internal set; }

    /// <summary>Client commands refused as Unavailable.</summary>
    public long Unavailable { get; internal set; }

    /// <summary>Puts and deletes refused at a version bound.</summary>
    public long VersionLimits { get; internal set; }

    /// <summary>
    /// Puts and deletes refused at the coordinator, before anything was stored, because the key's resulting sibling set
    /// would pass <see cref="Limits.ObjectBytesMax"/>.
    /// </summary>
    public long WritesRefusedTooLarge { get; internal set; }

    /// <summary>
    /// Replica writes, hinted writes and hints refused because merging them into what is kept would pass
    /// <see cref="Limits.ObjectBytesMax"/> (concurrent writes through different coordinators).
    /// </summary>
    public long MergesRefusedTooLarge { get; internal set; }

    /// <summary>
    /// Repairs (read repair, anti-entropy, hinted handoff) left undone because the merged object would pass
    /// <see cref="Limits.ObjectBytesMax"/>; the key converges once a client resolves its siblings.
    /// </summary>
    public long RepairsSkippedTooLarge { get; internal set; }

    /// <summary>Replica reads served to coordinators.</summary>
    public long ReplicaReads { get; internal set; }

    /// <summary>Replica writes applied for coordinators and read repair.</summary>
    public long ReplicaWrites { get; internal set; }

    /// <summary>Puts, deletes and replica writes refused because the store has failed (see IReplicaStore.Failure).</summary>
    public long StorageFailures { get; internal set; }

    /// <summary>Responses that arrived for operations already finished (late acks, read-repair acks).</summary>
    public long LateResponses { get; internal set; }

    /// <summary>Anti-entropy exchanges completed (as initiator).</summary>
    public long AntiEntropyExchanges { get; internal set; }

    /// <summary>Anti-entropy exchanges skipped or abandoned (peer unreachable, deadline passed).</summary>
    public long AntiEntropyExchangesFailed { get; internal set; }

    /// <summary>Keys anti-entropy found to differ between replicas.</summary>
    public long AntiEntropyDifferences { get; internal set; }

    /// <summary>Keys anti-entropy repaired (an updated copy written here or sent to a peer).</summary>
    public long AntiEntropyKeysRepaired { get; internal set; }

    /// <summary>The core's time (ms) when the last anti-entropy exchange completed; -1 before the first.</summary>
    public long AntiEntropyLastExchangeMs { get; internal set; } = -1;

    /// <summary>Hash trees of partitions this node holds keys of (built or being built).</summary>
    public int AntiEntropyTrees { get; internal set; }

    /// <summary>Hash trees still being built after start (not compared until ready).</summary>
    public int AntiEntropyTreesBuilding { get; internal set; }

    /// <summary>Anti-entropy exchanges this node runs as initiator now.</summary>
    public int AntiEntropyExchangesRunning { get; internal set; }

    /// <summary>Hinted writes this node accepted as a fallback (and read repairs it kept as hints).</summary>
    public long HintsStored { get; internal set; }

    /// <summary>
    /// Writes this node coordinated that a primary missed with no live fallback to stand in, kept here as hints for
    /// that primary (they do not count toward W).
    /// </summary>
    public long HintsKeptByCoordinator { get; internal set; }

    /// <summary>Hinted writes this node refused: its hint store was at its bound for the target, or failed.</summary>
    public long HintsRefused { get; internal set; }

    /// <summary>Hints delivered to their target and removed from the hint store.</summary>
    public long HintsDelivered { get; internal set; }

    /// <summary>Hint deliveries that failed or timed out (retried after a back-off).</summary>
    public long HintDeliveryFailures { get; internal set; }

    /// <summary>Gossip rounds this node started.</summary>
    public long GossipRounds { get; internal set; }

    /// <summary>The version of the ring in force on this node (docs/CLUSTER.md § The ring).</summary>
    public ulong RingVersion { get; internal set; }

    /// <summary>Ring changes this node made as the claimant.</summary>
    public long RingClaims { get; internal set; }

    /// <summary>Rings from gossip this node ignored: another partition count, so another cluster's.</summary>
    public long RingsIgnored { get; internal set; }

    /// <summary>Members this node believes up now, itself included.</summary>
    public int MembersUp { get; internal set; }

    /// <summary>Members this node believes down now.</summary>
    public int MembersDown { get; internal set; }

    /// <summary>Coordinator operations in flight now.</summary>
    public int OperationsInFlight { get; internal set; }
}
