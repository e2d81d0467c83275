namespace Dynamo.Protocol;

/// <summary>
/// The reply to <see cref="GetRequest"/>: the key's context and its siblings. Zero siblings means not found.
/// <code>
/// +---------+----------------+
/// | context |    siblings    |   context: opaque, empty when the key has no versions
/// |  bytes  | list (sibling) |   siblings: 0 to SiblingsMax
/// +---------+----------------+
/// sibling: +-------+-------+
///          | flags | value |   flags: bit 0 = tombstone (its value is empty); bit 1 = value omitted;
///          |  u8   | bytes |          bits 2-7 reserved (0)
///          +-------+-------+
/// omitted: +-------+--------+
///          | flags | length |   a live sibling whose value is left out: only its size (0 to ValueBytesMax)
///          |  u8   | varint |   travels. A node omits every value when together they pass what one reply may
///          +-------+--------+   carry (the object bound); the context is always there, so the key can be resolved.
/// </code>
/// Built from a span of <see cref="SiblingValue"/> or read from a payload; either way <see cref="Siblings"/> walks
/// the siblings without allocating.
/// </summary>
public readonly ref struct GetReply : IMessage<GetReply>
{
    /// <summary>The sibling flag bit marking a tombstone.</summary>
    public const byte TombstoneFlag = 0x01;

    /// <summary>The sibling flag bit marking a live sibling whose value is omitted (its length follows instead).</summary>
    public const byte OmittedFlag = 0x02;

    private const string SiblingsField = "sibling count";

    private readonly MessageList<SiblingCodec, SiblingValue, SiblingSpan> _siblings;

    /// <summary>
    /// Builds a get reply; throws <see cref="ProtocolException"/> when the context, a value, the sibling count or
    /// the whole payload is over its limit, or a tombstone carries a value.
    /// </summary>
    public GetReply(ReadOnlySpan<byte> context, ReadOnlySpan<SiblingValue> siblings)
    {
        MessageFields.CheckLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);
        _siblings = MessageList<SiblingCodec, SiblingValue, SiblingSpan>.Of(siblings, ProtocolLimits.SiblingsMax, SiblingsField);
        MessageFields.CheckPayloadLength(MessageWriter.BytesSize(context.Length) + _siblings.Length, "get reply");
        Context = context;
    }

    private GetReply(ReadOnlySpan<byte> context, MessageList<SiblingCodec, SiblingValue, SiblingSpan> siblings)
    {
        Context = context;
        _siblings = siblings;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.GetReply;

    /// <summary>The opaque causal context to pass back with the next put or delete of the key.</summary>
    public ReadOnlySpan<byte> Context { get; }

    /// <summary>The number of siblings; 0 means the key was not found.</summary>
    public int SiblingCount => _siblings.Count;

    /// <summary>Whether the key was not found.</summary>
    public bool IsNotFound => SiblingCount == 0;

    /// <summary>The siblings in order, without allocating: <c>foreach (var s in reply.Siblings)</c>.</summary>
    public MessageList<SiblingCodec, SiblingValue, SiblingSpan> Siblings => _siblings;

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Context.Length) + (int)_siblings.Length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteBytes(Context);
        _siblings.WriteTo(ref writer);
        writer.Finish();
    }

    /// <inheritdoc/>
    /// <remarks>Every sibling is checked here, so walking <see cref="Siblings"/> afterwards cannot fail.</remarks>
    public static GetReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        var siblings = MessageList<SiblingCodec, SiblingValue, SiblingSpan>.Read(ref reader, ProtocolLimits.SiblingsMax, SiblingsField);
        reader.EnsureEnd();
        return new GetReply(context, siblings);
    }
}

/// <summary>
/// A sibling to encode in a <see cref="GetReply"/>: a value, a tombstone (whose value is empty), or a live value left
/// out, of which only the length travels.
/// </summary>
public readonly struct SiblingValue
{
    /// <summary>A live value.</summary>
    public SiblingValue(ReadOnlyMemory<byte> value)
    {
        Value = value;
        IsTombstone = false;
    }

    private SiblingValue(bool isTombstone, bool isOmitted, uint omittedLength)
    {
        Value = ReadOnlyMemory<byte>.Empty;
        IsTombstone = isTombstone;
        IsOmitted = isOmitted;
        OmittedLength = omittedLength;
    }

    /// <summary>A tombstone: a delete concurrent with the other siblings.</summary>
    public static SiblingValue Tombstone => new(isTombstone: true, isOmitted: false, 0);

    /// <summary>Whether this sibling is a tombstone.</summary>
    public bool IsTombstone { get; }

    /// <summary>Whether this live sibling's value is left out (<see cref="OmittedLength"/> gives its size).</summary>
    public bool IsOmitted { get; }

    /// <summary>The size of the omitted value; 0 otherwise.</summary>
    public uint OmittedLength { get; }

    /// <summary>The value; empty for a tombstone and an omitted value.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>A live value of <paramref name="length"/> bytes, left out of the reply.</summary>
    /// <exception cref="ProtocolException">The length is over <see cref="ProtocolLimits.ValueBytesMax"/>.</exception>
    public static SiblingValue Omitted(long length)
    {
        SiblingCodec.CheckOmittedLength(length);
        return new SiblingValue(isTombstone: false, isOmitted: true, (uint)length);
    }
}

