using System.Buffers;
using System.Buffers.Text;

namespace Dynamo.Bench.Load;

/// <summary>
/// A streaming RESP2 reply parser over <see cref="ReadOnlySequence{T}"/>. <see cref="TryRead"/> consumes one whole
/// reply or nothing: with an incomplete reply it returns false and leaves the reader where it was, so the caller
/// reads more and calls again. Sizes are checked against <see cref="RespLimits"/> as soon as they are known, before
/// waiting for the bytes they announce.
/// </summary>
internal static class RespParser
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>Reads one reply, or returns false without consuming when it is not all there yet.</summary>
    /// <exception cref="RespProtocolException">The bytes are not RESP2, or exceed a limit.</exception>
    public static bool TryRead(ref SequenceReader<byte> reader, out RespReply reply)
    {
        var copy = reader;
        if (!TryReadValue(ref copy, depth: 0, out reply))
        {
            return false;
        }

        reader = copy;
        return true;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, int depth, out RespReply reply)
    {
        reply = default;
        if (!reader.TryRead(out var type))
        {
            return false;
        }

        if (!TryReadLine(ref reader, out var line))
        {
            return false;
        }

        switch (type)
        {
            case (byte)'+':
                reply = new RespReply(RespKind.SimpleString, 0, line);
                return true;
            case (byte)'-':
                reply = new RespReply(RespKind.Error, 0, line);
                return true;
            case (byte)':':
                reply = new RespReply(RespKind.Integer, ParseInteger(line, "integer"), default);
                return true;
            case (byte)'$':
                return TryReadBulk(ref reader, ParseInteger(line, "bulk string length"), out reply);
            case (byte)'*':
                return TryReadArray(ref reader, ParseInteger(line, "array length"), depth, out reply);
            default:
                throw new RespProtocolException($"unknown RESP2 reply type byte 0x{type:x2}");
        }
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        if (reader.TryReadTo(out line, Crlf, advancePastDelimiter: true))
        {
            if (line.Length > RespLimits.LineBytesMax)
            {
                throw new RespProtocolException($"a reply line is longer than {RespLimits.LineBytesMax} bytes");
            }

            return true;
        }

        // No CRLF yet: a bare CR may be the first half of one, anything longer than the limit never will be.
        if (reader.Remaining > RespLimits.LineBytesMax + 1)
        {
            throw new RespProtocolException($"a reply line is longer than {RespLimits.LineBytesMax} bytes");
        }

        return false;
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, long length, out RespReply reply)
    {
        if (IsNull(length, RespLimits.BulkBytesMax, "bulk string", RespKind.NullBulkString, out reply))
        {
            return true;
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var payload = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        if (!reader.IsNext(Crlf, advancePast: true))
        {
            throw new RespProtocolException("a bulk string does not end with CRLF");
        }

        reply = new RespReply(RespKind.BulkString, length, payload);
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, long count, int depth, out RespReply reply)
    {
        if (IsNull(count, RespLimits.ArrayElementsMax, "array", RespKind.NullArray, out reply))
        {
            return true;
        }

        if (depth + 1 > RespLimits.NestingDepthMax)
        {
            throw new RespProtocolException($"arrays are nested deeper than {RespLimits.NestingDepthMax}");
        }

        var start = reader.Position;
        for (var i = 0; i < count; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, out _))
            {
                return false;
            }
        }

        reply = new RespReply(RespKind.Array, count, reader.Sequence.Slice(start, reader.Position));
        return true;
    }

    /// <summary>
    /// Whether the declared <paramref name="length"/> of a bulk string or an array is -1, RESP's null (then
    /// <paramref name="reply"/> is the null of <paramref name="nullKind"/>); any other length must be 0 to
    /// <paramref name="max"/>, or the reply breaks the protocol.
    /// </summary>
    private static bool IsNull(long length, long max, string what, RespKind nullKind, out RespReply reply)
    {
        reply = default;
        if (length == -1)
        {
            reply = new RespReply(nullKind, -1, default);
            return true;
        }

        if (length < 0 || length > max)
        {
            throw new RespProtocolException($"{what} length {length} is not from -1 to {max}");
        }

        return false;
    }

    private static long ParseInteger(ReadOnlySequence<byte> line, string what)
    {
        // A long has at most 20 characters; anything longer is not one.
        Span<byte> text = stackalloc byte[20];
        if (line.IsEmpty || line.Length > text.Length)
        {
            throw new RespProtocolException($"the {what} is not a 64-bit integer");
        }

        line.CopyTo(text);
        text = text[..(int)line.Length];
        if (text[0] == (byte)'+' || !Utf8Parser.TryParse(text, out long value, out var consumed) || consumed != text.Length)
        {
            throw new RespProtocolException($"the {what} is not a 64-bit integer");
        }

        return value;
    }
}
