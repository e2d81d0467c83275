namespace Dynamo.Client;

/// <summary>
/// Every limit and default of the driver, in one place; each name ends with its unit. Wire limits (key, value,
/// bucket and context sizes) are <c>Dynamo.Protocol.ProtocolLimits</c>'s.
/// </summary>
public static class ClientLimits
{
    /// <summary>Default most requests in flight on one connection; more wait for a slot (backpressure).</summary>
    public const int InFlightRequestsDefault = 1024;

    /// <summary>Largest accepted <see cref="DynamoClientOptions.MaxInFlightPerConnection"/>.</summary>
    public const int InFlightRequestsMax = 65536;

    /// <summary>Default deadline of a request, from the call to its reply.</summary>
    public const int RequestTimeoutDefaultMs = 5000;

    /// <summary>Longest accepted request deadline (it travels as a u32 of milliseconds).</summary>
    public const int RequestTimeoutMaxMs = 24 * 60 * 60 * 1000;

    /// <summary>Default deadline of a whole repair (every exchange the node runs for it).</summary>
    public const int RepairTimeoutDefaultMs = 60_000;

    /// <summary>Longest repair deadline a node accepts (one hour, as for any request the core runs).</summary>
    public const int RepairTimeoutMaxMs = 60 * 60 * 1000;

    /// <summary>
    /// How much longer than a repair's own deadline the driver waits for its reply: the node answers at its deadline
    /// with what it finished, and that answer needs time to arrive.
    /// </summary>
    public const int RepairReplySlackMs = 2_000;

    /// <summary>Default deadline for opening a TCP connection to a node.</summary>
    public const int ConnectTimeoutDefaultMs = 2000;

    /// <summary>Default interval between two re-reads of the cluster information (0 turns them off).</summary>
    public const int RingRefreshIntervalDefaultMs = 30_000;

    /// <summary>Longest accepted interval between two re-reads of the cluster information (a day).</summary>
    public const int RingRefreshIntervalMaxMs = 24 * 60 * 60 * 1000;

    /// <summary>How long a node is left alone after its first connection failure.</summary>
    public const int ReconnectBackoffMinMs = 100;

    /// <summary>Longest pause before a node that keeps failing is tried again; the pause doubles up to it.</summary>
    public const int ReconnectBackoffMaxMs = 5000;

    /// <summary>The writer loop flushes a batch early when this many bytes wait unflushed.</summary>
    public const int WriteBatchBytesMax = 256 * 1024;

    /// <summary>Most seed endpoints in the options.</summary>
    public const int EndpointsMax = 64;

    /// <summary>Default most times a request is sent again after the node answered Overloaded.</summary>
    public const int OverloadedRetriesDefault = 3;

    /// <summary>Largest accepted <see cref="DynamoRetryPolicy.MaxOverloadedRetries"/>.</summary>
    public const int OverloadedRetriesMax = 100;

    /// <summary>
    /// Shortest wait before a retry after Overloaded, used when the node suggests less (or nothing), so that a node
    /// shedding load is not asked again at once.
    /// </summary>
    public const int OverloadedRetryDelayMinMs = 10;

    /// <summary>Longest connection string accepted by <see cref="DynamoClientOptions.Parse"/>.</summary>
    public const int ConnectionStringCharsMax = 8192;

    /// <summary>How long <see cref="DynamoClient.Dispose"/> waits for the connections to close.</summary>
    public const int DisposeTimeoutMs = 10_000;
}
