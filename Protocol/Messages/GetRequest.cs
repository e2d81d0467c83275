namespace Dynamo.Protocol;

/// <summary>
/// A client read of a key through a coordinator. Reply: <see cref="GetReply"/>. Building one throws
/// <see cref="ProtocolException"/> when the bucket or key is over its limit.
/// <code>
/// +--------+--------+------+-------+-----------+
/// | bucket |  key   |  r   | flags | timeoutMs |
/// | bytes  | bytes  |  u8  |  u8   |    u32    |
/// +--------+--------+------+-------+-----------+
/// bytes = varint length + that many bytes; flags: bit 1 = strict quorum; bits 0 and 2-7 reserved (0)
/// </code>
/// </summary>
/// <param name="bucket">The bucket.</param>
/// <param name="key">The key.</param>
/// <param name="r">Replicas that must answer; 0 means the bucket's default.</param>
/// <param name="timeoutMs">The request's deadline in milliseconds; 0 means the node's default.</param>
/// <param name="strict">Whether only the key's primaries count toward R.</param>
public readonly ref struct GetRequest(
    ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, byte r = 0, uint timeoutMs = 0, bool strict = false)
    : IMessage<GetRequest>
{
    /// <summary>The flag bit asking for strict quorum: only the key's primaries count toward R.</summary>
    public const byte StrictFlag = 0x02;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Get;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; } = MessageFields.CheckedLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; } = MessageFields.CheckedLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);

    /// <summary>Replicas that must answer; 0 means the bucket's default.</summary>
    public byte R { get; } = r;

    /// <summary>The request's deadline in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; } = timeoutMs;

    /// <summary>Strict quorum (Riak's PR): only the key's primaries count toward R, never fallbacks.</summary>
    public bool Strict { get; } = strict;

    /// <inheritdoc/>
    public int Length => MessageWriter.KeySize(Bucket, Key) + MessageFields.QuorumBytes;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteKey(Bucket, Key);
        writer.WriteQuorum(R, Strict ? StrictFlag : (byte)0, TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static GetRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        reader.ReadKey(out var bucket, out var key);
        var r = reader.ReadQuorum("r", StrictFlag, out var flags, out var timeoutMs);
        reader.EnsureEnd();
        return new GetRequest(bucket, key, r, timeoutMs, (flags & StrictFlag) != 0);
    }
}
