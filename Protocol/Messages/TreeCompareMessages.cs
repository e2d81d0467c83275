namespace Dynamo.Protocol;

/// <summary>A hash of one node of a partition's hash tree, as anti-entropy sends it.</summary>
/// <param name="Partition">The ring partition, below <see cref="ProtocolLimits.PartitionsMax"/>.</param>
/// <param name="Index">The node's index within its level, 0 to <see cref="int.MaxValue"/>.</param>
/// <param name="Hash">The node's hash.</param>
public readonly record struct TreeNodeHash(int Partition, int Index, ulong Hash);

/// <summary>One node of a partition's hash tree (a leaf of it is a segment), without its hash.</summary>
/// <param name="Partition">The ring partition, below <see cref="ProtocolLimits.PartitionsMax"/>.</param>
/// <param name="Index">The node's index within its level, 0 to <see cref="int.MaxValue"/>.</param>
public readonly record struct TreeNode(int Partition, int Index);

/// <summary>
/// Anti-entropy, one level of a tree descent: the initiator's hashes of some tree nodes at one level. Reply:
/// <see cref="TreeCompareReply"/>.
/// <code>
/// +-------+--------+--------+-----+
/// | level | count  | hash 0 | ... |   level: 0 (roots), 1 (branches) or 2 (leaves); count: 0 to TreeHashesMax
/// |  u8   | varint |        |     |
/// +-------+--------+--------+-----+
/// hash: +-----------+--------+------+   partition: below PartitionsMax
///       | partition | index  | hash |   index: 0 to 2^31 - 1
///       |  varint   | varint | u64  |
///       +-----------+--------+------+
/// </code>
/// </summary>
public readonly ref struct TreeCompareRequest : IMessage<TreeCompareRequest>
{
    private readonly ReadOnlySpan<TreeNodeHash> _hashes;
    private readonly ReadOnlySpan<byte> _encoded;
    private readonly bool _fromPayload;
    private readonly int _length;

    /// <summary>Builds a tree comparison; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    public TreeCompareRequest(int level, ReadOnlySpan<TreeNodeHash> hashes)
    {
        CheckLevel((uint)level);
        MessageFields.CheckCount(hashes.Length, ProtocolLimits.TreeHashesMax, TreeFields.HashesField);
        var length = 1 + Leb128.Size((uint)hashes.Length);
        foreach (var hash in hashes)
        {
            length += TreeFields.NodeSize(hash.Partition, hash.Index) + sizeof(ulong);
        }

        Level = level;
        Count = hashes.Length;
        _hashes = hashes;
        _encoded = default;
        _fromPayload = false;
        _length = length;
    }

    private TreeCompareRequest(int level, int count, ReadOnlySpan<byte> encoded, int length)
    {
        Level = level;
        Count = count;
        _hashes = default;
        _encoded = encoded;
        _fromPayload = true;
        _length = length;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.TreeCompare;

    /// <summary>The tree level compared: 0 to <see cref="ProtocolLimits.TreeLevelMax"/>.</summary>
    public int Level { get; }

    /// <summary>The number of hashes.</summary>
    public int Count { get; }

    /// <summary>The hashes in order, without allocating.</summary>
    public TreeNodeHashEnumerator Hashes =>
        _fromPayload ? new TreeNodeHashEnumerator(_encoded, Count) : new TreeNodeHashEnumerator(_hashes);

    /// <inheritdoc/>
    public int Length => _length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, _length);
        writer.WriteU8((byte)Level);
        writer.WriteVarint((uint)Count);
        if (_fromPayload)
        {
            writer.WriteRaw(_encoded);
        }
        else
        {
            foreach (var hash in _hashes)
            {
                TreeFields.WriteNode(ref writer, hash.Partition, hash.Index);
                writer.WriteU64(hash.Hash);
            }
        }

        writer.Finish();
    }

    /// <inheritdoc/>
    public static TreeCompareRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var level = reader.ReadU8("level");
        CheckLevel(level);
        var count = reader.ReadCount(ProtocolLimits.TreeHashesMax, TreeFields.HashesField);
        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            TreeFields.ReadNode(ref reader);
            reader.ReadU64("hash");
        }

        var encoded = reader.Between(start, reader.Position);
        reader.EnsureEnd();
        return new TreeCompareRequest(level, count, encoded, payload.Length);
    }

    private static void CheckLevel(uint level)
    {
        if (level > ProtocolLimits.TreeLevelMax)
        {
            throw MessageErrors.BadRequest($"The tree level {level} is not 0, 1 or 2.");
        }
    }
}

