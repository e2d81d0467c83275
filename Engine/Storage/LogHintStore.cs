using System.Diagnostics.CodeAnalysis;
using System.Text;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Storage;

/// <summary>
/// The durable <see cref="IHintStore"/>: hints live in a <see cref="LogStore"/> of their own (the server puts it in
/// the <c>hints/</c> folder of the data directory), so a fallback that restarts still delivers the hints it
/// acknowledged. One record per (target, key), merged in place; a delivered hint is removed with a removal record.
/// docs/STORAGE.md § Hint store gives the layout.
/// </summary>
/// <remarks>
/// Record names: the log store's bucket is the target's node id (UTF-8) and its key is
/// <c>[u16 bucket length, little-endian][bucket][key]</c>, so one log store holds every target's hints. An in-memory
/// index per target (key → sequence, and sequence → key for oldest-first order) is rebuilt from the log store's key
/// directory at start; values are read from disk when hints are peeked. Durability: the store appends and never
/// syncs; the shell syncs it in the same group commit as the replica store, before any acknowledgement of the batch
/// leaves (<see cref="HasUnsyncedWrites"/>, <see cref="Sync"/>). Only the node loop touches it: not thread-safe.
/// </remarks>
public sealed class LogHintStore : IHintStore, IDisposable
{
    private readonly LogStore _log;
    private readonly Dictionary<NodeId, TargetIndex> _targets = [];
    private long _nextOrder;

    private LogHintStore(LogStore log, int hintsPerTargetMax)
    {
        _log = log;
        HintsPerTargetMax = hintsPerTargetMax;
    }

    /// <summary>Null while healthy; otherwise why the underlying log store failed (new hints are then refused).</summary>
    public string? Failure => _log.Failure;

    /// <inheritdoc/>
    public int HintsPerTargetMax { get; }

    /// <inheritdoc/>
    public IReadOnlyCollection<NodeId> Targets => _targets.Keys;

    /// <summary>Hinted keys pending over all targets.</summary>
    public long Count { get; private set; }

    /// <summary>True when hints were added or removed since the last <see cref="Sync"/>.</summary>
    public bool HasUnsyncedWrites => _log.HasUnsyncedWrites;

    /// <summary>The log store underneath (for its recovery report and statistics).</summary>
    public LogStore Log => _log;

    /// <summary>
    /// Opens the hint store on <paramref name="medium"/>: recovers the log store and rebuilds the index of pending
    /// hints, oldest first by the sequence of their latest record.
    /// </summary>
    /// <exception cref="StorageIOException">The medium failed.</exception>
    /// <exception cref="StorageFormatException">A file was written by an unknown format version.</exception>
    public static LogHintStore Open(
        IStorageMedium medium, LogStoreOptions options, IBlockCompressor? compressor, int hintsPerTargetMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hintsPerTargetMax, 1);
        var log = LogStore.Open(medium, options, compressor);
        var store = new LogHintStore(log, hintsPerTargetMax);
        var found = new List<(NodeId Target, byte[] Name, ulong Sequence)>();
        foreach (var (bucket, key, sequence) in log.PresentKeys())
        {
            if (NodeId.TryParse(Encoding.UTF8.GetString(bucket), out var target) && TrySplit(key, out _, out _))
            {
                found.Add((target, key, sequence));
            }
        }

        // Kept even beyond HintsPerTargetMax (the bound may have been lowered): an acknowledged hint is never dropped.
        foreach (var (target, name, _) in found.OrderBy(f => f.Sequence))
        {
            store.IndexOf(target).Add(name, store._nextOrder++);
            store.Count++;
        }

