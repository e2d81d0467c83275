using Dynamo.Engine.Cluster;

namespace Dynamo.Engine.AntiEntropy;

/// <summary>One key a hash tree knows: its names, its key hash and the version hash it contributes.</summary>
internal sealed class TreeKey(byte[] bucket, byte[] key, ulong keyHash)
{
    public byte[] Bucket { get; } = bucket;

    public byte[] Key { get; } = key;

    public ulong KeyHash { get; } = keyHash;

    /// <summary>The version hash last folded into the tree; 0 for an absent key or an empty set.</summary>
    public ulong VersionHash { get; set; }

    /// <summary>False while the tree's build has not read this key yet: its hash is not in the tree.</summary>
    public bool Hashed { get; set; }

    /// <summary>The next key with the same key hash (a 64-bit collision), or null.</summary>
    public TreeKey? Next { get; set; }

    public bool Is(byte[] bucket, byte[] key) => Bucket.AsSpan().SequenceEqual(bucket) && Key.AsSpan().SequenceEqual(key);
}

/// <summary>
/// The hash tree of one partition's replica on this node (Riak's "tictac" trees): a root over
/// <see cref="TreeHashing.Branches"/> branches over <see cref="TreeHashing.LeavesPerBranch"/> leaves each. A leaf is the
/// XOR of the item hashes of its keys, a branch the XOR of its leaves, the root the XOR of its branches, so a write
/// updates the tree in O(1) by XOR-ing the difference of the key's old and new item hash into its leaf, branch and
/// root. The tree also keeps its keys, per leaf, so the keys of a leaf are found without scanning the store.
/// </summary>
internal sealed class HashTree
{
    private readonly ulong[] _branches = new ulong[TreeHashing.Branches];
    private readonly ulong[] _leaves = new ulong[TreeHashing.Leaves];
    private readonly List<TreeKey>?[] _leafKeys = new List<TreeKey>?[TreeHashing.Leaves];
    private readonly Dictionary<ulong, TreeKey> _keys = [];
    private List<TreeKey>? _unbuilt;
    private int _built;

    public HashTree(int partition) => Partition = partition;

    /// <summary>The ring partition.</summary>
    public int Partition { get; }

    /// <summary>The root hash.</summary>
    public ulong Root { get; private set; }

    /// <summary>True once every key known has been hashed into the tree; only a ready tree is compared.</summary>
    public bool Ready => _unbuilt is null;

    /// <summary>Keys the tree knows (present or not).</summary>
    public int KeyCount => _keys.Count;

    /// <summary>The hash of a branch.</summary>
    public ulong Branch(int index) => _branches[index];

    /// <summary>The hash of a leaf (numbered 0 to 1,023 across the partition).</summary>
    public ulong Leaf(int index) => _leaves[index];

    /// <summary>The hash of the tree node at <paramref name="level"/> (0 root, 1 branch, 2 leaf) and <paramref name="index"/>.</summary>
    public ulong HashAt(int level, int index) => level switch
    {
        0 => Root,
        1 => _branches[index],
        _ => _leaves[index],
    };

    /// <summary>The keys in a leaf; the list is the tree's own and changes with later writes.</summary>
    public IReadOnlyList<TreeKey> KeysIn(int leaf) => _leafKeys[leaf] ?? (IReadOnlyList<TreeKey>)[];

    /// <summary>The key with these names, or null when the tree does not know it.</summary>
    public TreeKey? Find(byte[] bucket, byte[] key, ulong keyHash)
    {
        for (var entry = _keys.GetValueOrDefault(keyHash); entry is not null; entry = entry.Next)
        {
            if (entry.Is(bucket, key))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Adds a key the tree did not know. In a ready tree its hash is folded in now; otherwise it joins the keys the
    /// build will read from the store.
    /// </summary>
    public TreeKey Add(byte[] bucket, byte[] key, ulong keyHash, ulong versionHash)
    {
        var entry = new TreeKey(bucket, key, keyHash);
        if (_keys.TryGetValue(keyHash, out var first))
        {
            entry.Next = first.Next;
            first.Next = entry;
        }
        else
        {
            _keys.Add(keyHash, entry);
        }

        var leaf = TreeHashing.LeafOf(keyHash);
        (_leafKeys[leaf] ??= []).Add(entry);
        if (_unbuilt is null)
        {
            Set(entry, versionHash);
        }
        else
        {
            _unbuilt.Add(entry);
        }

        return entry;
    }

    /// <summary>Marks the tree as unready: the keys added from now on are hashed by <see cref="Build"/>.</summary>
    public void StartBuild() => _unbuilt ??= [];

    /// <summary>
    /// Replaces the version hash of a key the tree holds, XOR-ing the change of its item hash into its leaf, branch
    /// and root. A key the build has not read yet is left to the build, which reads the latest copy.
    /// </summary>
    public void Set(TreeKey entry, ulong versionHash)
    {
        if (!entry.Hashed && _unbuilt is not null)
        {
            return;
        }

        var delta = TreeHashing.ItemHash(entry.KeyHash, entry.VersionHash) ^ TreeHashing.ItemHash(entry.KeyHash, versionHash);
        entry.VersionHash = versionHash;
        entry.Hashed = true;
        var leaf = TreeHashing.LeafOf(entry.KeyHash);
        _leaves[leaf] ^= delta;
        _branches[TreeHashing.BranchOf(leaf)] ^= delta;
        Root ^= delta;
    }

    /// <summary>
    /// Hashes up to <paramref name="budget"/> keys not yet read, reading each key's current copy from
    /// <paramref name="store"/>; the tree is ready when none is left. Returns the keys hashed.
    /// </summary>
    public int Build(IReplicaStore store, int budget)
    {
        if (_unbuilt is null)
        {
            return 0;
        }

        var done = 0;
        while (done < budget && _built < _unbuilt.Count)
        {
            var entry = _unbuilt[_built++];
            var versionHash = TreeHashing.VersionHash(store.Read(entry.Bucket, entry.Key));
            entry.Hashed = true;
            var delta = TreeHashing.ItemHash(entry.KeyHash, versionHash);
            entry.VersionHash = versionHash;
            var leaf = TreeHashing.LeafOf(entry.KeyHash);
            _leaves[leaf] ^= delta;
            _branches[TreeHashing.BranchOf(leaf)] ^= delta;
            Root ^= delta;
            done++;
        }

        if (_built == _unbuilt.Count)
        {
            _unbuilt = null;
            _built = 0;
        }

        return done;
    }
}
