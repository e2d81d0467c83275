using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Dynamo.Engine.Versions;

/// <summary>
/// The state of one key on one replica: the siblings none of which is covered by another, sorted by dot.
/// A sibling is covered when its dot is in another sibling's causal history; two siblings with the same dot are
/// the same write, and only one is kept. This is the dotted-version-vector sibling handling of Riak KV (2.0+):
/// a put drops exactly what the writer's context saw, so two interleaved clients make at most two siblings.
/// </summary>
/// <remarks>
/// Immutable: every operation returns a new set (or this one when nothing changes) and a refused operation leaves
/// the set as it was. <see cref="Merge"/> is commutative, idempotent and, for histories produced by puts with
/// contexts that came from reads, associative (docs/VERSIONS.md states the condition).
/// </remarks>
public sealed class SiblingSet : IEquatable<SiblingSet>
{
    private const int StackFlagsMax = 256;

    /// <summary>Merge flag: the sibling is covered (or loses a same-dot tie) and is left out.</summary>
    private const byte Drop = 0;

    /// <summary>Merge flag: the sibling is kept.</summary>
    private const byte Keep = 1;

    /// <summary>Merge flag: both inputs hold this very sibling; it is kept once.</summary>
    private const byte Shared = 2;

    private readonly Sibling[] _siblings;
    private CausalContext? _context;

    private SiblingSet(Sibling[] siblings, CausalContext? context = null)
    {
        _siblings = siblings;
        _context = context;
    }

    /// <summary>The state of a key that was never written.</summary>
    public static SiblingSet Empty { get; } = new([], CausalContext.Empty);

    /// <summary>The siblings, sorted by dot.</summary>
    public ImmutableArray<Sibling> Siblings => ImmutableCollectionsMarshal.AsImmutableArray(_siblings);

    /// <summary>How many siblings the set holds.</summary>
    public int Count => _siblings.Length;

    /// <summary>
    /// True when merges have left more than <see cref="Limits.SiblingsMax"/> siblings. Puts that do not resolve
    /// enough of them are refused until a client does.
    /// </summary>
    public bool ExceedsSiblingsMax => _siblings.Length > Limits.SiblingsMax;

