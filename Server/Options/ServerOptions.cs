using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Server.Addresses;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Options;


/// <summary>Everything <c>dynamo-server</c> was started with, validated.</summary>
internal sealed record ServerOptions
{
    /// <summary>This node's id.</summary>
    public required NodeId Node { get; init; }

    /// <summary>Where the node listens (port 0: any free port).</summary>
    public required HostPort Listen { get; init; }

    /// <summary>The static member list, this node included, in the order given.</summary>
    public required IReadOnlyList<MemberAddress> Members { get; init; }

    /// <summary>The data directory (holds the epoch file); null means a fresh temporary directory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Q, the ring's partition count.</summary>
    public int Partitions { get; init; } = Limits.PartitionsDefault;

    /// <summary>The settings of buckets not named in <see cref="Buckets"/>.</summary>
    public BucketProps Defaults { get; init; } = BucketProps.Default;

    /// <summary>Settings per bucket name.</summary>
    public IReadOnlyDictionary<string, BucketProps> Buckets { get; init; } = new Dictionary<string, BucketProps>();

    /// <summary>When set, the node stops when this process is gone (<c>dev</c> sets it for its children).</summary>
    public int? ParentProcessId { get; init; }

    /// <summary>The least severe level logged for the node's own categories.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>When a write is fsynced relative to its acknowledgement.</summary>
    public DurabilityMode Durability { get; init; } = DurabilityMode.Always;

    /// <summary>The period of the background fsync in <see cref="DurabilityMode.Interval"/> mode.</summary>
    public int SyncIntervalMs { get; init; } = SyncIntervalDefaultMs;

    /// <summary>Where replicas live; null means the log store when a data directory is given, else memory.</summary>
    public StoreKind? Store { get; init; }

    /// <summary>The size at which the log store seals its active segment and starts a new one.</summary>
    public long SegmentBytes { get; init; } = SegmentMbDefault * 1024L * 1024;

    /// <summary>The share of dead bytes in a sealed segment above which compaction rewrites it.</summary>
    public double CompactionGarbageRatio { get; init; } = CompactionGarbageRatioDefault;

    /// <summary>How many bytes per second background compaction may copy; 0 turns compaction off.</summary>
    public long CompactionBytesPerSecond { get; init; } = CompactionMbPerSecondDefault * 1024L * 1024;

    /// <summary>How background anti-entropy runs.</summary>
    public AntiEntropySettings AntiEntropy { get; init; } = AntiEntropySettings.Default;

    /// <summary>Addresses of seed nodes to gossip with until their ids are known (<c>--seeds</c>); may be empty.</summary>
    public IReadOnlyList<HostPort> Seeds { get; init; } = [];

    /// <summary>Milliseconds between gossip rounds (<c>--gossip-interval-ms</c>).</summary>
    public int GossipIntervalMs { get; init; } = Limits.GossipIntervalDefaultMs;

    /// <summary>
    /// The failure detector's bound on silence: milliseconds without a newer heartbeat after which a member is believed
    /// down, whatever its phi (<c>--member-down-after-ms</c>).
    /// </summary>
    public int MemberDownAfterMs { get; init; } = Limits.MemberDownAfterDefaultMs;

    /// <summary>The phi above which the failure detector believes a member down (<c>--phi-threshold</c>).</summary>
    public double PhiThreshold { get; init; } = Limits.PhiThresholdDefault;

    /// <summary>Most hinted keys kept per target (<c>--hints-per-target-max</c>).</summary>
    public int HintsPerTargetMax { get; init; } = Limits.HintsPerTargetDefault;

    /// <summary>Most hints delivered per second (<c>--hints-per-second</c>).</summary>
    public int HintsPerSecond { get; init; } = Limits.HintsPerSecondDefault;

    /// <summary>The store this node runs with, once the defaults are applied.</summary>
    public StoreKind EffectiveStore => Store ?? (DataDirectory is null ? StoreKind.Memory : StoreKind.Log);

    /// <summary>Default of <c>--sync-interval-ms</c>.</summary>
    public const int SyncIntervalDefaultMs = 10;

    /// <summary>Default of <c>--segment-mb</c>.</summary>
    public const int SegmentMbDefault = 64;

    /// <summary>Default of <c>--compaction-garbage-ratio</c>.</summary>
    public const double CompactionGarbageRatioDefault = 0.5;

    /// <summary>Default of <c>--compaction-mb-per-s</c>.</summary>
    public const int CompactionMbPerSecondDefault = 16;

    /// <summary>This node's entry in <see cref="Members"/>.</summary>
    public MemberAddress Self => Members.First(m => m.Id == Node);
}

/// <summary>When a write reaches the disk relative to the acknowledgements that depend on it.</summary>
internal enum DurabilityMode
{
    /// <summary>Each batch of writes is fsynced once before any of its acknowledgements leaves (group commit).</summary>
    Always,

    /// <summary>Acknowledgements leave at once; a timer fsyncs every <c>--sync-interval-ms</c>.</summary>
    Interval,

    /// <summary>Never fsynced except at a clean stop; the OS writes back when it likes.</summary>
    None,
}

/// <summary>Which replica store a node runs with.</summary>
internal enum StoreKind
{
    /// <summary>The Bitcask-style log store in <c>&lt;data&gt;/store</c>: data survives restarts.</summary>
    Log,

    /// <summary>In memory: every start is an empty node.</summary>
    Memory,
}
