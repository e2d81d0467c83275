namespace Dynamo.Bench.Load;

/// <summary>Drives a Dynamo cluster through <c>Dynamo.Client</c>: one <c>DynamoClient</c> per harness client.</summary>
internal sealed class DynamoTarget : ITarget
{
    private readonly string[] _endpoints;

    /// <summary>Creates the target; nothing is opened before <see cref="ConnectAsync"/>.</summary>
    public DynamoTarget(string name, string[] endpoints)
    {
        Name = name;
        _endpoints = endpoints;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The seed endpoints, "host:port".</summary>
    public IReadOnlyList<string> Endpoints => _endpoints;

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
