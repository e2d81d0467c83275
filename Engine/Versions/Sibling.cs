namespace Dynamo.Engine.Versions;

/// <summary>
/// One value of a key together with its version. A delete writes a tombstone sibling, which takes part in
/// coverage and merging like any other, so a delete is never undone by an older concurrent copy.
/// </summary>
public sealed class Sibling : IEquatable<Sibling>
{
    /// <summary>Creates a sibling.</summary>
    public Sibling(DottedVersion version, ReadOnlyMemory<byte> value, bool isTombstone)
    {
        if (version.Dot.Counter == 0)
        {
            throw new ArgumentException("A sibling needs a version.", nameof(version));
        }

        Version = version;
        Value = value;
        IsTombstone = isTombstone;
    }

    /// <summary>The sibling's version.</summary>
    public DottedVersion Version { get; }

    /// <summary>The write that made this sibling.</summary>
    public Dot Dot => Version.Dot;

    /// <summary>The value bytes (empty for a tombstone, by convention).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>True when this sibling records a delete.</summary>
    public bool IsTombstone { get; }

    /// <summary>True when this sibling's write is in <paramref name="other"/>'s causal history and is not the same write.</summary>
    public bool IsCoveredBy(Sibling other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Dot != Dot && other.Version.Past.Contains(Dot);
    }

    /// <inheritdoc/>
    public bool Equals(Sibling? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (IsTombstone == other.IsTombstone && Version.Equals(other.Version) && Value.Span.SequenceEqual(other.Value.Span)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Sibling);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Version, IsTombstone, Value.Length);

    /// <inheritdoc/>
    public override string ToString() => $"{(IsTombstone ? "tombstone" : $"{Value.Length} bytes")} at {Version}";

    /// <summary>
    /// A total order used to pick one of two siblings that carry the same dot but differ, which only a broken or
    /// forged replica can produce: the choice must not depend on argument order, so merges stay commutative.
    /// </summary>
    internal static int CompareSameDot(Sibling a, Sibling b)
    {
        var byPast = CausalContext.CompareCanonical(a.Version.Past, b.Version.Past);
        if (byPast != 0)
        {
            return byPast;
        }

        var byTombstone = a.IsTombstone.CompareTo(b.IsTombstone);
        return byTombstone != 0 ? byTombstone : a.Value.Span.SequenceCompareTo(b.Value.Span);
    }
}
