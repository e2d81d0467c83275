using System.Globalization;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>
/// The base of every operating error the driver reports: the request did not succeed, for a reason the caller can
/// handle. Locally invalid input (key too long, R out of range) is an <see cref="ArgumentException"/> instead, raised
/// before anything is sent.
/// </summary>
public class DynamoException : Exception
{
    /// <summary>Creates an error.</summary>
    public DynamoException()
    {
    }

    /// <summary>Creates an error with a message.</summary>
    public DynamoException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an error with a message and a cause.</summary>
    public DynamoException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Joins a description and the node's own message, when it sent one.</summary>
    internal static string Describe(string what, string? nodeMessage) =>
        string.IsNullOrEmpty(nodeMessage) ? what : what + ": " + nodeMessage;
}

/// <summary>
/// The request's deadline passed: on the client (no reply in time, or no slot on the connection in time) or on the
/// coordinator (it answered Timeout). A timed-out write may still have been applied: its outcome is unknown.
/// </summary>
public sealed class DynamoTimeoutException : DynamoException
{
    /// <summary>Creates a timeout error.</summary>
    public DynamoTimeoutException()
        : base("the request timed out")
    {
    }

    /// <summary>Creates a timeout error with a message.</summary>
    public DynamoTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates a timeout error with a message and a cause.</summary>
    public DynamoTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Fewer replicas answered successfully than the request's R or W: <see cref="Required"/> and <see cref="Received"/>.</summary>
public sealed class QuorumNotMetException : DynamoException
{
    /// <summary>Creates the error with the counts the coordinator reported.</summary>
    public QuorumNotMetException(int required, int received, string? nodeMessage = null)
        : base(Describe(
            string.Create(CultureInfo.InvariantCulture, $"quorum not met: required {required}, received {received}"),
            nodeMessage))
    {
        Required = required;
        Received = received;
    }

    /// <summary>Creates the error.</summary>
    public QuorumNotMetException()
        : base("quorum not met")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public QuorumNotMetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public QuorumNotMetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Replicas the request needed (its R or W).</summary>
    public int Required { get; }

    /// <summary>Replicas that answered successfully.</summary>
    public int Received { get; }
}

/// <summary>
/// The request could not be served: no node of the key's preference list was reachable, or the coordinator has
/// fewer members than N (it answered Unavailable).
/// </summary>
public sealed class UnavailableException : DynamoException
{
    /// <summary>Creates the error.</summary>
    public UnavailableException()
        : base("unavailable")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public UnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public UnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The node is shedding load; retry after <see cref="RetryAfter"/>.</summary>
public sealed class OverloadedException : DynamoException
{
    /// <summary>Creates the error with the node's suggested delay.</summary>
    public OverloadedException(TimeSpan retryAfter, string? nodeMessage = null)
        : base(Describe(
            string.Create(CultureInfo.InvariantCulture, $"overloaded: retry after {retryAfter.TotalMilliseconds:0} ms"),
            nodeMessage))
    {
        RetryAfter = retryAfter;
    }

    /// <summary>Creates the error.</summary>
    public OverloadedException()
        : base("overloaded")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public OverloadedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public OverloadedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The delay the node suggests before a retry.</summary>
    public TimeSpan RetryAfter { get; }
}

/// <summary>
/// The write would leave the key with more siblings or version entries than the bound (the node answered
/// VersionLimit): read the key and write a merged value back with the read's context.
/// </summary>
public sealed class SiblingLimitException : DynamoException
{
    /// <summary>Creates the error.</summary>
    public SiblingLimitException()
        : base("sibling limit reached: read the key and write back a merged value with its context")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public SiblingLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public SiblingLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The node answered with a protocol error (<see cref="Code"/>): a malformed or oversized request, an unknown
/// opcode, a corrupt frame, or an internal failure; or its reply could not be decoded.
/// </summary>
public sealed class DynamoProtocolException : DynamoException
{
    /// <summary>Creates the error with its code.</summary>
    public DynamoProtocolException(ErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Creates the error with its code and cause.</summary>
    public DynamoProtocolException(ErrorCode code, string message, Exception innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>Creates the error.</summary>
    public DynamoProtocolException()
        : this(ErrorCode.Internal, "protocol error")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public DynamoProtocolException(string message)
        : this(ErrorCode.Internal, message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public DynamoProtocolException(string message, Exception innerException)
        : this(ErrorCode.Internal, message, innerException)
    {
    }

    /// <summary>The protocol's error code (possibly one this version does not define).</summary>
    public ErrorCode Code { get; }
}

/// <summary>
/// The connection to a node could not be opened, or was lost while the request was in flight. When
/// <see cref="RequestSent"/> is true the node may have applied the request: its outcome is unknown, and the driver
/// does not retry it on another node.
/// </summary>
public sealed class DynamoConnectionException : DynamoException
{
    /// <summary>Creates the error.</summary>
    public DynamoConnectionException(string endpoint, bool requestSent, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        Endpoint = endpoint;
        RequestSent = requestSent;
    }

    /// <summary>Creates the error.</summary>
    public DynamoConnectionException()
        : base("connection failed")
    {
        Endpoint = string.Empty;
    }

    /// <summary>Creates the error with a message.</summary>
    public DynamoConnectionException(string message)
        : base(message)
    {
        Endpoint = string.Empty;
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public DynamoConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Endpoint = string.Empty;
    }

    /// <summary>The node's endpoint, "host:port".</summary>
    public string Endpoint { get; }

    /// <summary>Whether the request had been written to the connection before it failed.</summary>
    public bool RequestSent { get; }
}

/// <summary>
/// The node refused the request as too large (it answered TooLarge), before anything was stored. Usually a write
/// whose siblings would pass the object bound together: read the key (its <see cref="GetResult.Context"/>; its
/// values may be omitted) and write one value, or delete, with that context, so that the siblings are replaced. The
/// message says which bound; a request field over a protocol limit is refused by the driver before it is sent.
/// </summary>
public sealed class ObjectTooLargeException : DynamoException
{
    /// <summary>Creates the error.</summary>
    public ObjectTooLargeException()
        : base("too large: the key's siblings would pass the object bound; resolve them with a read's context")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public ObjectTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public ObjectTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
