using System.Collections.Immutable;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.AntiEntropy;

// Messages of the background protocols between nodes: anti-entropy (docs/CLUSTER.md § Anti-entropy) and the
// operator's repair command. Each request is answered by the response named after it, or by a PeerFailure.

/// <summary>A hash of one node of a partition's hash tree: level 0 is the root (index 0), level 1 a branch, level 2 a leaf.</summary>
/// <param name="Partition">The ring partition.</param>
/// <param name="Index">The node's index within its level (leaves are numbered across the whole partition).</param>
/// <param name="Hash">The XOR of the leaf hashes below it.</param>
public readonly record struct TreeHash(int Partition, int Index, ulong Hash);

/// <summary>One node of a partition's hash tree, without its hash.</summary>
/// <param name="Partition">The ring partition.</param>
/// <param name="Index">The node's index within its level.</param>
public readonly record struct TreeIndex(int Partition, int Index);

/// <summary>
/// Anti-entropy, one level of a tree descent: the initiator sends its hashes of tree nodes at <paramref name="Level"/>;
/// the peer answers which of them differ from its own.
/// </summary>
/// <param name="Level">0 (roots), 1 (branches) or 2 (leaves).</param>
/// <param name="Hashes">The initiator's hashes.</param>
public sealed record TreeCompare(int Level, ImmutableArray<TreeHash> Hashes) : NodeRequest;

/// <summary>The answer to a <see cref="TreeCompare"/>.</summary>
/// <param name="Differing">The tree nodes whose hashes differ from the peer's.</param>
/// <param name="Unready">Partitions whose tree the peer has not finished building (skipped this time).</param>
public sealed record TreeCompareResult(ImmutableArray<TreeIndex> Differing, ImmutableArray<int> Unready) : NodeResponse;

/// <summary>A key and the hash of the version its holder keeps.</summary>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="VersionHash">The hash of the holder's sibling set's dots (see docs/CLUSTER.md § Anti-entropy).</param>
public readonly record struct KeyVersion(byte[] Bucket, byte[] Key, ulong VersionHash);

/// <summary>
/// Anti-entropy, the last step: the initiator lists its keys, with version hashes, in some leaves (segments) whose
/// hashes differ; the peer answers with its copy of every key in those segments that it holds differently or lacks.
/// </summary>
/// <param name="Segments">The leaves (partition, leaf index) compared.</param>
/// <param name="Keys">The initiator's keys in those leaves.</param>
public sealed record KeysCompare(ImmutableArray<TreeIndex> Segments, ImmutableArray<KeyVersion> Keys) : NodeRequest;

/// <summary>A replica's copy of a key, sent in a <see cref="KeysCompareResult"/>.</summary>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="Set">The peer's sibling set; null when the peer holds nothing for the key.</param>
public readonly record struct KeyCopy(byte[] Bucket, byte[] Key, SiblingSet? Set);

/// <summary>The answer to a <see cref="KeysCompare"/>: the peer's copies of the keys that differ.</summary>
/// <param name="Differing">One entry per differing key.</param>
public sealed record KeysCompareResult(ImmutableArray<KeyCopy> Differing) : NodeResponse;

/// <summary>
/// The operator asks a node (through a client connection) to run an anti-entropy exchange of every partition it
/// holds with every peer that shares it, now, and to reply with what it repaired.
/// </summary>
/// <param name="TimeoutMs">The deadline for the whole repair; 0 means the node's default.</param>
public sealed record RepairCommand(int TimeoutMs) : NodeRequest;

/// <summary>The outcome of a <see cref="RepairCommand"/>.</summary>
/// <param name="Completed">True when every exchange finished before the deadline.</param>
/// <param name="Exchanges">Exchanges completed.</param>
/// <param name="ExchangesFailed">Exchanges skipped or abandoned (peer unreachable, deadline).</param>
/// <param name="Differences">Keys found to differ.</param>
/// <param name="KeysRepaired">Keys whose copy was updated on this node or on a peer.</param>
/// <param name="Message">A description for the operator (why something failed); null when all went well.</param>
public sealed record RepairResult(
    bool Completed, int Exchanges, int ExchangesFailed, long Differences, long KeysRepaired, string? Message) : NodeResponse;