        return store;
    }

    /// <inheritdoc/>
    public int PendingFor(NodeId target) => _targets.TryGetValue(target, out var index) ? index.ByName.Count : 0;

    /// <inheritdoc/>
    public bool TryAdd(NodeId target, byte[] bucket, byte[] key, SiblingSet set, [NotNullWhen(false)] out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(set);
        if (_log.Failure is { } failure)
        {
            refusal = "The hint store has failed: " + failure;
            return false;
        }

        var targetName = Encoding.UTF8.GetBytes(target.Value);
        var name = Compose(bucket, key);
        if (targetName.Length > Limits.StorageBucketBytesMax || name.Length > Limits.StorageKeyBytesMax)
        {
            refusal = $"The target's id and the hinted bucket and key are too long to keep as a hint ({name.Length} bytes; the limit is {Limits.StorageKeyBytesMax}).";
            return false;
        }

        _targets.TryGetValue(target, out var index);
        var existing = index is not null && index.ByName.ContainsKey(name);
        if (!existing)
        {
            if (index is null && _targets.Count >= Limits.MembersMax)
            {
                refusal = $"The hint store holds hints for {_targets.Count} targets, its limit.";
                return false;
            }

            if (index is not null && index.ByName.Count >= HintsPerTargetMax)
            {
                refusal = $"The hint store holds {index.ByName.Count} hinted keys for {target}, its limit per target.";
                return false;
            }
        }

        var merged = existing ? (_log.Read(targetName, name) ?? SiblingSet.Empty).Merge(set) : set;
        try
        {
            _log.Write(targetName, name, merged);
        }
        catch (StorageFailedException error)
        {
            refusal = "The hint store has failed: " + error.Message;
            return false;
        }

        if (!existing)
        {
            IndexOf(target).Add(name, _nextOrder++);
            Count++;
        }

        refusal = null;
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Hint> Peek(NodeId target, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (!_targets.TryGetValue(target, out var index))
        {
            return [];
        }

        var targetName = Encoding.UTF8.GetBytes(target.Value);
        var hints = new List<Hint>(Math.Min(max, index.ByName.Count));
        foreach (var name in index.ByOrder.Values)
        {
            if (hints.Count >= max)
            {
                break;
            }

            // A record that fails its checksum reads as absent: that hint is lost (counted by the log store as a
            // corrupt record); anti-entropy is what repairs such a key on the target.
            var set = _log.Read(targetName, name);
            if (set is not null && TrySplit(name, out var bucket, out var key))
            {
                hints.Add(new Hint(target, bucket, key, set));
            }
        }

        return hints;
    }

    /// <inheritdoc/>
    public void Remove(NodeId target, byte[] bucket, byte[] key, SiblingSet delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        var name = Compose(bucket, key);
        if (!_targets.TryGetValue(target, out var index) || !index.ByName.TryGetValue(name, out var order))
        {
            return;
        }

        var targetName = Encoding.UTF8.GetBytes(target.Value);
        var current = _log.Read(targetName, name);

        // A write hinted while the delivery was in flight is not in the delivered set; it stays for the next round.
        if (current is not null && !delivered.Merge(current).Equals(delivered))
        {
            return;
        }

        try
        {
            _log.Remove(targetName, name);
        }
        catch (StorageFailedException)
        {
            // The store failed (Failure says why): the hint stays pending here and is delivered again after a
            // restart, which the target merges idempotently.
            return;
        }

        index.ByName.Remove(name);
        index.ByOrder.Remove(order);
        Count--;
        if (index.ByName.Count == 0)
        {
            _targets.Remove(target);
        }
    }

    /// <summary>The pending hint of one key for <paramref name="target"/>, or null.</summary>
    public SiblingSet? Find(NodeId target, byte[] bucket, byte[] key)
    {
        var name = Compose(bucket, key);
        return _targets.TryGetValue(target, out var index) && index.ByName.ContainsKey(name)
            ? _log.Read(Encoding.UTF8.GetBytes(target.Value), name)
            : null;
    }

    /// <summary>
    /// Whether a pending hint names a version of <paramref name="actor"/> newer than any that
    /// <paramref name="store"/>'s copy of the same key knows (a larger counter of that actor in the hint's causal
    /// context than in the copy's). A coordinator keeps a hint of its own write in the same batch as the write, and a
    /// crash can keep the hint log's unsynced tail while dropping the replica store's whole and cleanly: recovery of
    /// the replica store then finds nothing torn, yet the node would mint that version's dot again. The epoch rule
    /// asks this after a crash; the first such hint found is returned in <paramref name="found"/>.
    /// </summary>
    /// <remarks>Reads every pending hint once (a start-up cost proportional to the hints pending).</remarks>
    public bool NamesVersionsUnknownTo(IReplicaStore store, Actor actor, out Hint? found)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var (target, index) in _targets)
        {
            var targetName = Encoding.UTF8.GetBytes(target.Value);
            foreach (var name in index.ByName.Keys)
            {
                if (_log.Read(targetName, name) is not { } hinted || !TrySplit(name, out var bucket, out var key))
                {
                    continue;
                }

                var counter = hinted.Context.MaxCounter(actor);
                if (counter > 0 && counter > (store.Read(bucket, key)?.Context.MaxCounter(actor) ?? 0))
                {
                    found = new Hint(target, bucket, key, hinted);
                    return true;
                }
            }
        }

        found = null;
        return false;
    }

    /// <summary>Makes every earlier add and removal durable: the shell calls it in the replica store's group commit.</summary>
    /// <exception cref="StorageFailedException">The fsync failed, now or earlier.</exception>
    public void Sync() => _log.Sync();

    /// <summary>Runs a step of compaction of the hint log within <paramref name="bytesBudget"/>.</summary>
    /// <exception cref="StorageFailedException">The store failed.</exception>
    public CompactionProgress CompactionStep(long bytesBudget) => _log.CompactionStep(bytesBudget);

    /// <inheritdoc/>
    public void Dispose() => _log.Dispose();

    /// <summary>The log store key of a hinted (bucket, key): the bucket's length (u16 little-endian), the bucket, the key.</summary>
    internal static byte[] Compose(byte[] bucket, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        var name = new byte[2 + bucket.Length + key.Length];
        name[0] = (byte)bucket.Length;
        name[1] = (byte)(bucket.Length >> 8);
        bucket.CopyTo(name, 2);
        key.CopyTo(name, 2 + bucket.Length);
        return name;
    }

    private static bool TrySplit(byte[] name, [NotNullWhen(true)] out byte[]? bucket, [NotNullWhen(true)] out byte[]? key)
    {
        bucket = key = null;
        if (name.Length < 2)
        {
            return false;
        }

        var bucketLength = name[0] | (name[1] << 8);
        if (bucketLength > name.Length - 2)
        {
            return false;
        }

        bucket = name.AsSpan(2, bucketLength).ToArray();
        key = name.AsSpan(2 + bucketLength).ToArray();
        return true;
    }

    private TargetIndex IndexOf(NodeId target)
    {
        if (!_targets.TryGetValue(target, out var index))
        {
            index = new TargetIndex();
            _targets.Add(target, index);
        }

        return index;
    }

    /// <summary>One target's pending hints: by log store key, and in the order they were first hinted.</summary>
    private sealed class TargetIndex
    {
        public Dictionary<byte[], long> ByName { get; } = new(ByteArrayComparer.Instance);

        public SortedDictionary<long, byte[]> ByOrder { get; } = [];

        public void Add(byte[] name, long order)
        {
            ByName.Add(name, order);
            ByOrder.Add(order, name);
        }
    }
}