/// <summary>A sibling as read from a <see cref="GetReply"/>: a view whose value is a slice of the payload.</summary>
public readonly ref struct SiblingSpan
{
    /// <summary>Creates a view of a sibling.</summary>
    public SiblingSpan(bool isTombstone, ReadOnlySpan<byte> value)
    {
        IsTombstone = isTombstone;
        Value = value;
        Length = value.Length;
    }

    /// <summary>Creates a view of a live sibling whose value of <paramref name="length"/> bytes was left out.</summary>
    public SiblingSpan(uint length)
    {
        IsOmitted = true;
        Length = length;
    }

    /// <summary>Whether this sibling is a tombstone.</summary>
    public bool IsTombstone { get; }

    /// <summary>Whether the value was left out of the reply (its size is <see cref="Length"/>).</summary>
    public bool IsOmitted { get; }

    /// <summary>The value's size in bytes, omitted or not.</summary>
    public long Length { get; }

    /// <summary>The value; empty for a tombstone and an omitted value.</summary>
    public ReadOnlySpan<byte> Value { get; }
}

/// <summary>
/// The list element of <see cref="GetReply.Siblings"/>: a flags byte, then the value, or for a value left out only its
/// length.
/// </summary>
public readonly struct SiblingCodec : IElementCodec<SiblingValue, SiblingSpan>
{
    private const string FlagsField = "sibling flags";
    private const string OmittedLengthField = "omitted value length";

    static SiblingSpan IElementCodec<SiblingValue, SiblingSpan>.View(scoped in SiblingValue value) =>
        value.IsOmitted ? new SiblingSpan(value.OmittedLength) : new SiblingSpan(value.IsTombstone, value.Value.Span);

    static void IElementCodec<SiblingValue, SiblingSpan>.Check(scoped SiblingSpan element)
    {
        // An omitted value's length was checked where it was made: by SiblingValue.Omitted or by Read.
        if (element.IsOmitted)
        {
            return;
        }

        MessageFields.CheckLength(element.Value, ProtocolLimits.ValueBytesMax, MessageFields.Value);
        if (element.IsTombstone && !element.Value.IsEmpty)
        {
            throw MessageErrors.BadRequest("A tombstone sibling carries a value.");
        }
    }

    static int IElementCodec<SiblingValue, SiblingSpan>.Size(scoped SiblingSpan element) =>
        1 + (element.IsOmitted ? Leb128.Size((uint)element.Length) : MessageWriter.BytesSize(element.Value.Length));

    static void IElementCodec<SiblingValue, SiblingSpan>.Write(ref MessageWriter writer, SiblingSpan element)
    {
        if (element.IsOmitted)
        {
            writer.WriteU8(GetReply.OmittedFlag);
            writer.WriteVarint((uint)element.Length);
            return;
        }

        writer.WriteU8(element.IsTombstone ? GetReply.TombstoneFlag : (byte)0);
        writer.WriteBytes(element.Value);
    }

    static SiblingSpan IElementCodec<SiblingValue, SiblingSpan>.Read(scoped ref MessageReader reader)
    {
        var flags = reader.ReadFlags(GetReply.TombstoneFlag | GetReply.OmittedFlag, FlagsField);
        if ((flags & GetReply.OmittedFlag) == 0)
        {
            return new SiblingSpan((flags & GetReply.TombstoneFlag) != 0, reader.ReadBytes(ProtocolLimits.ValueBytesMax, MessageFields.Value));
        }

        if ((flags & GetReply.TombstoneFlag) != 0)
        {
            throw MessageErrors.BadRequest("A tombstone sibling is marked as having its value omitted.");
        }

        var length = reader.ReadVarint(OmittedLengthField);
        CheckOmittedLength(length);
        return new SiblingSpan(length);
    }

    /// <summary>Rejects the length of an omitted value over <see cref="ProtocolLimits.ValueBytesMax"/> (or negative) with TooLarge.</summary>
    internal static void CheckOmittedLength(long length)
    {
        if (length < 0 || length > ProtocolLimits.ValueBytesMax)
        {
            throw MessageErrors.TooLarge(OmittedLengthField, (uint)Math.Clamp(length, 0, uint.MaxValue), ProtocolLimits.ValueBytesMax);
        }
    }
}
