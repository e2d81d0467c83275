using System.Net;
using Dynamo.Engine;
using Dynamo.Protocol;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server;

/// <summary>The shell's log messages, source-generated: no formatting work unless the level is enabled.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information,
        "Node {Node} epoch {Epoch} listening on {Listen}; members {Members}; Q = {Partitions}; defaults N = {N}, R = {R}, W = {W}, timeout {TimeoutMs} ms; data {DataDirectory}")]
    public static partial void NodeStarted(
        ILogger logger, NodeId node, uint epoch, EndPoint listen, string members, int partitions, int n, int r, int w, int timeoutMs, string dataDirectory);

    [LoggerMessage(2, LogLevel.Warning, "No --data directory given: using the temporary directory {DataDirectory}; the epoch restarts from 1 when it is gone")]
    public static partial void TemporaryDataDirectory(ILogger logger, string dataDirectory);

    [LoggerMessage(3, LogLevel.Information, "Node {Node} stopping")]
    public static partial void NodeStopping(ILogger logger, NodeId node);

    [LoggerMessage(4, LogLevel.Warning, "The parent process {ParentPid} is gone; stopping")]
    public static partial void ParentGone(ILogger logger, int parentPid);

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId} from {Remote} opened")]
    public static partial void ConnectionOpened(ILogger logger, string connectionId, EndPoint? remote);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId} closed")]
    public static partial void ConnectionClosed(ILogger logger, string connectionId);

    [LoggerMessage(12, LogLevel.Debug, "Connection {ConnectionId}: request {RequestId} refused with {Code}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string connectionId, ulong requestId, ErrorCode code, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Connection {ConnectionId}: closing after a framing error {Code}: {Reason}")]
    public static partial void FramingError(ILogger logger, string connectionId, ErrorCode code, string reason);

    [LoggerMessage(14, LogLevel.Debug, "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(20, LogLevel.Information, "Peer link to {Peer} at {Endpoint} connected")]
    public static partial void PeerConnected(ILogger logger, NodeId peer, string endpoint);

    [LoggerMessage(21, LogLevel.Warning, "Peer link to {Peer} at {Endpoint} lost ({Failed} operations failed); reconnecting")]
    public static partial void PeerLost(ILogger logger, NodeId peer, string endpoint, int failed, Exception? exception);

    [LoggerMessage(22, LogLevel.Debug, "Peer link to {Peer} at {Endpoint}: connect failed, next attempt in {DelayMs} ms: {Reason}")]
    public static partial void PeerConnectFailed(ILogger logger, NodeId peer, string endpoint, int delayMs, string reason);

    [LoggerMessage(24, LogLevel.Warning, "Refused a {Opcode} at the object bound: {Reason}")]
    public static partial void RefusedTooLarge(ILogger logger, Opcode opcode, string reason);

    [LoggerMessage(30, LogLevel.Critical, "The node loop failed; the node stops")]
    public static partial void NodeLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(40, LogLevel.Information,
        "Store recovered: {Segments} segments ({FromIndex} from their index file, {Scanned} scanned; {IndexRenamed} index files renamed from *.hint), {Records} records, {TornBytes} torn tail bytes truncated, {Corrupt} corrupt records skipped, in {RecoveryMs} ms")]
    public static partial void StoreRecovered(
        ILogger logger, int segments, int fromIndex, int scanned, int indexRenamed, long records, long tornBytes, int corrupt, long recoveryMs);

    [LoggerMessage(41, LogLevel.Error,
        "Corrupt record in segment {SegmentId} at offset {Offset}, bucket '{Bucket}' key '{Key}': {Reason}; the key reads as absent until a replica repairs it")]
    public static partial void CorruptRecord(ILogger logger, ulong segmentId, long offset, string bucket, string key, string reason);

    [LoggerMessage(42, LogLevel.Critical,
        "Storage failed: {Reason}. The node refuses every write from now on (StorageFailed) and keeps serving reads; restart it once the disk is repaired")]
    public static partial void StorageFailed(ILogger logger, string reason);

    [LoggerMessage(43, LogLevel.Information, "Epoch {Epoch}: {Reason}")]
    public static partial void EpochChosen(ILogger logger, uint epoch, string reason);

    [LoggerMessage(44, LogLevel.Information, "Compaction {Count} completed")]
    public static partial void CompactionCompleted(ILogger logger, long count);

    [LoggerMessage(45, LogLevel.Error, "The store could not be closed cleanly (no clean-shutdown marker; the next start takes a new epoch unless in always mode): {Reason}")]
    public static partial void CloseFailed(ILogger logger, string reason);

    [LoggerMessage(46, LogLevel.Information, "Ring in force: {Ring}, claimant {Claimant}")]
    public static partial void RingChanged(ILogger logger, string ring, string claimant);

    [LoggerMessage(47, LogLevel.Error, "The ring file could not be written (a restart now starts from the ring of the command line and takes the cluster's by gossip): {Reason}")]
    public static partial void RingFileFailed(ILogger logger, string reason);
}
