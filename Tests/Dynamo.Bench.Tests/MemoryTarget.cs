using System.Collections.Concurrent;
using System.Text;
using Dynamo.Bench.Load;

namespace Dynamo.Bench.Tests;

/// <summary>An in-memory <see cref="ITarget"/> that completes every operation at once, with hooks to stall or fail.</summary>
internal sealed class MemoryTarget : ITarget
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);
    private long _operations;
    private long _readModifyWrites;

    public MemoryTarget(string name) => Name = name;

    public string Name { get; }

    /// <summary>Called with each operation's 0-based sequence number before it runs (e.g. to advance a virtual clock).</summary>
    public Action<long>? BeforeOperation { get; init; }

    /// <summary>When set, every operation whose 1-based sequence number is a multiple of it fails with "timeout".</summary>
    public long FailEvery { get; init; }

    public TargetSettings? Settings { get; private set; }

    public bool Disposed { get; private set; }

    public int Count => _values.Count;

    public long ReadModifyWrites => Interlocked.Read(ref _readModifyWrites);

    public bool Contains(string key) => _values.ContainsKey(key);

    public ValueTask ConnectAsync(TargetSettings settings, CancellationToken cancellationToken)
    {
        Settings = settings;
        return ValueTask.CompletedTask;
    }

    public ValueTask<OperationOutcome> ReadAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken)
    {
        if (Begin() is { } failed)
        {
            return ValueTask.FromResult(failed);
        }

        return ValueTask.FromResult(_values.ContainsKey(Text(key)) ? OperationOutcome.Ok : OperationOutcome.NotFound);
    }

    public ValueTask<OperationOutcome> UpdateAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        if (Begin() is { } failed)
        {
            return ValueTask.FromResult(failed);
        }

        _values[Text(key)] = value.ToArray();
        return ValueTask.FromResult(OperationOutcome.Ok);
    }

    public ValueTask<OperationOutcome> ReadModifyWriteAsync(
        int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _readModifyWrites);
        return UpdateAsync(client, key, value, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    private OperationOutcome? Begin()
    {
        var sequence = Interlocked.Increment(ref _operations) - 1;
        BeforeOperation?.Invoke(sequence);
        return FailEvery > 0 && (sequence + 1) % FailEvery == 0 ? OperationOutcome.Error("timeout") : null;
    }

    private static string Text(ReadOnlyMemory<byte> key) => Encoding.ASCII.GetString(key.Span);
}

/// <summary>A clock that moves only when told to, or when someone waits for a later time (then it jumps there).</summary>
internal sealed class VirtualClock : ILoadClock
{
    private long _now = 1_000_000_000;

    public long NowNanoseconds => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)(by.TotalMilliseconds * 1e6));

    public ValueTask WaitUntilAsync(long nanoseconds, CancellationToken cancellationToken)
    {
        var now = Interlocked.Read(ref _now);
        while (nanoseconds > now)
        {
            var seen = Interlocked.CompareExchange(ref _now, nanoseconds, now);
            if (seen == now)
            {
                break;
            }

            now = seen;
        }

        return ValueTask.CompletedTask;
    }
}
