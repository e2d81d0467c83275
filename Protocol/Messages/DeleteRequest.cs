namespace Dynamo.Protocol;

/// <summary>
/// A client delete of a key: the coordinator writes a tombstone. Reply: <see cref="DeleteReply"/>. Building one
/// throws <see cref="ProtocolException"/> when a field is over its limit.
/// <code>
/// +--------+-------+---------+-----+-------+-----------+
/// | bucket |  key  | context |  w  | flags | timeoutMs |
/// | bytes  | bytes |  bytes  | u8  |  u8   |    u32    |
/// +--------+-------+---------+-----+-------+-----------+
/// flags: bit 1 = strict quorum; bits 0 and 2-7 reserved (0)
/// </code>
/// </summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="context">The opaque causal context the tombstone supersedes (may be empty).</param>
/// <param name="w">Replicas that must acknowledge; 0 means the bucket's default.</param>
/// <param name="timeoutMs">The request's deadline in milliseconds; 0 means the node's default.</param>
/// <param name="strict">Whether only the key's primaries count toward W.</param>
public readonly ref struct DeleteRequest(
    ReadOnlySpan<byte> bucket,
    ReadOnlySpan<byte> key,
    ReadOnlySpan<byte> context,
    byte w = 0,
    uint timeoutMs = 0,
    bool strict = false) : IMessage<DeleteRequest>
{
    /// <summary>The flag bit asking for strict quorum: only the key's primaries count toward W.</summary>
    public const byte StrictFlag = 0x02;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Delete;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = MessageFields.CheckedLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; } = MessageFields.CheckedLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);

    /// <summary>The opaque causal context the tombstone supersedes (may be empty).</summary>
    public ReadOnlySpan<byte> Context { get; } = MessageFields.CheckedLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);

    /// <summary>Replicas that must acknowledge; 0 means the bucket's default.</summary>
    public byte W { get; } = w;

    /// <summary>The request's deadline in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; } = timeoutMs;

    /// <summary>Strict quorum (Riak's PW): only the key's primaries count toward W, never fallbacks.</summary>
    public bool Strict { get; } = strict;

    /// <inheritdoc/>
    public int Length =>
        MessageWriter.KeySize(Bucket, Key) + MessageWriter.BytesSize(Context.Length) + MessageFields.QuorumBytes;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteKey(Bucket, Key);
        writer.WriteBytes(Context);
        writer.WriteQuorum(W, Strict ? StrictFlag : (byte)0, TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static DeleteRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        reader.ReadKey(out var bucket, out var key);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        var w = reader.ReadQuorum("w", StrictFlag, out var flags, out var timeoutMs);
        reader.EnsureEnd();
        return new DeleteRequest(bucket, key, context, w, timeoutMs, (flags & StrictFlag) != 0);
    }
}
