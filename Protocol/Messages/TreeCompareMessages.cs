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
/// +-------+-------------+
/// | level |   hashes    |   level: 0 (roots), 1 (branches) or 2 (leaves)
/// |  u8   | list (hash) |   hashes: 0 to TreeHashesMax
/// +-------+-------------+
/// hash: +-----------+--------+------+   partition: below PartitionsMax
///       | partition | index  | hash |   index: 0 to 2^31 - 1
///       |  varint   | varint | u64  |
///       +-----------+--------+------+
/// </code>
/// </summary>
public readonly ref struct TreeCompareRequest : IMessage<TreeCompareRequest>
{
    private readonly MessageList<TreeNodeHashCodec, TreeNodeHash, TreeNodeHash> _hashes;

    /// <summary>Builds a tree comparison; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    public TreeCompareRequest(int level, ReadOnlySpan<TreeNodeHash> hashes)
        : this(CheckLevel((uint)level), MessageList<TreeNodeHashCodec, TreeNodeHash, TreeNodeHash>.Of(hashes, ProtocolLimits.TreeHashesMax, TreeFields.HashesField))
    {
    }

    private TreeCompareRequest(int level, MessageList<TreeNodeHashCodec, TreeNodeHash, TreeNodeHash> hashes)
    {
        Level = level;
        _hashes = hashes;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.TreeCompare;

    /// <summary>The tree level compared: 0 to <see cref="ProtocolLimits.TreeLevelMax"/>.</summary>
    public int Level { get; }

    /// <summary>The number of hashes.</summary>
    public int Count => _hashes.Count;

    /// <summary>The hashes in order, without allocating.</summary>
    public MessageList<TreeNodeHashCodec, TreeNodeHash, TreeNodeHash> Hashes => _hashes;

    /// <inheritdoc/>
    public int Length => 1 + (int)_hashes.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteU8((byte)Level);
        _hashes.WriteTo(ref writer);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static TreeCompareRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var level = CheckLevel(reader.ReadU8("level"));
        var hashes = MessageList<TreeNodeHashCodec, TreeNodeHash, TreeNodeHash>.Read(ref reader, ProtocolLimits.TreeHashesMax, TreeFields.HashesField);
        reader.EnsureEnd();
        return new TreeCompareRequest(level, hashes);
    }

    private static int CheckLevel(uint level)
    {
        if (level > ProtocolLimits.TreeLevelMax)
        {
            throw MessageErrors.BadRequest($"The tree level {level} is not 0, 1 or 2.");
        }

        return (int)level;
    }
}

