using System.Diagnostics.CodeAnalysis;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>A write a fallback node keeps for a primary believed down.</summary>
/// <param name="Target">The primary it is meant for.</param>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="Set">The sibling set to deliver (every hinted write of the key for this target, merged).</param>
public readonly record struct Hint(NodeId Target, byte[] Bucket, byte[] Key, SiblingSet Set);

/// <summary>
/// Where a node keeps hints (docs/CLUSTER.md § Hinted handoff). Hints of one key for one target are merged into one,
/// so a target's queue is bounded by keys, not by writes. Only the node loop touches it; it need not be thread-safe.
/// An accepted hint is durable once the shell's next group commit (the same fsync as the replica store's) is done.
/// </summary>
public interface IHintStore
{
    /// <summary>Null while healthy; otherwise why the store failed. A failed store refuses new hints.</summary>
    string? Failure { get; }

    /// <summary>The most hinted keys kept per target; at the bound new keys for that target are refused.</summary>
    int HintsPerTargetMax { get; }

    /// <summary>Targets that have hints pending.</summary>
    IReadOnlyCollection<NodeId> Targets { get; }

    /// <summary>How many hinted keys are pending for <paramref name="target"/>.</summary>
    int PendingFor(NodeId target);

    /// <summary>
    /// Keeps <paramref name="set"/> for <paramref name="target"/>, merged into any hint of the same key. Refuses (and
    /// changes nothing) when the target already has <see cref="HintsPerTargetMax"/> other keys or the store failed.
    /// </summary>
    bool TryAdd(NodeId target, byte[] bucket, byte[] key, SiblingSet set, [NotNullWhen(false)] out string? refusal);

    /// <summary>Up to <paramref name="max"/> pending hints for <paramref name="target"/>, oldest first, left in place.</summary>
    IReadOnlyList<Hint> Peek(NodeId target, int max);

    /// <summary>
    /// The target stored <paramref name="delivered"/>: the hint of the key is removed if <paramref name="delivered"/>
    /// covers it (a hint merged in after the delivery started stays).
    /// </summary>
    void Remove(NodeId target, byte[] bucket, byte[] key, SiblingSet delivered);

    /// <summary>
    /// The pending hint of one key for <paramref name="target"/>, or null. A fallback answering a replica read adds
    /// its hinted copies to its answer; a store that cannot look keys up cheaply may keep this default (null), and
    /// reads then see hinted copies only after handoff.
    /// </summary>
    SiblingSet? Find(NodeId target, byte[] bucket, byte[] key) => null;
}
