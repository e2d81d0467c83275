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
        ValueLength = value.Length;
        IsTombstone = isTombstone;
    }

    private Sibling(DottedVersion version, long valueLength)
    {
        Version = version;
        Value = ReadOnlyMemory<byte>.Empty;
        ValueLength = valueLength;
        IsValueOmitted = true;
    }

    /// <summary>The sibling's version.</summary>
    public DottedVersion Version { get; }

    /// <summary>The write that made this sibling.</summary>
    public Dot Dot => Version.Dot;

    /// <summary>The value bytes (empty for a tombstone, by convention, and when <see cref="IsValueOmitted"/>).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The size of the value in bytes: <see cref="Value"/>'s length, or the size of the omitted value.</summary>
    public long ValueLength { get; }

    /// <summary>
    /// True for a sibling a replica sent without its value because the key's whole set was over
    /// <see cref="Limits.ObjectBytesMax"/> (docs/VERSIONS.md § Objects over the bound): it takes part in coverage and
    /// merging, so a read still learns the key's context, but it is never stored, repaired or sent as a write.
    /// </summary>
    public bool IsValueOmitted { get; }

    /// <summary>True when this sibling records a delete.</summary>
    public bool IsTombstone { get; }

    /// <summary>
    /// A live sibling whose value a replica left out: only its version and the value's size are known. See
    /// <see cref="IsValueOmitted"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is negative.</exception>
    public static Sibling WithValueOmitted(DottedVersion version, long valueLength)
    {
        if (version.Dot.Counter == 0)
        {
            throw new ArgumentException("A sibling needs a version.", nameof(version));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(valueLength);
        return new Sibling(version, valueLength);
    }

    /// <summary>This sibling with its value left out (itself when it is a tombstone or already without value).</summary>
    public Sibling WithoutValue() => IsTombstone || IsValueOmitted ? this : new Sibling(Version, ValueLength);

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
            || (IsTombstone == other.IsTombstone && IsValueOmitted == other.IsValueOmitted && ValueLength == other.ValueLength
                && Version.Equals(other.Version) && Value.Span.SequenceEqual(other.Value.Span)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Sibling);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Version, IsTombstone, IsValueOmitted, ValueLength);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(IsTombstone ? "tombstone" : IsValueOmitted ? $"{ValueLength} bytes omitted" : $"{ValueLength} bytes")} at {Version}";

    /// <summary>
    /// A total order used to pick one of two siblings that carry the same dot but differ, which only a broken or
    /// forged replica can produce, or a replica that left the value out (<see cref="IsValueOmitted"/>): the choice must
    /// not depend on argument order, so merges stay commutative, and a copy with its value is taken over one without.
    /// </summary>
    internal static int CompareSameDot(Sibling a, Sibling b)
    {
        var byPast = CausalContext.CompareCanonical(a.Version.Past, b.Version.Past);
        if (byPast != 0)
        {
            return byPast;
        }

        var byTombstone = a.IsTombstone.CompareTo(b.IsTombstone);
        if (byTombstone != 0)
        {
            return byTombstone;
        }

        var byOmission = a.IsValueOmitted.CompareTo(b.IsValueOmitted);
        return byOmission != 0 ? byOmission : a.Value.Span.SequenceCompareTo(b.Value.Span);
    }
}
