using System.Numerics;

namespace Dynamo.Bench.Load;

/// <summary>
/// A latency histogram with bounded relative error, in the manner of HdrHistogram: values (nanoseconds) fall in
/// log-linear buckets, each power of two split into 128 equal sub-buckets, so any value is kept within
/// 1/128 (0.78%, "2 significant digits") of what was recorded; values under 256 ns are exact. The tracked range
/// runs from 0 to one hour; longer values count as one hour (the exact maximum is kept aside).
/// </summary>
/// <remarks>
/// Recording never allocates and is safe from several threads at once (atomic increments), so the pipelined
/// operations of one client can share a histogram; histograms of different clients are merged with
/// <see cref="Add"/> at the end.
/// <code>
/// index:  0 .. 255          256 .. 383        384 .. 511        ...
/// value:  0 .. 255 (step 1) 256 .. 510 (2)    512 .. 1020 (4)   ... each row doubles the range and the step
/// </code>
/// </remarks>
internal sealed class LatencyHistogram
{
    /// <summary>Significant decimal digits kept.</summary>
    public const int SignificantDigits = 2;

    /// <summary>Largest relative error of a reported value (1/128 &lt; 1%).</summary>
    public const double RelativeErrorMax = 1.0 / SubBucketHalfCount;

    /// <summary>Largest value tracked, in nanoseconds (one hour).</summary>
    public const long HighestTrackableNanoseconds = 3_600_000_000_000;

    // 2 significant digits need 2 × 10^2 = 200 distinct steps per doubling: 256 is the next power of two.
    private const int SubBucketCountMagnitude = 8;
    private const int SubBucketCount = 1 << SubBucketCountMagnitude;
    private const int SubBucketHalfCountMagnitude = SubBucketCountMagnitude - 1;
    private const int SubBucketHalfCount = 1 << SubBucketHalfCountMagnitude;
    private const long SubBucketMask = SubBucketCount - 1;
    private const int LeadingZeroCountBase = 64 - SubBucketHalfCountMagnitude - 1;

    private static readonly int s_countsLength = CountsLengthFor(HighestTrackableNanoseconds);

    private readonly long[] _counts = new long[s_countsLength];
    private long _totalCount;
    private long _max;

    /// <summary>Values recorded.</summary>
    public long TotalCount => Volatile.Read(ref _totalCount);

    /// <summary>The largest value recorded (exact, not bucketed), in nanoseconds; 0 when empty.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>Records one value in nanoseconds; negative values count as 0, values over an hour as an hour.</summary>
    public void Record(long nanoseconds)
    {
        var value = Math.Clamp(nanoseconds, 0, HighestTrackableNanoseconds);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _totalCount);
        AtomicMax.Raise(ref _max, value);
    }

    /// <summary>Adds every value of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Volatile.Read(ref other._counts[i]);
        }

        _totalCount += other.TotalCount;
        _max = Math.Max(_max, other.Max);
    }

    /// <summary>Forgets every value.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        _totalCount = 0;
        _max = 0;
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0 to 100), in nanoseconds: the smallest recorded value such that
    /// at least that share of values are at or below it, reported as its bucket's highest value (never above
    /// <see cref="Max"/>), so it is at or above the exact value and within <see cref="RelativeErrorMax"/> of it.
    /// 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        var total = TotalCount;
        if (total == 0)
        {
            return 0;
        }

        var rank = RankOf(percentile, total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalentValue(i), Max);
            }
        }

        return Max;
    }

    /// <summary>
    /// The 1-based rank of the value at <paramref name="percentile"/> among <paramref name="count"/> sorted values:
    /// ⌈p/100 × count⌉, at least 1.
    /// </summary>
    public static long RankOf(double percentile, long count)
    {
        var exact = Math.Clamp(percentile, 0, 100) / 100.0 * count;
        var rank = (long)Math.Ceiling(exact - 1e-9);
        return Math.Clamp(rank, 1, count);
    }

    private static int IndexOf(long value)
    {
        var bucket = LeadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));
        var subBucket = (int)(value >> bucket);
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + subBucket - SubBucketHalfCount;
    }

    private static long HighestEquivalentValue(int index)
    {
        var bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        var subBucket = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            subBucket -= SubBucketHalfCount;
            bucket = 0;
        }

        var lowest = (long)subBucket << bucket;
        return lowest + (1L << bucket) - 1;
    }

    private static int CountsLengthFor(long highest)
    {
        long smallestUntrackable = SubBucketCount;
        var buckets = 1;
        while (smallestUntrackable <= highest)
        {
            smallestUntrackable <<= 1;
            buckets++;
        }

        return (buckets + 1) * SubBucketHalfCount;
    }
}
