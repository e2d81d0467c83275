namespace Dynamo.Protocol;

/// <summary>
/// A client read of a key through a coordinator. Reply: <see cref="GetReply"/>.
/// <code>
/// +--------+--------+------+-------+-----------+
/// | bucket |  key   |  r   | flags | timeoutMs |
/// | bytes  | bytes  |  u8  |  u8   |    u32    |
/// +--------+--------+------+-------+-----------+
/// bytes = varint length + that many bytes; flags: bit 1 = strict quorum; bits 0 and 2-7 reserved (0)
/// </code>
/// </summary>
public readonly ref struct GetRequest : IMessage<GetRequest>
{
    /// <summary>The flag bit asking for strict quorum: only the key's primaries count toward R.</summary>
    public const byte StrictFlag = 0x02;

    private const int FixedBytes = 1 + 1 + 4;

    /// <summary>Builds a get; throws <see cref="ProtocolException"/> when the bucket or key is over its limit.</summary>
    public GetRequest(
        ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, byte r = 0, uint timeoutMs = 0, bool strict = false)
    {
        MessageFields.CheckLength(bucket, ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        MessageFields.CheckLength(key, ProtocolLimits.KeyBytesMax, MessageFields.Key);
        Bucket = bucket;
        Key = key;
        R = r;
        TimeoutMs = timeoutMs;
        Strict = strict;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Get;

    /// <summary>The bucket, at most <see cref="ProtocolLimits.BucketBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Bucket { get; }

    /// <summary>The key, at most <see cref="ProtocolLimits.KeyBytesMax"/> bytes.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>Replicas that must answer; 0 means the bucket's default.</summary>
    public byte R { get; }

    /// <summary>The request's deadline in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; }

    /// <summary>Strict quorum (Riak's PR): only the key's primaries count toward R, never fallbacks.</summary>
    public bool Strict { get; }

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Bucket.Length) + MessageWriter.BytesSize(Key.Length) + FixedBytes;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Bucket);
        writer.WriteBytes(Key);
        writer.WriteU8(R);
        writer.WriteU8(Strict ? StrictFlag : (byte)0);
        writer.WriteU32(TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static GetRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var bucket = reader.ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        var key = reader.ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
        var r = reader.ReadU8("r");
        var flags = reader.ReadFlags(StrictFlag, MessageFields.Flags);
        var timeoutMs = reader.ReadU32("timeout");
        reader.EnsureEnd();
        return new GetRequest(bucket, key, r, timeoutMs, (flags & StrictFlag) != 0);
    }
}
