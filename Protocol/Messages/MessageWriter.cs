using System.Buffers.Binary;

namespace Dynamo.Protocol;

/// <summary>
/// A cursor that encodes the primitives of docs/PROTOCOL.md into a span. It is created for exactly the
/// message's <see cref="IPayload.Length"/> and <see cref="Finish"/> checks that every byte was written.
/// </summary>
internal ref struct MessageWriter
{
    private readonly Span<byte> _destination;
    private int _position;

    public MessageWriter(Span<byte> destination, int length)
    {
        if (destination.Length < length)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} bytes; the payload needs {length}.",
                nameof(destination));
        }

        _destination = destination[..length];
        _position = 0;
    }

    /// <summary>The encoded size of a length-prefixed byte string of <paramref name="length"/> bytes.</summary>
    public static int BytesSize(int length) => Leb128.Size((uint)length) + length;

    /// <summary>The encoded size of a bucket and a key.</summary>
    public static int KeySize(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key) =>
        BytesSize(bucket.Length) + BytesSize(key.Length);

    /// <summary>Writes a payload that is one length-prefixed byte string.</summary>
    public static void WriteSingleBytes(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        var writer = new MessageWriter(destination, BytesSize(value.Length));
        writer.WriteBytes(value);
        writer.Finish();
    }

    public void WriteU8(byte value) => _destination[_position++] = value;

    public void WriteU16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_destination[_position..], value);
        _position += sizeof(ushort);
    }

    public void WriteU32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_destination[_position..], value);
        _position += sizeof(uint);
    }

    public void WriteU64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_destination[_position..], value);
        _position += sizeof(ulong);
    }

    public void WriteVarint(uint value) => _position += Leb128.Write(_destination[_position..], value);

    /// <summary>Writes a length-prefixed byte string.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarint((uint)value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes a bucket and a key, each length-prefixed.</summary>
    public void WriteKey(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key)
    {
        WriteBytes(bucket);
        WriteBytes(key);
    }

    /// <summary>Writes the quorum tail of a client request: replica count, flags and timeout in milliseconds.</summary>
    public void WriteQuorum(byte quorum, byte flags, uint timeoutMs)
    {
        WriteU8(quorum);
        WriteU8(flags);
        WriteU32(timeoutMs);
    }

    /// <summary>Writes bytes with no length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_destination[_position..]);
        _position += value.Length;
    }

    /// <summary>Checks that the message wrote exactly the length it announced; a mismatch is a codec bug.</summary>
    public readonly void Finish()
    {
        if (_position != _destination.Length)
        {
            throw new InvalidOperationException(
                $"A message announced {_destination.Length} bytes and wrote {_position}.");
        }
    }
}

/// <summary>Unsigned LEB128 of 32-bit values: 7 bits per byte, low group first, high bit set on all but the last.</summary>
internal static class Leb128
{
    /// <summary>The longest encoding of a 32-bit value.</summary>
    public const int BytesMax = 5;

    public static int Size(uint value) =>
        value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : value < 1u << 21 ? 3 : value < 1u << 28 ? 4 : 5;

    public static int Write(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
