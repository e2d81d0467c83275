namespace Dynamo.Protocol;

/// <summary>A key and the hash of its holder's version, to encode in a <see cref="KeysCompareRequest"/>.</summary>
public readonly struct KeyVersionEntry
{
    /// <summary>Creates an entry.</summary>
    public KeyVersionEntry(ReadOnlyMemory<byte> bucket, ReadOnlyMemory<byte> key, ulong versionHash)
    {
        Bucket = bucket;
        Key = key;
        VersionHash = versionHash;
    }

    /// <summary>The bucket.</summary>
    public ReadOnlyMemory<byte> Bucket { get; }

    /// <summary>The key.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>The hash of the holder's version of the key.</summary>
    public ulong VersionHash { get; }
}

/// <summary>A key of a <see cref="KeysCompareRequest"/> as read: a view whose fields are slices of the payload.</summary>
public readonly ref struct KeyVersionSpan
{
    /// <summary>Creates a view.</summary>
    public KeyVersionSpan(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ulong versionHash)
    {
        Bucket = bucket;
        Key = key;
        VersionHash = versionHash;
    }

    /// <summary>The bucket.</summary>
    public ReadOnlySpan<byte> Bucket { get; }

    /// <summary>The key.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The hash of the holder's version of the key.</summary>
    public ulong VersionHash { get; }
}

/// <summary>A replica's copy of a key, to encode in a <see cref="KeysCompareReply"/>.</summary>
public readonly struct KeyCopyEntry
{
    /// <summary>Creates an entry; an empty <paramref name="object"/> means the replica holds nothing for the key.</summary>
    public KeyCopyEntry(ReadOnlyMemory<byte> bucket, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> @object)
    {
        Bucket = bucket;
        Key = key;
        Object = @object;
    }

    /// <summary>The bucket.</summary>
    public ReadOnlyMemory<byte> Bucket { get; }

    /// <summary>The key.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>The encoded sibling set (defined by the engine), or empty when the replica holds nothing.</summary>
    public ReadOnlyMemory<byte> Object { get; }
}

/// <summary>A key copy of a <see cref="KeysCompareReply"/> as read: a view whose fields are slices of the payload.</summary>
public readonly ref struct KeyCopySpan
{
    /// <summary>Creates a view.</summary>
    public KeyCopySpan(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> @object)
    {
        Bucket = bucket;
        Key = key;
        Object = @object;
    }

    /// <summary>The bucket.</summary>
    public ReadOnlySpan<byte> Bucket { get; }

    /// <summary>The key.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The encoded sibling set, or empty when the replica holds nothing for the key.</summary>
    public ReadOnlySpan<byte> Object { get; }

    /// <summary>Whether the replica holds nothing for the key.</summary>
    public bool IsAbsent => Object.IsEmpty;
}

