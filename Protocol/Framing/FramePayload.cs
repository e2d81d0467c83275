using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Dynamo.Protocol;

/// <summary>Turns a frame's payload, as <see cref="FrameReader"/> returned it, into contiguous plain bytes.</summary>
public static class FramePayload
{
    /// <summary>Bytes of the uncompressed-length prefix of a compressed payload.</summary>
    public const int UncompressedLengthBytes = sizeof(uint);

    /// <summary>
    /// The most bytes one byte of an LZ4 block can expand to: a match length is extended 255 at a time, one byte
    /// per 255. A compressed payload that declares more than this times its block length cannot be honest, so it
    /// is refused before any memory is rented for it.
    /// </summary>
    public const int Lz4ExpansionMax = 255;

    /// <summary>
    /// Opens a payload for reading. A single-segment plain payload is handed back in place; a multi-segment or a
    /// compressed one is copied or decompressed into a buffer rented from <see cref="ArrayPool{T}.Shared"/>, which
    /// <see cref="PayloadLease.Dispose"/> returns. Dispose the lease before the pipe is advanced.
    /// </summary>
    /// <exception cref="ProtocolException">
    /// A compressed payload is malformed: shorter than its length prefix, declaring more than
    /// <see cref="ProtocolLimits.UncompressedFrameBytesMax"/> bytes (TooLarge), or failing to decompress to exactly
    /// the declared length (BadRequest). The scope is <see cref="ErrorScope.Request"/>: the frame itself was intact.
    /// </exception>
    public static PayloadLease Open(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.IsCompressed)
        {
            return Decompress(header, payload);
        }

        if (payload.IsSingleSegment)
        {
            return new PayloadLease(payload.FirstSpan, rented: null);
        }

        var length = (int)payload.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        payload.CopyTo(rented);
        return new PayloadLease(rented.AsSpan(0, length), rented);
    }

    private static PayloadLease Decompress(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < UncompressedLengthBytes)
        {
            throw RequestError(header, ErrorCode.BadRequest, string.Create(
                CultureInfo.InvariantCulture,
                $"Compressed payload of {payload.Length} bytes is shorter than its {UncompressedLengthBytes}-byte length prefix."));
        }

        Span<byte> prefix = stackalloc byte[UncompressedLengthBytes];
        payload.Slice(0, UncompressedLengthBytes).CopyTo(prefix);
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        var block = payload.Slice(UncompressedLengthBytes);
        CheckDeclaredLength(header, declared, block.Length);

        var length = (int)declared;
        byte[]? blockCopy = null;
        var output = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            ReadOnlySpan<byte> source;
            if (block.IsSingleSegment)
            {
                source = block.FirstSpan;
            }
            else
            {
                blockCopy = ArrayPool<byte>.Shared.Rent((int)block.Length);
                block.CopyTo(blockCopy);
                source = blockCopy.AsSpan(0, (int)block.Length);
            }

            if (!Lz4.TryDecompress(source, output.AsSpan(0, length), out var written) || written != length)
            {
                throw RequestError(header, ErrorCode.BadRequest, string.Create(
                    CultureInfo.InvariantCulture,
                    $"Compressed payload does not decompress to its declared {length} bytes."));
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(output);
            throw;
        }
        finally
        {
            if (blockCopy is not null)
            {
                ArrayPool<byte>.Shared.Return(blockCopy);
            }
        }

        return new PayloadLease(output.AsSpan(0, length), output);
    }

    private static void CheckDeclaredLength(in FrameHeader header, uint declared, long blockLength)
    {
        if (declared > ProtocolLimits.UncompressedFrameBytesMax)
        {
            throw RequestError(header, ErrorCode.TooLarge, string.Create(
                CultureInfo.InvariantCulture,
                $"Compressed payload declares {declared} bytes; the limit is {ProtocolLimits.UncompressedFrameBytesMax} bytes."));
        }

        if (declared > blockLength * Lz4ExpansionMax)
        {
            throw RequestError(header, ErrorCode.BadRequest, string.Create(
                CultureInfo.InvariantCulture,
                $"Compressed payload declares {declared} bytes, more than a {blockLength}-byte LZ4 block can hold."));
        }
    }

    private static ProtocolException RequestError(in FrameHeader header, ErrorCode code, string message) =>
        new(code, ErrorScope.Request, message, header.RequestId);
}

/// <summary>
/// A frame's plain payload bytes, borrowed: either the pipe's own memory or a pooled buffer. It is a ref struct so
/// that it cannot outlive the read that produced it; dispose it exactly once (a <c>using</c> declaration).
/// </summary>
public ref struct PayloadLease : IDisposable
{
    private ReadOnlySpan<byte> _span;
    private byte[]? _rented;

    internal PayloadLease(ReadOnlySpan<byte> span, byte[]? rented)
    {
        _span = span;
        _rented = rented;
    }

    /// <summary>The plain payload.</summary>
    public readonly ReadOnlySpan<byte> Span => _span;

    /// <summary>True when the bytes were copied or decompressed into a pooled buffer.</summary>
    public readonly bool IsPooled => _rented is not null;

    /// <summary>Returns the pooled buffer, if any; <see cref="Span"/> is empty afterwards.</summary>
    public void Dispose()
    {
        var rented = _rented;
        _rented = null;
        _span = default;
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
