using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// A replica store in memory: for tests and simulation, and until the durable engine exists. Not thread-safe.
/// Copies the bucket and key bytes of a new key, so callers may reuse their buffers.
/// </summary>
public sealed class InMemoryReplicaStore : IReplicaStore
{
    private readonly Dictionary<byte[], Dictionary<byte[], SiblingSet>> _buckets = new(ByteArrayComparer.Instance);

    /// <inheritdoc/>
    public long KeyCount { get; private set; }

    /// <inheritdoc/>
    public string? Failure => null;

    /// <inheritdoc/>
    public SiblingSet? Read(byte[] bucket, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        return _buckets.TryGetValue(bucket, out var keys) && keys.TryGetValue(key, out var set) ? set : null;
    }

    /// <inheritdoc/>
    public void Write(byte[] bucket, byte[] key, SiblingSet set)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(set);
        if (!_buckets.TryGetValue(bucket, out var keys))
        {
            keys = new Dictionary<byte[], SiblingSet>(ByteArrayComparer.Instance);
            _buckets.Add((byte[])bucket.Clone(), keys);
        }

        if (keys.ContainsKey(key))
        {
            keys[key] = set;
        }
        else
        {
            keys.Add((byte[])key.Clone(), set);
            KeyCount++;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<(byte[] Bucket, byte[] Key)> Keys()
    {
        foreach (var (bucket, keys) in _buckets)
        {
            foreach (var key in keys.Keys)
            {
                yield return (bucket, key);
            }
        }
    }

    /// <summary>Every (bucket, key, set) held, in no particular order: for checks in tests.</summary>
    public IEnumerable<(byte[] Bucket, byte[] Key, SiblingSet Set)> Entries()
    {
        foreach (var (bucket, keys) in _buckets)
        {
            foreach (var (key, set) in keys)
            {
                yield return (bucket, key, set);
            }
        }
    }
}
