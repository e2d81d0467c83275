namespace Dynamo.Protocol;

/// <summary>
/// A client write of a key through a coordinator. Reply: <see cref="PutReply"/>.
/// <code>
/// +--------+-------+-------+---------+-----+-------+-----------+
/// | bucket |  key  | value | context |  w  | flags | timeoutMs |
/// | bytes  | bytes | bytes |  bytes  | u8  |  u8   |    u32    |
/// +--------+-------+-------+---------+-----+-------+-----------+
/// flags: bit 0 = return the new context in the reply; bit 1 = strict quorum; bits 2-7 reserved (0)
/// </code>
/// </summary>
public readonly ref struct PutRequest : IMessage<PutRequest>
{
    /// <summary>The flag bit asking for the new context in the reply.</summary>
    public const byte ReturnContextFlag = 0x01;

    /// <summary>The flag bit asking for strict quorum: only the key's primaries count toward W.</summary>
    public const byte StrictFlag = 0x02;

    private const int FixedBytes = 1 + 1 + 4;

    /// <summary>Builds a put; throws <see cref="ProtocolException"/> when a field is over its limit.</summary>
    public PutRequest(
        ReadOnlySpan<byte> bucket,
        ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> value,
        ReadOnlySpan<byte> context,
        byte w = 0,
        bool returnContext = false,
        uint timeoutMs = 0,
        bool strict = false)
    {
        MessageFields.CheckLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        MessageFields.CheckLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);
        MessageFields.CheckLength(value, ProtocolLimits.ValueBytesMax, MessageFields.Value);
        MessageFields.CheckLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);
        Bucket = bucket;
        Key = key;
        Value = value;
        Context = context;
        W = w;
        ReturnContext = returnContext;
        TimeoutMs = timeoutMs;
        Strict = strict;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Put;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; }

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>The value, at most <see cref="ProtocolLimits.ValueBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>
    /// The opaque causal context from an earlier read (empty for a blind write), at most
    /// <see cref="ProtocolLimits.ContextBytesMax"/> bytes.
    /// </summary>
    public ReadOnlySpan<byte> Context { get; }

    /// <summary>Replicas that must acknowledge; 0 means the bucket's default.</summary>
    public byte W { get; }

    /// <summary>Whether the reply carries the context of the new version.</summary>
    public bool ReturnContext { get; }

    /// <summary>The request's deadline in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; }

    /// <summary>Strict quorum (Riak's PW): only the key's primaries count toward W, never fallbacks.</summary>
    public bool Strict { get; }

    /// <inheritdoc/>
    public int Length =>
        MessageWriter.BytesSize(Bucket.Length) + MessageWriter.BytesSize(Key.Length)
        + MessageWriter.BytesSize(Value.Length) + MessageWriter.BytesSize(Context.Length) + FixedBytes;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Bucket);
        writer.WriteBytes(Key);
        writer.WriteBytes(Value);
        writer.WriteBytes(Context);
        writer.WriteU8(W);
        writer.WriteU8((byte)((ReturnContext ? ReturnContextFlag : 0) | (Strict ? StrictFlag : 0)));
        writer.WriteU32(TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static PutRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var bucket = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var key = reader.ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
        var value = reader.ReadBytes(ProtocolLimits.ValueBytesMax, MessageFields.Value);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        var w = reader.ReadU8("w");
        var flags = reader.ReadFlags(ReturnContextFlag | StrictFlag, MessageFields.Flags);
        var timeoutMs = reader.ReadU32("timeout");
        reader.EnsureEnd();
        return new PutRequest(
            bucket, key, value, context, w, (flags & ReturnContextFlag) != 0, timeoutMs, (flags & StrictFlag) != 0);
    }
}

/// <summary>
/// The reply to <see cref="PutRequest"/>: the write reached its quorum.
/// <code>
/// +---------+
/// | context |   opaque; empty unless the put asked for it
/// |  bytes  |
/// +---------+
/// </code>
/// </summary>
public readonly ref struct PutReply : IMessage<PutReply>
{
    /// <summary>Builds a put reply; throws <see cref="ProtocolException"/> when the context is over its limit.</summary>
    public PutReply(ReadOnlySpan<byte> context)
    {
        MessageFields.CheckLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);
        Context = context;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.PutReply;

    /// <summary>The opaque causal context of the new version, or empty.</summary>
    public ReadOnlySpan<byte> Context { get; }

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Context.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Context);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static PutReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        reader.EnsureEnd();
        return new PutReply(context);
    }
}
