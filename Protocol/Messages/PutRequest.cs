namespace Dynamo.Protocol;

/// <summary>
/// A client write of a key through a coordinator. Reply: <see cref="PutReply"/>. Building one throws
/// <see cref="ProtocolException"/> when a field is over its limit.
/// <code>
/// +--------+-------+-------+---------+-----+-------+-----------+
/// | bucket |  key  | value | context |  w  | flags | timeoutMs |
/// | bytes  | bytes | bytes |  bytes  | u8  |  u8   |    u32    |
/// +--------+-------+-------+---------+-----+-------+-----------+
/// flags: bit 0 = return the new context in the reply; bit 1 = strict quorum; bits 2-7 reserved (0)
/// </code>
/// </summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="value">The value.</param>
/// <param name="context">The opaque causal context from an earlier read (empty for a blind write).</param>
/// <param name="w">Replicas that must acknowledge; 0 means the bucket's default.</param>
/// <param name="returnContext">Whether the reply carries the context of the new version.</param>
/// <param name="timeoutMs">The request's deadline in milliseconds; 0 means the node's default.</param>
/// <param name="strict">Whether only the key's primaries count toward W.</param>
public readonly ref struct PutRequest(
    ReadOnlySpan<byte> bucket,
    ReadOnlySpan<byte> key,
    ReadOnlySpan<byte> value,
    ReadOnlySpan<byte> context,
    byte w = 0,
    bool returnContext = false,
    uint timeoutMs = 0,
    bool strict = false) : IMessage<PutRequest>
{
    /// <summary>The flag bit asking for the new context in the reply.</summary>
    public const byte ReturnContextFlag = 0x01;

    /// <summary>The flag bit asking for strict quorum: only the key's primaries count toward W.</summary>
    public const byte StrictFlag = 0x02;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Put;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = MessageFields.CheckedLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; } = MessageFields.CheckedLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);

    /// <summary>The value, at most <see cref="ProtocolLimits.ValueBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Value { get; } = MessageFields.CheckedLength(value, ProtocolLimits.ValueBytesMax, MessageFields.Value);

    /// <summary>
    /// The opaque causal context from an earlier read (empty for a blind write), at most
    /// <see cref="ProtocolLimits.ContextBytesMax"/> bytes.
    /// </summary>
    public ReadOnlySpan<byte> Context { get; } = MessageFields.CheckedLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);

    /// <summary>Replicas that must acknowledge; 0 means the bucket's default.</summary>
    public byte W { get; } = w;

    /// <summary>Whether the reply carries the context of the new version.</summary>
    public bool ReturnContext { get; } = returnContext;

    /// <summary>The request's deadline in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; } = timeoutMs;

    /// <summary>Strict quorum (Riak's PW): only the key's primaries count toward W, never fallbacks.</summary>
    public bool Strict { get; } = strict;

    /// <inheritdoc/>
    public int Length =>
        MessageWriter.KeySize(Bucket, Key) + MessageWriter.BytesSize(Value.Length)
        + MessageWriter.BytesSize(Context.Length) + MessageFields.QuorumBytes;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteKey(Bucket, Key);
        writer.WriteBytes(Value);
        writer.WriteBytes(Context);
        writer.WriteQuorum(W, (byte)((ReturnContext ? ReturnContextFlag : 0) | (Strict ? StrictFlag : 0)), TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static PutRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        reader.ReadKey(out var bucket, out var key);
        var value = reader.ReadBytes(ProtocolLimits.ValueBytesMax, MessageFields.Value);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        var w = reader.ReadQuorum("w", ReturnContextFlag | StrictFlag, out var flags, out var timeoutMs);
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
    public PutReply(ReadOnlySpan<byte> context) =>
        Context = MessageFields.CheckedLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.PutReply;

    /// <summary>The opaque causal context of the new version, or empty.</summary>
    public ReadOnlySpan<byte> Context { get; }

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Context.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => MessageWriter.WriteSingleBytes(destination, Context);

    /// <inheritdoc/>
    public static PutReply Read(ReadOnlySpan<byte> payload) =>
        new(MessageReader.ReadSingleBytes(payload, ProtocolLimits.ContextBytesMax, MessageFields.Context));
}
