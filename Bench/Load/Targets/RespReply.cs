using System.Buffers;

namespace Dynamo.Bench.Load;

/// <summary>The type of a RESP2 reply, from its first byte.</summary>
internal enum RespKind
{
    /// <summary><c>+text</c>.</summary>
    SimpleString,

    /// <summary><c>-text</c>.</summary>
    Error,

    /// <summary><c>:number</c>.</summary>
    Integer,

    /// <summary><c>$length</c> then the bytes.</summary>
    BulkString,

    /// <summary><c>$-1</c>: no value (GET of a missing key).</summary>
    NullBulkString,

    /// <summary><c>*count</c> then the elements.</summary>
    Array,

    /// <summary><c>*-1</c>.</summary>
    NullArray,
}

/// <summary>
/// One parsed reply. <see cref="Payload"/> is a slice of the input, valid until the reader advances past it: the
/// text of a simple string or error, the bytes of a bulk string, or the encoded elements of an array (parse them
/// again with <see cref="RespParser.TryRead"/> to walk them).
/// </summary>
/// <param name="Kind">The reply's type.</param>
/// <param name="Integer">The value of an integer; the length of a bulk string; the element count of an array.</param>
/// <param name="Payload">The reply's bytes, as above; empty for integers and nulls.</param>
internal readonly record struct RespReply(RespKind Kind, long Integer, ReadOnlySequence<byte> Payload);

/// <summary>A reply that breaks RESP2 or the client's limits; the connection cannot be used any more.</summary>
internal sealed class RespProtocolException : Exception
{
    /// <summary>Creates the error.</summary>
    public RespProtocolException()
        : base("RESP protocol error")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public RespProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and a cause.</summary>
    public RespProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
