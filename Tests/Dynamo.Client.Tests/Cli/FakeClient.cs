using System.Collections.Concurrent;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Placement;

namespace Dynamo.Client.Tests.Cli;

/// <summary>A client double for the CLI: answers from a dictionary, or with an exception set per key.</summary>
internal sealed class FakeClient : IDynamoClient
{
    public ConcurrentDictionary<string, GetResult> Values { get; } = new();

    public ConcurrentDictionary<string, Exception> Failures { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>When set, every get waits for this before answering (to answer out of order).</summary>
    public Func<string, Task>? Gate { get; set; }

    public ClusterInfo Cluster { get; set; } = new(
        0xABCDEF, Ring.Create([NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")], 8), 3, 2, 2, ["h:1", "h:2", "h:3"]);

    public async Task<GetResult> GetAsync(ReadOnlyMemory<byte> key, GetOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = Encoding.UTF8.GetString(key.Span);
        Calls.Enqueue($"GET {text} R={options?.R}");
        if (Gate is { } gate)
        {
            await gate(text);
        }

        Throw(text);
        return Values.TryGetValue(text, out var result) ? result : new GetResult([], 0, DynamoContext.Empty);
    }

    public Task<PutResult> PutAsync(
        ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, DynamoContext? context = null, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = Encoding.UTF8.GetString(key.Span);
        Calls.Enqueue($"PUT {text} {Convert.ToHexString(value.Span)} W={options?.W} CTX={context}");
        Throw(text);
        return Task.FromResult(new PutResult(null));
    }

    /// <summary>As <see cref="IDynamoClient.DeleteAsync"/> documents: without a context, read first and delete what the read saw.</summary>
    public async Task DeleteAsync(ReadOnlyMemory<byte> key, DynamoContext? context = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = Encoding.UTF8.GetString(key.Span);
        context ??= (await GetAsync(key, null, cancellationToken)).Context;
        Calls.Enqueue($"DEL {text} W={options?.W} CTX={context}");
        Throw(text);
    }

    public Task<TimeSpan> PingAsync(string? endpoint = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(TimeSpan.FromMilliseconds(1));

    public Task<string> GetInfoAsync(string? endpoint = null, CancellationToken cancellationToken = default) =>
        Task.FromResult("node:a\nuptime_s:5\n");

    public Task<ClusterInfo> GetClusterInfoAsync(CancellationToken cancellationToken = default) => Task.FromResult(Cluster);

    /// <summary>What <see cref="RepairAsync"/> answers.</summary>
    public RepairResult Repair { get; set; } = new(true, 6, 0, 3, 3, null);

    public Task<RepairResult> RepairAsync(string? endpoint = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"REPAIR {endpoint} {timeout?.TotalMilliseconds}");
        return Task.FromResult(Repair);
    }

    private void Throw(string key)
    {
        if (Failures.TryGetValue(key, out var error))
        {
            throw error;
        }
    }
}
