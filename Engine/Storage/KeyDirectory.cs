using System.Runtime.InteropServices;
using Dynamo.Engine.Cluster;

namespace Dynamo.Engine.Storage;

/// <summary>Where the latest record of a key lives (Bitcask's keydir entry).</summary>
internal struct KeyEntry
{
    public byte[] Bucket;
    public byte[] Key;
    public ulong Sequence;
    public ulong SegmentId;
    public long Offset;
    public int Size;
    public RecordFlags Flags;

    /// <summary>The record failed its checksum on a read or in compaction; the key reads as absent.</summary>
    public bool CorruptOnRead;

    public readonly bool IsAbsent => CorruptOnRead || (Flags & RecordFlags.Lost) != 0;
}

/// <summary>The in-memory key directory: bucket → key → <see cref="KeyEntry"/>. Holds its own copies of the names.</summary>
internal sealed class KeyDirectory
{
    private readonly Dictionary<byte[], BucketKeys> _buckets = new(ByteArrayComparer.Instance);

    /// <summary>Keys whose entry is not absent.</summary>
    public long PresentKeys { get; set; }

    /// <summary>A reference to the entry of a key, or a null reference.</summary>
    public ref KeyEntry Find(byte[] bucket, byte[] key)
    {
        if (_buckets.TryGetValue(bucket, out var keys))
        {
            return ref CollectionsMarshal.GetValueRefOrNullRef(keys.Keys, key);
        }

        return ref System.Runtime.CompilerServices.Unsafe.NullRef<KeyEntry>();
    }

    /// <summary>The entry of a key, added (with copies of the names) when missing; <paramref name="added"/> says which.</summary>
    public ref KeyEntry FindOrAdd(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, out bool added)
    {
        var bucketArray = bucket.ToArray();
        if (!_buckets.TryGetValue(bucketArray, out var keys))
        {
            keys = new BucketKeys(bucketArray);
            _buckets.Add(bucketArray, keys);
        }

        var keyArray = key.ToArray();
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(keys.Keys, keyArray, out var exists);
        added = !exists;
        if (added)
        {
            entry.Bucket = keys.Bucket;
            entry.Key = keyArray;
        }

        return ref entry;
    }

    /// <summary>The entry of a key given as arrays the caller may reuse; copies them only when the key is new.</summary>
    public ref KeyEntry FindOrAdd(byte[] bucket, byte[] key, out bool added)
    {
        ref var entry = ref Find(bucket, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
        {
            added = false;
            return ref entry;
        }

        return ref FindOrAdd(bucket.AsSpan(), key.AsSpan(), out added);
    }

    /// <summary>Every entry, for compaction planning and tests.</summary>
    public IEnumerable<KeyEntry> Entries()
    {
        foreach (var keys in _buckets.Values)
        {
            foreach (var entry in keys.Keys.Values)
            {
                yield return entry;
            }
        }
    }

    /// <summary>The names of every key whose entry is not absent, as the directory's own arrays.</summary>
    public IEnumerable<(byte[] Bucket, byte[] Key)> PresentKeyNames()
    {
        foreach (var keys in _buckets.Values)
        {
            foreach (var entry in keys.Keys.Values)
            {
                if (!entry.IsAbsent)
                {
                    yield return (entry.Bucket, entry.Key);
                }
            }
        }
    }

    private sealed class BucketKeys(byte[] bucket)
    {
        public byte[] Bucket { get; } = bucket;

        public Dictionary<byte[], KeyEntry> Keys { get; } = new(ByteArrayComparer.Instance);
    }
}