/// <summary>
/// The reply to <see cref="TreeCompareRequest"/>: the tree nodes whose hashes differ from the peer's, and the
/// partitions whose tree the peer has not finished building.
/// <code>
/// +--------+--------+-----+--------+-----------+-----+
/// | count  | node 0 | ... | count  | partition | ... |   differing: 0 to TreeHashesMax; unready: 0 to PartitionsMax
/// | varint |        |     | varint |  varint   |     |
/// +--------+--------+-----+--------+-----------+-----+
/// node: | partition varint | index varint |
/// </code>
/// </summary>
public readonly ref struct TreeCompareReply : IMessage<TreeCompareReply>
{
    private const string UnreadyField = "unready partition count";

    private readonly ReadOnlySpan<TreeNode> _differing;
    private readonly ReadOnlySpan<int> _unready;
    private readonly ReadOnlySpan<byte> _encodedDiffering;
    private readonly ReadOnlySpan<byte> _encodedUnready;
    private readonly bool _fromPayload;
    private readonly int _length;

    /// <summary>Builds a tree comparison reply; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    public TreeCompareReply(ReadOnlySpan<TreeNode> differing, ReadOnlySpan<int> unready)
    {
        MessageFields.CheckCount(differing.Length, ProtocolLimits.TreeHashesMax, TreeFields.NodesField);
        MessageFields.CheckCount(unready.Length, ProtocolLimits.PartitionsMax, UnreadyField);
        var length = Leb128.Size((uint)differing.Length) + Leb128.Size((uint)unready.Length);
        foreach (var node in differing)
        {
            length += TreeFields.NodeSize(node.Partition, node.Index);
        }

        foreach (var partition in unready)
        {
            TreeFields.CheckPartition((uint)partition);
            length += Leb128.Size((uint)partition);
        }

        DifferingCount = differing.Length;
        UnreadyCount = unready.Length;
        _differing = differing;
        _unready = unready;
        _encodedDiffering = default;
        _encodedUnready = default;
        _fromPayload = false;
        _length = length;
    }

    private TreeCompareReply(
        int differingCount, ReadOnlySpan<byte> encodedDiffering, int unreadyCount, ReadOnlySpan<byte> encodedUnready, int length)
    {
        DifferingCount = differingCount;
        UnreadyCount = unreadyCount;
        _differing = default;
        _unready = default;
        _encodedDiffering = encodedDiffering;
        _encodedUnready = encodedUnready;
        _fromPayload = true;
        _length = length;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.TreeCompareReply;

    /// <summary>The number of differing tree nodes.</summary>
    public int DifferingCount { get; }

    /// <summary>The number of unready partitions.</summary>
    public int UnreadyCount { get; }

    /// <summary>The differing tree nodes in order, without allocating.</summary>
    public TreeNodeEnumerator Differing =>
        _fromPayload ? new TreeNodeEnumerator(_encodedDiffering, DifferingCount) : new TreeNodeEnumerator(_differing);

    /// <summary>The unready partitions in order, without allocating.</summary>
    public PartitionEnumerator Unready =>
        _fromPayload ? new PartitionEnumerator(_encodedUnready, UnreadyCount) : new PartitionEnumerator(_unready);

    /// <inheritdoc/>
    public int Length => _length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, _length);
        writer.WriteVarint((uint)DifferingCount);
        if (_fromPayload)
        {
            writer.WriteRaw(_encodedDiffering);
            writer.WriteVarint((uint)UnreadyCount);
            writer.WriteRaw(_encodedUnready);
        }
        else
        {
            foreach (var node in _differing)
            {
                TreeFields.WriteNode(ref writer, node.Partition, node.Index);
            }

            writer.WriteVarint((uint)UnreadyCount);
            foreach (var partition in _unready)
            {
                writer.WriteVarint((uint)partition);
            }
        }

        writer.Finish();
    }

    /// <inheritdoc/>
    public static TreeCompareReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var differing = reader.ReadCount(ProtocolLimits.TreeHashesMax, TreeFields.NodesField);
        var start = reader.Position;
        for (var i = 0; i < differing; i++)
        {
            TreeFields.ReadNode(ref reader);
        }

        var encodedDiffering = reader.Between(start, reader.Position);
        var unready = reader.ReadCount(ProtocolLimits.PartitionsMax, UnreadyField);
        start = reader.Position;
        for (var i = 0; i < unready; i++)
        {
            TreeFields.ReadPartition(ref reader);
        }

        var encodedUnready = reader.Between(start, reader.Position);
        reader.EnsureEnd();
        return new TreeCompareReply(differing, encodedDiffering, unready, encodedUnready, payload.Length);
    }
}

