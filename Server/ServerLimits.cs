namespace Dynamo.Server;

/// <summary>
/// Every limit of the shell, in one place; each name ends with its unit. Core limits live in
/// <c>Dynamo.Engine.Limits</c>, wire limits in <c>Dynamo.Protocol.ProtocolLimits</c>.
/// </summary>
internal static class ServerLimits
{
    /// <summary>
    /// Requests one connection may have in flight (read, not yet answered). At the bound the connection stops reading
    /// its socket until replies drain, so a client that sends without reading fills its own socket buffers, not ours.
    /// </summary>
    public const int InFlightRequestsMax = 1024;

    /// <summary>Inputs waiting for the node loop. Writers wait when it is full (backpressure on their sockets).</summary>
    public const int NodeInputsQueuedMax = 16 * 1024;

    /// <summary>Operations one outbound peer link may have awaiting replies; beyond it a send fails at once.</summary>
    public const int PeerOperationsPendingMax = 64 * 1024;

    /// <summary>
    /// Slack a peer link adds to an operation's deadline before it fails the operation itself. The core's own
    /// deadline speaks first; this only keeps a link whose peer never answers from leaking entries.
    /// </summary>
    public const int PeerDeadlineSlackMs = 1_000;

    /// <summary>Shortest interval between scheduled anti-entropy exchanges (<c>--ae-interval-ms</c>).</summary>
    public const int AntiEntropyIntervalMinMs = 100;

    /// <summary>Longest interval between scheduled anti-entropy exchanges: one day.</summary>
    public const int AntiEntropyIntervalMaxMs = 24 * 60 * 60 * 1000;

    /// <summary>Most anti-entropy exchanges a node may run at once (<c>--ae-concurrency</c>).</summary>
    public const int AntiEntropyConcurrencyMax = 64;

    /// <summary>Highest anti-entropy repair rate, in keys per second (<c>--ae-keys-per-s</c>).</summary>
    public const int AntiEntropyKeysPerSecondMax = 10_000_000;

    /// <summary>How often the node loop looks for peer operations past their deadline.</summary>
    public const int PeerSweepIntervalMs = 250;

    /// <summary>The period of the node loop's tick, which lets the core fail operations whose deadline passed.</summary>
    public const int TickIntervalMs = 5;

    /// <summary>First delay before a peer link reconnects; it doubles on each failure.</summary>
    public const int ReconnectDelayMinMs = 50;

    /// <summary>Longest delay between reconnection attempts of a peer link.</summary>
    public const int ReconnectDelayMaxMs = 2_000;

    /// <summary>How long a peer link waits for a TCP connection to be established.</summary>
    public const int ConnectTimeoutMs = 2_000;

    /// <summary>Unflushed output after which a pipe writer waits for the socket (pause threshold).</summary>
    public const long PipePauseBytes = 1024 * 1024;

    /// <summary>
    /// Unread input a connection buffers before it stops reading its socket. Must hold one whole frame: the header
    /// plus <c>ProtocolLimits.FrameBytesMax</c>, so a large put can complete.
    /// </summary>
    public const long ReadBufferBytesMax = 17 * 1024 * 1024;

    /// <summary>Replies the writer loop encodes before it flushes, so one slow flush does not starve the others.</summary>
    public const int RepliesPerFlushMax = 256;

    /// <summary>How long <c>dev</c> waits for every node to answer a ping.</summary>
    public const int DevStartTimeoutMs = 60_000;

    /// <summary>How long <c>dev</c> gives its nodes to stop after SIGTERM before it kills them.</summary>
    public const int DevStopTimeoutMs = 5_000;

    /// <summary>How often a node started by <c>dev</c> checks that its parent still lives.</summary>
    public const int ParentCheckIntervalMs = 500;

    /// <summary>Most nodes <c>dev</c> starts.</summary>
    public const int DevNodesMax = 16;

    /// <summary>The suggested delay, in an Overloaded error, before the client retries.</summary>
    public const int OverloadedRetryAfterMs = 50;

    /// <summary>Longest <c>--sync-interval-ms</c>: beyond a second, interval mode loses too much on a crash.</summary>
    public const int SyncIntervalMaxMs = 1_000;

    /// <summary>Largest <c>--segment-mb</c>.</summary>
    public const int SegmentMbMax = 1024;

    /// <summary>Largest <c>--compaction-mb-per-s</c>.</summary>
    public const int CompactionMbPerSecondMax = 4096;

    /// <summary>
    /// The longest stretch of time one compaction step may make up for: after a stall the loop does not try to catch
    /// up with one huge step that would hold up requests.
    /// </summary>
    public const int CompactionStepMaxMs = 100;

    /// <summary>Largest <c>--gossip-interval-ms</c>.</summary>
    public const int GossipIntervalMaxMs = 60_000;

    /// <summary>Largest <c>--member-down-after-ms</c>.</summary>
    public const int MemberDownAfterMaxMs = 600_000;

    /// <summary>Largest <c>--hints-per-target-max</c>.</summary>
    public const int HintsPerTargetMax = 10_000_000;

    /// <summary>Largest <c>--hints-per-second</c>.</summary>
    public const int HintsPerSecondMax = 1_000_000;

    /// <summary>Milliseconds between the node loop's looks at the member list for new peer links and a new ring.</summary>
    public const int MembershipCheckIntervalMs = 100;
}
