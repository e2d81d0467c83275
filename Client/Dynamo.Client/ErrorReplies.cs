using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>Maps the protocol's error replies to the driver's typed exceptions.</summary>
internal static class ErrorReplies
{
    public static DynamoException ToException(in ErrorReply reply)
    {
        var message = reply.MessageText;
        return reply.Code switch
        {
            ErrorCode.QuorumNotMet => new QuorumNotMetException(reply.Required, reply.Received, message),
            ErrorCode.Timeout => new DynamoTimeoutException(DynamoException.Describe("the coordinator's deadline passed", message)),
            ErrorCode.Overloaded => new OverloadedException(TimeSpan.FromMilliseconds(reply.RetryAfterMs), message),
            ErrorCode.Unavailable => new UnavailableException(DynamoException.Describe("unavailable", message)),
            ErrorCode.VersionLimit => new SiblingLimitException(
                DynamoException.Describe("sibling limit reached (read, merge and write back with the context)", message)),
            ErrorCode.TooLarge => new ObjectTooLargeException(DynamoException.Describe("too large", message)),
            _ => new DynamoProtocolException(reply.Code, DynamoException.Describe(Describe(reply.Code), message)),
        };
    }

    /// <summary>A reply that could not be decoded: the node sent something this driver cannot read.</summary>
    public static DynamoProtocolException FromReplyDecoding(ProtocolException error) =>
        new(error.Code, "the node's reply is malformed: " + error.Message, error);

    private static string Describe(ErrorCode code) => code switch
    {
        ErrorCode.BadRequest => "bad request",
        ErrorCode.TooLarge => "too large",
        ErrorCode.UnknownOpcode => "unknown opcode",
        ErrorCode.ChecksumMismatch => "checksum mismatch",
        ErrorCode.UnsupportedVersion => "unsupported protocol version",
        ErrorCode.CorruptFrame => "corrupt frame",
        ErrorCode.Internal => "internal error",
        ErrorCode.StorageFailed => "the node's storage failed; it refuses writes",
        _ => $"error {(ushort)code}",
    };
}
