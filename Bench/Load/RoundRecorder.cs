namespace Dynamo.Bench.Load;

/// <summary>
/// What the workers of one round record: a latency histogram per client and operation type (merged at the end),
/// reads that found nothing, and errors by kind. Recording a latency does not allocate.
/// </summary>
internal sealed class RoundRecorder
{
    private readonly LatencyHistogram?[][] _histograms;
    private readonly long[] _notFound = new long[Workload.OperationTypes.Length];
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly Lock _errorsLock = new();
    private long _dropped;
    private long _lastEnd = long.MinValue;

    /// <summary>A recorder for <paramref name="clients"/> clients; only the workload's operation types get histograms.</summary>
    public RoundRecorder(int clients, Workload workload)
    {
        _histograms = new LatencyHistogram?[clients][];
        for (var c = 0; c < clients; c++)
        {
            _histograms[c] = [.. Workload.OperationTypes.Select(t => workload.ShareOf(t) > 0 ? new LatencyHistogram() : null)];
        }
    }

    /// <summary>Open loop: scheduled operations dropped because the backlog was full.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>When the last measured operation ended, in clock nanoseconds; <see cref="long.MinValue"/> if none did.</summary>
    public long LastEnd => Volatile.Read(ref _lastEnd);

    /// <summary>Records one measured operation that ended at <paramref name="end"/> after <paramref name="latency"/>.</summary>
    public void Record(int client, OperationType type, OperationOutcome outcome, long latency, long end)
    {
        switch (outcome.Status)
        {
            case OperationStatus.Error:
                RecordError(outcome.ErrorKind ?? "error");
                break;
            case OperationStatus.NotFound:
                Interlocked.Increment(ref _notFound[(int)type]);
                goto default;
            default:
                _histograms[client][(int)type]?.Record(latency);
                break;
        }

        AtomicMax.Raise(ref _lastEnd, end);
    }

    /// <summary>Counts an error of <paramref name="kind"/> (errors are rare: a lock is fine).</summary>
    public void RecordError(string kind)
    {
        lock (_errorsLock)
        {
            _errors[kind] = _errors.GetValueOrDefault(kind) + 1;
        }
    }

    /// <summary>Counts a scheduled operation dropped from a full backlog.</summary>
    public void RecordDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Successful operations (found or not) so far, for the progress line.</summary>
    public long Completed()
    {
        long total = 0;
        foreach (var client in _histograms)
        {
            foreach (var histogram in client)
            {
                total += histogram?.TotalCount ?? 0;
            }
        }

        return total;
    }

    /// <summary>Merges every client's histogram of every type into <paramref name="into"/> (cleared first).</summary>
    public void MergeAll(LatencyHistogram into)
    {
        into.Clear();
        foreach (var client in _histograms)
        {
            foreach (var histogram in client)
            {
                if (histogram is not null)
                {
                    into.Add(histogram);
                }
            }
        }
    }

    /// <summary>The merged histogram of <paramref name="type"/>; null when the workload has no such operation.</summary>
    public LatencyHistogram? Merge(OperationType type)
    {
        if (_histograms.Length == 0 || _histograms[0][(int)type] is null)
        {
            return null;
        }

        var merged = new LatencyHistogram();
        foreach (var client in _histograms)
        {
            merged.Add(client[(int)type]!);
        }

        return merged;
    }

    /// <summary>Reads of <paramref name="type"/> that found no value.</summary>
    public long NotFound(OperationType type) => Volatile.Read(ref _notFound[(int)type]);

    /// <summary>A copy of the error counts.</summary>
    public Dictionary<string, long> Errors()
    {
        lock (_errorsLock)
        {
            return new Dictionary<string, long>(_errors, StringComparer.Ordinal);
        }
    }
}
