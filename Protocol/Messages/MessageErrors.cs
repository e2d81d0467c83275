using System.Globalization;
using System.Text.Unicode;

namespace Dynamo.Protocol;

/// <summary>
/// The errors of message decoding and building, all <see cref="ProtocolException"/>s of request scope. Methods
/// return the exception so that callers write <c>throw</c> and the compiler sees the end of the path.
/// </summary>
internal static class MessageErrors
{
    public static ProtocolException TooLarge(string field, uint length, int max) =>
        Request(ErrorCode.TooLarge, $"The {field} is {length.ToString(CultureInfo.InvariantCulture)}, over its limit of {max.ToString(CultureInfo.InvariantCulture)}.");

    public static ProtocolException Truncated(string field) =>
        BadRequest($"The payload ends inside the {field}.");

    public static ProtocolException ReservedBits(string field, byte flags) =>
        BadRequest($"The {field} 0x{flags.ToString("X2", CultureInfo.InvariantCulture)} has reserved bits set.");

    public static ProtocolException NonMinimalVarint(string field) =>
        BadRequest($"The {field} is a varint that is not in its shortest form.");

    public static ProtocolException VarintOverflow(string field) =>
        BadRequest($"The {field} is a varint longer than 32 bits.");

    public static ProtocolException TrailingBytes(int count) =>
        BadRequest($"{count.ToString(CultureInfo.InvariantCulture)} bytes follow the last field.");

    public static ProtocolException BadRequest(string message) => Request(ErrorCode.BadRequest, message);

    private static ProtocolException Request(ErrorCode code, string message) =>
        new(code, ErrorScope.Request, message);
}

/// <summary>The rules on fields shared by constructors and decoders, so that both reject the same messages.</summary>
internal static class MessageFields
{
    public const string Bucket = "bucket";
    public const string Key = "key";
    public const string Value = "value";
    public const string Context = "context";
    public const string Object = "object";
    public const string Flags = "flags";
    public const string NodeId = "node id";
    public const string Endpoint = "endpoint";

    /// <summary>The text field of an info reply.</summary>
    public const string Text = "text";

    /// <summary>The encoded size of a client request's quorum tail: replica count, flags and timeout.</summary>
    public const int QuorumBytes = 1 + 1 + 4;

    /// <summary>Rejects a byte string over its limit with TooLarge.</summary>
    public static void CheckLength(ReadOnlySpan<byte> value, int max, string field)
    {
        if (value.Length > max)
        {
            throw MessageErrors.TooLarge(field, (uint)value.Length, max);
        }
    }

    /// <summary>Rejects a bucket or a key over its limit with TooLarge, the bucket first.</summary>
    public static void CheckKey(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key)
    {
        CheckLength(bucket, ProtocolLimits.BucketBytesMax, Bucket);
        CheckLength(key, ProtocolLimits.KeyBytesMax, Key);
    }

    /// <summary>Returns <paramref name="value"/> after <see cref="CheckLength"/>.</summary>
    public static ReadOnlySpan<byte> CheckedLength(ReadOnlySpan<byte> value, int max, string field)
    {
        CheckLength(value, max, field);
        return value;
    }

    /// <summary>
    /// Rejects a whole payload of <paramref name="length"/> bytes over
    /// <see cref="ProtocolLimits.UncompressedFrameBytesMax"/> with TooLarge, naming the <paramref name="message"/>.
    /// </summary>
    public static void CheckPayloadLength(long length, string message)
    {
        if (length > ProtocolLimits.UncompressedFrameBytesMax)
        {
            throw MessageErrors.TooLarge(message, (uint)Math.Min(length, uint.MaxValue), ProtocolLimits.UncompressedFrameBytesMax);
        }
    }

    /// <summary>Rejects a count over its limit with TooLarge.</summary>
    public static void CheckCount(int count, int max, string field)
    {
        if (count > max)
        {
            throw MessageErrors.TooLarge(field, (uint)count, max);
        }
    }

    /// <summary>
    /// Returns an encoded sibling set after checking it against <see cref="ProtocolLimits.ObjectBytesMax"/> (TooLarge)
    /// and that it is not empty (BadRequest, naming the <paramref name="message"/> that carries it).
    /// </summary>
    public static ReadOnlySpan<byte> CheckedObject(ReadOnlySpan<byte> @object, string message)
    {
        CheckLength(@object, ProtocolLimits.ObjectBytesMax, Object);
        if (@object.IsEmpty)
        {
            throw MessageErrors.BadRequest($"The object of a {message} is empty.");
        }

        return @object;
    }

    /// <summary>Returns <paramref name="text"/> after <see cref="CheckText"/>.</summary>
    public static ReadOnlySpan<byte> CheckedText(ReadOnlySpan<byte> text, int max, bool required, string field)
    {
        CheckText(text, max, required, field);
        return text;
    }

    /// <summary>Rejects text over its limit (TooLarge), or that is empty when required, or not UTF-8 (BadRequest).</summary>
    public static void CheckText(ReadOnlySpan<byte> text, int max, bool required, string field)
    {
        CheckLength(text, max, field);
        if (required && text.IsEmpty)
        {
            throw MessageErrors.BadRequest($"The {field} is empty.");
        }

        if (!Utf8.IsValid(text))
        {
            throw MessageErrors.BadRequest($"The {field} is not valid UTF-8.");
        }
    }

    /// <summary>
    /// Checks an endpoint "host:port": UTF-8, a non-empty host before the last colon (so "[::1]:7000" works), and
    /// a decimal port of 1 to 65535 without leading zeros after it.
    /// </summary>
    public static void CheckEndpoint(ReadOnlySpan<byte> endpoint, string field)
    {
        CheckText(endpoint, ProtocolLimits.NameBytesMax, required: true, field);
        var colon = endpoint.LastIndexOf((byte)':');
        if (colon <= 0 || !IsPort(endpoint[(colon + 1)..]))
        {
            throw MessageErrors.BadRequest($"The {field} is not of the form host:port.");
        }
    }

    private static bool IsPort(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 5 || digits[0] == (byte)'0')
        {
            return false;
        }

        var port = 0;
        foreach (var digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            port = (port * 10) + (digit - '0');
        }

        return port <= ushort.MaxValue;
    }
}
