namespace Dynamo.Bench.Load;

/// <summary>Drives a server speaking RESP2 (Redis, Garnet): one pipelined connection per harness client.</summary>
internal sealed class RespTarget : ITarget
{

    /// <summary>Creates the target; nothing is opened before <see cref="ConnectAsync"/>.</summary>
    public RespTarget(string name, string host, int port)
    {
        Name = name;
        Host = host;
        Port = port;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The server's host.</summary>
    public string Host { get; }

    /// <summary>The server's port.</summary>
    public int Port { get; }

    /// <inheritdoc/>
    public ValueTask ConnectAsync(TargetSettings settings, CancellationToken cancellationToken) =>
        throw new NotSupportedException("not yet implemented");

    /// <inheritdoc/>
    public ValueTask<OperationOutcome> ReadAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken) =>
        throw new NotSupportedException("not yet implemented");

    /// <inheritdoc/>
    public ValueTask<OperationOutcome> UpdateAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        throw new NotSupportedException("not yet implemented");

    /// <inheritdoc/>
    public ValueTask<OperationOutcome> ReadModifyWriteAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        throw new NotSupportedException("not yet implemented");

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
