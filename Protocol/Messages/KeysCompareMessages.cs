namespace Dynamo.Protocol;

/// <summary>A key and the hash of its holder's version, to encode in a <see cref="KeysCompareRequest"/>.</summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="versionHash">The hash of the holder's version of the key.</param>
public readonly struct KeyVersionEntry(ReadOnlyMemory<byte> bucket, ReadOnlyMemory<byte> key, ulong versionHash)
{
    /// <summary>The bucket.</summary>
    public ReadOnlyMemory<byte> Bucket { get; } = bucket;

    /// <summary>The key.</summary>
    public ReadOnlyMemory<byte> Key { get; } = key;

    /// <summary>The hash of the holder's version of the key.</summary>
    public ulong VersionHash { get; } = versionHash;
}

/// <summary>A key of a <see cref="KeysCompareRequest"/> as read: a view whose fields are slices of the payload.</summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="versionHash">The hash of the holder's version of the key.</param>
public readonly ref struct KeyVersionSpan(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ulong versionHash)
{
    /// <summary>The bucket.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = bucket;

    /// <summary>The key.</summary>
    public ReadOnlySpan<byte> Key { get; } = key;

    /// <summary>The hash of the holder's version of the key.</summary>
    public ulong VersionHash { get; } = versionHash;
}

/// <summary>
/// A replica's copy of a key, to encode in a <see cref="KeysCompareReply"/>; an empty object means the replica holds
/// nothing for the key.
/// </summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="object">The encoded sibling set, or empty.</param>
public readonly struct KeyCopyEntry(ReadOnlyMemory<byte> bucket, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> @object)
{
    /// <summary>The bucket.</summary>
    public ReadOnlyMemory<byte> Bucket { get; } = bucket;

    /// <summary>The key.</summary>
    public ReadOnlyMemory<byte> Key { get; } = key;

    /// <summary>The encoded sibling set (defined by the engine), or empty when the replica holds nothing.</summary>
    public ReadOnlyMemory<byte> Object { get; } = @object;
}

/// <summary>A key copy of a <see cref="KeysCompareReply"/> as read: a view whose fields are slices of the payload.</summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="object">The encoded sibling set, or empty.</param>
public readonly ref struct KeyCopySpan(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> @object)
{
    /// <summary>The bucket.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = bucket;

    /// <summary>The key.</summary>
    public ReadOnlySpan<byte> Key { get; } = key;

    /// <summary>The encoded sibling set, or empty when the replica holds nothing for the key.</summary>
    public ReadOnlySpan<byte> Object { get; } = @object;

    /// <summary>Whether the replica holds nothing for the key.</summary>
    public bool IsAbsent => Object.IsEmpty;
}

/// <summary>
/// Anti-entropy, the last step: the initiator's keys, with version hashes, in some tree leaves (segments) whose hashes
/// differ. Reply: <see cref="KeysCompareReply"/>.
/// <code>
/// +----------------+------------+   segments: 0 to SegmentsMax; keys: 0 to KeyVersionsMax;
/// |    segments    |    keys    |   the whole payload at most UncompressedFrameBytesMax
/// | list (segment) | list (key) |
/// +----------------+------------+
/// segment: | partition varint | index varint |
/// key:     +--------+-------+--------------+
///          | bucket |  key  | version hash |
///          | bytes  | bytes |     u64      |
///          +--------+-------+--------------+
/// </code>
/// </summary>
public readonly ref struct KeysCompareRequest : IMessage<KeysCompareRequest>
{
    private const string SegmentsField = "segment count";
    private const string KeysField = "key count";

    private readonly MessageList<TreeNodeCodec, TreeNode, TreeNode> _segments;
    private readonly MessageList<KeyVersionCodec, KeyVersionEntry, KeyVersionSpan> _keys;

    /// <summary>Builds a keys comparison; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    public KeysCompareRequest(ReadOnlySpan<TreeNode> segments, ReadOnlySpan<KeyVersionEntry> keys)
        : this(
            MessageList<TreeNodeCodec, TreeNode, TreeNode>.Of(segments, ProtocolLimits.SegmentsMax, SegmentsField),
            MessageList<KeyVersionCodec, KeyVersionEntry, KeyVersionSpan>.Of(keys, ProtocolLimits.KeyVersionsMax, KeysField))
    {
        MessageFields.CheckPayloadLength(_segments.Length + _keys.Length, "keys compare");
    }

    private KeysCompareRequest(
        MessageList<TreeNodeCodec, TreeNode, TreeNode> segments, MessageList<KeyVersionCodec, KeyVersionEntry, KeyVersionSpan> keys)
    {
        _segments = segments;
        _keys = keys;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.KeysCompare;

    /// <summary>The number of segments.</summary>
    public int SegmentCount => _segments.Count;

    /// <summary>The number of keys.</summary>
    public int KeyCount => _keys.Count;

    /// <summary>The segments (tree leaves) compared, without allocating.</summary>
    public MessageList<TreeNodeCodec, TreeNode, TreeNode> Segments => _segments;

    /// <summary>The initiator's keys in those segments, without allocating.</summary>
    public MessageList<KeyVersionCodec, KeyVersionEntry, KeyVersionSpan> Keys => _keys;

    /// <inheritdoc/>
    public int Length => (int)(_segments.Length + _keys.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        _segments.WriteTo(ref writer);
        _keys.WriteTo(ref writer);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static KeysCompareRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var segments = MessageList<TreeNodeCodec, TreeNode, TreeNode>.Read(ref reader, ProtocolLimits.SegmentsMax, SegmentsField);
        var keys = MessageList<KeyVersionCodec, KeyVersionEntry, KeyVersionSpan>.Read(ref reader, ProtocolLimits.KeyVersionsMax, KeysField);
        reader.EnsureEnd();
        return new KeysCompareRequest(segments, keys);
    }
}

/// <summary>
/// The reply to <see cref="KeysCompareRequest"/>: the peer's copy of every key of the segments that it holds
/// differently from the initiator, or that only one side holds.
/// <code>
/// +-------------+   copies: 0 to KeyCopiesMax; the whole payload at most UncompressedFrameBytesMax
/// |   copies    |
/// | list (copy) |
/// +-------------+
/// copy: +--------+-------+--------+   object: opaque encoded sibling set; empty = the peer holds nothing
///       | bucket |  key  | object |
///       | bytes  | bytes | bytes  |
///       +--------+-------+--------+
/// </code>
/// </summary>
public readonly ref struct KeysCompareReply : IMessage<KeysCompareReply>
{
    private const string CopiesField = "key copy count";

    private readonly MessageList<KeyCopyCodec, KeyCopyEntry, KeyCopySpan> _copies;

    /// <summary>
    /// Builds a keys comparison reply; throws <see cref="ProtocolException"/> when a field, the count or the whole
    /// payload is over its limit.
    /// </summary>
    public KeysCompareReply(ReadOnlySpan<KeyCopyEntry> copies)
        : this(MessageList<KeyCopyCodec, KeyCopyEntry, KeyCopySpan>.Of(copies, ProtocolLimits.KeyCopiesMax, CopiesField))
    {
        MessageFields.CheckPayloadLength(_copies.Length, "keys compare reply");
    }

    private KeysCompareReply(MessageList<KeyCopyCodec, KeyCopyEntry, KeyCopySpan> copies) => _copies = copies;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.KeysCompareReply;

    /// <summary>The number of key copies.</summary>
    public int Count => _copies.Count;

    /// <summary>The key copies in order, without allocating.</summary>
    public MessageList<KeyCopyCodec, KeyCopyEntry, KeyCopySpan> Copies => _copies;

    /// <inheritdoc/>
    public int Length => (int)_copies.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        _copies.WriteTo(ref writer);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static KeysCompareReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var copies = MessageList<KeyCopyCodec, KeyCopyEntry, KeyCopySpan>.Read(ref reader, ProtocolLimits.KeyCopiesMax, CopiesField);
        reader.EnsureEnd();
        return new KeysCompareReply(copies);
    }
}