    /// <summary>
    /// True when a sibling came from a replica that left its value out (<see cref="Sibling.IsValueOmitted"/>): such a
    /// set answers a read, and is never stored, repaired or sent as a write.
    /// </summary>
    public bool HasOmittedValues
    {
        get
        {
            foreach (var sibling in _siblings)
            {
                if (sibling.IsValueOmitted)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The union of every sibling's causal history: what a client gets with a read and sends with its next write.
    /// </summary>
    public CausalContext Context => _context ??= UnionOfHistories(_siblings);

    /// <summary>
    /// Builds the set of the given siblings: those covered by another are dropped, and of siblings that share a dot
    /// one is kept.
    /// </summary>
    public static SiblingSet FromSiblings(IEnumerable<Sibling> siblings)
    {
        ArgumentNullException.ThrowIfNull(siblings);
        var all = siblings.ToArray();
        var kept = all
            .Where(s => !Array.Exists(all, t => s.IsCoveredBy(t)))
            .GroupBy(s => s.Dot)
            .Select(g => g.Aggregate((x, y) => Sibling.CompareSameDot(x, y) <= 0 ? x : y))
            .OrderBy(s => s.Dot)
            .ToArray();
        return kept.Length == 0 ? Empty : new SiblingSet(kept);
    }

    /// <summary>
    /// The dot a put coordinated by <paramref name="coordinator"/> with <paramref name="context"/> makes:
    /// 1 + the largest counter of that actor in this set's context or in <paramref name="context"/>.
    /// </summary>
    /// <exception cref="VersionLimitException">The counter would pass <see cref="ulong.MaxValue"/>.</exception>
    public Dot NextDot(Actor coordinator, CausalContext context)
    {
        if (!TryNextDot(coordinator, context, out var dot, out var error))
        {
            throw new VersionLimitException(error);
        }

        return dot;
    }

    /// <summary>
    /// A write coordinated by <paramref name="coordinator"/>: makes a new dot, drops every sibling whose dot is in
    /// <paramref name="context"/>, keeps the rest and adds exactly one sibling with version (new dot, context).
    /// An empty context keeps everything as siblings.
    /// </summary>
    /// <exception cref="VersionLimitException">
    /// The result would exceed <see cref="Limits.SiblingsMax"/>, <see cref="Limits.VersionEntriesMax"/> or
    /// <see cref="Limits.VersionCloudDotsMax"/>; this set is unchanged.
    /// </exception>
    public SiblingSet Put(Actor coordinator, CausalContext context, ReadOnlyMemory<byte> value, bool isTombstone)
    {
        if (!TryPut(coordinator, context, value, isTombstone, out var result, out var error))
        {
            throw new VersionLimitException(error);
        }

        return result;
    }

    /// <summary>As <see cref="Put"/>, returning false with the bound that refused the write instead of throwing.</summary>
    public bool TryPut(
        Actor coordinator,
        CausalContext context,
        ReadOnlyMemory<byte> value,
        bool isTombstone,
        out SiblingSet result,
        out VersionLimitError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        result = this;
        if (!WithinContextBounds(context, out error) || !TryNextDot(coordinator, context, out var dot, out error))
        {
            return false;
        }

        var past = CloseOverSiblings(context);
        var written = new Sibling(new DottedVersion(dot, past), value, isTombstone);
        var kept = new List<Sibling>(_siblings.Length + 1);
        foreach (var sibling in _siblings)
        {
            if (!context.Contains(sibling.Dot))
            {
                Invariant.Check(!past.Contains(sibling.Dot));
                kept.Add(sibling);
            }
        }

        if (kept.Count + 1 > Limits.SiblingsMax)
        {
            error = new VersionLimitError(VersionBound.Siblings, Limits.SiblingsMax, (ulong)(kept.Count + 1));
            return false;
        }

        var index = kept.FindIndex(s => s.Dot > dot);
        kept.Insert(index < 0 ? kept.Count : index, written);
        var siblings = kept.ToArray();
        var union = UnionOfHistories(siblings);
        if (!WithinContextBounds(union, out error))
        {
            return false;
        }

        result = new SiblingSet(siblings, union);
        return true;
    }

    /// <summary>
    /// Joins two states of the key (replica sync, read repair, anti-entropy, hint delivery): the union of both
    /// sets with every sibling covered by another dropped. Never drops a sibling that no other covers, even above
    /// <see cref="Limits.SiblingsMax"/> (<see cref="ExceedsSiblingsMax"/> reports it). Returns this set or
    /// <paramref name="other"/> itself when the result equals it, allocating nothing in that case.
    /// </summary>
    public SiblingSet Merge(SiblingSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(this, other) || other._siblings.Length == 0)
        {
            return this;
        }

        if (_siblings.Length == 0)
        {
            return other;
        }

        var a = _siblings;
        var b = other._siblings;
        var keepA = a.Length <= StackFlagsMax ? stackalloc byte[a.Length] : new byte[a.Length];
        var keepB = b.Length <= StackFlagsMax ? stackalloc byte[b.Length] : new byte[b.Length];
        // Neither input holds a sibling covered by one of its own, so only the other input can cover it.
        for (var i = 0; i < a.Length; i++)
        {
            keepA[i] = IsCoveredByAny(a[i], b) ? Drop : Keep;
        }

        for (var j = 0; j < b.Length; j++)
        {
            keepB[j] = IsCoveredByAny(b[j], a) ? Drop : Keep;
        }

        KeepOneOfEachDot(a, b, keepA, keepB);
        if (!keepA.Contains(Drop) && !keepB.Contains(Keep))
        {
            return this;
        }

        if (!keepB.Contains(Drop) && !keepA.Contains(Keep))
        {
            return other;
        }

        return new SiblingSet(Interleave(a, keepA, b, keepB));
    }

    /// <inheritdoc/>
    public bool Equals(SiblingSet? other) =>
        other is not null
        && (ReferenceEquals(this, other) || _siblings.AsSpan().SequenceEqual(other._siblings));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SiblingSet);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var sibling in _siblings)
        {
            hash.Add(sibling);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join("; ", _siblings.Select(s => s.ToString()))}]";

    /// <summary>Wraps siblings already known to be sorted, distinct by dot and uncovered (the codec checks).</summary>
    internal static SiblingSet FromCanonical(Sibling[] siblings) => siblings.Length == 0 ? Empty : new SiblingSet(siblings);

    /// <summary>True when <paramref name="siblings"/> is sorted by strictly increasing dot and none covers another.</summary>
    internal static bool IsCanonical(ReadOnlySpan<Sibling> siblings)
    {
        for (var i = 1; i < siblings.Length; i++)
        {
            if (siblings[i - 1].Dot >= siblings[i].Dot)
            {
                return false;
            }
        }

        foreach (var sibling in siblings)
        {
            foreach (var other in siblings)
            {
                if (sibling.IsCoveredBy(other))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private bool TryNextDot(Actor coordinator, CausalContext context, out Dot dot, out VersionLimitError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (coordinator.Node.IsDefault)
        {
            throw new ArgumentException("A put needs a coordinator actor.", nameof(coordinator));
        }

        var seen = Math.Max(Context.MaxCounter(coordinator), context.MaxCounter(coordinator));
        if (seen == ulong.MaxValue)
        {
            dot = default;
            error = new VersionLimitError(VersionBound.Counter, ulong.MaxValue, ulong.MaxValue);
            return false;
        }

        dot = new Dot(coordinator, seen + 1);
        error = default;
        return true;
    }

    /// <summary>
    /// The context extended with the past of every local sibling it names. A context a client got from a read
    /// already holds those pasts; this keeps version histories causally closed even when it does not.
    /// </summary>
    private CausalContext CloseOverSiblings(CausalContext context)
    {
        var past = context;
        foreach (var sibling in _siblings)
        {
            if (context.Contains(sibling.Dot) && !sibling.Version.Past.IsSubsetOf(past))
            {
                past = past.Union(sibling.Version.Past);
            }
        }

        return past;
    }

    private static bool WithinContextBounds(CausalContext context, out VersionLimitError error)
    {
        if (context.ActorCount > Limits.VersionEntriesMax)
        {
            error = new VersionLimitError(VersionBound.VersionEntries, Limits.VersionEntriesMax, (ulong)context.ActorCount);
            return false;
        }

        if (context.Cloud.Length > Limits.VersionCloudDotsMax)
        {
            error = new VersionLimitError(VersionBound.CloudDots, Limits.VersionCloudDotsMax, (ulong)context.Cloud.Length);
            return false;
        }

        error = default;
        return true;
    }

    private static bool IsCoveredByAny(Sibling sibling, Sibling[] others)
    {
        foreach (var other in others)
        {
            if (sibling.IsCoveredBy(other))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Where both inputs hold a dot, keeps one copy: marks equal copies <see cref="Shared"/> (the result may be
    /// either input), else keeps the one that orders first, so the choice does not depend on argument order. A dot
    /// is covered only by siblings of another dot, and neither input covers its own, so both copies are still kept
    /// when this runs.
    /// </summary>
    private static void KeepOneOfEachDot(Sibling[] a, Sibling[] b, Span<byte> keepA, Span<byte> keepB)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            var order = a[i].Dot.CompareTo(b[j].Dot);
            if (order == 0)
            {
                Invariant.Check(keepA[i] == Keep && keepB[j] == Keep);
                if (a[i].Equals(b[j]))
                {
                    keepA[i] = Shared;
                    keepB[j] = Shared;
                }
                else
                {
                    var takeA = Sibling.CompareSameDot(a[i], b[j]) <= 0;
                    keepA[i] = takeA ? Keep : Drop;
                    keepB[j] = takeA ? Drop : Keep;
                }
            }

            i += order <= 0 ? 1 : 0;
            j += order >= 0 ? 1 : 0;
        }
    }

    /// <summary>The kept siblings of both inputs in dot order; a shared sibling is taken from the first input.</summary>
    private static Sibling[] Interleave(Sibling[] a, ReadOnlySpan<byte> keepA, Sibling[] b, ReadOnlySpan<byte> keepB)
    {
        var count = a.Length - keepA.Count(Drop) + keepB.Count(Keep);
        var result = new Sibling[count];
        int i = 0, j = 0, n = 0;
        while (true)
        {
            while (i < a.Length && keepA[i] == Drop)
            {
                i++;
            }

            while (j < b.Length && keepB[j] != Keep)
            {
                j++;
            }

            if (i == a.Length && j == b.Length)
            {
                break;
            }

            var takeA = j == b.Length || (i < a.Length && a[i].Dot < b[j].Dot);
            result[n++] = takeA ? a[i++] : b[j++];
        }

        Invariant.Check(n == count);
        return result;
    }

    private static CausalContext UnionOfHistories(Sibling[] siblings)
    {
        var union = CausalContext.Empty;
        foreach (var sibling in siblings)
        {
            union = union.Union(sibling.Version.Past).Add(sibling.Dot);
        }

        return union;
    }
}