/// <summary>
/// Anti-entropy, the last step: the initiator's keys, with version hashes, in some tree leaves (segments) whose hashes
/// differ. Reply: <see cref="KeysCompareReply"/>.
/// <code>
/// +--------+-----------+-----+--------+-------+-----+   segments: 0 to SegmentsMax; keys: 0 to KeyVersionsMax;
/// the whole payload at most UncompressedFrameBytesMax
/// | count  | segment 0 | ... | count  | key 0 | ... |
/// | varint |           |     | varint |       |     |
/// +--------+-----------+-----+--------+-------+-----+
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

    private readonly ReadOnlySpan<TreeNode> _segments;
    private readonly ReadOnlySpan<KeyVersionEntry> _keys;
    private readonly ReadOnlySpan<byte> _encodedSegments;
    private readonly ReadOnlySpan<byte> _encodedKeys;
    private readonly bool _fromPayload;
    private readonly int _length;

    /// <summary>Builds a keys comparison; throws <see cref="ProtocolException"/> when a rule of the layout is broken.</summary>
    public KeysCompareRequest(ReadOnlySpan<TreeNode> segments, ReadOnlySpan<KeyVersionEntry> keys)
    {
        MessageFields.CheckCount(segments.Length, ProtocolLimits.SegmentsMax, SegmentsField);
        MessageFields.CheckCount(keys.Length, ProtocolLimits.KeyVersionsMax, KeysField);
        long length = Leb128.Size((uint)segments.Length) + Leb128.Size((uint)keys.Length);
        foreach (var segment in segments)
        {
            length += TreeFields.NodeSize(segment.Partition, segment.Index);
        }

        foreach (var key in keys)
        {
            MessageFields.CheckLength(key.Bucket.Span, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
            MessageFields.CheckLength(key.Key.Span, ProtocolLimits.KeyBytesMax, MessageFields.Key);
            length += MessageWriter.BytesSize(key.Bucket.Length) + MessageWriter.BytesSize(key.Key.Length) + sizeof(ulong);
        }

        if (length > ProtocolLimits.UncompressedFrameBytesMax)
        {
            throw MessageErrors.TooLarge("keys compare", (uint)length, ProtocolLimits.UncompressedFrameBytesMax);
        }

        SegmentCount = segments.Length;
        KeyCount = keys.Length;
        _segments = segments;
        _keys = keys;
        _encodedSegments = default;
        _encodedKeys = default;
        _fromPayload = false;
        _length = (int)length;
    }

    private KeysCompareRequest(
        int segmentCount, ReadOnlySpan<byte> encodedSegments, int keyCount, ReadOnlySpan<byte> encodedKeys, int length)
    {
        SegmentCount = segmentCount;
        KeyCount = keyCount;
        _segments = default;
        _keys = default;
        _encodedSegments = encodedSegments;
        _encodedKeys = encodedKeys;
        _fromPayload = true;
        _length = length;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.KeysCompare;

    /// <summary>The number of segments.</summary>
    public int SegmentCount { get; }

    /// <summary>The number of keys.</summary>
    public int KeyCount { get; }

    /// <summary>The segments (tree leaves) compared, without allocating.</summary>
    public TreeNodeEnumerator Segments =>
        _fromPayload ? new TreeNodeEnumerator(_encodedSegments, SegmentCount) : new TreeNodeEnumerator(_segments);

    /// <summary>The initiator's keys in those segments, without allocating.</summary>
    public KeyVersionEnumerator Keys =>
        _fromPayload ? new KeyVersionEnumerator(_encodedKeys, KeyCount) : new KeyVersionEnumerator(_keys);

    /// <inheritdoc/>
    public int Length => _length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, _length);
        writer.WriteVarint((uint)SegmentCount);
        if (_fromPayload)
        {
            writer.WriteRaw(_encodedSegments);
            writer.WriteVarint((uint)KeyCount);
            writer.WriteRaw(_encodedKeys);
        }
        else
        {
            foreach (var segment in _segments)
            {
                TreeFields.WriteNode(ref writer, segment.Partition, segment.Index);
            }

            writer.WriteVarint((uint)KeyCount);
            foreach (var key in _keys)
            {
                writer.WriteBytes(key.Bucket.Span);
                writer.WriteBytes(key.Key.Span);
                writer.WriteU64(key.VersionHash);
            }
        }

        writer.Finish();
    }

    /// <inheritdoc/>
    public static KeysCompareRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var segments = reader.ReadCount(ProtocolLimits.SegmentsMax, SegmentsField);
        var start = reader.Position;
        for (var i = 0; i < segments; i++)
        {
            TreeFields.ReadNode(ref reader);
        }

        var encodedSegments = reader.Between(start, reader.Position);
        var keys = reader.ReadCount(ProtocolLimits.KeyVersionsMax, KeysField);
        start = reader.Position;
        for (var i = 0; i < keys; i++)
        {
            KeyVersionEnumerator.ReadEntry(ref reader);
        }

        var encodedKeys = reader.Between(start, reader.Position);
        reader.EnsureEnd();
        return new KeysCompareRequest(segments, encodedSegments, keys, encodedKeys, payload.Length);
    }
}

