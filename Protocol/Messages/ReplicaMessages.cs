namespace Dynamo.Protocol;

/// <summary>
/// Coordinator to replica: read a key's sibling set. Reply: <see cref="ReplicaReadReply"/>. Building one throws
/// <see cref="ProtocolException"/> when a field is over its limit.
/// <code>
/// +--------+-------+
/// | bucket |  key  |
/// | bytes  | bytes |
/// +--------+-------+
/// </code>
/// </summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
public readonly ref struct ReplicaReadRequest(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key)
    : IMessage<ReplicaReadRequest>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.ReplicaRead;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = MessageFields.CheckedLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; } = MessageFields.CheckedLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);

    /// <inheritdoc/>
    public int Length => MessageWriter.KeySize(Bucket, Key);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteKey(Bucket, Key);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static ReplicaReadRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        reader.ReadKey(out var bucket, out var key);
        reader.EnsureEnd();
        return new ReplicaReadRequest(bucket, key);
    }
}

/// <summary>
/// The reply to <see cref="ReplicaReadRequest"/>.
/// <code>
/// +--------+
/// | object |   opaque encoded sibling set; empty = the replica has no version of the key
/// | bytes  |
/// +--------+
/// </code>
/// </summary>
public readonly ref struct ReplicaReadReply : IMessage<ReplicaReadReply>
{
    /// <summary>Builds a replica read reply; throws <see cref="ProtocolException"/> when the object is over its limit.</summary>
    public ReplicaReadReply(ReadOnlySpan<byte> @object) =>
        Object = MessageFields.CheckedLength(@object, ProtocolLimits.ObjectBytesMax, MessageFields.Object);

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.ReplicaReadReply;

    /// <summary>The encoded sibling set (defined by the engine), or empty when the key is absent.</summary>
    public ReadOnlySpan<byte> Object { get; }

    /// <summary>Whether the replica had no version of the key.</summary>
    public bool IsAbsent => Object.IsEmpty;

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Object.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => MessageWriter.WriteSingleBytes(destination, Object);

    /// <inheritdoc/>
    public static ReplicaReadReply Read(ReadOnlySpan<byte> payload) =>
        new(MessageReader.ReadSingleBytes(payload, ProtocolLimits.ObjectBytesMax, MessageFields.Object));
}

/// <summary>
/// Coordinator to replica: merge a sibling set into the replica's copy of a key. Reply:
/// <see cref="ReplicaWriteReply"/>. Building one throws <see cref="ProtocolException"/> when a field is over its
/// limit or the object is empty.
/// <code>
/// +--------+-------+--------+
/// | bucket |  key  | object |   object: opaque encoded sibling set, never empty
/// | bytes  | bytes | bytes  |
/// +--------+-------+--------+
/// </code>
/// </summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="object">The encoded sibling set.</param>
public readonly ref struct ReplicaWriteRequest(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> @object)
    : IMessage<ReplicaWriteRequest>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.ReplicaWrite;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = MessageFields.CheckedLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; } = MessageFields.CheckedLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);

    /// <summary>The encoded sibling set (defined by the engine), 1 to <see cref="ProtocolLimits.ObjectBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Object { get; } = MessageFields.CheckedObject(@object, "replica write");

    /// <inheritdoc/>
    public int Length => MessageWriter.KeySize(Bucket, Key) + MessageWriter.BytesSize(Object.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteKey(Bucket, Key);
        writer.WriteBytes(Object);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static ReplicaWriteRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        reader.ReadKey(out var bucket, out var key);
        var @object = reader.ReadObject();
        reader.EnsureEnd();
        return new ReplicaWriteRequest(bucket, key, @object);
    }
}