/// <summary>The list element of <see cref="KeysCompareRequest.Keys"/>: bucket, key and version hash.</summary>
public readonly struct KeyVersionCodec : IElementCodec<KeyVersionEntry, KeyVersionSpan>
{
    static KeyVersionSpan IElementCodec<KeyVersionEntry, KeyVersionSpan>.View(scoped in KeyVersionEntry value) =>
        new(value.Bucket.Span, value.Key.Span, value.VersionHash);

    static void IElementCodec<KeyVersionEntry, KeyVersionSpan>.Check(scoped KeyVersionSpan element) =>
        MessageFields.CheckKey(element.Bucket, element.Key);

    static int IElementCodec<KeyVersionEntry, KeyVersionSpan>.Size(scoped KeyVersionSpan element) =>
        MessageWriter.KeySize(element.Bucket, element.Key) + sizeof(ulong);

    static void IElementCodec<KeyVersionEntry, KeyVersionSpan>.Write(ref MessageWriter writer, KeyVersionSpan element)
    {
        writer.WriteKey(element.Bucket, element.Key);
        writer.WriteU64(element.VersionHash);
    }

    static KeyVersionSpan IElementCodec<KeyVersionEntry, KeyVersionSpan>.Read(scoped ref MessageReader reader)
    {
        reader.ReadKey(out var bucket, out var key);
        return new KeyVersionSpan(bucket, key, reader.ReadU64("version hash"));
    }
}

/// <summary>The list element of <see cref="KeysCompareReply.Copies"/>: bucket, key and object (empty when absent).</summary>
public readonly struct KeyCopyCodec : IElementCodec<KeyCopyEntry, KeyCopySpan>
{
    static KeyCopySpan IElementCodec<KeyCopyEntry, KeyCopySpan>.View(scoped in KeyCopyEntry value) =>
        new(value.Bucket.Span, value.Key.Span, value.Object.Span);

    static void IElementCodec<KeyCopyEntry, KeyCopySpan>.Check(scoped KeyCopySpan element)
    {
        MessageFields.CheckKey(element.Bucket, element.Key);
        MessageFields.CheckLength(element.Object, ProtocolLimits.ObjectBytesMax, MessageFields.Object);
    }

    static int IElementCodec<KeyCopyEntry, KeyCopySpan>.Size(scoped KeyCopySpan element) =>
        MessageWriter.KeySize(element.Bucket, element.Key) + MessageWriter.BytesSize(element.Object.Length);

    static void IElementCodec<KeyCopyEntry, KeyCopySpan>.Write(ref MessageWriter writer, KeyCopySpan element)
    {
        writer.WriteKey(element.Bucket, element.Key);
        writer.WriteBytes(element.Object);
    }

    static KeyCopySpan IElementCodec<KeyCopyEntry, KeyCopySpan>.Read(scoped ref MessageReader reader)
    {
        reader.ReadKey(out var bucket, out var key);
        return new KeyCopySpan(bucket, key, reader.ReadObject());
    }
}
