using Dynamo.Engine.Membership;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Cluster;

public sealed class PhiAccrualDetectorTests
{
    /// <summary>z with P(X &gt; μ + zσ) = 10^-8 for a normal X: where phi crosses 8.</summary>
    private const double ZForPhi8 = 5.612001244174789;

    /// <summary>A detector that heard a heartbeat at 0 and then one after each interval; returns it and the last time.</summary>
    private static (PhiAccrualDetector Detector, long LastMs) Heard(int capacity, params int[] intervals)
    {
        var detector = new PhiAccrualDetector(capacity, expectedIntervalMs: 1000, silenceMaxMs: 60_000);
        detector.Restart(0);
        long nowMs = 0;
        foreach (var interval in intervals)
        {
            nowMs += interval;
            detector.Heartbeat(nowMs);
        }

        return (detector, nowMs);
    }

    /// <summary>The first whole millisecond of silence after which phi is above <paramref name="threshold"/>.</summary>
    private static long SilenceToConviction(PhiAccrualDetector detector, long lastMs, double threshold)
    {
        var silenceMs = 1L;
        while (detector.Phi(lastMs + silenceMs) <= threshold)
        {
            silenceMs++;
        }

        return silenceMs;
    }

    [Test]
    public void Phi_is_zero_at_a_heartbeat_and_grows_with_the_silence_since()
    {
        var (detector, lastMs) = Heard(1000, Enumerable.Repeat(1000, 20).ToArray());

        Assert.That(detector.Phi(lastMs), Is.Zero);
        var previous = 0.0;
        for (var silenceMs = 100; silenceMs <= 20_000; silenceMs += 100)
        {
            var phi = detector.Phi(lastMs + silenceMs);
            Assert.That(phi, Is.GreaterThan(previous), $"phi after {silenceMs} ms of silence");
            previous = phi;
        }

        Assert.That(detector.Phi(lastMs + 1000), Is.LessThan(0.5), "a heartbeat on time is no cause for suspicion");
        Assert.That(double.IsFinite(detector.Phi(lastMs + 1_000_000_000)), Is.True, "the tail is taken in the log domain");
    }

    [Test]
    public void With_regular_one_second_heartbeats_phi_crosses_8_where_the_normal_tail_falls_below_1e_minus_8()
    {
        // Ten regular intervals fill a window of ten (the seeds are gone): mean 1,000 ms, no spread, so the
        // deviation is its floor, half the expected interval. Conviction: mean + z(10^-8) × 500 = 3,806 ms.
        var (detector, lastMs) = Heard(10, Enumerable.Repeat(1000, 10).ToArray());
        Assert.That((detector.Count, detector.MeanMs, detector.DeviationMs), Is.EqualTo((10, 1000.0, 500.0)));

        var expectedMs = 1000 + (ZForPhi8 * 500);
        var convictedAfterMs = SilenceToConviction(detector, lastMs, 8);
        TestContext.Out.WriteLine($"regular 1 s heartbeats: phi > 8 after {convictedAfterMs} ms of silence (formula: {expectedMs:F1} ms)");
        Assert.That(convictedAfterMs, Is.EqualTo((long)Math.Ceiling(expectedMs)));
        Assert.That(detector.Phi(lastMs + 3000), Is.EqualTo(-Math.Log10(0.5 * Erfc(4 / Math.Sqrt(2)))).Within(1e-5), "phi at 4 deviations");
    }

    [Test]
    public void Jittery_heartbeats_give_a_member_more_time_before_conviction()
    {
        // Same mean, 1,000 ms; intervals of 400 and 1,600 ms: a deviation of 600 ms, above the floor.
        var (regular, regularLastMs) = Heard(10, Enumerable.Repeat(1000, 10).ToArray());
        var (jittery, jitteryLastMs) = Heard(10, Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? 400 : 1600).ToArray());
        Assert.That((jittery.MeanMs, jittery.DeviationMs), Is.EqualTo((1000.0, 600.0)));

        var regularMs = SilenceToConviction(regular, regularLastMs, 8);
        var jitteryMs = SilenceToConviction(jittery, jitteryLastMs, 8);
        TestContext.Out.WriteLine($"phi > 8 after {regularMs} ms (regular), {jitteryMs} ms (jittery)");
        Assert.That(jitteryMs, Is.EqualTo((long)Math.Ceiling(1000 + (ZForPhi8 * 600))));
        Assert.That(jitteryMs, Is.GreaterThan(regularMs + 500));
    }

    [Test]
    public void A_new_window_is_seeded_with_the_expected_interval_so_a_new_member_is_not_judged_on_nothing()
    {
        var detector = new PhiAccrualDetector(1000, expectedIntervalMs: 1000, silenceMaxMs: 5000);
        Assert.That(detector.Phi(10_000), Is.Zero, "not started: no silence to judge");
        detector.Restart(0);

        Assert.That((detector.Count, detector.MeanMs, detector.DeviationMs), Is.EqualTo((2, 1000.0, 500.0)));
        Assert.That(SilenceToConviction(detector, 0, 8), Is.EqualTo((long)Math.Ceiling(1000 + (ZForPhi8 * 500))));
    }

    [Test]
    public void The_window_is_bounded_and_forgets_its_oldest_intervals()
    {
        var (detector, _) = Heard(4, 1000, 1000, 1000, 1000, 2000, 2000, 2000, 2000);
        Assert.That((detector.Count, detector.MeanMs), Is.EqualTo((4, 2000.0)));

        var (full, _) = Heard(4, Enumerable.Range(0, 10_000).Select(i => 500 + (i % 7 * 100)).ToArray());
        Assert.That(full.Count, Is.EqualTo(4));
        Assert.That(full.MeanMs, Is.EqualTo((500 + 600 + 700 + 800) / 4.0), "the last four: 500, 600, 700, 800 ms");
    }

    [Test]
    public void An_outage_as_long_as_the_bound_on_silence_is_no_sample_and_an_answer_restarts_the_silence()
    {
        var detector = new PhiAccrualDetector(1000, expectedIntervalMs: 1000, silenceMaxMs: 5000);
        detector.Restart(0);
        detector.Heartbeat(1000);
        detector.Heartbeat(6000);
        Assert.That((detector.Count, detector.LastMs), Is.EqualTo((3, 6000L)), "5,000 ms: an outage, not an interval");
        detector.Heartbeat(10_999);
        Assert.That((detector.Count, detector.MeanMs), Is.EqualTo((4, (500 + 1500 + 1000 + 4999) / 4.0)));

        detector.Alive(12_000);
        Assert.That((detector.Count, detector.LastMs, detector.Phi(12_000)), Is.EqualTo((4, 12_000L, 0.0)), "an answer is no heartbeat interval");
    }

    /// <summary>erfc by its series for small arguments (exact enough below 3): an independent check of phi.</summary>
    private static double Erfc(double x)
    {
        double sum = 0, term = x;
        for (var n = 0; n < 100; n++)
        {
            sum += term / ((2 * n) + 1);
            term *= -x * x / (n + 1);
        }

        return 1 - (2 / Math.Sqrt(Math.PI) * sum);
    }
}
