using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Handoff;

// Messages of hinted handoff (docs/CLUSTER.md § Sloppy quorum and hinted handoff). A hint is delivered to its target
// as an ordinary ReplicaWrite.

/// <summary>
/// A coordinator asks a fallback node to keep a write for <paramref name="Target"/>, a primary believed down, and to
/// deliver it when the target is back. Answered with a <see cref="ReplicaWriteAck"/> once the hint is stored (it
/// counts toward W), or with a failure when the fallback refuses it (its hint store is full or failed).
/// </summary>
/// <param name="Target">The primary the write was meant for.</param>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="Set">The sibling set to keep.</param>
public sealed record HintedWrite(NodeId Target, byte[] Bucket, byte[] Key, SiblingSet Set) : NodeRequest;
