namespace Dynamo.Protocol;

/// <summary>
/// A client delete of a key: the coordinator writes a tombstone. Reply: <see cref="DeleteReply"/>.
/// <code>
/// +--------+-------+---------+-----+-------+-----------+
/// | bucket |  key  | context |  w  | flags | timeoutMs |
/// | bytes  | bytes |  bytes  | u8  |  u8   |    u32    |
/// +--------+-------+---------+-----+-------+-----------+
/// flags: bit 1 = strict quorum; bits 0 and 2-7 reserved (0)
/// </code>
/// </summary>
public readonly ref struct DeleteRequest : IMessage<DeleteRequest>
{
    /// <summary>The flag bit asking for strict quorum: only the key's primaries count toward W.</summary>
    public const byte StrictFlag = 0x02;

    private const int FixedBytes = 1 + 1 + 4;

    /// <summary>Builds a delete; throws <see cref="ProtocolException"/> when a field is over its limit.</summary>
    public DeleteRequest(
        ReadOnlySpan<byte> bucket,
        ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> context,
        byte w = 0,
        uint timeoutMs = 0,
        bool strict = false)
    {
        MessageFields.CheckLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        MessageFields.CheckLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);
        MessageFields.CheckLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);
        Bucket = bucket;
        Key = key;
        Context = context;
        W = w;
        TimeoutMs = timeoutMs;
        Strict = strict;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Delete;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; }

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The opaque causal context the tombstone supersedes (may be empty).</summary>
    public ReadOnlySpan<byte> Context { get; }

    /// <summary>Replicas that must acknowledge; 0 means the bucket's default.</summary>
    public byte W { get; }

    /// <summary>The request's deadline in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; }

    /// <summary>Strict quorum (Riak's PW): only the key's primaries count toward W, never fallbacks.</summary>
    public bool Strict { get; }

    /// <inheritdoc/>
    public int Length =>
        MessageWriter.BytesSize(Bucket.Length) + MessageWriter.BytesSize(Key.Length)
        + MessageWriter.BytesSize(Context.Length) + FixedBytes;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Bucket);
        writer.WriteBytes(Key);
        writer.WriteBytes(Context);
        writer.WriteU8(W);
        writer.WriteU8(Strict ? StrictFlag : (byte)0);
        writer.WriteU32(TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static DeleteRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var bucket = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var key = reader.ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        var w = reader.ReadU8("w");
        var flags = reader.ReadFlags(StrictFlag, MessageFields.Flags);
        var timeoutMs = reader.ReadU32("timeout");
        reader.EnsureEnd();
        return new DeleteRequest(bucket, key, context, w, timeoutMs, (flags & StrictFlag) != 0);
    }
}
