using System.Diagnostics;
using System.Globalization;

namespace Dynamo.Bench.Load;

/// <summary>
/// The live progress line, about once a second while a round runs: elapsed time, operations per second over the
/// last interval, errors and p99 so far. Rewritten in place (<c>\r</c>) on a terminal, one line per interval otherwise.
/// </summary>
internal sealed class ProgressLine
{
    private readonly TextWriter _writer;
    private readonly bool _inPlace;
    private readonly LatencyHistogram _scratch = new();

    /// <summary>A progress line on <paramref name="writer"/>; <paramref name="inPlace"/> when it is a terminal.</summary>
    public ProgressLine(TextWriter writer, bool inPlace)
    {
        _writer = writer;
        _inPlace = inPlace;
    }

    /// <summary>Reports on <paramref name="runner"/>'s round until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(string label, WorkloadRunner runner, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(LoadLimits.ProgressIntervalMs));
        long lastCompleted = 0;
        var lastTime = started;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (runner.Current is not { } recorder)
                {
                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                var completed = recorder.Completed();
                var rate = (completed - lastCompleted) / Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds;
                (lastCompleted, lastTime) = (completed, now);
                recorder.MergeAll(_scratch);
                var errors = recorder.Errors().Values.Sum();
                var line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{label}  {Stopwatch.GetElapsedTime(started, now).TotalSeconds,5:0}s  {rate,10:#,0} op/s  errors {errors:#,0}  p99 {_scratch.ValueAtPercentile(99) / 1e3:#,0.0} µs");
                await WriteAsync(line).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The round is over: the line is finished below.
        }

        if (_inPlace)
        {
            await _writer.WriteLineAsync().ConfigureAwait(false);
        }
    }

    private Task WriteAsync(string line) =>
        _inPlace ? _writer.WriteAsync("\r" + line.PadRight(100)) : _writer.WriteLineAsync(line);
}
