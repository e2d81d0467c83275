using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// What a node core needs to know: who it is, its data epoch, the ring, and the settings of each bucket.
/// </summary>
/// <param name="Self">This node's id (need not be a ring member: any node may coordinate a get).</param>
/// <param name="Epoch">This node's data epoch; writes it coordinates carry the actor (Self, Epoch).</param>
/// <param name="Ring">The ring that places keys.</param>
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

    /// <summary>The actor of the writes this node coordinates.</summary>
    public Versions.Actor Actor => new(Self, Epoch);
}
