using System.Diagnostics.CodeAnalysis;
using System.Text;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Replicas;

/// <summary>
/// This node's own copies: the replica store and the hints it keeps for other nodes. Every read and write of either
/// by the core goes through here, so that the rules hold in one place: a write is staged in its store and the next
/// drain persists it (<see cref="NodeContext.Wrote"/>), no stored object passes <see cref="Limits.ObjectBytesMax"/>
/// (docs/VERSIONS.md § Objects over the bound), a set whose values a replica left out is never stored, and every change
/// of a key's copy is announced (<see cref="Written"/>) so the hash trees follow it.
/// </summary>
internal sealed class LocalReplica(NodeContext context, IReplicaStore store, IHintStore hints)
{
    private static readonly ReplicaWriteAck s_ack = new();

    /// <summary>Called after every change of a key's stored copy, with the new copy.</summary>
    public Action<byte[], byte[], SiblingSet>? Written { get; set; }

    public IReplicaStore Store { get; } = store;

    public IHintStore Hints { get; } = hints;

    /// <summary>Whether a merged object may be stored or sent as a write: every value present, within the bound.</summary>
    public static bool FitsObjectBound(SiblingSet set) => !set.HasOmittedValues && SiblingSetCodec.FitsObjectBound(set, out _);

    /// <summary>A replica read from a coordinator: this node's copy, with any hinted copy it keeps.</summary>
    public ReplicaReadResult OnReplicaRead(ReplicaRead read)
    {
        context.Stats.ReplicaReads++;
        return new ReplicaReadResult(Read(read.Bucket, read.Key));
    }

    /// <summary>A replica write from a coordinator (or a hint meant for this node): merged and staged, or refused.</summary>
    public NodeResponse OnReplicaWrite(byte[] bucket, byte[] key, SiblingSet set)
    {
        context.Stats.ReplicaWrites++;
        return (NodeResponse?)TryMerge(bucket, key, set) ?? s_ack;
    }

    /// <summary>The stored copy of a key, without hints.</summary>
    public SiblingSet? ReadStored(byte[] bucket, byte[] key) => Store.Read(bucket, key);

    /// <summary>The local copy of a key merged with any hinted copy this node keeps of it for another node.</summary>
    public SiblingSet? Read(byte[] bucket, byte[] key)
    {
        var set = Store.Read(bucket, key);
        if (Hints.Targets.Count == 0)
        {
            return set;
        }

        foreach (var target in Hints.Targets)
        {
            if (Hints.Find(target, bucket, key) is { } hinted)
            {
                set = set is null ? hinted : set.Merge(hinted);
            }
        }

        return set;
    }

    /// <summary>
    /// The coordinator's own write of a put or delete: the new version minted on the stored copy with the command's
    /// context, checked against the version and object bounds, and staged. Returns false with the refusal to answer
    /// (VersionLimit, TooLarge, StorageFailed), nothing stored.
    /// </summary>
    public bool TryPut(ClientCommand command, int w, [NotNullWhen(true)] out SiblingSet? written, [NotNullWhen(false)] out ClientResult? refusal)
    {
        written = null;
        if (Store.Failure is { } failed)
        {
            refusal = StorageFailed(w, failed);
            return false;
        }

        var local = Store.Read(command.Bucket, command.Key) ?? SiblingSet.Empty;
        var isTombstone = command.Operation == ClientOperation.Delete;
        var value = isTombstone ? ReadOnlyMemory<byte>.Empty : command.Value;
        var seen = command.Context ?? CausalContext.Empty;
        if (!local.TryPut(context.Options.Actor, seen, value, isTombstone, out var put, out var error))
        {
            context.Stats.VersionLimits++;
            refusal = Failure(ClientStatus.VersionLimit, w, 0, error.Message);
            return false;
        }

        CheckDominance(local, put, seen);

        // Every stored object fits one frame with its key (docs/VERSIONS.md § Objects over the bound): a write that
        // would leave more is refused before anything is stored, and the client resolves the siblings instead.
        if (!SiblingSetCodec.FitsObjectBound(put, out var size))
        {
            context.Stats.WritesRefusedTooLarge++;
            refusal = Failure(ClientStatus.TooLarge, w, 0, ObjectBoundMessage(command.Key, put, size));
            return false;
        }

        // The local write is staged before any acknowledgement that depends on it is emitted; the drain persists it.
        try
        {
            Stage(command.Bucket, command.Key, put);
        }
        catch (StorageFailedException e)
        {
            refusal = StorageFailed(w, e.Message);
            return false;
        }

        written = put;
        refusal = null;
        return true;
    }

