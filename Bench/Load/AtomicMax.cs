namespace Dynamo.Bench.Load;

/// <summary>A running maximum that many threads raise without a lock.</summary>
internal static class AtomicMax
{
    /// <summary>Raises <paramref name="location"/> to <paramref name="value"/> unless it already holds as much or more.</summary>
    public static void Raise(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
