using System.Diagnostics;

namespace Dynamo.Bench.Load;

/// <summary>The harness's time source, in nanoseconds from an arbitrary origin. Tests drive a virtual one.</summary>
internal interface ILoadClock
{
    /// <summary>The current time, in nanoseconds.</summary>
    long NowNanoseconds { get; }

    /// <summary>Completes once <see cref="NowNanoseconds"/> has reached <paramref name="nanoseconds"/>.</summary>
    ValueTask WaitUntilAsync(long nanoseconds, CancellationToken cancellationToken);
}

/// <summary>The monotonic clock of <see cref="Stopwatch"/>.</summary>
internal sealed class StopwatchClock : ILoadClock
{
    private const long SpinBelowNanoseconds = 1_500_000;
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <inheritdoc/>
    public long NowNanoseconds => (long)(Stopwatch.GetTimestamp() * s_nanosecondsPerTick);

    /// <inheritdoc/>
    /// <remarks>
    /// Timers fire with about a millisecond of slack, so the last stretch before the intended start is spent yielding;
    /// that costs harness CPU, which the report shows.
    /// </remarks>
    public async ValueTask WaitUntilAsync(long nanoseconds, CancellationToken cancellationToken)
    {
        var remaining = nanoseconds - NowNanoseconds;
        if (remaining > SpinBelowNanoseconds)
        {
            await Task.Delay(TimeSpan.FromTicks((remaining - 1_000_000) / 100), cancellationToken).ConfigureAwait(false);
        }

        while (NowNanoseconds < nanoseconds && !cancellationToken.IsCancellationRequested)
        {
            await Task.Yield();
        }
    }
}
