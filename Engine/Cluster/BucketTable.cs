using System.Collections.Immutable;
using System.Text;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// The version of a bucket's properties in the cluster's bucket table: a counter, and the node that made the change.
/// A change made on a node takes the counter of the entry that node holds plus one (a Lamport clock per bucket);
/// properties seeded from the command line take counter 0, so any explicit change wins over them.
/// </summary>
/// <param name="Counter">Changes since the seed, as seen by the node that made this one.</param>
/// <param name="Node">The node that made the change (or seeded it).</param>
public readonly record struct BucketVersion(ulong Counter, NodeId Node) : IComparable<BucketVersion>
{
    /// <summary>Orders versions: the higher counter is newer; equal counters are ordered by node id (ordinal).</summary>
    public int CompareTo(BucketVersion other)
    {
        var byCounter = Counter.CompareTo(other.Counter);
        return byCounter != 0 ? byCounter : Node.CompareTo(other.Node);
    }

    /// <summary>True when <paramref name="left"/> is older than <paramref name="right"/>.</summary>
    public static bool operator <(BucketVersion left, BucketVersion right) => left.CompareTo(right) < 0;

    /// <summary>True when <paramref name="left"/> is newer than <paramref name="right"/>.</summary>
    public static bool operator >(BucketVersion left, BucketVersion right) => left.CompareTo(right) > 0;

    /// <summary>True when <paramref name="left"/> is older than or equal to <paramref name="right"/>.</summary>
    public static bool operator <=(BucketVersion left, BucketVersion right) => left.CompareTo(right) <= 0;

    /// <summary>True when <paramref name="left"/> is newer than or equal to <paramref name="right"/>.</summary>
    public static bool operator >=(BucketVersion left, BucketVersion right) => left.CompareTo(right) >= 0;

    /// <inheritdoc/>
    public override string ToString() => $"{Counter}@{Node}";
}

/// <summary>One bucket of the cluster's bucket table: its name, properties and their version.</summary>
/// <param name="Name">The bucket's name, 1 to <see cref="Limits.BucketNameBytesMax"/> bytes of UTF-8.</param>
/// <param name="Props">The bucket's N, R, W and deadline.</param>
/// <param name="Version">Which change these properties are.</param>
public sealed record BucketEntry(string Name, BucketProps Props, BucketVersion Version)
{
    /// <summary>
    /// The merge rule (docs/CLUSTER.md § Bucket properties): true when <paramref name="candidate"/> replaces
    /// <paramref name="current"/>. The higher version wins; equal versions with different properties (only a node that
    /// lost its table and counted again can make them) are ordered by (N, R, W, timeout), so every node picks alike.
    /// </summary>
    public static bool Supersedes(BucketEntry candidate, BucketEntry current)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(current);
        var byVersion = candidate.Version.CompareTo(current.Version);
        if (byVersion != 0)
        {
            return byVersion > 0;
        }

        var a = candidate.Props;
        var b = current.Props;
        return (a.N, a.R, a.W, a.TimeoutMs).CompareTo((b.N, b.R, b.W, b.TimeoutMs)) > 0;
    }

    /// <summary>Whether <paramref name="name"/> can name a bucket of the table; otherwise <paramref name="error"/> says why.</summary>
    public static bool IsValidName(string? name, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrEmpty(name))
        {
            error = "A bucket name must not be empty.";
        }
        else if (Encoding.UTF8.GetByteCount(name) > Limits.BucketNameBytesMax)
        {
            error = $"A bucket name is at most {Limits.BucketNameBytesMax} bytes of UTF-8; this one has {Encoding.UTF8.GetByteCount(name)}.";
        }

        return error.Length == 0;
    }
}

/// <summary>
/// The cluster's bucket table as one node holds it (docs/CLUSTER.md § Bucket properties): the properties of every
/// named bucket with a version each. Seeded from the node's options at version (0, this node), changed by a client's
/// request on any node (the version's counter goes up by one), and spread by gossip, where each entry merges by
/// <see cref="BucketEntry.Supersedes"/>: a join, so every node that saw the same changes holds the same table, in any
/// order. Bounded by <see cref="Limits.BucketsMax"/> buckets: a change that would pass it is refused, and gossip
/// entries for buckets past it are ignored. Deterministic; not thread-safe (the core's loop owns it).
/// </summary>
internal sealed class BucketTable
{
    private readonly NodeId _self;
    private readonly BucketProps _defaults;
    private readonly SortedDictionary<string, BucketEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<byte[], BucketProps> _byBytes = new(ByteArrayComparer.Instance);
    private ImmutableArray<BucketEntry> _snapshot = [];

