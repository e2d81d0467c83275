using Dynamo.Protocol;
using Microsoft.Extensions.Logging;

namespace Dynamo.Client;

/// <summary>
/// What the driver logs, under the category <c>Dynamo.Client.DynamoClient</c>. Event ids are stable; docs/CLIENT.md
/// lists them. Per-request events (retries, failovers) are Debug; changes of a node's or the cluster's state are
/// Information or Warning.
/// </summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 1, EventName = "ConnectionOpened", Level = LogLevel.Information,
        Message = "Connected to {Endpoint}")]
    public static partial void ConnectionOpened(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 2, EventName = "ConnectionLost", Level = LogLevel.Warning,
        Message = "Lost the connection to {Endpoint}: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3, EventName = "NodeMarkedDown", Level = LogLevel.Warning,
        Message = "Marked {Endpoint} down for {BackoffMs} ms; requests go to the next node of each preference list meanwhile: {Reason}")]
    public static partial void NodeMarkedDown(ILogger logger, string endpoint, long backoffMs, string reason);

    [LoggerMessage(EventId = 4, EventName = "NodeBack", Level = LogLevel.Information,
        Message = "{Endpoint} is back, {DownMs} ms after it was first marked down")]
    public static partial void NodeBack(ILogger logger, string endpoint, long downMs);

    [LoggerMessage(EventId = 5, EventName = "ClusterChanged", Level = LogLevel.Information,
        Message = "Cluster information changed (ring fingerprint {Fingerprint:x16}): {Changes}")]
    public static partial void ClusterChanged(ILogger logger, ulong fingerprint, string changes);

    [LoggerMessage(EventId = 6, EventName = "ConnectionRetired", Level = LogLevel.Information,
        Message = "Closed the connection to {Endpoint}: no member uses that endpoint any more")]
    public static partial void ConnectionRetired(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 7, EventName = "Retrying", Level = LogLevel.Debug,
        Message = "Retrying {Opcode} (retry {Attempt} of at most {Attempts}) in {DelayMs} ms on {Target}: {Endpoint} {Reason}")]
    public static partial void Retrying(
        ILogger logger, Opcode opcode, int attempt, int attempts, long delayMs, string target, string endpoint, string reason);

    [LoggerMessage(EventId = 8, EventName = "Failover", Level = LogLevel.Debug,
        Message = "{Opcode} sent to {Endpoint}, node {Position} of the key's preference list, because {Skipped} could not be reached: {Reason}")]
    public static partial void Failover(ILogger logger, Opcode opcode, string endpoint, int position, string skipped, string reason);

    [LoggerMessage(EventId = 9, EventName = "RefreshFailed", Level = LogLevel.Warning,
        Message = "Could not re-read the cluster information; routing on with what the client has: {Reason}")]
    public static partial void RefreshFailed(ILogger logger, string reason);
}
