using System.Text;
using System.Text.Unicode;

namespace Dynamo.Protocol;

/// <summary>
/// A typed error answering any request.
/// <code>
/// +------+----------+----------+--------------+---------+
/// | code | required | received | retryAfterMs | message |
/// | u16  |    u8    |    u8    |     u32      |  bytes  |
/// +------+----------+----------+--------------+---------+
/// code: an ErrorCode; codes this version does not know are read as they are (see IsKnownCode)
/// required, received: replicas needed and replicas that answered, for QuorumNotMet; 0 otherwise
/// retryAfterMs: the suggested delay, for Overloaded; 0 otherwise
/// message: UTF-8, at most ErrorMessageBytesMax bytes
/// </code>
/// Building one throws <see cref="ProtocolException"/> when the message is over
/// <see cref="ProtocolLimits.ErrorMessageBytesMax"/> or not UTF-8; <see cref="EncodeMessage"/> turns text into a
/// message that fits.
/// </summary>
/// <param name="code">The error.</param>
/// <param name="message">A human-readable explanation, UTF-8.</param>
/// <param name="required">For <see cref="ErrorCode.QuorumNotMet"/>: the replicas the request needed.</param>
/// <param name="received">For <see cref="ErrorCode.QuorumNotMet"/>: the replicas that answered successfully.</param>
/// <param name="retryAfterMs">For <see cref="ErrorCode.Overloaded"/>: the suggested delay before a retry.</param>
public readonly ref struct ErrorReply(
    ErrorCode code, ReadOnlySpan<byte> message, byte required = 0, byte received = 0, uint retryAfterMs = 0)
    : IMessage<ErrorReply>
{
    private const int FixedBytes = 2 + 1 + 1 + 4;
    private const string MessageField = "error message";

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Error;

    /// <summary>The error; may be a code this version does not know (see <see cref="IsKnownCode"/>).</summary>
    public ErrorCode Code { get; } = code;

    /// <summary>For <see cref="ErrorCode.QuorumNotMet"/>: the replicas the request needed; 0 otherwise.</summary>
    public byte Required { get; } = required;

    /// <summary>For <see cref="ErrorCode.QuorumNotMet"/>: the replicas that answered successfully; 0 otherwise.</summary>
    public byte Received { get; } = received;

    /// <summary>For <see cref="ErrorCode.Overloaded"/>: the suggested delay before a retry; 0 otherwise.</summary>
    public uint RetryAfterMs { get; } = retryAfterMs;

    /// <summary>A human-readable explanation, UTF-8.</summary>
    public ReadOnlySpan<byte> Message { get; } =
        MessageFields.CheckedText(message, ProtocolLimits.ErrorMessageBytesMax, required: false, MessageField);

    /// <summary>The explanation as a string (allocates).</summary>
    public string MessageText => Encoding.UTF8.GetString(Message);

    /// <inheritdoc/>
    public int Length => FixedBytes + MessageWriter.BytesSize(Message.Length);

    /// <summary>Whether <see cref="Code"/> is one this version of the protocol defines.</summary>
    public bool IsKnownCode() => Enum.IsDefined(Code);

    /// <summary>
    /// Encodes <paramref name="text"/> as UTF-8 into <paramref name="buffer"/>, cut at a character boundary to
    /// <see cref="ProtocolLimits.ErrorMessageBytesMax"/> bytes (or the buffer's size), without allocating.
    /// Returns the written part of the buffer.
    /// </summary>
    public static ReadOnlySpan<byte> EncodeMessage(ReadOnlySpan<char> text, Span<byte> buffer)
    {
        var room = buffer[..Math.Min(buffer.Length, ProtocolLimits.ErrorMessageBytesMax)];
        Utf8.FromUtf16(text, room, out _, out var written, replaceInvalidSequences: true, isFinalBlock: true);
        return buffer[..written];
    }

    /// <summary>An error reply for a protocol error, its message encoded into <paramref name="buffer"/>.</summary>
    public static ErrorReply For(ProtocolException error, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new ErrorReply(error.Code, EncodeMessage(error.Message, buffer));
    }

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteU16((ushort)Code);
        writer.WriteU8(Required);
        writer.WriteU8(Received);
        writer.WriteU32(RetryAfterMs);
        writer.WriteBytes(Message);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static ErrorReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var code = (ErrorCode)reader.ReadU16("error code");
        var required = reader.ReadU8("required");
        var received = reader.ReadU8("received");
        var retryAfterMs = reader.ReadU32("retry delay");
        var message = reader.ReadBytes(ProtocolLimits.ErrorMessageBytesMax, MessageField);
        reader.EnsureEnd();
        return new ErrorReply(code, message, required, received, retryAfterMs);
    }
}