    /// <summary>A table seeded with <paramref name="seeds"/> at version (0, <paramref name="self"/>).</summary>
    /// <exception cref="ArgumentException">A seed's name is empty or too long, or there are too many seeds.</exception>
    public BucketTable(NodeId self, BucketProps defaults, IReadOnlyDictionary<string, BucketProps> seeds)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seeds.Count, Limits.BucketsMax, nameof(seeds));
        _self = self;
        _defaults = defaults;
        foreach (var (name, props) in seeds)
        {
            ArgumentNullException.ThrowIfNull(props);
            if (!BucketEntry.IsValidName(name, out var error))
            {
                throw new ArgumentException(error, nameof(seeds));
            }

            Put(new BucketEntry(name, props, new BucketVersion(0, self)));
        }

        Refresh();
    }

    /// <summary>Goes up by one whenever an entry changes (for a shell that republishes the table).</summary>
    public long Revision { get; private set; }

    /// <summary>Every entry, sorted by name (ordinal): what gossip and cluster information carry.</summary>
    public ImmutableArray<BucketEntry> Snapshot => _snapshot;

    /// <summary>The largest N of the defaults and every bucket of the table.</summary>
    public int MaxN { get; private set; }

    /// <summary>The settings of <paramref name="bucket"/> (UTF-8 bytes): the table's, or the defaults.</summary>
    public BucketProps PropsOf(byte[] bucket) => _byBytes.GetValueOrDefault(bucket, _defaults);

    /// <summary>The entry of <paramref name="name"/>, or null when the table has none (the bucket takes the defaults).</summary>
    public BucketEntry? Find(string name) => _entries.GetValueOrDefault(name);

    /// <summary>
    /// Merges entries a peer gossiped; returns true when any entry changed. An entry with a name the table could not
    /// hold, or a new bucket past <see cref="Limits.BucketsMax"/>, is ignored.
    /// </summary>
    public bool Merge(ImmutableArray<BucketEntry> entries)
    {
        var changed = false;
        foreach (var entry in entries.IsDefault ? [] : entries)
        {
            if (entry?.Props is null || entry.Version.Node.IsDefault || !BucketEntry.IsValidName(entry.Name, out _))
            {
                continue;
            }

            if (_entries.TryGetValue(entry.Name, out var current) ? BucketEntry.Supersedes(entry, current) : _entries.Count < Limits.BucketsMax)
            {
                Put(entry);
                changed = true;
            }
        }

        if (changed)
        {
            Refresh();
        }

        return changed;
    }

    /// <summary>
    /// A client's change to <paramref name="name"/>: each of <paramref name="n"/>, <paramref name="r"/>,
    /// <paramref name="w"/> and <paramref name="timeoutMs"/> that is not 0 replaces the bucket's current value (its
    /// entry's, or the defaults); the result is validated, versioned one past the entry this node holds, and applied.
    /// Gossip spreads it. Returns null when applied (<paramref name="entry"/> is the new entry), or why not.
    /// </summary>
    public string? TrySet(string name, int n, int r, int w, int timeoutMs, out BucketEntry? entry)
    {
        entry = null;
        if (!BucketEntry.IsValidName(name, out var nameError))
        {
            return nameError;
        }

        var current = Find(name);
        if (current is null && _entries.Count >= Limits.BucketsMax)
        {
            return $"The cluster holds properties for {Limits.BucketsMax} buckets, the most it may; '{name}' is not one of them.";
        }

        var props = current?.Props ?? _defaults;
        var (newN, newR, newW, newTimeout) = (Or(n, props.N), Or(r, props.R), Or(w, props.W), Or(timeoutMs, props.TimeoutMs));
        if (!BucketProps.TryValidate(newN, newR, newW, newTimeout, out var error))
        {
            return error.Message;
        }

        var counter = current?.Version.Counter ?? 0;
        Invariant.Check(counter < ulong.MaxValue);
        entry = new BucketEntry(name, new BucketProps(newN, newR, newW, newTimeout), new BucketVersion(counter + 1, _self));
        Put(entry);
        Refresh();
        return null;
    }

    private static int Or(int given, int current) => given == 0 ? current : given;

    private void Put(BucketEntry entry)
    {
        _entries[entry.Name] = entry;
        _byBytes[Encoding.UTF8.GetBytes(entry.Name)] = entry.Props;
    }

    private void Refresh()
    {
        // Bucket table bound: no path adds a bucket past it.
        Invariant.Check(_entries.Count <= Limits.BucketsMax && _byBytes.Count == _entries.Count);
        _snapshot = [.. _entries.Values];
        MaxN = Math.Max(_defaults.N, _entries.Count == 0 ? 1 : _entries.Values.Max(e => e.Props.N));
        Revision++;
    }
}
