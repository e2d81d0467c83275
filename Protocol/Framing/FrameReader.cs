using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Dynamo.Protocol;

/// <summary>
/// Parses frames out of a pipe's buffer, in the shape of Kestrel's HTTP/2 frame reader: call
/// <see cref="TryReadFrame"/> in a loop until it returns false, then <c>AdvanceTo(buffer.Start, buffer.End)</c>.
/// </summary>
public static class FrameReader
{
    /// <summary>
    /// Reads one frame from the front of <paramref name="buffer"/>.
    /// </summary>
    /// <remarks>
    /// <para>Returns false, consuming nothing, while the frame is incomplete. On success <paramref name="buffer"/>
    /// is sliced past the frame and <paramref name="payload"/> is a slice of the input (no copy), valid until the
    /// caller advances its pipe; open it with <see cref="FramePayload.Open"/>.</para>
    /// <para>The magic and version bytes are checked as soon as they arrive, and the declared length as soon as
    /// the 24 header bytes have, so a stray protocol or a hostile length never makes the reader wait or reserve
    /// memory. An unknown opcode is returned like any other: it is for dispatch to answer.</para>
    /// <para>Errors are <see cref="ProtocolException"/>s. With <see cref="ErrorScope.Connection"/> (bad magic,
    /// unsupported version, header checksum, reserved flag bits, length over <see cref="ProtocolLimits.FrameBytesMax"/>)
    /// framing is lost: send an error frame and close; <paramref name="buffer"/> is left as it was. With
    /// <see cref="ErrorScope.Request"/> (payload checksum) the header was verified, so the frame has already been
    /// consumed from <paramref name="buffer"/>: answer <see cref="ProtocolException.RequestId"/> with an error
    /// frame and keep reading.</para>
    /// </remarks>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        header = default;
        payload = default;
        var available = buffer.Length;
        if (available < ProtocolLimits.FrameHeaderBytes)
        {
            if (available > 0)
            {
                CheckPrefix(buffer);
            }

            return false;
        }

        Span<byte> copy = stackalloc byte[ProtocolLimits.FrameHeaderBytes];
        var first = buffer.FirstSpan;
        scoped ReadOnlySpan<byte> bytes;
        if (first.Length >= ProtocolLimits.FrameHeaderBytes)
        {
            bytes = first[..ProtocolLimits.FrameHeaderBytes];
        }
        else
        {
            buffer.Slice(0, ProtocolLimits.FrameHeaderBytes).CopyTo(copy);
            bytes = copy;
        }

        var parsed = ParseHeader(bytes);
        if (available - ProtocolLimits.FrameHeaderBytes < parsed.PayloadLength)
        {
            return false;
        }

        var body = buffer.Slice(ProtocolLimits.FrameHeaderBytes, parsed.PayloadLength);
        var crc = Crc32C.Compute(body);
        buffer = buffer.Slice(body.End);
        if (crc != parsed.PayloadCrc)
        {
            throw PayloadChecksumMismatch(parsed, crc);
        }

        header = parsed;
        payload = body;
        return true;
    }

    /// <summary>Rejects a stray protocol by its first bytes, before a whole header has arrived.</summary>
    private static void CheckPrefix(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[2];
        var length = (int)Math.Min(buffer.Length, prefix.Length);
        buffer.Slice(0, length).CopyTo(prefix);
        CheckMagic(prefix[FrameHeader.MagicOffset]);
        if (length > FrameHeader.VersionOffset)
        {
            CheckVersion(prefix[FrameHeader.VersionOffset]);
        }
    }

    /// <summary>
    /// Validates the 24 header bytes. Magic and version come first: they say which layout the rest has. Then the
    /// header checksum, so that no field is believed before it is verified; then the fields themselves.
    /// </summary>
    private static FrameHeader ParseHeader(ReadOnlySpan<byte> bytes)
    {
        CheckMagic(bytes[FrameHeader.MagicOffset]);
        CheckVersion(bytes[FrameHeader.VersionOffset]);

        var headerCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes[FrameHeader.HeaderCrcOffset..]);
        var computed = Crc32C.Compute(bytes[..FrameHeader.HeaderCrcOffset]);
        if (headerCrc != computed)
        {
            throw ConnectionError(ErrorCode.CorruptFrame, string.Create(
                CultureInfo.InvariantCulture,
                $"Frame header checksum mismatch: header says 0x{headerCrc:X8}, bytes give 0x{computed:X8}."));
        }

        var requestId = BinaryPrimitives.ReadUInt64LittleEndian(bytes[FrameHeader.RequestIdOffset..]);
        var flags = (FrameFlags)bytes[FrameHeader.FlagsOffset];
        if ((flags & ~FrameHeader.KnownFlags) != 0)
        {
            throw ConnectionError(ErrorCode.CorruptFrame, string.Create(
                CultureInfo.InvariantCulture,
                $"Frame flags 0x{(byte)flags:X2} set reserved bits (only 0x{(byte)FrameHeader.KnownFlags:X2} is defined)."),
                requestId);
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[FrameHeader.PayloadLengthOffset..]);
        if (length > ProtocolLimits.FrameBytesMax)
        {
            throw ConnectionError(ErrorCode.TooLarge, string.Create(
                CultureInfo.InvariantCulture,
                $"Frame declares a {length}-byte payload; the limit is {ProtocolLimits.FrameBytesMax} bytes."),
                requestId);
        }

        return new FrameHeader(
            bytes[FrameHeader.VersionOffset],
            (Opcode)bytes[FrameHeader.OpcodeOffset],
            flags,
            (int)length,
            requestId,
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[FrameHeader.PayloadCrcOffset..]));
    }

    private static void CheckMagic(byte magic)
    {
        if (magic != FrameHeader.Magic)
        {
            throw ConnectionError(ErrorCode.CorruptFrame, string.Create(
                CultureInfo.InvariantCulture,
                $"Not a Dynamo frame: first byte 0x{magic:X2}, expected 0x{FrameHeader.Magic:X2}."));
        }
    }

    private static void CheckVersion(byte version)
    {
        if (version != FrameHeader.CurrentVersion)
        {
            throw ConnectionError(ErrorCode.UnsupportedVersion, string.Create(
                CultureInfo.InvariantCulture,
                $"Protocol version {version} is not supported; this node speaks version {FrameHeader.CurrentVersion}."));
        }
    }

    private static ProtocolException ConnectionError(ErrorCode code, string message, ulong requestId = 0) =>
        new(code, ErrorScope.Connection, message, requestId);

    private static ProtocolException PayloadChecksumMismatch(in FrameHeader header, uint computed) =>
        new(ErrorCode.ChecksumMismatch, ErrorScope.Request, string.Create(
            CultureInfo.InvariantCulture,
            $"Payload checksum mismatch in request {header.RequestId}: header says 0x{header.PayloadCrc:X8}, payload gives 0x{computed:X8}."),
            header.RequestId);
}
