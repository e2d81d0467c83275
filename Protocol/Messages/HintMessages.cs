namespace Dynamo.Protocol;

/// <summary>
/// Coordinator to fallback node: keep a write for a primary believed down and deliver it when the primary is back
/// (hinted handoff). Reply: <see cref="HintedWriteReply"/> once the hint is stored (and synced with the node's next
/// group commit), or an error when the fallback refuses it.
/// <code>
/// +--------+--------+-------+--------+
/// | target | bucket |  key  | object |   target: the primary's node id, UTF-8, 1 to NameBytesMax bytes
/// | bytes  | bytes  | bytes | bytes  |   object: opaque encoded sibling set, never empty
/// +--------+--------+-------+--------+
/// </code>
/// </summary>
public readonly ref struct HintedWriteRequest : IMessage<HintedWriteRequest>
{
    private const string TargetField = "target";

    /// <summary>
    /// Builds a hinted write; throws <see cref="ProtocolException"/> when a field is over its limit, the target is
    /// empty or not UTF-8, or the object is empty.
    /// </summary>
    public HintedWriteRequest(
        ReadOnlySpan<byte> target, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, ReadOnlySpan<byte> @object)
    {
        MessageFields.CheckText(target, ProtocolLimits.NameBytesMax, required: true, TargetField);
        MessageFields.CheckLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        MessageFields.CheckLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);
        MessageFields.CheckLength(@object, ProtocolLimits.ObjectBytesMax, MessageFields.Object);
        if (@object.IsEmpty)
        {
            throw MessageErrors.BadRequest("The object of a hinted write is empty.");
        }

        Target = target;
        Bucket = bucket;
        Key = key;
        Object = @object;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.HintedWrite;

    /// <summary>The node id of the primary the write is meant for, UTF-8.</summary>
    public ReadOnlySpan<byte> Target { get; }

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; }

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The encoded sibling set (defined by the engine), 1 to <see cref="ProtocolLimits.ObjectBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Object { get; }

    /// <inheritdoc/>
    public int Length =>
        MessageWriter.BytesSize(Target.Length) + MessageWriter.BytesSize(Bucket.Length)
        + MessageWriter.BytesSize(Key.Length) + MessageWriter.BytesSize(Object.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Target);
        writer.WriteBytes(Bucket);
        writer.WriteBytes(Key);
        writer.WriteBytes(Object);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static HintedWriteRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var target = reader.ReadBytes(ProtocolLimits.NameBytesMax, TargetField);
        var bucket = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var key = reader.ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
        var @object = reader.ReadBytes(ProtocolLimits.ObjectBytesMax, MessageFields.Object);
        reader.EnsureEnd();
        return new HintedWriteRequest(target, bucket, key, @object);
    }
}
