namespace Dynamo.Engine.Versions;

/// <summary>How two versions relate, by inclusion of their causal histories.</summary>
public enum Ordering
{
    /// <summary>Both versions have the same causal history.</summary>
    Equal,

    /// <summary>The first version's history strictly includes the second's: the first happened after it.</summary>
    Descends,

    /// <summary>The first version's history is strictly included in the second's: the first happened before it.</summary>
    IsDescended,

    /// <summary>Neither history includes the other: the writes were concurrent, so both are kept as siblings.</summary>
    Concurrent,
}

/// <summary>
/// A dotted version (Preguiça, Baquero et al., "Dotted Version Vectors", 2010): the <see cref="Dot"/> that names
/// the write plus the <see cref="Past"/> the writer had seen. Its causal history is <c>Past ∪ {Dot}</c>, and
/// versions compare by inclusion of those sets, so "descends" is a partial order for any inputs.
/// </summary>
public readonly struct DottedVersion : IEquatable<DottedVersion>
{
    private readonly CausalContext? _past;

    /// <summary>Creates a version.</summary>
    public DottedVersion(Dot dot, CausalContext past)
    {
        ArgumentNullException.ThrowIfNull(past);
        if (dot.Counter == 0)
        {
            throw new ArgumentException("A version needs a dot.", nameof(dot));
        }

        Dot = dot;
        _past = past;
    }

    /// <summary>The write event this version is.</summary>
    public Dot Dot { get; }

    /// <summary>The writes the writer had seen (the context it wrote with).</summary>
    public CausalContext Past => _past ?? CausalContext.Empty;

    /// <summary>True when <paramref name="dot"/> is in this version's causal history.</summary>
    public bool Covers(Dot dot) => dot == Dot || Past.Contains(dot);

    /// <summary>This version's causal history as one set: <c>Past ∪ {Dot}</c>.</summary>
    public CausalContext History() => Past.Add(Dot);

    /// <summary>Compares two versions by their causal histories. Allocates nothing.</summary>
    public static Ordering Compare(DottedVersion a, DottedVersion b)
    {
        var aInB = CausalContext.HistoryIsSubset(a.Past, a.Dot, hasDot: true, b.Past, b.Dot, otherHasDot: true);
        var bInA = CausalContext.HistoryIsSubset(b.Past, b.Dot, hasDot: true, a.Past, a.Dot, otherHasDot: true);
        return (aInB, bInA) switch
        {
            (true, true) => Ordering.Equal,
            (false, true) => Ordering.Descends,
            (true, false) => Ordering.IsDescended,
            _ => Ordering.Concurrent,
        };
    }

    /// <summary>True when <paramref name="a"/>'s history includes <paramref name="b"/>'s (equal or after).</summary>
    public static bool Descends(DottedVersion a, DottedVersion b) =>
        CausalContext.HistoryIsSubset(b.Past, b.Dot, hasDot: true, a.Past, a.Dot, otherHasDot: true);

    /// <inheritdoc/>
    public bool Equals(DottedVersion other) => Dot == other.Dot && Past.Equals(other.Past);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DottedVersion other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Dot, Past);

    /// <inheritdoc/>
    public override string ToString() => $"{Dot} after {Past}";

    /// <summary>Structural equality (same dot, same past).</summary>
    public static bool operator ==(DottedVersion left, DottedVersion right) => left.Equals(right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(DottedVersion left, DottedVersion right) => !left.Equals(right);
}
