using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Dynamo.Protocol;

/// <summary>
/// Encodes whole frames straight into an <see cref="IBufferWriter{T}"/> (a pipe's writer), so several frames can
/// share one flush. Payloads over <see cref="ProtocolLimits.CompressionThresholdBytes"/> are LZ4-compressed when
/// that makes them smaller, and sent plain otherwise. Compression needs liblz4 (see <see cref="Lz4.EnsureAvailable"/>).
/// </summary>
public static class FrameWriter
{
    /// <summary>Writes one frame carrying <paramref name="payload"/>.</summary>
    /// <exception cref="ProtocolException">
    /// The payload is over <see cref="ProtocolLimits.UncompressedFrameBytesMax"/>, or over
    /// <see cref="ProtocolLimits.FrameBytesMax"/> and not compressible below it (TooLarge, request-scoped).
    /// </exception>
    public static void Write(
        IBufferWriter<byte> writer, Opcode opcode, ulong requestId, ReadOnlySpan<byte> payload, bool allowCompression = true)
    {
        CheckPlainLength(payload.Length, requestId);
        var frame = writer.GetSpan(ProtocolLimits.FrameHeaderBytes + payload.Length);
        WritePayloadAndHeader(writer, frame, opcode, requestId, payload, allowCompression);
    }

    /// <summary>
    /// Writes one frame whose payload writes itself: straight into the writer's memory after the header, or, when
    /// it is large enough to be worth compressing, into a pooled scratch buffer that is then compressed.
    /// </summary>
    /// <exception cref="ProtocolException">As for <see cref="Write(IBufferWriter{byte}, Opcode, ulong, ReadOnlySpan{byte}, bool)"/>.</exception>
    public static void Write<T>(
        IBufferWriter<byte> writer, Opcode opcode, ulong requestId, in T payload, bool allowCompression = true)
        where T : IPayload, allows ref struct
    {
        var length = payload.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        CheckPlainLength(length, requestId);
        var frame = writer.GetSpan(ProtocolLimits.FrameHeaderBytes + length);
        if (!allowCompression || length <= ProtocolLimits.CompressionThresholdBytes)
        {
            var body = frame.Slice(ProtocolLimits.FrameHeaderBytes, length);
            payload.WriteTo(body);
            Finish(writer, frame, opcode, requestId, FrameFlags.None, length);
            return;
        }

        var scratch = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var plain = scratch.AsSpan(0, length);
            payload.WriteTo(plain);
            WritePayloadAndHeader(writer, frame, opcode, requestId, plain, allowCompression: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void WritePayloadAndHeader(
        IBufferWriter<byte> writer, Span<byte> frame, Opcode opcode, ulong requestId, ReadOnlySpan<byte> plain, bool allowCompression)
    {
        var body = frame[ProtocolLimits.FrameHeaderBytes..];
        if (allowCompression && TryCompress(plain, body, out var compressedLength))
        {
            Finish(writer, frame, opcode, requestId, FrameFlags.Compressed, compressedLength);
            return;
        }

        CheckWireLength(plain.Length, requestId);
        plain.CopyTo(body);
        Finish(writer, frame, opcode, requestId, FrameFlags.None, plain.Length);
    }

    /// <summary>
    /// Compresses into <paramref name="body"/> as <c>[uncompressed length u32 LE][LZ4 block]</c>, giving LZ4 only
    /// room for a result smaller than the plain payload: it stops early, and returns 0, when it cannot do better.
    /// </summary>
    private static bool TryCompress(ReadOnlySpan<byte> plain, Span<byte> body, out int compressedLength)
    {
        compressedLength = 0;
        if (plain.Length <= ProtocolLimits.CompressionThresholdBytes)
        {
            return false;
        }

        var room = Math.Min(plain.Length - 1, ProtocolLimits.FrameBytesMax) - FramePayload.UncompressedLengthBytes;
        var blockLength = Lz4.Compress(plain, body.Slice(FramePayload.UncompressedLengthBytes, room));
        if (blockLength == 0)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)plain.Length);
        compressedLength = FramePayload.UncompressedLengthBytes + blockLength;
        return true;
    }

    private static void Finish(
        IBufferWriter<byte> writer, Span<byte> frame, Opcode opcode, ulong requestId, FrameFlags flags, int wireLength)
    {
        var body = frame.Slice(ProtocolLimits.FrameHeaderBytes, wireLength);
        new FrameHeader(FrameHeader.CurrentVersion, opcode, flags, wireLength, requestId, Crc32C.Compute(body))
            .WriteTo(frame);
        writer.Advance(ProtocolLimits.FrameHeaderBytes + wireLength);
    }

    private static void CheckPlainLength(int length, ulong requestId)
    {
        if (length > ProtocolLimits.UncompressedFrameBytesMax)
        {
            throw TooLarge(length, ProtocolLimits.UncompressedFrameBytesMax, requestId);
        }
    }

    private static void CheckWireLength(int length, ulong requestId)
    {
        if (length > ProtocolLimits.FrameBytesMax)
        {
            throw TooLarge(length, ProtocolLimits.FrameBytesMax, requestId);
        }
    }

    private static ProtocolException TooLarge(int length, int limit, ulong requestId) =>
        new(ErrorCode.TooLarge, ErrorScope.Request, string.Create(
            CultureInfo.InvariantCulture, $"A {length}-byte payload is over the {limit}-byte frame limit."),
            requestId);
}
