using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.AntiEntropy;

/// <summary>
/// The hash trees of every partition this node holds keys of, allocated when a partition's first key is seen.
/// <see cref="Load"/> registers the store's keys in one pass; <see cref="Build"/> then hashes them a budget at a time,
/// so a node starts without reading every value first. A partition without a tree is empty, and ready.
/// </summary>
internal sealed class PartitionTrees
{
    private readonly Dictionary<int, HashTree> _trees = [];
    private readonly Queue<HashTree> _building = new();
    private readonly Dictionary<byte[], byte[]> _bucketNames = new(ByteArrayComparer.Instance);
    private readonly Ring _ring;

    public PartitionTrees(Ring ring) => _ring = ring;

    /// <summary>Trees not yet ready.</summary>
    public int UnreadyCount => _building.Count;

    /// <summary>Trees allocated.</summary>
    public int Count => _trees.Count;

    /// <summary>
    /// Registers every key of <paramref name="store"/> (one pass over its key directory, no values read) in the tree
    /// of its partition; the trees stay unready until <see cref="Build"/> has hashed them.
    /// </summary>
    public void Load(IReplicaStore store)
    {
        foreach (var (bucket, key) in store.Keys())
        {
            var keyHash = KeyHash.Of(bucket, key);
            var partition = _ring.PartitionOf(keyHash);
            if (!_trees.TryGetValue(partition, out var tree))
            {
                tree = new HashTree(partition);
                tree.StartBuild();
                _trees.Add(partition, tree);
            }

            // The store's own arrays: they live as long as the key does, and keys are never removed.
            tree.Add(_bucketNames.TryGetValue(bucket, out var name) ? name : Intern(bucket), key, keyHash, 0);
        }

        foreach (var tree in _trees.Values.OrderBy(t => t.Partition))
        {
            _building.Enqueue(tree);
        }
    }

    /// <summary>Hashes up to <paramref name="budget"/> keys of unready trees, in partition order; returns how many.</summary>
    public int Build(IReplicaStore store, int budget)
    {
        var done = 0;
        while (done < budget && _building.TryPeek(out var tree))
        {
            done += tree.Build(store, budget - done);
            if (tree.Ready)
            {
                _building.Dequeue();
            }
        }

        return done;
    }

    /// <summary>The tree of a partition, or null when the node has no key in it.</summary>
    public HashTree? Get(int partition) => _trees.GetValueOrDefault(partition);

    /// <summary>True when the partition's tree can be compared (built, or no key at all).</summary>
    public bool IsReady(int partition) => !_trees.TryGetValue(partition, out var tree) || tree.Ready;

    /// <summary>The root of a partition's tree; 0 for a partition without keys.</summary>
    public ulong RootOf(int partition) => _trees.TryGetValue(partition, out var tree) ? tree.Root : 0;

    /// <summary>A key's copy changed to <paramref name="set"/> on this node: updates its tree in O(1).</summary>
    public void OnWrite(byte[] bucket, byte[] key, SiblingSet set)
    {
        var keyHash = KeyHash.Of(bucket, key);
        var partition = _ring.PartitionOf(keyHash);
        if (!_trees.TryGetValue(partition, out var tree))
        {
            tree = new HashTree(partition);
            _trees.Add(partition, tree);
        }

        var versionHash = TreeHashing.VersionHash(set);
        var entry = tree.Find(bucket, key, keyHash);
        if (entry is null)
        {
            // The caller's arrays may be reused, so a new key's names are copied (bucket names once per bucket).
            tree.Add(_bucketNames.TryGetValue(bucket, out var name) ? name : Intern(bucket), (byte[])key.Clone(), keyHash, versionHash);
        }
        else
        {
            tree.Set(entry, versionHash);
        }
    }

    private byte[] Intern(byte[] bucket)
    {
        var copy = (byte[])bucket.Clone();
        _bucketNames.Add(copy, copy);
        return copy;
    }
}
