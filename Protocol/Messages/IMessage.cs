namespace Dynamo.Protocol;

/// <summary>
/// The one convention every message codec follows. A message is a <c>readonly ref struct</c> whose byte fields are
/// slices of the payload it was read from (decoding copies nothing); it encodes itself through
/// <see cref="IPayload"/>, and <see cref="Read"/> decodes a whole payload, throwing <see cref="ProtocolException"/>
/// (<see cref="ErrorScope.Request"/>; <see cref="ErrorCode.TooLarge"/> for a field over its limit,
/// <see cref="ErrorCode.BadRequest"/> for anything else malformed) and nothing else on bad bytes.
/// Constructors check the same limits and rules as <see cref="Read"/> and throw the same errors, so a message that
/// could not be read cannot be built either. Layouts: docs/PROTOCOL.md.
/// </summary>
/// <typeparam name="TSelf">The message type itself.</typeparam>
public interface IMessage<TSelf> : IPayload
    where TSelf : IMessage<TSelf>, allows ref struct
{
    /// <summary>The opcode of frames that carry this message.</summary>
    static abstract Opcode Opcode { get; }

    /// <summary>
    /// Decodes a whole payload. The result's byte fields are slices of <paramref name="payload"/> and live no longer
    /// than it. Throws <see cref="ProtocolException"/> when the payload is malformed, including trailing bytes.
    /// </summary>
    static abstract TSelf Read(ReadOnlySpan<byte> payload);
}
