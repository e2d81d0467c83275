using System.Globalization;
using System.Text.Json;

namespace Dynamo.Bench.Load;

/// <summary>One target's figures over every round: medians over rounds, and the rounds themselves.</summary>
internal sealed class TargetSummary
{
    /// <summary>Percentiles reported, with their JSON names.</summary>
    public static readonly (double Percentile, string Name)[] Percentiles =
        [(50, "p50"), (95, "p95"), (99, "p99"), (99.9, "p999")];

    /// <summary>Summarizes the <paramref name="rounds"/> of one target.</summary>
    public TargetSummary(string name, IReadOnlyList<RoundResult> rounds)
    {
        Name = name;
        Rounds = rounds;
    }

    /// <summary>The target's name.</summary>
    public string Name { get; }

    /// <summary>Every round, in order.</summary>
    public IReadOnlyList<RoundResult> Rounds { get; }

    /// <summary>Median throughput over rounds, in operations per second.</summary>
    public double Throughput => Median(Rounds.Select(r => r.Throughput));

    /// <summary>Median harness CPU over rounds, in cores.</summary>
    public double HarnessCpuCores => Median(Rounds.Select(r => r.HarnessCpuCores));

    /// <summary>Operation types measured, in report order.</summary>
    public IEnumerable<OperationType> OperationTypes =>
        Workload.OperationTypes.Where(t => Rounds.Any(r => r.ByOperation.ContainsKey(t)));

    /// <summary>Median over rounds of a percentile of <paramref name="type"/> (null: all types), in nanoseconds.</summary>
    public double Percentile(OperationType? type, double percentile) => Median(
        Rounds.Select(r => Histogram(r, type)).Where(h => h is { TotalCount: > 0 }).Select(h => (double)h!.ValueAtPercentile(percentile)));

    /// <summary>Largest latency of <paramref name="type"/> over every round, in nanoseconds.</summary>
    public long Max(OperationType type) => Rounds.Select(r => Histogram(r, type)?.Max ?? 0).DefaultIfEmpty(0).Max();

    /// <summary>Measured operations of <paramref name="type"/> over every round.</summary>
    public long Count(OperationType type) => Rounds.Sum(r => Histogram(r, type)?.TotalCount ?? 0);

    /// <summary>Reads of <paramref name="type"/> that found nothing, over every round.</summary>
    public long NotFound(OperationType type) =>
        Rounds.Sum(r => r.ByOperation.TryGetValue(type, out var figures) ? figures.NotFound : 0);

    /// <summary>Errors by kind over every round.</summary>
    public SortedDictionary<string, long> Errors => SumErrors(Rounds);

    /// <summary>Scheduled operations dropped over every round.</summary>
    public long Dropped => Rounds.Sum(r => r.Dropped);

    /// <summary>Errors by kind summed over <paramref name="rounds"/>.</summary>
    public static SortedDictionary<string, long> SumErrors(IEnumerable<RoundResult> rounds)
    {
        var sum = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in rounds.SelectMany(r => r.Errors))
        {
            sum[kind] = sum.GetValueOrDefault(kind) + count;
        }

        return sum;
    }

    /// <summary>The median; 0 when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static LatencyHistogram? Histogram(RoundResult round, OperationType? type) =>
        type is { } t ? (round.ByOperation.TryGetValue(t, out var figures) ? figures.Histogram : null) : round.All;
}

/// <summary>The first target compared with another, as medians over rounds of the per-round ratios.</summary>
/// <param name="Baseline">The first target.</param>
/// <param name="Other">The target compared.</param>
/// <param name="ThroughputRatio">Baseline throughput / other throughput.</param>
/// <param name="P99Ratio">Baseline p99 / other p99 (all operation types together).</param>
internal sealed record TargetRatio(string Baseline, string Other, double ThroughputRatio, double P99Ratio)
{
    /// <summary>Ratios of the first summary to every other one.</summary>
    public static List<TargetRatio> Between(IReadOnlyList<TargetSummary> targets)
    {
        var ratios = new List<TargetRatio>();
        for (var i = 1; i < targets.Count; i++)
        {
            var pairs = targets[0].Rounds.Zip(targets[i].Rounds).ToArray();
            ratios.Add(new TargetRatio(
                targets[0].Name,
                targets[i].Name,
                TargetSummary.Median(pairs.Select(p => Ratio(p.First.Throughput, p.Second.Throughput))),
                TargetSummary.Median(pairs.Select(p => Ratio(p.First.All.ValueAtPercentile(99), p.Second.All.ValueAtPercentile(99))))));
        }

        return ratios;
    }

