namespace Dynamo.Protocol;

/// <summary>
/// The reply to <see cref="GetRequest"/>: the key's context and its siblings. Zero siblings means not found.
/// <code>
/// +---------+--------+-----------+-----------+-----+
/// | context | count  | sibling 0 | sibling 1 | ... |   context: opaque, empty when the key has no versions
/// |  bytes  | varint |           |           |     |   count: 0 to SiblingsMax
/// +---------+--------+-----------+-----------+-----+
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
    private const string SiblingFlagsField = "sibling flags";

    private readonly ReadOnlySpan<SiblingValue> _values;
    private readonly ReadOnlySpan<byte> _encoded;
    private readonly bool _fromPayload;
    private readonly int _length;

    /// <summary>
    /// Builds a get reply; throws <see cref="ProtocolException"/> when the context, a value, the sibling count or
    /// the whole payload is over its limit, or a tombstone carries a value.
    /// </summary>
    public GetReply(ReadOnlySpan<byte> context, ReadOnlySpan<SiblingValue> siblings)
    {
        MessageFields.CheckLength(context, ProtocolLimits.ContextBytesMax, MessageFields.Context);
        MessageFields.CheckCount(siblings.Length, ProtocolLimits.SiblingsMax, SiblingsField);
        long length = MessageWriter.BytesSize(context.Length) + Leb128.Size((uint)siblings.Length);
        foreach (var sibling in siblings)
        {
            var value = sibling.Value.Span;
            MessageFields.CheckLength(value, ProtocolLimits.ValueBytesMax, MessageFields.Value);
            CheckTombstone(sibling.IsTombstone, value);
            length += 1 + (sibling.IsOmitted ? Leb128.Size(sibling.OmittedLength) : MessageWriter.BytesSize(value.Length));
        }

        if (length > ProtocolLimits.UncompressedFrameBytesMax)
        {
            throw MessageErrors.TooLarge("get reply", (uint)Math.Min(length, uint.MaxValue), ProtocolLimits.UncompressedFrameBytesMax);
        }

        Context = context;
        _values = siblings;
        _encoded = default;
        _fromPayload = false;
        SiblingCount = siblings.Length;
        _length = (int)length;
    }

    private GetReply(ReadOnlySpan<byte> context, int count, ReadOnlySpan<byte> encodedSiblings, int length)
    {
        Context = context;
        _values = default;
        _encoded = encodedSiblings;
        _fromPayload = true;
        SiblingCount = count;
        _length = length;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.GetReply;

    /// <summary>The opaque causal context to pass back with the next put or delete of the key.</summary>
    public ReadOnlySpan<byte> Context { get; }

    /// <summary>The number of siblings; 0 means the key was not found.</summary>
    public int SiblingCount { get; }

    /// <summary>Whether the key was not found.</summary>
    public bool IsNotFound => SiblingCount == 0;

    /// <summary>The siblings in order, without allocating: <c>foreach (var s in reply.Siblings)</c>.</summary>
    public SiblingEnumerator Siblings =>
        _fromPayload ? new SiblingEnumerator(_encoded, SiblingCount) : new SiblingEnumerator(_values);

    /// <inheritdoc/>
    public int Length => _length;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, _length);
        writer.WriteBytes(Context);
        writer.WriteVarint((uint)SiblingCount);
        if (_fromPayload)
        {
            writer.WriteRaw(_encoded);
        }
        else
        {
            foreach (var sibling in _values)
            {
                if (sibling.IsOmitted)
                {
                    writer.WriteU8(OmittedFlag);
                    writer.WriteVarint(sibling.OmittedLength);
                }
                else
                {
                    writer.WriteU8(sibling.IsTombstone ? TombstoneFlag : (byte)0);
                    writer.WriteBytes(sibling.Value.Span);
                }
            }
        }

        writer.Finish();
    }

    /// <inheritdoc/>
    /// <remarks>Every sibling is checked here, so walking <see cref="Siblings"/> afterwards cannot fail.</remarks>
    public static GetReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var context = reader.ReadBytes(ProtocolLimits.ContextBytesMax, MessageFields.Context);
        var count = reader.ReadCount(ProtocolLimits.SiblingsMax, SiblingsField);
        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            var flags = reader.ReadFlags(TombstoneFlag | OmittedFlag, SiblingFlagsField);
            if ((flags & OmittedFlag) != 0)
            {
                if ((flags & TombstoneFlag) != 0)
                {
                    throw MessageErrors.BadRequest("A tombstone sibling is marked as having its value omitted.");
                }

                ReadOmittedLength(ref reader);
                continue;
            }

            var value = reader.ReadBytes(ProtocolLimits.ValueBytesMax, MessageFields.Value);
            CheckTombstone((flags & TombstoneFlag) != 0, value);
        }

        reader.EnsureEnd();
        return new GetReply(context, count, reader.Between(start, reader.Position), payload.Length);
    }

    /// <summary>Reads the length of an omitted value: at most <see cref="ProtocolLimits.ValueBytesMax"/>.</summary>
    internal static uint ReadOmittedLength(ref MessageReader reader)
    {
        var length = reader.ReadVarint("omitted value length");
        if (length > ProtocolLimits.ValueBytesMax)
        {
            throw MessageErrors.TooLarge("omitted value length", length, ProtocolLimits.ValueBytesMax);
        }

        return length;
    }

    private static void CheckTombstone(bool isTombstone, ReadOnlySpan<byte> value)
    {
        if (isTombstone && !value.IsEmpty)
        {
            throw MessageErrors.BadRequest("A tombstone sibling carries a value.");
        }
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
        if (length < 0 || length > ProtocolLimits.ValueBytesMax)
        {
            throw MessageErrors.TooLarge("omitted value length", (uint)Math.Clamp(length, 0, uint.MaxValue), ProtocolLimits.ValueBytesMax);
        }

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

/// <summary>Walks the siblings of a <see cref="GetReply"/> without allocating.</summary>
public ref struct SiblingEnumerator
{
    private readonly ReadOnlySpan<SiblingValue> _values;
    private readonly bool _fromPayload;
    private readonly int _count;
    private MessageReader _reader;
    private int _index;

    internal SiblingEnumerator(ReadOnlySpan<SiblingValue> values)
    {
        _values = values;
        _count = values.Length;
        _index = -1;
    }

    internal SiblingEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _reader = new MessageReader(encoded);
        _fromPayload = true;
        _count = count;
        _index = -1;
    }

    /// <summary>The sibling at the current position.</summary>
    public SiblingSpan Current { get; private set; }

    /// <summary>Returns this enumerator, so that <c>foreach</c> works on it.</summary>
    public readonly SiblingEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next sibling.</summary>
    public bool MoveNext()
    {
        if (_index + 1 >= _count)
        {
            _index = _count;
            return false;
        }

        _index++;
        if (_fromPayload)
        {
            // Already validated by GetReply.Read: these reads cannot fail.
            var flags = _reader.ReadU8("sibling flags");
            Current = (flags & GetReply.OmittedFlag) != 0
                ? new SiblingSpan(GetReply.ReadOmittedLength(ref _reader))
                : new SiblingSpan((flags & GetReply.TombstoneFlag) != 0, _reader.ReadBytes(ProtocolLimits.ValueBytesMax, MessageFields.Value));
        }
        else
        {
            var sibling = _values[_index];
            Current = sibling.IsOmitted ? new SiblingSpan(sibling.OmittedLength) : new SiblingSpan(sibling.IsTombstone, sibling.Value.Span);
        }

        return true;
    }
}
