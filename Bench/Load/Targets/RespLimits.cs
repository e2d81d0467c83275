namespace Dynamo.Bench.Load;

/// <summary>Every limit of the RESP client of the load harness, in one place; each name ends with its unit.</summary>
internal static class RespLimits
{
    /// <summary>Longest line (simple string, error, integer, or a bulk or array header), CRLF excluded.</summary>
    public const int LineBytesMax = 64 * 1024;

    /// <summary>Largest bulk string accepted in a reply; a larger declared length is a protocol error at once.</summary>
    public const int BulkBytesMax = 16 * 1024 * 1024;

    /// <summary>Most elements of an array in a reply.</summary>
    public const int ArrayElementsMax = 1024 * 1024;

    /// <summary>Deepest nesting of arrays in a reply.</summary>
    public const int NestingDepthMax = 8;

    /// <summary>Most requests waiting for their reply on one connection, timed-out ones included.</summary>
    public const int InFlightRequestsMax = 65536;

    /// <summary>Deadline for opening the TCP connection.</summary>
    public const int ConnectTimeoutMs = 5000;

    /// <summary>Shortest interval between two sweeps for requests past their deadline.</summary>
    public const int DeadlineSweepMinMs = 2;

    /// <summary>Longest interval between two sweeps for requests past their deadline.</summary>
    public const int DeadlineSweepMaxMs = 50;
}