/// <summary>
/// The reply to <see cref="TreeCompareRequest"/>: the tree nodes whose hashes differ from the peer's, and the
/// partitions whose tree the peer has not finished building.
/// <code>
/// +-------------+------------------+   differing: 0 to TreeHashesMax
/// |  differing  |     unready      |   unready: 0 to PartitionsMax
/// | list (node) | list (partition) |
/// +-------------+------------------+
/// node: | partition varint | index varint |      partition: varint
/// </code>
/// </summary>
public readonly ref struct TreeCompareReply : IMessage<TreeCompareReply>
{
    private const string UnreadyField = "unready partition count";

    private readonly MessageList<TreeNodeCodec, TreeNode, TreeNode> _differing;
    private readonly MessageList<PartitionCodec, int, int> _unready;

    /// <summary>Builds a tree comparison reply; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    public TreeCompareReply(ReadOnlySpan<TreeNode> differing, ReadOnlySpan<int> unready)
        : this(
            MessageList<TreeNodeCodec, TreeNode, TreeNode>.Of(differing, ProtocolLimits.TreeHashesMax, TreeFields.NodesField),
            MessageList<PartitionCodec, int, int>.Of(unready, ProtocolLimits.PartitionsMax, UnreadyField))
    {
    }

    private TreeCompareReply(MessageList<TreeNodeCodec, TreeNode, TreeNode> differing, MessageList<PartitionCodec, int, int> unready)
    {
        _differing = differing;
        _unready = unready;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.TreeCompareReply;

    /// <summary>The number of differing tree nodes.</summary>
    public int DifferingCount => _differing.Count;

    /// <summary>The number of unready partitions.</summary>
    public int UnreadyCount => _unready.Count;

    /// <summary>The differing tree nodes in order, without allocating.</summary>
    public MessageList<TreeNodeCodec, TreeNode, TreeNode> Differing => _differing;

    /// <summary>The unready partitions in order, without allocating.</summary>
    public MessageList<PartitionCodec, int, int> Unready => _unready;

    /// <inheritdoc/>
    public int Length => (int)(_differing.Length + _unready.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        _differing.WriteTo(ref writer);
        _unready.WriteTo(ref writer);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static TreeCompareReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var differing = MessageList<TreeNodeCodec, TreeNode, TreeNode>.Read(ref reader, ProtocolLimits.TreeHashesMax, TreeFields.NodesField);
        var unready = MessageList<PartitionCodec, int, int>.Read(ref reader, ProtocolLimits.PartitionsMax, UnreadyField);
        reader.EnsureEnd();
        return new TreeCompareReply(differing, unready);
    }
}

/// <summary>The list element of <see cref="TreeCompareRequest.Hashes"/>: a tree node and its hash.</summary>
public readonly struct TreeNodeHashCodec : IElementCodec<TreeNodeHash, TreeNodeHash>
{
    static TreeNodeHash IElementCodec<TreeNodeHash, TreeNodeHash>.View(scoped in TreeNodeHash value) => value;

    static void IElementCodec<TreeNodeHash, TreeNodeHash>.Check(TreeNodeHash element) =>
        TreeFields.CheckNode(element.Partition, element.Index);

    static int IElementCodec<TreeNodeHash, TreeNodeHash>.Size(TreeNodeHash element) =>
        TreeFields.NodeSize(element.Partition, element.Index) + sizeof(ulong);

    static void IElementCodec<TreeNodeHash, TreeNodeHash>.Write(ref MessageWriter writer, TreeNodeHash element)
    {
        TreeFields.WriteNode(ref writer, element.Partition, element.Index);
        writer.WriteU64(element.Hash);
    }

    static TreeNodeHash IElementCodec<TreeNodeHash, TreeNodeHash>.Read(scoped ref MessageReader reader)
    {
        var node = TreeFields.ReadNode(ref reader);
        return new TreeNodeHash(node.Partition, node.Index, reader.ReadU64("hash"));
    }
}

/// <summary>
/// The list element of <see cref="TreeCompareReply.Differing"/> and <see cref="KeysCompareRequest.Segments"/>: a tree
/// node.
/// </summary>
public readonly struct TreeNodeCodec : IElementCodec<TreeNode, TreeNode>
{
    static TreeNode IElementCodec<TreeNode, TreeNode>.View(scoped in TreeNode value) => value;

    static void IElementCodec<TreeNode, TreeNode>.Check(TreeNode element) =>
        TreeFields.CheckNode(element.Partition, element.Index);

    static int IElementCodec<TreeNode, TreeNode>.Size(TreeNode element) =>
        TreeFields.NodeSize(element.Partition, element.Index);

    static void IElementCodec<TreeNode, TreeNode>.Write(ref MessageWriter writer, TreeNode element) =>
        TreeFields.WriteNode(ref writer, element.Partition, element.Index);

    static TreeNode IElementCodec<TreeNode, TreeNode>.Read(scoped ref MessageReader reader) => TreeFields.ReadNode(ref reader);
}

/// <summary>The list element of <see cref="TreeCompareReply.Unready"/>: a partition, a varint below <see cref="ProtocolLimits.PartitionsMax"/>.</summary>
public readonly struct PartitionCodec : IElementCodec<int, int>
{
    static int IElementCodec<int, int>.View(scoped in int value) => value;

    static void IElementCodec<int, int>.Check(int element) => TreeFields.CheckPartition((uint)element);

    static int IElementCodec<int, int>.Size(int element) => Leb128.Size((uint)element);

    static void IElementCodec<int, int>.Write(ref MessageWriter writer, int element) => writer.WriteVarint((uint)element);

    static int IElementCodec<int, int>.Read(scoped ref MessageReader reader) => TreeFields.ReadPartition(ref reader);
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

    public static void CheckNode(int partition, int index)
    {
        CheckPartition((uint)partition);
        CheckIndex((uint)index);
    }

    /// <summary>The encoded size of a checked node.</summary>
    public static int NodeSize(int partition, int index) => Leb128.Size((uint)partition) + Leb128.Size((uint)index);

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
