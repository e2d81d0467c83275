namespace Dynamo.Bench.Load;

/// <summary>
/// The keys of one target: records 0 to <see cref="Records"/> − 1 written by the load phase, then keys inserted by
/// workload D, numbered on from there. Shared by every worker of a target (thread-safe) and kept across rounds.
/// </summary>
internal sealed class KeySpace
{
    private long _nextInsert;
    private long _newestAcknowledged;

    /// <summary>A key space of <paramref name="records"/> loaded records.</summary>
    public KeySpace(long records)
    {
        Records = records;
        _nextInsert = records;
        _newestAcknowledged = records - 1;
        InitialZeta = ZipfianGenerator.Zeta(0, records, 0);
    }

    /// <summary>Records loaded before the run.</summary>
    public long Records { get; }

    /// <summary>ζ(<see cref="Records"/>), computed once for every worker's zipfian generator.</summary>
    public double InitialZeta { get; }

    /// <summary>
    /// Keys that readers may choose: up to the newest acknowledged insert. An insert acknowledged out of order can
    /// leave a gap whose key is still in flight; such a read finds nothing and counts as not found, not as an error.
    /// </summary>
    public long Count => Volatile.Read(ref _newestAcknowledged) + 1;

    /// <summary>Takes the number of the next new key.</summary>
    public long NextInsert() => Interlocked.Increment(ref _nextInsert) - 1;

    /// <summary>Makes an inserted key visible to readers.</summary>
    public void Acknowledge(long number) => AtomicMax.Raise(ref _newestAcknowledged, number);
}

/// <summary>Keys as bytes: <c>user</c> and a zero-padded number, e.g. <c>user000000000042</c> (16 bytes).</summary>
internal static class KeyFormat
{
    /// <summary>Length of every key, in bytes.</summary>
    public const int KeyBytes = 4 + LoadLimits.KeyDigits;

    /// <summary>Writes the key of <paramref name="number"/> into <paramref name="destination"/>, without allocating.</summary>
    public static void Write(long number, Span<byte> destination)
    {
        "user"u8.CopyTo(destination);
        for (var i = KeyBytes - 1; i >= 4; i--)
        {
            destination[i] = (byte)('0' + (number % 10));
            number /= 10;
        }
    }
}