    private static double Ratio(double a, double b) => b > 0 ? a / b : 0;
}

/// <summary>Writes the final report as text and as JSON.</summary>
internal static class LoadReport
{
    /// <summary>The note printed with every report.</summary>
    public const string MachineNote =
        "note: the harness shares this machine's cores with the servers; its own CPU use is shown per target.";

    /// <summary>The histogram's precision, as printed.</summary>
    public static readonly string PrecisionNote = string.Create(
        CultureInfo.InvariantCulture,
        $"latency: {LatencyHistogram.SignificantDigits} significant digits (relative error ≤ {LatencyHistogram.RelativeErrorMax * 100:0.##}%), 1 µs to 1 h; percentiles are medians over rounds, max is over all rounds.");

    /// <summary>The settings line.</summary>
    public static string Describe(LoadOptions o)
    {
        var loop = o.Rate is { } rate
            ? string.Create(CultureInfo.InvariantCulture, $"open loop at {rate:#,0} op/s")
            : "closed loop";
        var length = o.Operations is { } ops
            ? string.Create(CultureInfo.InvariantCulture, $"{ops:#,0} operations")
            : $"{Seconds(o.Duration)}";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"workload {o.Workload.Name} ({o.Workload.Describe()}), {o.Records:#,0} records, {o.ValueSize}-byte values, {o.EffectiveDistribution.ToString().ToLowerInvariant()} keys, {o.Clients} clients × pipeline {o.Pipeline}, {loop}, {length} per round after {Seconds(o.Warmup)} warm-up, {o.Rounds} round(s), seed {o.Seed}");
    }

    /// <summary>Writes the text report.</summary>
    public static void WriteText(TextWriter output, LoadOptions options, IReadOnlyList<TargetSummary> targets, IReadOnlyList<TargetRatio> ratios)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(Describe(options));
        output.WriteLine(PrecisionNote);
        output.WriteLine(MachineNote);
        foreach (var target in targets)
        {
            output.WriteLine();
            output.WriteLine(target.Name);
            var perRound = string.Join(" ", target.Rounds.Select(r => r.Throughput.ToString("#,0", c)));
            output.WriteLine(string.Create(c, $"  throughput   {target.Throughput:#,0} op/s   (median of {target.Rounds.Count}: {perRound})"));
            output.WriteLine(string.Create(c, $"  harness CPU  {target.HarnessCpuCores:0.00} cores"));
            output.WriteLine("  op             count       p50       p95       p99     p99.9       max   (µs)");
            foreach (var type in target.OperationTypes)
            {
                output.Write(string.Create(c, $"  {OperationNames.Of(type),-6} {target.Count(type),13:#,0}"));
                foreach (var (percentile, _) in TargetSummary.Percentiles)
                {
                    output.Write(string.Create(c, $" {target.Percentile(type, percentile) / 1e3,9:0.0}"));
                }

                output.Write(string.Create(c, $" {target.Max(type) / 1e3,9:0.0}"));
                var notFound = target.NotFound(type);
                output.WriteLine(notFound > 0 ? string.Create(c, $"   ({notFound:#,0} not found)") : "");
            }

            var errors = target.Errors;
            output.WriteLine(errors.Count == 0
                ? "  errors       none"
                : "  errors       " + string.Join(", ", errors.Select(e => string.Create(c, $"{e.Key} {e.Value:#,0}"))));
            if (target.Dropped > 0)
            {
                output.WriteLine(string.Create(
                    c,
                    $"  SCHEDULE NOT KEPT: {target.Dropped:#,0} scheduled operations dropped (backlog over {LoadLimits.ScheduleBacklogOpsMax:#,0}); the target cannot sustain {options.Rate:#,0} op/s"));
            }
        }

        foreach (var ratio in ratios)
        {
            output.WriteLine();
            output.WriteLine(string.Create(
                c,
                $"{ratio.Baseline} vs {ratio.Other}: throughput ×{ratio.ThroughputRatio:0.00}, p99 ×{ratio.P99Ratio:0.00} (medians of per-round ratios)"));
        }
    }

    /// <summary>Writes the JSON report (schema in docs/BENCHMARKS.md, "Load harness").</summary>
    public static void WriteJson(Stream stream, LoadOptions options, IReadOnlyList<TargetSummary> targets, IReadOnlyList<TargetRatio> ratios)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        WriteSettings(json, options);
        json.WriteStartArray("targets");
        foreach (var target in targets)
        {
            json.WriteStartObject();
            json.WriteString("name", target.Name);
            json.WriteNumber("throughput_ops_s", Math.Round(target.Throughput, 1));
            json.WriteNumber("harness_cpu_cores", Math.Round(target.HarnessCpuCores, 3));
            json.WriteStartObject("latency_us");
            foreach (var type in target.OperationTypes)
            {
                json.WriteStartObject(OperationNames.Of(type));
                foreach (var (percentile, name) in TargetSummary.Percentiles)
                {
                    json.WriteNumber(name, Math.Round(target.Percentile(type, percentile) / 1e3, 1));
                }

                json.WriteNumber("max", Math.Round(target.Max(type) / 1e3, 1));
                json.WriteNumber("count", target.Count(type));
                json.WriteNumber("not_found", target.NotFound(type));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            WriteErrors(json, target.Errors);
            json.WriteNumber("dropped", target.Dropped);
            json.WriteStartArray("rounds");
            foreach (var round in target.Rounds)
            {
                WriteRound(json, round);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("ratios");
        foreach (var ratio in ratios)
        {
            json.WriteStartObject();
            json.WriteString("baseline", ratio.Baseline);
            json.WriteString("other", ratio.Other);
            json.WriteNumber("throughput_ratio", Math.Round(ratio.ThroughputRatio, 4));
            json.WriteNumber("p99_ratio", Math.Round(ratio.P99Ratio, 4));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteSettings(Utf8JsonWriter json, LoadOptions o)
    {
        json.WriteStartObject("settings");
        json.WriteString("workload", o.Workload.Name);
        json.WriteString("distribution", o.EffectiveDistribution.ToString().ToLowerInvariant());
        json.WriteNumber("records", o.Records);
        json.WriteNumber("value_size", o.ValueSize);
        json.WriteNumber("clients", o.Clients);
        json.WriteNumber("pipeline", o.Pipeline);
        json.WriteString("mode", o.Rate is null ? "closed" : "open");
        WriteNullable(json, "rate_ops_s", o.Rate);
        WriteNullable(json, "duration_s", o.Operations is null ? o.Duration.TotalSeconds : null);
        WriteNullable(json, "operations", o.Operations);
        json.WriteNumber("warmup_s", o.Warmup.TotalSeconds);
        json.WriteNumber("rounds", o.Rounds);
        json.WriteNumber("seed", o.Seed);
        json.WriteNumber("timeout_ms", o.Timeout.TotalMilliseconds);
        WriteNullable(json, "r", o.R);
        WriteNullable(json, "w", o.W);
        WriteNullable(json, "n", o.N);
        json.WriteStartObject("histogram");
        json.WriteNumber("significant_digits", LatencyHistogram.SignificantDigits);
        json.WriteNumber("relative_error_max", LatencyHistogram.RelativeErrorMax);
        json.WriteNumber("lowest_us", 1);
        json.WriteNumber("highest_us", LatencyHistogram.HighestTrackableNanoseconds / 1000);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteRound(Utf8JsonWriter json, RoundResult round)
    {
        json.WriteStartObject();
        json.WriteNumber("round", round.Round);
        json.WriteNumber("throughput_ops_s", Math.Round(round.Throughput, 1));
        json.WriteNumber("operations", round.Operations);
        json.WriteNumber("seconds", Math.Round(round.Seconds, 6));
        json.WriteNumber("harness_cpu_cores", Math.Round(round.HarnessCpuCores, 3));
        json.WriteStartObject("latency_us");
        foreach (var (type, figures) in round.ByOperation.OrderBy(p => p.Key))
        {
            json.WriteStartObject(OperationNames.Of(type));
            foreach (var (percentile, name) in TargetSummary.Percentiles)
            {
                json.WriteNumber(name, Math.Round(figures.Histogram.ValueAtPercentile(percentile) / 1e3, 1));
            }

            json.WriteNumber("max", Math.Round(figures.Histogram.Max / 1e3, 1));
            json.WriteNumber("count", figures.Histogram.TotalCount);
            json.WriteNumber("not_found", figures.NotFound);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        WriteErrors(json, TargetSummary.SumErrors([round]));
        json.WriteNumber("dropped", round.Dropped);
        json.WriteEndObject();
    }

    private static void WriteErrors(Utf8JsonWriter json, SortedDictionary<string, long> errors)
    {
        json.WriteStartObject("errors");
        foreach (var (kind, count) in errors)
        {
            json.WriteNumber(kind, count);
        }

        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 || span == TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0.###} ms");
}
