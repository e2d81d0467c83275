using System.Buffers.Binary;

namespace Dynamo.Protocol;

/// <summary>
/// A cursor over a payload that decodes the primitives of docs/PROTOCOL.md: little-endian integers,
/// canonical LEB128 lengths and counts, length-prefixed byte strings whose length is checked against the field's
/// limit before anything is sliced, and flags bytes whose reserved bits must be zero.
/// </summary>
internal ref struct MessageReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _position;

    public MessageReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _payload.Length - _position;

    public byte ReadU8(string field)
    {
        if (_position >= _payload.Length)
        {
            throw MessageErrors.Truncated(field);
        }

        return _payload[_position++];
    }

    public ushort ReadU16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(sizeof(ushort), field));

    public uint ReadU32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(sizeof(uint), field));

    public ulong ReadU64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(sizeof(ulong), field));

    /// <summary>Reads a flags byte; any bit outside <paramref name="allowed"/> is reserved and must be zero.</summary>
    public byte ReadFlags(byte allowed, string field)
    {
        var flags = ReadU8(field);
        if ((flags & ~allowed) != 0)
        {
            throw MessageErrors.ReservedBits(field, flags);
        }

        return flags;
    }

    /// <summary>Reads an unsigned LEB128 value of at most 5 bytes in its shortest form.</summary>
    public uint ReadVarint(string field)
    {
        uint value = 0;
        for (var i = 0; i < Leb128.BytesMax; i++)
        {
            var b = ReadU8(field);
            if (i == Leb128.BytesMax - 1 && b > 0x0F)
            {
                throw MessageErrors.VarintOverflow(field);
            }

            value |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw MessageErrors.NonMinimalVarint(field);
                }

                return value;
            }
        }

        throw MessageErrors.VarintOverflow(field);
    }

    /// <summary>Reads a varint count and rejects it with TooLarge when it exceeds <paramref name="max"/>.</summary>
    public int ReadCount(int max, string field)
    {
        var count = ReadVarint(field);
        if (count > (uint)max)
        {
            throw MessageErrors.TooLarge(field, count, max);
        }

        return (int)count;
    }

    /// <summary>
    /// Reads a length-prefixed byte string. The declared length is checked against <paramref name="max"/>
    /// (TooLarge) and then against the bytes left (BadRequest) before the slice is taken.
    /// </summary>
    public ReadOnlySpan<byte> ReadBytes(int max, string field)
    {
        var length = ReadVarint(field);
        if (length > (uint)max)
        {
            throw MessageErrors.TooLarge(field, length, max);
        }

        return Take((int)length, field);
    }

    /// <summary>Reads a bucket and a key, each length-prefixed and checked against its limit.</summary>
    public void ReadKey(out ReadOnlySpan<byte> bucket, out ReadOnlySpan<byte> key)
    {
        bucket = ReadBytes(ProtocolLimits.BucketBytesMax, MessageFields.Bucket);
        key = ReadBytes(ProtocolLimits.KeyBytesMax, MessageFields.Key);
    }

    /// <summary>Reads an encoded sibling set, length-prefixed and checked against its limit.</summary>
    public ReadOnlySpan<byte> ReadObject() => ReadBytes(ProtocolLimits.ObjectBytesMax, MessageFields.Object);

    /// <summary>
    /// Reads the quorum tail of a client request: the replica count (named <paramref name="quorumField"/>), a flags
    /// byte whose bits outside <paramref name="allowedFlags"/> must be zero, and the timeout in milliseconds.
    /// </summary>
    public byte ReadQuorum(string quorumField, byte allowedFlags, out byte flags, out uint timeoutMs)
    {
        var quorum = ReadU8(quorumField);
        flags = ReadFlags(allowedFlags, MessageFields.Flags);
        timeoutMs = ReadU32("timeout");
        return quorum;
    }

    /// <summary>Takes the next <paramref name="count"/> bytes as a slice.</summary>
    public ReadOnlySpan<byte> Take(int count, string field)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw MessageErrors.Truncated(field);
        }

        var slice = _payload.Slice(_position, count);
        _position += count;
        return slice;
    }

    /// <summary>The payload between two positions of this reader.</summary>
    public readonly ReadOnlySpan<byte> Between(int start, int end) => _payload[start..end];

    /// <summary>Reads a payload that is one length-prefixed byte string and nothing after it.</summary>
    public static ReadOnlySpan<byte> ReadSingleBytes(ReadOnlySpan<byte> payload, int max, string field)
    {
        var reader = new MessageReader(payload);
        var value = reader.ReadBytes(max, field);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Reads a payload that must be empty; the result is the message's default value.</summary>
    public static T ReadEmpty<T>(ReadOnlySpan<byte> payload)
        where T : allows ref struct
    {
        new MessageReader(payload).EnsureEnd();
        return default!;
    }

    /// <summary>Rejects trailing bytes after the last field.</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _payload.Length)
        {
            throw MessageErrors.TrailingBytes(_payload.Length - _position);
        }
    }
}
