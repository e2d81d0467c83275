namespace Dynamo.Bench.Load;

/// <summary>
/// A database the load harness drives: Dynamo through <c>Dynamo.Client</c>, or any server speaking the Redis protocol.
/// The harness runs <see cref="TargetSettings.Clients"/> clients, each with up to
/// <see cref="TargetSettings.Pipeline"/> operations in flight; <c>client</c> arguments are 0 to Clients − 1, and a
/// target keeps one connection (or connection set) per client so that pipelining means requests in flight per
/// connection.
/// </summary>
internal interface ITarget : IAsyncDisposable
{
    /// <summary>The target as given on the command line, e.g. <c>dynamo://127.0.0.1:7101</c>.</summary>
    string Name { get; }

    /// <summary>Opens the connections for every client; throws with a clear message when the server is unreachable.</summary>
    ValueTask ConnectAsync(TargetSettings settings, CancellationToken cancellationToken);

    /// <summary>Reads a key.</summary>
    ValueTask<OperationOutcome> ReadAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken);

    /// <summary>Writes a key (insert and update alike).</summary>
    ValueTask<OperationOutcome> UpdateAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a key, then writes back a new value derived from what was read, as one logical operation (YCSB workload
    /// F). Dynamo writes back with the read's causal context; a Redis server does GET then SET.
    /// </summary>
    ValueTask<OperationOutcome> ReadModifyWriteAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);
}

/// <summary>Connection settings of one run.</summary>
/// <param name="Clients">Concurrent clients (connections).</param>
/// <param name="Pipeline">Operations in flight per client.</param>
/// <param name="Timeout">Deadline of each operation.</param>
/// <param name="R">Dynamo read quorum; null for the cluster default.</param>
/// <param name="W">Dynamo write quorum; null for the cluster default.</param>
/// <param name="N">Dynamo replication factor; null for the cluster default.</param>
internal sealed record TargetSettings(int Clients, int Pipeline, TimeSpan Timeout, int? R = null, int? W = null, int? N = null);

/// <summary>How one operation ended. <see cref="ErrorKind"/> names the failure (e.g. "timeout", "quorum").</summary>
internal readonly record struct OperationOutcome(OperationStatus Status, string? ErrorKind = null)
{
    /// <summary>Success.</summary>
    public static OperationOutcome Ok => new(OperationStatus.Ok);

    /// <summary>A read of a key that does not exist.</summary>
    public static OperationOutcome NotFound => new(OperationStatus.NotFound);

    /// <summary>A failure of the given kind.</summary>
    public static OperationOutcome Error(string kind) => new(OperationStatus.Error, kind);
}

/// <summary>The end of one operation.</summary>
internal enum OperationStatus
{
    /// <summary>The operation succeeded.</summary>
    Ok,

    /// <summary>A read found no value.</summary>
    NotFound,

    /// <summary>The operation failed.</summary>
    Error,
}