/// <summary>The encoding of tree nodes shared by the anti-entropy messages.</summary>
internal static class TreeFields
{
    public const string HashesField = "tree hash count";
    public const string NodesField = "tree node count";
    public const string PartitionField = "partition";
    public const string IndexField = "tree node index";

    public static void CheckPartition(uint partition)
    {
        if (partition >= ProtocolLimits.PartitionsMax)
        {
            throw MessageErrors.BadRequest($"The partition {partition} is not below {ProtocolLimits.PartitionsMax}.");
        }
    }

    public static void CheckIndex(uint index)
    {
        if (index > int.MaxValue)
        {
            throw MessageErrors.BadRequest($"The tree node index {index} is over 2^31 - 1.");
        }
    }

    /// <summary>The encoded size of a node; checks both fields.</summary>
    public static int NodeSize(int partition, int index)
    {
        CheckPartition((uint)partition);
        CheckIndex((uint)index);
        return Leb128.Size((uint)partition) + Leb128.Size((uint)index);
    }

    public static void WriteNode(ref MessageWriter writer, int partition, int index)
    {
        writer.WriteVarint((uint)partition);
        writer.WriteVarint((uint)index);
    }

    public static int ReadPartition(ref MessageReader reader)
    {
        var partition = reader.ReadVarint(PartitionField);
        CheckPartition(partition);
        return (int)partition;
    }

    public static TreeNode ReadNode(ref MessageReader reader)
    {
        var partition = ReadPartition(ref reader);
        var index = reader.ReadVarint(IndexField);
        CheckIndex(index);
        return new TreeNode(partition, (int)index);
    }
}

/// <summary>Walks the hashes of a <see cref="TreeCompareRequest"/> without allocating.</summary>
public ref struct TreeNodeHashEnumerator
{
    private readonly ReadOnlySpan<TreeNodeHash> _hashes;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal TreeNodeHashEnumerator(ReadOnlySpan<TreeNodeHash> hashes)
    {
        _hashes = hashes;
        _count = hashes.Length;
        _index = -1;
    }

    internal TreeNodeHashEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The hash at the current position.</summary>
    public TreeNodeHash Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly TreeNodeHashEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next hash.</summary>
    public bool MoveNext()
    {
        if (_index + 1 >= _count)
        {
            _index = _count;
            return false;
        }

        _index++;
        if (_fromPayload)
        {
            // Already validated by TreeCompareRequest.Read: these reads cannot fail.
            var node = TreeFields.ReadNode(ref _reader);
            Current = new TreeNodeHash(node.Partition, node.Index, _reader.ReadU64("hash"));
        }
        else
        {
            Current = _hashes[_index];
        }

        return true;
    }
}

/// <summary>Walks tree nodes (of a <see cref="TreeCompareReply"/> or a <see cref="KeysCompareRequest"/>) without allocating.</summary>
public ref struct TreeNodeEnumerator
{
    private readonly ReadOnlySpan<TreeNode> _nodes;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal TreeNodeEnumerator(ReadOnlySpan<TreeNode> nodes)
    {
        _nodes = nodes;
        _count = nodes.Length;
        _index = -1;
    }

    internal TreeNodeEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The node at the current position.</summary>
    public TreeNode Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly TreeNodeEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next node.</summary>
    public bool MoveNext()
    {
        if (_index + 1 >= _count)
        {
            _index = _count;
            return false;
        }

        _index++;
        Current = _fromPayload ? TreeFields.ReadNode(ref _reader) : _nodes[_index];
        return true;
    }
}

/// <summary>Walks the unready partitions of a <see cref="TreeCompareReply"/> without allocating.</summary>
public ref struct PartitionEnumerator
{
    private readonly ReadOnlySpan<int> _partitions;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal PartitionEnumerator(ReadOnlySpan<int> partitions)
    {
        _partitions = partitions;
        _count = partitions.Length;
        _index = -1;
    }

    internal PartitionEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The partition at the current position.</summary>
    public int Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly PartitionEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next partition.</summary>
    public bool MoveNext()
    {
        if (_index + 1 >= _count)
        {
            _index = _count;
            return false;
        }

        _index++;
        Current = _fromPayload ? TreeFields.ReadPartition(ref _reader) : _partitions[_index];
        return true;
    }
}
