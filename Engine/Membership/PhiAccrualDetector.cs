namespace Dynamo.Engine.Membership;

/// <summary>
/// The phi-accrual failure detector of one member (Hayashibara et al., "The φ Accrual Failure Detector", 2004; the
/// per-member <c>ArrivalWindow</c> of Cassandra's <c>FailureDetector</c>): the intervals between the advances of the
/// member's heartbeat, as this node saw them on its own clock, in a bounded window, and
/// phi(now) = -log10(P(interval &gt; now - last)), the suspicion that the silence since the last advance is not a
/// late heartbeat but a failure. Phi 1 means a 10% chance that the member is only late, phi 8 one in 10^8.
/// </summary>
/// <remarks>
/// The intervals are taken as normally distributed with the window's mean and standard deviation (the paper's form,
/// and Akka's), not as exponential (Cassandra's phi = silence / mean × log10 e): the exponential form ignores the
/// spread, so jittery heartbeats would not be given more time than regular ones with the same mean, and at threshold
/// 8 it convicts only after 18.4 mean intervals, past any useful bound on silence (docs/CLUSTER.md § Failure
/// detection). The standard deviation has a floor of half the expected interval: heartbeats that reach this node by
/// gossip arrive with a longer tail than a normal distribution has (a round that brings no news adds a whole
/// interval), so a window of regular intervals must not make one late heartbeat look like a failure; with a quarter
/// of it, peers in a simulated 5-node cluster at rest convicted each other. A new window is seeded with two samples,
/// the expected interval ± half of it (mean: the interval; deviation: the floor), so a member just learned of is not
/// judged on nothing. An interval of at least <c>silenceMaxMs</c> is not a sample: the bound on silence convicted
/// the member before it ended, and an outage is not how the member's heartbeats arrive. The window is a ring of
/// <c>capacity</c> samples with running sums, exact in integers (the squares in 128 bits), so adding one costs O(1)
/// and allocates nothing.
/// </remarks>
internal sealed class PhiAccrualDetector
{
    private const int SeedSamples = 2;

    /// <summary>log10(1/2): the normal distribution's tail is half the complementary error function.</summary>
    private static readonly double s_log10Half = Math.Log10(0.5);

    private readonly int[] _intervalsMs;
    private readonly int _expectedIntervalMs;
    private readonly int _silenceMaxMs;
    private readonly double _deviationMinMs;
    private int _next;
    private int _count;
    private long _sumMs;
    private Int128 _sumOfSquaresMs;

    /// <param name="capacity">Most intervals the window holds (at least 2); the oldest gives way.</param>
    /// <param name="expectedIntervalMs">The heartbeat interval expected before any is seen (the gossip interval).</param>
    /// <param name="silenceMaxMs">Intervals this long or longer are outages, not samples.</param>
    public PhiAccrualDetector(int capacity, int expectedIntervalMs, int silenceMaxMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, SeedSamples);
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedIntervalMs, 1);
        _intervalsMs = new int[capacity];
        _expectedIntervalMs = expectedIntervalMs;
        _silenceMaxMs = silenceMaxMs;
        _deviationMinMs = expectedIntervalMs / 2.0;
        Seed();
    }

    /// <summary>This node's time of the last heartbeat advance (or answer); -1 before <see cref="Restart"/>.</summary>
    public long LastMs { get; private set; } = -1;

    /// <summary>Intervals in the window, the seeds included while they last.</summary>
    public int Count => _count;

    /// <summary>The window's mean interval.</summary>
    public double MeanMs => _sumMs / (double)_count;

    /// <summary>The window's standard deviation, at least half the expected interval.</summary>
    public double DeviationMs
    {
        get
        {
            var mean = MeanMs;
            return Math.Max(_deviationMinMs, Math.Sqrt(Math.Max(0, ((double)_sumOfSquaresMs / _count) - (mean * mean))));
        }
    }

    /// <summary>A fresh window, seeded, with the silence counted from <paramref name="nowMs"/> (a new member, a new epoch).</summary>
    public void Restart(long nowMs)
    {
        Array.Clear(_intervalsMs);
        _next = 0;
        _count = 0;
        _sumMs = 0;
        _sumOfSquaresMs = 0;
        Seed();
        LastMs = nowMs;
    }

    /// <summary>The member's heartbeat advanced at <paramref name="nowMs"/>: the interval since the last is a sample.</summary>
    public void Heartbeat(long nowMs)
    {
        if (LastMs >= 0 && nowMs >= LastMs && nowMs - LastMs < _silenceMaxMs)
        {
            Add((int)(nowMs - LastMs));
        }

        LastMs = Math.Max(LastMs, nowMs);
    }

    /// <summary>
    /// Direct evidence that the member is alive at <paramref name="nowMs"/> (it answered): the silence counts from
    /// then, but the time since the last heartbeat is no heartbeat interval, so it is not a sample.
    /// </summary>
    public void Alive(long nowMs) => LastMs = Math.Max(LastMs, nowMs);

    /// <summary>
    /// Phi at <paramref name="nowMs"/>: -log10 of the probability that an interval of the window's normal
    /// distribution lasts longer than the silence since <see cref="LastMs"/>. 0 before any start; finite however long
    /// the silence (the tail is computed in the log domain, so it never underflows to 0).
    /// </summary>
    public double Phi(long nowMs)
    {
        if (LastMs < 0 || nowMs <= LastMs)
        {
            return 0;
        }

        var z = (nowMs - LastMs - MeanMs) / (DeviationMs * Math.Sqrt(2));
        return z >= 0 ? -(s_log10Half + Log10Erfc(z)) : -Math.Log10(1 - (0.5 * Math.Pow(10, Log10Erfc(-z))));
    }

    /// <summary>
    /// log10(erfc(z)) for z &gt;= 0, from the Chebyshev fit of Numerical Recipes (section 6.2, <c>erfcc</c>; fractional
    /// error below 1.2e-7 everywhere), kept in the log domain: erfc(z) = t·exp(-z² + poly(t)).
    /// </summary>
    private static double Log10Erfc(double z)
    {
        var t = 1 / (1 + (0.5 * z));
        var poly = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806
            + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        return Math.Log10(t) + ((poly - (z * z)) * Math.Log10(Math.E));
    }

    private void Seed()
    {
        var half = _expectedIntervalMs / 2;
        Add(_expectedIntervalMs - half);
        Add(_expectedIntervalMs + half);
    }

    private void Add(int intervalMs)
    {
        if (_count == _intervalsMs.Length)
        {
            var oldest = _intervalsMs[_next];
            _sumMs -= oldest;
            _sumOfSquaresMs -= (Int128)oldest * oldest;
        }
        else
        {
            _count++;
        }

        _intervalsMs[_next] = intervalMs;
        _next = (_next + 1) % _intervalsMs.Length;
        _sumMs += intervalMs;
        _sumOfSquaresMs += (Int128)intervalMs * intervalMs;

        // The running sums describe the samples in the window: a variance below zero (n·Σx² < (Σx)²) would mean an
        // eviction subtracted a sample that was never added.
        Invariant.Check(_count <= _intervalsMs.Length && _sumMs >= 0 && _sumOfSquaresMs * _count >= (Int128)_sumMs * _sumMs);
    }
}
