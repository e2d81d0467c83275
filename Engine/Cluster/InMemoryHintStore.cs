using System.Diagnostics.CodeAnalysis;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// A hint store in memory: for tests, the simulation and the server's memory store mode (hints are lost with the
/// process, as the replicas are). Hints of one key for one target are merged into one and keep the position of the
/// first, so <see cref="Peek"/> gives the oldest first. Not thread-safe; copies the bucket and key bytes it keeps.
/// </summary>
public sealed class InMemoryHintStore : IHintStore
{
    private readonly Dictionary<NodeId, TargetHints> _targets = [];

    /// <summary>Creates an empty store.</summary>
    /// <param name="hintsPerTargetMax">Most hinted keys kept per target, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hintsPerTargetMax"/> is below 1.</exception>
    public InMemoryHintStore(int hintsPerTargetMax = Limits.HintsPerTargetDefault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hintsPerTargetMax, 1);
        HintsPerTargetMax = hintsPerTargetMax;
    }

    /// <inheritdoc/>
    public string? Failure => null;

    /// <inheritdoc/>
    public int HintsPerTargetMax { get; }

    /// <inheritdoc/>
    public IReadOnlyCollection<NodeId> Targets => _targets.Keys;

    /// <summary>Hinted keys pending over all targets.</summary>
    public int Count => _targets.Values.Sum(t => t.ByKey.Count);

    /// <inheritdoc/>
    public int PendingFor(NodeId target) => _targets.TryGetValue(target, out var hints) ? hints.ByKey.Count : 0;

    /// <inheritdoc/>
    public bool TryAdd(NodeId target, byte[] bucket, byte[] key, SiblingSet set, [NotNullWhen(false)] out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(set);
        var id = Compose(bucket, key);
        if (_targets.TryGetValue(target, out var hints) && hints.ByKey.TryGetValue(id, out var entry))
        {
            entry.Set = entry.Set.Merge(set);
            refusal = null;
            return true;
        }

        if (hints is null && _targets.Count >= Limits.MembersMax)
        {
            refusal = $"The hint store holds hints for {_targets.Count} targets, its limit.";
            return false;
        }

        if (hints is not null && hints.ByKey.Count >= HintsPerTargetMax)
        {
            refusal = $"The hint store holds {hints.ByKey.Count} hinted keys for {target}, its limit per target.";
            return false;
        }

        if (hints is null)
        {
            hints = new TargetHints();
            _targets.Add(target, hints);
        }

        entry = new Entry((byte[])bucket.Clone(), (byte[])key.Clone(), set, hints.NextSequence++);
        hints.ByKey.Add(id, entry);
        hints.BySequence.Add(entry.Sequence, entry);
        Invariant.Check(hints.ByKey.Count == hints.BySequence.Count && hints.ByKey.Count <= HintsPerTargetMax);
        refusal = null;
        return true;
    }

    /// <inheritdoc/>
    public IReadOnlyList<Hint> Peek(NodeId target, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (!_targets.TryGetValue(target, out var hints))
        {
            return [];
        }

        return hints.BySequence.Values.Take(max).Select(e => new Hint(target, e.Bucket, e.Key, e.Set)).ToList();
    }

    /// <inheritdoc/>
    public void Remove(NodeId target, byte[] bucket, byte[] key, SiblingSet delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        var id = Compose(bucket, key);
        if (!_targets.TryGetValue(target, out var hints) || !hints.ByKey.TryGetValue(id, out var entry))
        {
            return;
        }

        // A write hinted while the delivery was in flight is not in the delivered set; it stays for the next round.
        if (!ReferenceEquals(entry.Set, delivered) && !delivered.Merge(entry.Set).Equals(delivered))
        {
            return;
        }

        hints.ByKey.Remove(id);
        hints.BySequence.Remove(entry.Sequence);
        if (hints.ByKey.Count == 0)
        {
            _targets.Remove(target);
        }
    }

    /// <inheritdoc/>
    public SiblingSet? Find(NodeId target, byte[] bucket, byte[] key) =>
        _targets.TryGetValue(target, out var hints) && hints.ByKey.TryGetValue(Compose(bucket, key), out var entry)
            ? entry.Set
            : null;

    /// <summary>The bucket's length (two bytes), the bucket and the key: one dictionary key per (bucket, key).</summary>
    private static byte[] Compose(byte[] bucket, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        var id = new byte[2 + bucket.Length + key.Length];
        id[0] = (byte)(bucket.Length >> 8);
        id[1] = (byte)bucket.Length;
        bucket.CopyTo(id, 2);
        key.CopyTo(id, 2 + bucket.Length);
        return id;
    }

    private sealed class Entry(byte[] bucket, byte[] key, SiblingSet set, long sequence)
    {
        public byte[] Bucket { get; } = bucket;

        public byte[] Key { get; } = key;

        public SiblingSet Set { get; set; } = set;

        public long Sequence { get; } = sequence;
    }

    private sealed class TargetHints
    {
        public Dictionary<byte[], Entry> ByKey { get; } = new(ByteArrayComparer.Instance);

        public SortedDictionary<long, Entry> BySequence { get; } = [];

        public long NextSequence { get; set; }
    }
}
