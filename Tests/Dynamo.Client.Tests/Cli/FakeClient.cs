using System.Collections.Concurrent;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Placement;

namespace Dynamo.Client.Tests.Cli;

/// <summary>
/// A client double for the CLI: answers from a dictionary, or with an exception set per key. With
/// <see cref="KeepsWrites"/> it keeps what is written as a small model of a key's siblings: a read's context names
/// the siblings it saw, a write removes the siblings its context names and adds itself (so a write without a context
/// becomes one more sibling), as the nodes do for writes that follow one another.
/// </summary>
internal sealed class FakeClient : IDynamoClient
{
    private readonly Dictionary<string, List<(byte Id, byte[] Value)>> _stored = [];
    private byte _nextId;

    public ConcurrentDictionary<string, GetResult> Values { get; } = new();

    public ConcurrentDictionary<string, Exception> Failures { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>When set, every get waits for this before answering (to answer out of order, or to be cancelled).</summary>
    public Func<string, CancellationToken, Task>? Gate { get; set; }

    /// <summary>Writes are kept and read back (see the class summary) instead of <see cref="Values"/> answering.</summary>
    public bool KeepsWrites { get; init; }

    public ClusterInfo Cluster { get; set; } = new(
        0xABCDEF, Ring.Create([NodeId.Parse("a"), NodeId.Parse("b"), NodeId.Parse("c")], 8), 3, 2, 2, ["h:1", "h:2", "h:3"]);

    public async Task<GetResult> GetAsync(ReadOnlyMemory<byte> key, GetOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = Encoding.UTF8.GetString(key.Span);
        Calls.Enqueue($"GET {text} R={options?.R}" + (options?.Strict == true ? " STRICT" : string.Empty) + (options?.Bucket is { } bucket ? $" BUCKET={bucket}" : string.Empty));
        if (Gate is { } gate)
        {
            await gate(text, cancellationToken);
        }

        Throw(text);
        if (KeepsWrites)
        {
            lock (_stored)
            {
                var siblings = _stored.GetValueOrDefault(text) ?? [];
                return new GetResult(
                    [.. siblings.Select(s => (ReadOnlyMemory<byte>)s.Value)], siblings.Count, DynamoContext.FromBytes([.. siblings.Select(s => s.Id)]));
            }
        }

        return Values.TryGetValue(text, out var result) ? result : new GetResult([], 0, DynamoContext.Empty);
    }

    public Task<PutResult> PutAsync(
        ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, DynamoContext? context = null, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = Encoding.UTF8.GetString(key.Span);
        Calls.Enqueue($"PUT {text} {Convert.ToHexString(value.Span)} W={options?.W} CTX={context}" + (options?.Strict == true ? " STRICT" : string.Empty));
        Throw(text);
        if (KeepsWrites)
        {
            lock (_stored)
            {
                var seen = context?.Bytes.ToArray() ?? [];
                var siblings = _stored.GetValueOrDefault(text) ?? [];
                _stored[text] = [.. siblings.Where(s => !seen.Contains(s.Id)), (++_nextId, value.ToArray())];
            }
        }

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

    public Task<BucketSettings> SetBucketPropsAsync(
        string bucket, int? n = null, int? r = null, int? w = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue($"BUCKET SET {bucket} n={n} r={r} w={w} timeout={timeout?.TotalMilliseconds}");
        Throw(bucket);
        return Task.FromResult(new BucketSettings(bucket, n ?? 3, r ?? 2, w ?? 2, (int)(timeout?.TotalMilliseconds ?? 5000), 1, "a"));
    }

    public Task<BucketSettings?> GetBucketPropsAsync(string bucket, CancellationToken cancellationToken = default) =>
        Task.FromResult(Cluster.GetBucketProps(bucket));

    private void Throw(string key)
    {
        if (Failures.TryGetValue(key, out var error))
        {
            throw error;
        }
    }
}
