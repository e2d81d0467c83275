using System.Buffers.Binary;

namespace Dynamo.Protocol;

/// <summary>The flag bits of a frame header. Bits 1–7 are reserved and must be zero.</summary>
[Flags]
public enum FrameFlags : byte
{
    /// <summary>A plain payload.</summary>
    None = 0,

    /// <summary>The payload is <c>[uncompressed length u32 LE][LZ4 block]</c>.</summary>
    Compressed = 1,
}

/// <summary>
/// The fixed 24-byte header that starts every frame, little-endian (docs/PROTOCOL.md, "Frames"):
/// <code>
///  0        1        2        3        4        5        6        7
/// +--------+--------+--------+--------+--------+--------+--------+--------+
/// | magic  |version | opcode | flags  |    payload length (u32, LE)       |
/// +--------+--------+--------+--------+--------+--------+--------+--------+
/// |                        request id (u64, LE)                           |
/// +--------+--------+--------+--------+--------+--------+--------+--------+
/// |    payload CRC32C (u32, LE)       |    header CRC32C (u32, LE)        |
/// +--------+--------+--------+--------+--------+--------+--------+--------+
/// </code>
/// The payload CRC covers the payload as sent (after compression); the header CRC covers bytes 0..19.
/// </summary>
public readonly struct FrameHeader
{
    /// <summary>The first byte of every frame. It is not ASCII, so RESP, HTTP or TLS fail at the first byte.</summary>
    public const byte Magic = 0xD7;

    /// <summary>The protocol version this code speaks.</summary>
    public const byte CurrentVersion = 1;

    internal const int MagicOffset = 0;
    internal const int VersionOffset = 1;
    internal const int OpcodeOffset = 2;
    internal const int FlagsOffset = 3;
    internal const int PayloadLengthOffset = 4;
    internal const int RequestIdOffset = 8;
    internal const int PayloadCrcOffset = 16;
    internal const int HeaderCrcOffset = 20;

    /// <summary>The flag bits this version defines; any other bit set is a corrupt frame.</summary>
    internal const FrameFlags KnownFlags = FrameFlags.Compressed;

    /// <summary>Creates a header.</summary>
    public FrameHeader(byte version, Opcode opcode, FrameFlags flags, int payloadLength, ulong requestId, uint payloadCrc)
    {
        Version = version;
        Opcode = opcode;
        Flags = flags;
        PayloadLength = payloadLength;
        RequestId = requestId;
        PayloadCrc = payloadCrc;
    }

    /// <summary>The protocol version (always <see cref="CurrentVersion"/> for a frame that was accepted).</summary>
    public byte Version { get; }

    /// <summary>The frame's kind; it may be an opcode this node does not define (dispatch answers UnknownOpcode).</summary>
    public Opcode Opcode { get; }

    /// <summary>The flag bits.</summary>
    public FrameFlags Flags { get; }

    /// <summary>Bytes of payload on the wire, after compression.</summary>
    public int PayloadLength { get; }

    /// <summary>The request's correlation id; a reply echoes its request's id.</summary>
    public ulong RequestId { get; }

    /// <summary>The CRC-32C of the payload as sent.</summary>
    public uint PayloadCrc { get; }

    /// <summary>True when the payload is LZ4-compressed.</summary>
    public bool IsCompressed => (Flags & FrameFlags.Compressed) != 0;

    /// <summary>The whole frame's length: header plus payload.</summary>
    public int FrameLength => ProtocolLimits.FrameHeaderBytes + PayloadLength;

    /// <summary>Writes the 24 header bytes, header CRC included, into <paramref name="destination"/>.</summary>
    internal void WriteTo(Span<byte> destination)
    {
        var header = destination[..ProtocolLimits.FrameHeaderBytes];
        header[MagicOffset] = Magic;
        header[VersionOffset] = Version;
        header[OpcodeOffset] = (byte)Opcode;
        header[FlagsOffset] = (byte)Flags;
        BinaryPrimitives.WriteUInt32LittleEndian(header[PayloadLengthOffset..], (uint)PayloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(header[RequestIdOffset..], RequestId);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PayloadCrcOffset..], PayloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[HeaderCrcOffset..], Crc32C.Compute(header[..HeaderCrcOffset]));
    }
}
