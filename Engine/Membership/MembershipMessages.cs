using System.Collections.Immutable;

using Dynamo.Engine.Cluster;

namespace Dynamo.Engine.Membership;

// Messages of membership (docs/CLUSTER.md § Membership).

/// <summary>What a node says of a member when it gossips.</summary>
public enum MemberStatus : byte
{
    /// <summary>The sender believes the member is up.</summary>
    Up = 1,

    /// <summary>The sender's failure detector believes the member is down.</summary>
    Down = 2,
}

/// <summary>One member as a node's gossip describes it.</summary>
/// <param name="Node">The member's id.</param>
/// <param name="Address">Where it listens (host:port).</param>
/// <param name="Epoch">Its current epoch (a restart with lost state advances it).</param>
/// <param name="Status">What the sender believes of it.</param>
/// <param name="Heartbeat">The member's own heartbeat counter, which only it increments; higher is newer.</param>
public sealed record MemberState(NodeId Node, string Address, uint Epoch, MemberStatus Status, ulong Heartbeat);

/// <summary>
/// Gossip, push-pull: the sender's view of every member it knows and the ring it places keys by; the peer answers
/// with its own.
/// </summary>
/// <param name="Members">The sender's view.</param>
/// <param name="Ring">The sender's ring in force; null when the sender does not send one.</param>
/// <param name="Buckets">The sender's bucket table (docs/CLUSTER.md § Bucket properties); default: none.</param>
public sealed record Gossip(ImmutableArray<MemberState> Members, RingState? Ring, ImmutableArray<BucketEntry> Buckets = default) : NodeRequest;

/// <summary>The answer to a <see cref="Gossip"/>: the peer's view and ring after merging the sender's.</summary>
/// <param name="Members">The peer's view.</param>
/// <param name="Ring">The peer's ring in force; null when the peer does not send one.</param>
/// <param name="Buckets">The peer's bucket table after merging the sender's; default: none.</param>
public sealed record GossipResult(ImmutableArray<MemberState> Members, RingState? Ring, ImmutableArray<BucketEntry> Buckets = default) : NodeResponse;