    /// <summary>
    /// Merges <paramref name="set"/> into the local replica; returns null, or the refusal to answer with: the store
    /// failed (StorageFailed), or the merge would pass <see cref="Limits.ObjectBytesMax"/> (TooLarge, nothing stored).
    /// </summary>
    public ClientResult? TryMerge(byte[] bucket, byte[] key, SiblingSet set)
    {
        Invariant.Check(!set.HasOmittedValues);
        if (Store.Failure is { } failed)
        {
            context.Stats.StorageFailures++;
            return Failure(ClientStatus.StorageFailed, 0, 0, failed);
        }

        var local = Store.Read(bucket, key);
        var merged = local is null ? set : local.Merge(set);
        if (!ReferenceEquals(merged, local) && (local is not null || merged.Count > 0))
        {
            if (!SiblingSetCodec.FitsObjectBound(merged, out var size))
            {
                context.Stats.MergesRefusedTooLarge++;
                return Failure(ClientStatus.TooLarge, 0, 0, ObjectBoundMessage(key, merged, size));
            }

            try
            {
                Stage(bucket, key, merged);
            }
            catch (StorageFailedException e)
            {
                context.Stats.StorageFailures++;
                return Failure(ClientStatus.StorageFailed, 0, 0, e.Message);
            }
        }

        return null;
    }

    /// <summary>Whether the hint kept for <paramref name="target"/> would stay within the object bound with <paramref name="set"/>.</summary>
    public bool HintFits(NodeId target, byte[] bucket, byte[] key, SiblingSet set)
    {
        var kept = Hints.Find(target, bucket, key);
        return FitsObjectBound(kept is null ? set : kept.Merge(set));
    }

    /// <summary>
    /// Keeps <paramref name="set"/> as a hint for <paramref name="target"/> (merged into any hint of the key), staged in
    /// the hint store. Refused, nothing kept, at the hint store's bounds, when it failed, or when the merged hint would
    /// pass the object bound (<paramref name="tooLarge"/>).
    /// </summary>
    public bool TryAddHint(NodeId target, byte[] bucket, byte[] key, SiblingSet set, out bool tooLarge, [NotNullWhen(false)] out string? refusal)
    {
        tooLarge = !HintFits(target, bucket, key, set);
        if (tooLarge)
        {
            refusal = $"The hint for {target} would pass the object bound of {Limits.ObjectBytesMax} bytes; it was not kept.";
            return false;
        }

        if (!Hints.TryAdd(target, bucket, key, set, out refusal))
        {
            return false;
        }

        context.Wrote(PersistStores.Hints);
        return true;
    }

    /// <summary>The target stored <paramref name="delivered"/>: its hint goes, unless a later hinted write is not covered.</summary>
    public void RemoveHint(NodeId target, byte[] bucket, byte[] key, SiblingSet delivered)
    {
        Hints.Remove(target, bucket, key, delivered);
        context.Wrote(PersistStores.Hints);
    }

    /// <summary>
    /// Version dominance of a put: the new sibling descends from everything the writer's context named, and the only
    /// siblings it dropped are ones that context named (a write never loses what it did not see).
    /// </summary>
    private static void CheckDominance(SiblingSet before, SiblingSet after, CausalContext seen)
    {
        Invariant.Check(after.Count <= before.Count + 1);
        foreach (var sibling in after.Siblings)
        {
            if (!before.Context.Contains(sibling.Dot))
            {
                Invariant.Check(seen.IsSubsetOf(sibling.Version.Past));
            }
        }

        foreach (var sibling in before.Siblings)
        {
            Invariant.Check(seen.Contains(sibling.Dot) || after.Siblings.Contains(sibling));
        }
    }

    public static ClientResult Failure(ClientStatus status, int required, int received, string message) =>
        new(status, null, CausalContext.Empty, required, received, message);

    private ClientResult StorageFailed(int w, string failure)
    {
        context.Stats.StorageFailures++;
        return Failure(ClientStatus.StorageFailed, w, 0, "The node's storage has failed: " + failure);
    }

    private void Stage(byte[] bucket, byte[] key, SiblingSet set)
    {
        Invariant.Check(!set.HasOmittedValues);
        Store.Write(bucket, key, set);
        context.Wrote(PersistStores.Replicas);
        Written?.Invoke(bucket, key, set);
    }

    /// <summary>Why a write or merge was refused at the object bound, and how the client resolves the key.</summary>
    private static string ObjectBoundMessage(byte[] key, SiblingSet set, long size)
    {
        var live = set.Siblings.Count(s => !s.IsTombstone);
        return $"The write to key {KeyText(key)} would leave {live} sibling values of {size} bytes in all, over the object "
            + $"bound of {Limits.ObjectBytesMax} bytes; nothing was stored. Resolve the siblings: read the key with its "
            + "context (dynamo-cli: GET key WITHCTX) and write one value, or delete, with that context (SET key value CTX=<context>).";
    }

    /// <summary>A key for a message: its text when it is short printable UTF-8, else its first bytes in hex.</summary>
    private static string KeyText(byte[] key)
    {
        const int Max = 64;
        var shown = key.AsSpan(0, Math.Min(key.Length, Max));
        var more = key.Length > Max ? "..." : string.Empty;
        return System.Text.Unicode.Utf8.IsValid(shown) && !Encoding.UTF8.GetString(shown).Any(char.IsControl)
            ? $"'{Encoding.UTF8.GetString(shown)}{more}'"
            : $"0x{Convert.ToHexString(shown)}{more}";
    }
}
