namespace Dynamo.Bench.Load;

/// <summary>Figures of one operation type in one round (latencies in nanoseconds).</summary>
/// <param name="Histogram">Every measured, non-failed operation's latency.</param>
/// <param name="NotFound">Of those, reads that found no value.</param>
internal sealed record OperationFigures(LatencyHistogram Histogram, long NotFound);

/// <summary>What one target did in one round.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Round">1-based round number.</param>
/// <param name="Operations">Measured operations that did not fail.</param>
/// <param name="Seconds">Measured wall time: from the end of warm-up to the end of the last measured operation.</param>
/// <param name="HarnessCpuCores">Harness process CPU time over the round's wall time, warm-up included.</param>
/// <param name="ByOperation">Figures per operation type the workload issues.</param>
/// <param name="All">Every operation type merged.</param>
/// <param name="Errors">Failed measured operations by kind.</param>
/// <param name="Dropped">Open loop: scheduled operations dropped because the backlog was full.</param>
internal sealed record RoundResult(
    string Target,
    int Round,
    long Operations,
    double Seconds,
    double HarnessCpuCores,
    IReadOnlyDictionary<OperationType, OperationFigures> ByOperation,
    LatencyHistogram All,
    IReadOnlyDictionary<string, long> Errors,
    long Dropped)
{
    /// <summary>Operations per second over the measured period.</summary>
    public double Throughput => Seconds > 0 ? Operations / Seconds : 0;
}

/// <summary>What the load phase did on one target.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Records">Records written successfully.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Errors">Failed writes by kind.</param>
internal sealed record LoadPhaseResult(string Target, long Records, double Seconds, IReadOnlyDictionary<string, long> Errors);
