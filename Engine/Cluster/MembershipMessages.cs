using System.Collections.Immutable;

namespace Dynamo.Engine.Cluster;

// Messages of membership and hinted handoff (docs/CLUSTER.md § Membership, § Hinted handoff).

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

/// <summary>Gossip, push-pull: the sender's view of every member it knows; the peer answers with its own view.</summary>
/// <param name="Members">The sender's view.</param>
public sealed record Gossip(ImmutableArray<MemberState> Members) : NodeRequest;

/// <summary>The answer to a <see cref="Gossip"/>: the peer's view after merging the sender's.</summary>
/// <param name="Members">The peer's view.</param>
public sealed record GossipResult(ImmutableArray<MemberState> Members) : NodeResponse;

/// <summary>
/// A coordinator asks a fallback node to keep a write for <paramref name="Target"/>, a primary believed down, and to
/// deliver it when the target is back. Answered with a <see cref="ReplicaWriteAck"/> once the hint is stored (it
/// counts toward W), or with a failure when the fallback refuses it (its hint store is full or failed).
/// </summary>
/// <param name="Target">The primary the write was meant for.</param>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="Set">The sibling set to keep.</param>
public sealed record HintedWrite(NodeId Target, byte[] Bucket, byte[] Key, Versions.SiblingSet Set) : NodeRequest;
