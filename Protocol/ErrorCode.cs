namespace Dynamo.Protocol;

/// <summary>The typed errors of the protocol, carried by <see cref="Opcode.Error"/> frames.</summary>
public enum ErrorCode : ushort
{
    /// <summary>The request was malformed or its arguments were out of range.</summary>
    BadRequest = 1,

    /// <summary>A key, value, context or frame exceeded its limit.</summary>
    TooLarge = 2,

    /// <summary>Fewer replicas answered successfully than the request required (see required and received).</summary>
    QuorumNotMet = 3,

    /// <summary>The request's deadline passed before enough replicas answered.</summary>
    Timeout = 4,

    /// <summary>The node is shedding load; retry after the hinted delay.</summary>
    Overloaded = 5,

    /// <summary>The opcode is not one this node understands.</summary>
    UnknownOpcode = 6,

    /// <summary>A frame's payload failed its checksum.</summary>
    ChecksumMismatch = 7,

    /// <summary>The frame's protocol version is not supported.</summary>
    UnsupportedVersion = 8,

    /// <summary>The frame's header was corrupt (magic, header checksum or reserved bits); the connection closes.</summary>
    CorruptFrame = 9,

    /// <summary>The write would exceed the sibling or version-entry bound; resolve siblings by writing back with the context.</summary>
    VersionLimit = 10,

    /// <summary>Fewer members exist than the request's N.</summary>
    Unavailable = 11,

    /// <summary>An unexpected failure inside the node.</summary>
    Internal = 12,

    /// <summary>
    /// The node's storage failed (an fsync or a write returned an error); it refuses writes until restarted and
    /// repaired, and keeps serving reads. The message says why.
    /// </summary>
    StorageFailed = 13,
}

/// <summary>Whether a protocol error ends only its request or the whole connection.</summary>
public enum ErrorScope
{
    /// <summary>Framing is intact: answer the request with an error frame and keep the connection.</summary>
    Request,

    /// <summary>Framing can no longer be trusted: send an error frame, then close the connection.</summary>
    Connection,
}

/// <summary>
/// A protocol error: malformed, oversized or corrupt input. It is the only exception the protocol's decoders raise
/// on bad bytes. <see cref="Scope"/> says whether the connection survives it.
/// </summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates a protocol error.</summary>
    public ProtocolException(ErrorCode code, ErrorScope scope, string message, ulong requestId = 0)
        : base(message)
    {
        Code = code;
        Scope = scope;
        RequestId = requestId;
    }

    /// <summary>Creates a protocol error (for serializers; prefer the detailed constructor).</summary>
    public ProtocolException()
        : this(ErrorCode.BadRequest, ErrorScope.Request, "Bad request.")
    {
    }

    /// <summary>Creates a protocol error with a message.</summary>
    public ProtocolException(string message)
        : this(ErrorCode.BadRequest, ErrorScope.Request, message)
    {
    }

    /// <summary>Creates a protocol error with a message and a cause.</summary>
    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCode.BadRequest;
        Scope = ErrorScope.Request;
    }

    /// <summary>The typed error.</summary>
    public ErrorCode Code { get; }

    /// <summary>Whether the connection survives.</summary>
    public ErrorScope Scope { get; }

    /// <summary>The request the error belongs to, when the header was readable; otherwise 0.</summary>
    public ulong RequestId { get; }
}