/// <summary>
/// The reply to <see cref="KeysCompareRequest"/>: the peer's copy of every key of the segments that it holds
/// differently from the initiator, or that only one side holds.
/// <code>
/// +--------+--------+-----+   count: 0 to KeyCopiesMax; the whole payload at most UncompressedFrameBytesMax
/// | count  | copy 0 | ... |
/// | varint |        |     |
/// +--------+--------+-----+
/// copy: +--------+-------+--------+   object: opaque encoded sibling set; empty = the peer holds nothing
///       | bucket |  key  | object |
///       | bytes  | bytes | bytes  |
///       +--------+-------+--------+
/// </code>
/// </summary>
public readonly ref struct KeysCompareReply : IMessage<KeysCompareReply>
{
    private const string CopiesField = "key copy count";

    private readonly ReadOnlySpan<KeyCopyEntry> _copies;
    private readonly ReadOnlySpan<byte> _encoded;
    private readonly bool _fromPayload;
    private readonly int _length;

    /// <summary>
    /// Builds a keys comparison reply; throws <see cref="ProtocolException"/> when a field, the count or the whole
    /// payload is over its limit.
    /// </summary>
    public KeysCompareReply(ReadOnlySpan<KeyCopyEntry> copies)
    {
        MessageFields.CheckCount(copies.Length, ProtocolLimits.KeyCopiesMax, CopiesField);
        long length = Leb128.Size((uint)copies.Length);
        foreach (var copy in copies)
        {
            MessageFields.CheckLength(copy.Bucket.Span, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
            MessageFields.CheckLength(copy.Key.Span, ProtocolLimits.KeyBytesMax, MessageFields.Key);
            MessageFields.CheckLength(copy.Object.Span, ProtocolLimits.ObjectBytesMax, MessageFields.Object);
            length += MessageWriter.BytesSize(copy.Bucket.Length) + MessageWriter.BytesSize(copy.Key.Length)
                + MessageWriter.BytesSize(copy.Object.Length);
        }

        if (length > ProtocolLimits.UncompressedFrameBytesMax)
        {
            throw MessageErrors.TooLarge(
                "keys compare reply", (uint)Math.Min(length, uint.MaxValue), ProtocolLimits.UncompressedFrameBytesMax);
        }

        Count = copies.Length;
        _copies = copies;
        _encoded = default;
        _fromPayload = false;
        _length = (int)length;
    }

    private KeysCompareReply(int count, ReadOnlySpan<byte> encoded, int length)
    {
        Count = count;
        _copies = default;
        _encoded = encoded;
        _fromPayload = true;
        _length = length;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.KeysCompareReply;

    /// <summary>The number of key copies.</summary>
    public int Count { get; }

    /// <summary>The key copies in order, without allocating.</summary>
    public KeyCopyEnumerator Copies =>
        _fromPayload ? new KeyCopyEnumerator(_encoded, Count) : new KeyCopyEnumerator(_copies);

    /// <inheritdoc/>
    public int Length => _length;

    /// <summary>The encoded size of one copy in this reply, so that a sender can fill a frame up to its limit.</summary>
    public static int CopySize(int bucketBytes, int keyBytes, int objectBytes) =>
        MessageWriter.BytesSize(bucketBytes) + MessageWriter.BytesSize(keyBytes) + MessageWriter.BytesSize(objectBytes);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, _length);
        writer.WriteVarint((uint)Count);
        if (_fromPayload)
        {
            writer.WriteRaw(_encoded);
        }
        else
        {
            foreach (var copy in _copies)
            {
                writer.WriteBytes(copy.Bucket.Span);
                writer.WriteBytes(copy.Key.Span);
                writer.WriteBytes(copy.Object.Span);
            }
        }

        writer.Finish();
    }

    /// <inheritdoc/>
    public static KeysCompareReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var count = reader.ReadCount(ProtocolLimits.KeyCopiesMax, CopiesField);
        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            KeyCopyEnumerator.ReadEntry(ref reader);
        }

        var encoded = reader.Between(start, reader.Position);
        reader.EnsureEnd();
        return new KeysCompareReply(count, encoded, payload.Length);
    }
}

/// <summary>Walks the keys of a <see cref="KeysCompareRequest"/> without allocating.</summary>
public ref struct KeyVersionEnumerator
{
    private readonly ReadOnlySpan<KeyVersionEntry> _keys;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal KeyVersionEnumerator(ReadOnlySpan<KeyVersionEntry> keys)
    {
        _keys = keys;
        _count = keys.Length;
        _index = -1;
    }

    internal KeyVersionEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The key at the current position.</summary>
    public KeyVersionSpan Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly KeyVersionEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next key.</summary>
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
            Current = ReadEntry(ref _reader);
        }
        else
        {
            var key = _keys[_index];
            Current = new KeyVersionSpan(key.Bucket.Span, key.Key.Span, key.VersionHash);
        }

        return true;
    }

    internal static KeyVersionSpan ReadEntry(scoped ref MessageReader reader)
    {
        var bucket = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var key = reader.ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
        return new KeyVersionSpan(bucket, key, reader.ReadU64("version hash"));
    }
}

/// <summary>Walks the key copies of a <see cref="KeysCompareReply"/> without allocating.</summary>
public ref struct KeyCopyEnumerator
{
    private readonly ReadOnlySpan<KeyCopyEntry> _copies;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal KeyCopyEnumerator(ReadOnlySpan<KeyCopyEntry> copies)
    {
        _copies = copies;
        _count = copies.Length;
        _index = -1;
    }

    internal KeyCopyEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The copy at the current position.</summary>
    public KeyCopySpan Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly KeyCopyEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next copy.</summary>
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
            Current = ReadEntry(ref _reader);
        }
        else
        {
            var copy = _copies[_index];
            Current = new KeyCopySpan(copy.Bucket.Span, copy.Key.Span, copy.Object.Span);
        }

        return true;
    }

    internal static KeyCopySpan ReadEntry(scoped ref MessageReader reader)
    {
        var bucket = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var key = reader.ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
        return new KeyCopySpan(bucket, key, reader.ReadBytes(ProtocolLimits.ObjectBytesMax, MessageFields.Object));
    }
}
