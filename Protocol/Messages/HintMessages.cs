namespace Dynamo.Protocol;

/// <summary>
/// Coordinator to fallback node: keep a write for a primary believed down and deliver it when the primary is back
/// (hinted handoff). Reply: <see cref="HintedWriteReply"/> once the hint is stored (and synced with the node's next
/// group commit), or an error when the fallback refuses it. It is a <see cref="ReplicaWriteRequest"/> preceded by
/// the primary's node id. Building one throws <see cref="ProtocolException"/> when a field is over its limit, the
/// target is empty or not UTF-8, or the object is empty.
/// <code>
/// +--------+--------+-------+--------+
/// | target | bucket |  key  | object |   target: the primary's node id, UTF-8, 1 to NameBytesMax bytes
/// | bytes  | bytes  | bytes | bytes  |   object: opaque encoded sibling set, never empty
/// +--------+--------+-------+--------+
/// </code>
/// </summary>
/// <param name="target">The node id of the primary the write is meant for, UTF-8.</param>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="object">The encoded sibling set.</param>
public readonly ref struct HintedWriteRequest(
    ReadOnlySpan<byte> target, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> @object)
    : IMessage<HintedWriteRequest>
{
    private const string TargetField = "target";

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.HintedWrite;

    /// <summary>The node id of the primary the write is meant for, UTF-8.</summary>
    public ReadOnlySpan<byte> Target { get; } =
        MessageFields.CheckedText(target, ProtocolLimits.NameBytesMax, required: true, TargetField);

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = MessageFields.CheckedLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; } = MessageFields.CheckedLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);

    /// <summary>The encoded sibling set (defined by the engine), 1 to <see cref="ProtocolLimits.ObjectBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Object { get; } = MessageFields.CheckedObject(@object, "hinted write");

    /// <inheritdoc/>
    public int Length =>
        MessageWriter.BytesSize(Target.Length) + MessageWriter.KeySize(Bucket, Key) + MessageWriter.BytesSize(Object.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Target);
        writer.WriteKey(Bucket, Key);
        writer.WriteBytes(Object);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static HintedWriteRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var target = reader.ReadBytes(ProtocolLimits.NameBytesMax, TargetField);
        reader.ReadKey(out var bucket, out var key);
        var @object = reader.ReadObject();
        reader.EnsureEnd();
        return new HintedWriteRequest(target, bucket, key, @object);
    }
}
