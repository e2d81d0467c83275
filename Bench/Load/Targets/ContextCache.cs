using System.Collections.Concurrent;
using Dynamo.Client;

namespace Dynamo.Bench.Load;

/// <summary>
/// The latest causal context seen for each key, shared by every client of a <see cref="DynamoTarget"/>, so that an
/// update supersedes what the target last saw instead of adding a sibling (a blind write to an existing key is
/// concurrent with every version, Dynamo paper §4.4). Bounded: at <see cref="Capacity"/> entries a sixteenth of them,
/// arbitrary ones, is evicted, and a key without an entry is written blind.
/// </summary>
internal sealed class ContextCache
{
    private readonly ConcurrentDictionary<byte[], DynamoContext> _entries;
    private readonly ConcurrentDictionary<byte[], DynamoContext>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private int _count;

    /// <summary>Creates an empty cache holding at most <paramref name="capacity"/> keys.</summary>
    public ContextCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _entries = new ConcurrentDictionary<byte[], DynamoContext>(KeyComparer.Instance);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Most keys held.</summary>
    public int Capacity { get; }

    /// <summary>Keys held now, with the slots writers reserved and are about to fill.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The latest context seen for <paramref name="key"/>, or null.</summary>
    public DynamoContext? Get(ReadOnlySpan<byte> key) => _lookup.TryGetValue(key, out var context) ? context : null;

    /// <summary>Records <paramref name="context"/> as the latest seen for <paramref name="key"/>; an empty context is ignored.</summary>
    public void Set(ReadOnlySpan<byte> key, DynamoContext? context)
    {
        if (context is null || context.IsEmpty)
        {
            return;
        }

        if (_lookup.TryGetValue(key, out var storedKey, out var stored))
        {
            // Replaces the entry's value under the stored key (no allocation); losing a race to another update or
            // to an eviction only loses a context, which makes a later write blind.
            _entries.TryUpdate(storedKey, context, stored);
            return;
        }

        // Reserves a slot before adding, so that racing adders never take the cache past its capacity.
        while (true)
        {
            var count = Volatile.Read(ref _count);
            if (count >= Capacity)
            {
                EvictSome();
            }
            else if (Interlocked.CompareExchange(ref _count, count + 1, count) == count)
            {
                break;
            }
        }

        if (!_entries.TryAdd(key.ToArray(), context))
        {
            Interlocked.Decrement(ref _count); // another writer added the key meanwhile: its context is as recent
        }
    }

    /// <summary>
    /// Evicts a sixteenth of the capacity in one pass: enumeration starts at the first bucket every time, so evicting
    /// one entry per new key would scan ever more emptied buckets.
    /// </summary>
    private void EvictSome()
    {
        var toEvict = Math.Max(1, Capacity / 16);
        foreach (var entry in _entries)
        {
            if (_entries.TryRemove(entry.Key, out _))
            {
                Interlocked.Decrement(ref _count);
                if (--toEvict == 0)
                {
                    return;
                }
            }
        }

        // Nothing (more) to evict yet counted full: other writers hold reserved slots they are about to fill.
        Thread.Yield();
    }

    /// <summary>Compares keys by content, and byte arrays with spans so that lookups do not allocate.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
