using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// What a node core needs to know: who it is, its data epoch, the ring, and the settings of each bucket.
/// </summary>
/// <param name="Self">This node's id (need not be a ring member: any node may coordinate a get).</param>
/// <param name="Epoch">This node's data epoch; writes it coordinates carry the actor (Self, Epoch).</param>
/// <param name="Ring">The ring that places keys when the node starts (at <see cref="RingVersion"/>); gossip and the
/// claimant change it (docs/CLUSTER.md § The ring).</param>
/// <param name="Defaults">The settings of buckets not named in <paramref name="Buckets"/>.</param>
/// <param name="Buckets">Settings per bucket, keyed by the bucket's name as a UTF-8 string.</param>
public sealed record NodeOptions(
    NodeId Self,
    uint Epoch,
    Ring Ring,
    BucketProps Defaults,
    IReadOnlyDictionary<string, BucketProps> Buckets)
{
    /// <summary>
    /// The version of <see cref="Ring"/>: 0 for a ring no change has touched (built from <c>--peers</c>, or a node
    /// alone), else the version the node held when it stopped (the shell keeps it with the ring).
    /// </summary>
    public ulong RingVersion { get; init; }

    /// <summary>
    /// Bucket entries the node kept from before it stopped (those a change made, with their versions): merged over the
    /// seeds of <see cref="Buckets"/> at start, so a change survives a restart of the whole cluster
    /// (docs/CLUSTER.md § Bucket properties).
    /// </summary>
    public System.Collections.Immutable.ImmutableArray<BucketEntry> KeptBuckets { get; init; } = [];

    /// <summary>
    /// Most coordinator operations this node keeps in flight at once, from 1 to
    /// <see cref="Limits.OperationsInFlightMax"/> (the default); requests beyond it are refused as Overloaded.
    /// </summary>
    public int OperationsInFlightMax { get; init; } = Limits.OperationsInFlightMax;

    /// <summary>Whether anti-entropy exchanges run on their schedule (the repair command works either way).</summary>
    public bool AntiEntropyEnabled { get; init; } = true;

    /// <summary>Milliseconds between the starts of scheduled anti-entropy exchanges.</summary>
    public int AntiEntropyIntervalMs { get; init; } = Limits.AntiEntropyIntervalDefaultMs;

    /// <summary>Most anti-entropy exchanges this node runs at once, as initiator.</summary>
    public int AntiEntropyConcurrency { get; init; } = 1;

    /// <summary>Most keys anti-entropy repairs per second on this node (its rate limit).</summary>
    public int AntiEntropyKeysPerSecond { get; init; } = Limits.AntiEntropyKeysPerSecondDefault;

    /// <summary>
    /// Most keys this node reads and hashes per tick while it builds its hash trees after start (from 1; the default is
    /// <see cref="Limits.AntiEntropyBuildKeysPerTickDefault"/>): bounds the work a tick does, so start-up stays fast.
    /// </summary>
    public int AntiEntropyBuildKeysPerTick { get; init; } = Limits.AntiEntropyBuildKeysPerTickDefault;

    /// <summary>
    /// Whether this node gossips (docs/CLUSTER.md § Membership): off by default, so that a shell turns it on once
    /// it carries <see cref="Membership.Gossip"/>, <see cref="Handoff.HintedWrite"/> and <see cref="SendToAddress"/>. Off, the members
    /// are those of <see cref="Ring"/>, heartbeats do not advance, and a member believed down after a failed request
    /// is believed up again <see cref="MemberDownAfterMs"/> later (phi plays no part). Seeds need it on.
    /// </summary>
    public bool GossipEnabled { get; init; }

    /// <summary>
    /// Where this node listens (host:port), as it advertises itself in gossip; peers that learn of it by gossip send
    /// to this address. Empty when unknown (a static cluster whose shell maps ids to addresses itself).
    /// </summary>
    public string Address { get; init; } = "";

    /// <summary>
    /// Addresses (host:port, spelled as those nodes advertise themselves) of seed nodes. While no known member has a
    /// seed's address, each gossip round also sends to that seed by address (docs/CLUSTER.md § Membership).
    /// </summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>
    /// The seeded generator that picks gossip peers; null: peers are taken in turn (ordinal order), which is
    /// deterministic too. Only the node loop uses it.
    /// </summary>
    public Random? Random { get; init; }

    /// <summary>Milliseconds between gossip rounds; the node increments its own heartbeat once per round.</summary>
    public int GossipIntervalMs { get; init; } = Limits.GossipIntervalDefaultMs;

    /// <summary>
    /// The bound on silence: milliseconds without a newer heartbeat of a member after which this node believes it
    /// down, whatever its phi (<see cref="PhiThreshold"/>); more than <see cref="GossipIntervalMs"/>. A failed request
    /// to a member marks it down at once, until a newer heartbeat.
    /// </summary>
    public int MemberDownAfterMs { get; init; } = Limits.MemberDownAfterDefaultMs;

    /// <summary>
    /// The phi above which this node believes a member down (docs/CLUSTER.md § Failure detection): phi is
    /// -log10 of the chance that the silence since the member's last heartbeat is only a late heartbeat, given the
    /// intervals seen so far. From <see cref="Limits.PhiThresholdMin"/> to <see cref="Limits.PhiThresholdMax"/>;
    /// the default is <see cref="Limits.PhiThresholdDefault"/>.
    /// </summary>
    public double PhiThreshold { get; init; } = Limits.PhiThresholdDefault;

    /// <summary>Most hints this node delivers per second (hinted handoff's rate limit).</summary>
    public int HintsPerSecond { get; init; } = Limits.HintsPerSecondDefault;

    /// <summary>Most hint deliveries in flight at once, from 1 to <see cref="Limits.HintDeliveriesInFlightMax"/>.</summary>
    public int HintDeliveriesInFlightMax { get; init; } = Limits.HintDeliveriesInFlightMax;

    /// <summary>
    /// Milliseconds a hint delivery may take before it counts as failed; failures back off from
    /// <see cref="GossipIntervalMs"/>, doubling up to <see cref="Limits.HintRetryBackoffMaxMs"/>.
    /// </summary>
    public int HintDeliveryTimeoutMs { get; init; } = Limits.RequestTimeoutDefaultMs;

    /// <summary>The actor of the writes this node coordinates.</summary>
    public Versions.Actor Actor => new(Self, Epoch);
}
