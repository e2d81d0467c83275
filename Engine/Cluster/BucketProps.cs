namespace Dynamo.Engine.Cluster;

/// <summary>
/// The replication settings of a bucket: N replicas per key, R replicas that must answer a get, W replicas that must
/// acknowledge a put, and the deadline of a request (Dynamo paper, section 4.5). Validated when built, so a held
/// value is always usable.
/// </summary>
public sealed record BucketProps
{
    /// <summary>
    /// Creates bucket settings; defaults N = 3, R = 2, W = 2 and a 5,000 ms deadline.
    /// </summary>
    /// <param name="n">Replicas per key, from 1 to <see cref="Limits.ReplicasMax"/>.</param>
    /// <param name="r">Replicas that must answer a get, from 1 to <paramref name="n"/>.</param>
    /// <param name="w">Replicas that must acknowledge a put, from 1 to <paramref name="n"/>.</param>
    /// <param name="timeoutMs">A request's deadline, from 1 to <see cref="Limits.RequestTimeoutMaxMs"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of its range; the message says which.</exception>
    public BucketProps(
        int n = Limits.ReplicasDefault,
        int r = Limits.ReadQuorumDefault,
        int w = Limits.WriteQuorumDefault,
        int timeoutMs = Limits.RequestTimeoutDefaultMs)
    {
        if (!TryValidate(n, r, w, timeoutMs, out var error))
        {
            throw new ArgumentOutOfRangeException(error.Name, error.Message);
        }

        N = n;
        R = r;
        W = w;
        TimeoutMs = timeoutMs;
    }

    /// <summary>The settings of a bucket nobody configured: N = 3, R = 2, W = 2, 5,000 ms.</summary>
    public static BucketProps Default { get; } = new();

    /// <summary>Replicas per key.</summary>
    public int N { get; }

    /// <summary>Replicas that must answer a get.</summary>
    public int R { get; }

    /// <summary>Replicas that must acknowledge a put or delete.</summary>
    public int W { get; }

    /// <summary>A request's deadline in milliseconds.</summary>
    public int TimeoutMs { get; }

    /// <summary>Checks settings without throwing; on failure <paramref name="error"/> names the setting and says why.</summary>
    public static bool TryValidate(int n, int r, int w, int timeoutMs, out (string Name, string Message) error)
    {
        error = default;
        if (n < 1 || n > Limits.ReplicasMax)
        {
            error = (nameof(n), $"N must be from 1 to {Limits.ReplicasMax}; it is {n}.");
        }
        else if (r < 1 || r > n)
        {
            error = (nameof(r), $"R must be from 1 to N = {n}; it is {r}.");
        }
        else if (w < 1 || w > n)
        {
            error = (nameof(w), $"W must be from 1 to N = {n}; it is {w}.");
        }
        else if (timeoutMs < 1 || timeoutMs > Limits.RequestTimeoutMaxMs)
        {
            error = (nameof(timeoutMs), $"The timeout must be from 1 to {Limits.RequestTimeoutMaxMs} ms; it is {timeoutMs}.");
        }

        return error.Name is null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"N={N} R={R} W={W} timeout={TimeoutMs}ms";
}
