using System.Text;

namespace Dynamo.Engine.Versions;

/// <summary>
/// One actor's contiguous run of dots in a <see cref="CausalContext"/>: every counter from 1 to <see cref="Max"/>.
/// </summary>
/// <param name="Actor">The actor.</param>
/// <param name="Max">The largest counter of the run, at least 1.</param>
public readonly record struct VectorEntry(Actor Actor, ulong Max);

/// <summary>
/// An immutable set of dots: the writes a version, a replica or a client has seen. It is stored compactly as a
/// version vector (per actor, every counter from 1 to a maximum) plus a "dot cloud" of the dots that are not
/// contiguous with the vector, as in the causal contexts of delta-state CRDTs (Almeida, Shoker, Baquero 2018, §5).
/// </summary>
/// <remarks>
/// The stored form is canonical, so equal sets have equal representations: vector entries are sorted by actor and
/// have a maximum of at least 1; cloud dots are sorted, distinct, and each is at least two above its actor's vector
/// maximum (a dot right above it is folded into the vector). Equality and hashing use this form.
/// Operations do not enforce <see cref="Limits.VersionEntriesMax"/> or <see cref="Limits.VersionCloudDotsMax"/>:
/// the places where a context enters or is created (a put, the codecs) check them.
/// </remarks>
public sealed class CausalContext : IEquatable<CausalContext>
{
    private readonly VectorEntry[] _vector;
    private readonly Dot[] _cloud;

    private CausalContext(VectorEntry[] vector, Dot[] cloud)
    {
        _vector = vector;
        _cloud = cloud;
        ActorCount = CountActors(vector, cloud);
    }

    /// <summary>The empty set: nothing seen.</summary>
    public static CausalContext Empty { get; } = new([], []);

    /// <summary>The version vector part, sorted by actor.</summary>
    public ReadOnlySpan<VectorEntry> Vector => _vector;

    /// <summary>The dots not contiguous with the vector, sorted.</summary>
    public ReadOnlySpan<Dot> Cloud => _cloud;

    /// <summary>How many distinct actors the set names (the figure <see cref="Limits.VersionEntriesMax"/> bounds).</summary>
    public int ActorCount { get; }

    /// <summary>True when the set holds no dot.</summary>
    public bool IsEmpty => _vector.Length == 0 && _cloud.Length == 0;

    /// <summary>Builds the set holding exactly <paramref name="dots"/> (duplicates are ignored).</summary>
    public static CausalContext FromDots(IEnumerable<Dot> dots)
    {
        ArgumentNullException.ThrowIfNull(dots);
        var cloud = dots.Distinct().Order().ToArray();
        return cloud.Length == 0 ? Empty : Canonicalize([], cloud);
    }

    /// <summary>Builds the set holding, for each entry, every counter from 1 to its maximum.</summary>
    public static CausalContext FromVector(IEnumerable<VectorEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var byActor = new SortedDictionary<Actor, ulong>();
        foreach (var entry in entries)
        {
            if (entry.Actor.Node.IsDefault)
            {
                throw new ArgumentException("A vector entry needs an actor.", nameof(entries));
            }

            if (entry.Max > 0)
            {
                byActor[entry.Actor] = Math.Max(entry.Max, byActor.GetValueOrDefault(entry.Actor));
            }
        }

        return byActor.Count == 0 ? Empty : new CausalContext(byActor.Select(p => new VectorEntry(p.Key, p.Value)).ToArray(), []);
    }

    /// <summary>True when the set holds <paramref name="dot"/>.</summary>
    public bool Contains(Dot dot) => dot.Counter <= VectorMax(dot.Actor) || CloudContains(dot);

    /// <summary>The largest counter of <paramref name="actor"/> in the set, or 0 when it holds none.</summary>
    public ulong MaxCounter(Actor actor)
    {
        var end = CloudActorEnd(actor);
        if (end > 0 && _cloud[end - 1].Actor == actor)
        {
            return _cloud[end - 1].Counter;
        }

        return VectorMax(actor);
    }

