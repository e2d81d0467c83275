namespace Dynamo.Bench.Load;

/// <summary>How keys are chosen among the existing records (YCSB's <c>requestdistribution</c>).</summary>
internal enum KeyDistribution
{
    /// <summary>Every key equally likely.</summary>
    Uniform,

    /// <summary>YCSB's scrambled zipfian (constant 0.99): a few hot keys, spread over the key space by a hash.</summary>
    Zipfian,

    /// <summary>YCSB's skewed latest: zipfian over the age of a key, the newest key the most likely.</summary>
    Latest,
}

/// <summary>
/// YCSB's <c>ZipfianGenerator</c> (Gray et al., "Quickly generating billion-record synthetic databases", SIGMOD 1994):
/// item 0 is the most popular, item i has weight 1/(i+1)^θ with θ = 0.99. The item count may grow (inserts); ζ(n)
/// is then extended incrementally, as YCSB does. Not thread-safe: one per worker.
/// </summary>
internal sealed class ZipfianGenerator
{
    /// <summary>YCSB's zipfian constant θ.</summary>
    public const double Theta = 0.99;

    private const double Alpha = 1.0 / (1.0 - Theta);

    private static readonly double s_zeta2 = Zeta(0, 2, 0);
    private static readonly double s_halfPowTheta = 1.0 + Math.Pow(0.5, Theta);

    private long _items;
    private double _zetan;
    private double _eta;

    /// <summary>A generator over <paramref name="items"/> items whose ζ(items) is <paramref name="zetan"/>.</summary>
    public ZipfianGenerator(long items, double zetan)
    {
        _items = items;
        _zetan = zetan;
        _eta = Eta(items, zetan);
    }

    /// <summary>ζ(n) − ζ(start) + <paramref name="initialSum"/>: the sum of 1/i^θ for i in (start, n].</summary>
    public static double Zeta(long start, long n, double initialSum)
    {
        var sum = initialSum;
        for (var i = start; i < n; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, Theta);
        }

        return sum;
    }

    /// <summary>An item in [0, <paramref name="items"/>); <paramref name="items"/> may only grow between calls.</summary>
    public long Next(SeededRandom random, long items)
    {
        if (items > _items)
        {
            _zetan = Zeta(_items, items, _zetan);
            _eta = Eta(items, _zetan);
            _items = items;
        }

        var u = random.NextDouble();
        var uz = u * _zetan;
        if (uz < 1.0)
        {
            return 0;
        }

        if (uz < s_halfPowTheta)
        {
            return 1;
        }

        var item = (long)(_items * Math.Pow((_eta * u) - _eta + 1, Alpha));
        return Math.Min(item, _items - 1);
    }

    private static double Eta(long items, double zetan) =>
        (1 - Math.Pow(2.0 / items, 1 - Theta)) / (1 - (s_zeta2 / zetan));
}

/// <summary>
/// Chooses existing keys by a <see cref="KeyDistribution"/>, over a key count that may grow. Not thread-safe: one
/// per worker.
/// </summary>
internal sealed class KeyChooser
{
    // YCSB's ScrambledZipfianGenerator draws from a zipfian over 10^10 items, whose ζ is this constant, and hashes
    // the item into the key space, so the hot keys are not the first ones.
    private const long ScrambledItems = 10_000_000_000;
    private const double ScrambledZetan = 26.46902820178302;

    private readonly KeyDistribution _distribution;
    private readonly SeededRandom _random;
    private readonly ZipfianGenerator _zipfian;

    /// <summary>
    /// A chooser; <paramref name="initialZeta"/> is ζ(<paramref name="initialCount"/>) (see
    /// <see cref="ZipfianGenerator.Zeta"/>), computed once and shared, used by <see cref="KeyDistribution.Latest"/>.
    /// </summary>
    public KeyChooser(KeyDistribution distribution, SeededRandom random, long initialCount, double initialZeta)
    {
        _distribution = distribution;
        _random = random;
        _zipfian = distribution == KeyDistribution.Zipfian
            ? new ZipfianGenerator(ScrambledItems, ScrambledZetan)
            : new ZipfianGenerator(Math.Max(initialCount, 1), Math.Max(initialZeta, 1));
    }

    /// <summary>A key number in [0, <paramref name="count"/>).</summary>
    public long Next(long count) => _distribution switch
    {
        KeyDistribution.Uniform => _random.NextInt64(count),
        KeyDistribution.Zipfian => (long)(Fnv64((ulong)_zipfian.Next(_random, ScrambledItems)) % (ulong)count),
        _ => count - 1 - _zipfian.Next(_random, count),
    };

    /// <summary>YCSB's <c>fnvhash64</c> of a number's 8 little-endian bytes (FNV-1a).</summary>
    public static ulong Fnv64(ulong value)
    {
        var hash = 0xCBF29CE484222325UL;
        for (var i = 0; i < 8; i++)
        {
            hash ^= value & 0xFF;
            value >>= 8;
            hash *= 1099511628211UL;
        }

        return (ulong)Math.Abs((long)(hash & long.MaxValue));
    }
}
