using Dynamo.Bench.Load;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Bench.Tests;

public sealed class LatencyHistogramTests
{
    private static readonly double[] s_percentiles = [0, 1, 10, 50, 90, 95, 99, 99.9, 99.99, 100];

    [Test]
    public void Percentiles_are_within_the_relative_error_bound_of_exact_percentiles_of_random_samples()
    {
        var random = TestSeed.NewRandom();
        for (var trial = 0; trial < 20; trial++)
        {
            var count = random.Next(1, 20_000);
            var samples = new long[count];
            var histogram = new LatencyHistogram();
            for (var i = 0; i < count; i++)
            {
                // Log-uniform from 1 ns to one hour: every bucket row gets values.
                samples[i] = (long)Math.Exp(random.NextDouble() * Math.Log(LatencyHistogram.HighestTrackableNanoseconds));
                histogram.Record(samples[i]);
            }

            Array.Sort(samples);
            foreach (var percentile in s_percentiles)
            {
                var exact = samples[LatencyHistogram.RankOf(percentile, count) - 1];
                var reported = histogram.ValueAtPercentile(percentile);
                Assert.That(reported, Is.GreaterThanOrEqualTo(exact), $"p{percentile} of {count}");
                Assert.That(reported - exact, Is.LessThanOrEqualTo(exact * LatencyHistogram.RelativeErrorMax), $"p{percentile} of {count}");
            }

            Assert.That(histogram.Max, Is.EqualTo(samples[^1]));
            Assert.That(histogram.TotalCount, Is.EqualTo(count));
        }
    }

    [Test]
    public void The_relative_error_bound_is_under_one_percent() =>
        Assert.That(LatencyHistogram.RelativeErrorMax, Is.LessThan(0.01));

    [Test]
    public void Merging_histograms_gives_the_percentiles_of_all_their_values_together()
    {
        var random = TestSeed.NewRandom();
        var parts = Enumerable.Range(0, 4).Select(_ => new LatencyHistogram()).ToArray();
        var whole = new LatencyHistogram();
        for (var i = 0; i < 10_000; i++)
        {
            var value = random.NextInt64(1, 50_000_000);
            parts[i % parts.Length].Record(value);
            whole.Record(value);
        }

        var merged = new LatencyHistogram();
        foreach (var part in parts)
        {
            merged.Add(part);
        }

        Assert.That(merged.TotalCount, Is.EqualTo(whole.TotalCount));
        Assert.That(merged.Max, Is.EqualTo(whole.Max));
        foreach (var percentile in s_percentiles)
        {
            Assert.That(merged.ValueAtPercentile(percentile), Is.EqualTo(whole.ValueAtPercentile(percentile)), $"p{percentile}");
        }
    }

    [Test]
    public void Values_under_256_ns_are_exact()
    {
        for (long value = 0; value < 256; value++)
        {
            var histogram = new LatencyHistogram();
            histogram.Record(value);
            histogram.Record(value + 1_000_000);
            Assert.That(histogram.ValueAtPercentile(50), Is.EqualTo(value));
        }
    }

    [Test]
    public void Edge_values_are_clamped_to_the_tracked_range()
    {
        var histogram = new LatencyHistogram();
        Assert.That(histogram.ValueAtPercentile(99), Is.Zero, "empty");
        histogram.Record(-5);
        Assert.That(histogram.ValueAtPercentile(100), Is.Zero, "negative counts as 0");
        histogram.Record(long.MaxValue);
        Assert.That(histogram.Max, Is.EqualTo(LatencyHistogram.HighestTrackableNanoseconds));
        Assert.That(histogram.ValueAtPercentile(100), Is.EqualTo(LatencyHistogram.HighestTrackableNanoseconds));
        histogram.Record(LatencyHistogram.HighestTrackableNanoseconds - 1);
        Assert.That(histogram.ValueAtPercentile(50), Is.LessThanOrEqualTo(LatencyHistogram.HighestTrackableNanoseconds));
        Assert.That(histogram.TotalCount, Is.EqualTo(3));
    }

    [Test]
    public void Clear_forgets_every_value()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(12_345);
        histogram.Clear();
        Assert.That((histogram.TotalCount, histogram.Max, histogram.ValueAtPercentile(50)), Is.EqualTo((0L, 0L, 0L)));
    }

    [Test]
    public void Recording_does_not_allocate()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            histogram.Record(i * 7919L);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Recording_from_several_threads_at_once_loses_no_value()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record(1_000 + i);
            }
        });
        Assert.That(histogram.TotalCount, Is.EqualTo(200_000));
        Assert.That(histogram.Max, Is.EqualTo(50_999));
    }
}