    /// <summary>The set with <paramref name="dot"/> added, folded into the vector when it is contiguous.</summary>
    public CausalContext Add(Dot dot)
    {
        if (Contains(dot))
        {
            return this;
        }

        return Build(_vector, _cloud, [], new ReadOnlySpan<Dot>(in dot));
    }

    /// <summary>The union of this set and <paramref name="other"/>.</summary>
    public CausalContext Union(CausalContext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.IsSubsetOf(this))
        {
            return this;
        }

        if (IsSubsetOf(other))
        {
            return other;
        }

        return Build(_vector, _cloud, other._vector, other._cloud);
    }

    /// <summary>True when every dot of this set is in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(CausalContext other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return HistoryIsSubset(this, default, hasDot: false, other, default, otherHasDot: false);
    }

    /// <inheritdoc/>
    public bool Equals(CausalContext? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (_vector.AsSpan().SequenceEqual(other._vector) && _cloud.AsSpan().SequenceEqual(other._cloud)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CausalContext);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var entry in _vector)
        {
            hash.Add(entry);
        }

        hash.Add(-1);
        foreach (var dot in _cloud)
        {
            hash.Add(dot);
        }

        return hash.ToHashCode();
    }

    /// <summary>Writes the set as <c>{a#1:3, b#0:2} + [a#1:5]</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        text.AppendJoin(", ", _vector.Select(e => $"{e.Actor}:{e.Max}"));
        text.Append('}');
        if (_cloud.Length > 0)
        {
            text.Append(" + [").AppendJoin(", ", _cloud).Append(']');
        }

        return text.ToString();
    }

    /// <summary>
    /// True when <paramref name="past"/> ∪ {<paramref name="dot"/>} ⊆ <paramref name="otherPast"/> ∪
    /// {<paramref name="otherDot"/>}, each dot counted only when its flag is set. Allocates nothing.
    /// </summary>
    internal static bool HistoryIsSubset(
        CausalContext past, Dot dot, bool hasDot, CausalContext otherPast, Dot otherDot, bool otherHasDot)
    {
        if (hasDot && !InHistory(dot, otherPast, otherDot, otherHasDot))
        {
            return false;
        }

        foreach (var entry in past._vector)
        {
            var otherMax = otherPast.VectorMax(entry.Actor);
            // Counters above the other vector can only be covered one by one, by its cloud or its dot; the loop
            // stops at the first gap, so it runs at most (other cloud size + 2) times.
            for (var counter = otherMax + 1; counter <= entry.Max && counter > otherMax; counter++)
            {
                if (!InHistory(new Dot(entry.Actor, counter), otherPast, otherDot, otherHasDot))
                {
                    return false;
                }
            }
        }

        foreach (var cloudDot in past._cloud)
        {
            if (!InHistory(cloudDot, otherPast, otherDot, otherHasDot))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A total order over sets, consistent with <see cref="Equals(CausalContext)"/>; used only to break ties.</summary>
    internal static int CompareCanonical(CausalContext a, CausalContext b)
    {
        var byVector = Lexicographic(a._vector, b._vector, static (x, y) =>
        {
            var byActor = x.Actor.CompareTo(y.Actor);
            return byActor != 0 ? byActor : x.Max.CompareTo(y.Max);
        });
        return byVector != 0 ? byVector : Lexicographic(a._cloud, b._cloud, static (x, y) => x.CompareTo(y));
    }

    /// <summary>Wraps arrays already in canonical form (the codec checks the form before calling).</summary>
    internal static CausalContext FromCanonical(VectorEntry[] vector, Dot[] cloud) =>
        vector.Length == 0 && cloud.Length == 0 ? Empty : new CausalContext(vector, cloud);

    private static bool InHistory(Dot dot, CausalContext past, Dot otherDot, bool hasOtherDot) =>
        (hasOtherDot && dot == otherDot) || past.Contains(dot);

    private ulong VectorMax(Actor actor)
    {
        int low = 0, high = _vector.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var order = _vector[mid].Actor.CompareTo(actor);
            if (order == 0)
            {
                return _vector[mid].Max;
            }

            if (order < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return 0;
    }

    private bool CloudContains(Dot dot)
    {
        int low = 0, high = _cloud.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var order = _cloud[mid].CompareTo(dot);
            if (order == 0)
            {
                return true;
            }

            if (order < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return false;
    }

    /// <summary>The index of the first cloud dot whose actor orders after <paramref name="actor"/>.</summary>
    private int CloudActorEnd(Actor actor)
    {
        int low = 0, high = _cloud.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_cloud[mid].Actor.CompareTo(actor) <= 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private static int CountActors(VectorEntry[] vector, Dot[] cloud)
    {
        var count = vector.Length;
        var v = 0;
        for (var i = 0; i < cloud.Length; i++)
        {
            if (i > 0 && cloud[i].Actor == cloud[i - 1].Actor)
            {
                continue;
            }

            while (v < vector.Length && vector[v].Actor < cloud[i].Actor)
            {
                v++;
            }

            if (v == vector.Length || vector[v].Actor != cloud[i].Actor)
            {
                count++;
            }
        }

        return count;
    }

    private static CausalContext Build(
        ReadOnlySpan<VectorEntry> vectorA, ReadOnlySpan<Dot> cloudA, ReadOnlySpan<VectorEntry> vectorB, ReadOnlySpan<Dot> cloudB)
    {
        var vector = new VectorEntry[vectorA.Length + vectorB.Length];
        int i = 0, j = 0, n = 0;
        while (i < vectorA.Length || j < vectorB.Length)
        {
            var order = i == vectorA.Length ? 1 : j == vectorB.Length ? -1 : vectorA[i].Actor.CompareTo(vectorB[j].Actor);
            vector[n++] = order < 0 ? vectorA[i++]
                : order > 0 ? vectorB[j++]
                : new VectorEntry(vectorA[i].Actor, Math.Max(vectorA[i++].Max, vectorB[j++].Max));
        }

        var cloud = new Dot[cloudA.Length + cloudB.Length];
        int c = 0;
        i = 0;
        j = 0;
        while (i < cloudA.Length || j < cloudB.Length)
        {
            var order = i == cloudA.Length ? 1 : j == cloudB.Length ? -1 : cloudA[i].CompareTo(cloudB[j]);
            cloud[c++] = order <= 0 ? cloudA[i] : cloudB[j];
            i += order <= 0 ? 1 : 0;
            j += order >= 0 ? 1 : 0;
        }

        return Canonicalize(vector.AsSpan(0, n), cloud.AsSpan(0, c));
    }

    /// <summary>
    /// Folds cloud dots into the vector. Input: vector sorted by actor with distinct actors, cloud sorted and distinct.
    /// </summary>
    private static CausalContext Canonicalize(ReadOnlySpan<VectorEntry> vector, ReadOnlySpan<Dot> cloud)
    {
        var outVector = new List<VectorEntry>(vector.Length + 1);
        var outCloud = new List<Dot>();
        int i = 0, j = 0;
        while (i < vector.Length || j < cloud.Length)
        {
            if (j == cloud.Length || (i < vector.Length && vector[i].Actor < cloud[j].Actor))
            {
                outVector.Add(vector[i++]);
                continue;
            }

            var actor = cloud[j].Actor;
            var max = i < vector.Length && vector[i].Actor == actor ? vector[i++].Max : 0;
            for (; j < cloud.Length && cloud[j].Actor == actor; j++)
            {
                var counter = cloud[j].Counter;
                if (counter == max + 1)
                {
                    max = counter;
                }
                else if (counter > max)
                {
                    // A gap: this and every later (larger) counter of the actor stay in the cloud.
                    outCloud.Add(cloud[j]);
                }
            }

            if (max > 0)
            {
                outVector.Add(new VectorEntry(actor, max));
            }
        }

        return FromCanonical([.. outVector], [.. outCloud]);
    }

    private static int Lexicographic<T>(T[] a, T[] b, Func<T, T, int> compare)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var order = compare(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}
