using System.Globalization;
using Dynamo.Engine.Versions;

namespace Dynamo.Simulation.Tests;

/// <summary>A version as a reader saw it: its dot and its value (null for a tombstone).</summary>
/// <param name="Dot">The version's dot.</param>
/// <param name="Value">The value; null for a tombstone.</param>
internal readonly record struct SeenVersion(Dot Dot, string? Value)
{
    public override string ToString() => $"{Dot}={Value ?? "tombstone"}";
}

/// <summary>A version minted for a write; <paramref name="Committed"/> is false when its batch never synced.</summary>
/// <param name="Dot">The dot.</param>
/// <param name="Committed">Whether the coordinator's batch was synced and carried out.</param>
internal readonly record struct MintedDot(Dot Dot, bool Committed);

/// <summary>A client's put or delete, as the history holds it.</summary>
internal sealed class WriteRecord(string id, int client, string key, string? value, string? readId)
{
    /// <summary>Unique in the history; a put's value is its id.</summary>
    public string Id { get; } = id;

    public int Client { get; } = client;

    public string Key { get; } = key;

    /// <summary>The value written; null for a delete.</summary>
    public string? Value { get; } = value;

    public bool IsDelete => Value is null;

    /// <summary>The read whose context the write carried; null for a blind write (empty context).</summary>
    public string? ReadId { get; } = readId;

    /// <summary>The W the write asked for (the copies it was synced on when acknowledged); unknown counts as many.</summary>
    public int Quorum { get; init; } = int.MaxValue;

    /// <summary>True when the client got Ok.</summary>
    public bool Acknowledged { get; set; }

    /// <summary>How the command ended, for messages.</summary>
    public string Outcome { get; set; } = "pending";

    /// <summary>The versions coordinators minted for it: usually one; none if it failed early; two if a retried forward reached two primaries.</summary>
    public List<MintedDot> Dots { get; } = [];
}

/// <summary>A client's get, as the history holds it.</summary>
internal sealed class ReadRecord(string id, int client, string key, bool ok, IReadOnlyList<SeenVersion> siblings)
{
    public string Id { get; } = id;

    public int Client { get; } = client;

    public string Key { get; } = key;

    /// <summary>True when the get returned Ok; only then were siblings (and a context) returned.</summary>
    public bool Ok { get; } = ok;

    public IReadOnlyList<SeenVersion> Siblings { get; } = siblings;
}

/// <summary>What a run recorded: every write and read with its outcome, and the final read of every key.</summary>
internal sealed class History
{
    /// <summary>Writes in the order they were issued (so each client's writes are in its own order).</summary>
    public List<WriteRecord> Writes { get; } = [];

    public List<ReadRecord> Reads { get; } = [];

    /// <summary>
    /// Copies the run may have destroyed (disks wiped): a write acknowledged at W no more than this may be gone
    /// without a violation, as may what it covered come back. Zero by default.
    /// </summary>
    public int CopiesLost { get; set; }

    /// <summary>Per key: the siblings of the final read at R = N after healing.</summary>
    public Dictionary<string, IReadOnlyList<SeenVersion>> Final { get; } = [];
}

/// <summary>
/// Judges a <see cref="History"/> by client-visible facts only: which versions each read returned, and which read's
/// context each write carried.
/// </summary>
/// <remarks>
/// <para>
/// Definitions. A version is a (key, dot) pair; the history knows which write minted it (a put carries its unique
/// value, a delete a tag, and the simulation reports each new dot a coordinator mints). A read <em>observed</em> the
/// versions it returned. A write <c>x</c> made with the context of read <c>g</c> <em>covers</em> every version
/// <c>g</c> observed and, transitively, everything those versions' writes covered:
/// <c>covered(x) = ⋃ { {v} ∪ covered(write(v)) : v observed by g }</c>; a blind write covers nothing. This is the
/// client's view of causality: it has seen <c>v</c>, so its write supersedes it. The final read <c>F</c> of a key is a
/// get at R = N after every fault healed.
/// </para>
/// <para>Rules (each a violation message when broken):</para>
/// <list type="number">
/// <item><b>No acknowledged write lost</b>: for every write <c>w</c> acknowledged Ok (at a W above
/// <see cref="History.CopiesLost"/>, the copies the run destroyed by wiping disks), some version <c>d</c> minted
/// for <c>w</c> is in <c>F</c>, or is covered by a version in <c>F</c> (<c>d ∈ covered(write(f))</c>): a chain of
/// writes, each made with a context that covered the previous one, ends in a value or tombstone present in the final
/// read.</item>
/// <item><b>No resurrection</b>: for every acknowledged write <c>x</c> (at a W above <see cref="History.CopiesLost"/>), no version in <c>covered(x)</c> is in
/// <c>F</c>.</item>
/// <item><b>No dominated sibling</b>: no read (including the final one) returns two versions of which one covers
/// the other.</item>
/// <item><b>Siblings bounded by concurrent writers</b>: the siblings of any read of a key number at most
/// <c>writers(key)</c>, the chains each client's versions of the key form: a client's version continues one of its
/// chains when it covers that chain's last version, and starts a new one (a new concurrent writer) otherwise, as
/// after a blind write, a stale read, or a write whose outcome the client never learned.</item>
/// <item><b>No invented or reused version</b>: every version a read returns was minted for a write of that key with
/// that value (or tombstone), and no dot of a key is minted, committed, for two writes (the epoch rule).</item>
/// </list>
/// </remarks>
internal static class HistoryChecker
{
    public static List<string> Check(History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var violations = new List<string>();
        var owners = IndexVersions(history, violations);
        var reads = history.Reads.ToDictionary(r => r.Id);
        var covered = new Dictionary<string, HashSet<Dot>>();

        HashSet<Dot> Covered(WriteRecord write, int depth)
        {
            if (covered.TryGetValue(write.Id, out var known))
            {
                return known;
            }

            var set = new HashSet<Dot>();
            covered[write.Id] = set; // a cycle (only a corrupt history has one) ends here
            if (write.ReadId is not null && depth < 100_000 && reads.TryGetValue(write.ReadId, out var read))
            {
                foreach (var version in read.Siblings)
                {
                    set.Add(version.Dot);
                    if (owners.TryGetValue((write.Key, version.Dot), out var owner))
                    {
                        set.UnionWith(Covered(owner, depth + 1));
                    }
                }
            }

            return set;
        }

        var writers = history.Writes.GroupBy(w => w.Key).ToDictionary(g => g.Key, g => Writers(g, w => Covered(w, 0)));
        foreach (var read in history.Reads.Where(r => r.Ok))
        {
            CheckSiblings($"read {read.Id} by client {read.Client}", read.Key, read.Siblings, owners, w => Covered(w, 0), writers, violations);
        }

        foreach (var (key, final) in history.Final.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            CheckSiblings("the final read", key, final, owners, w => Covered(w, 0), writers, violations);
        }

        // A write acknowledged at W > CopiesLost kept a copy through every wipe (docs/TESTING.md).
        foreach (var write in history.Writes.Where(w => w.Acknowledged && w.Quorum > history.CopiesLost))
        {
            var final = history.Final.GetValueOrDefault(write.Key) ?? [];
            var finalDots = final.Select(f => f.Dot).ToHashSet();
            if (write.Dots.Count == 0)
            {
                violations.Add($"{write.Key}: acknowledged {Describe(write)} has no version minted for it");
                continue;
            }

            var live = write.Dots.Any(d => finalDots.Contains(d.Dot)
                || final.Any(f => owners.TryGetValue((write.Key, f.Dot), out var owner) && Covered(owner, 0).Contains(d.Dot)));
            if (!live)
            {
                violations.Add(
                    $"{write.Key}: acknowledged {Describe(write)} ({string.Join(",", write.Dots.Select(d => d.Dot))}) is lost: " +
                    $"neither it nor a write covering it is in the final read [{string.Join("; ", final)}]");
            }

            foreach (var dot in Covered(write, 0).Where(finalDots.Contains))
            {
                var owner = owners.GetValueOrDefault((write.Key, dot));
                violations.Add(
                    $"{write.Key}: {(owner is null ? dot.ToString() : Describe(owner))} ({dot}) is resurrected: acknowledged " +
                    $"{Describe(write)} covered it, yet the final read returns it");
            }
        }

        return violations;
    }

    private static string Describe(WriteRecord write) =>
        string.Create(CultureInfo.InvariantCulture, $"{(write.IsDelete ? "delete" : "put")} {write.Id} of client {write.Client}");

    /// <summary>Maps each (key, dot) to the write that minted it; reports a dot minted, committed, for two writes.</summary>
    private static Dictionary<(string, Dot), WriteRecord> IndexVersions(History history, List<string> violations)
    {
        var owners = new Dictionary<(string, Dot), WriteRecord>();
        foreach (var write in history.Writes)
        {
            foreach (var minted in write.Dots.Where(d => d.Committed))
            {
                if (owners.TryGetValue((write.Key, minted.Dot), out var other) && other != write)
                {
                    violations.Add(
                        $"{write.Key}: version {minted.Dot} was minted for {Describe(other)} and again for {Describe(write)} " +
                        "(a coordinator reused a dot: its epoch should have advanced)");
                }

                owners[(write.Key, minted.Dot)] = write;
            }
        }

        // A version minted in a batch that crashed before its fsync never left its node; it may have survived on
        // its disk, and it may have been minted again (and committed) after the restart. The committed one wins.
        foreach (var write in history.Writes)
        {
            foreach (var minted in write.Dots.Where(d => !d.Committed))
            {
                owners.TryAdd((write.Key, minted.Dot), write);
            }
        }

        return owners;
    }

    /// <summary>The number of chains each client's versions of one key form (rule 4 of the remarks).</summary>
    private static int Writers(IEnumerable<WriteRecord> writesOfKey, Func<WriteRecord, HashSet<Dot>> covered)
    {
        var chains = 0;
        foreach (var client in writesOfKey.GroupBy(w => w.Client))
        {
            var ends = new List<Dot>();
            foreach (var write in client)
            {
                var cover = covered(write);
                foreach (var minted in write.Dots)
                {
                    var end = ends.FindIndex(cover.Contains);
                    if (end >= 0)
                    {
                        ends[end] = minted.Dot;
                    }
                    else
                    {
                        ends.Add(minted.Dot);
                        chains++;
                    }
                }
            }
        }

        return chains;
    }

    private static void CheckSiblings(
        string what,
        string key,
        IReadOnlyList<SeenVersion> siblings,
        Dictionary<(string, Dot), WriteRecord> owners,
        Func<WriteRecord, HashSet<Dot>> covered,
        Dictionary<string, int> writers,
        List<string> violations)
    {
        var limit = writers.GetValueOrDefault(key);
        if (siblings.Count > limit)
        {
            violations.Add($"{key}: {what} returned {siblings.Count} siblings; its concurrent writers number {limit}: [{string.Join("; ", siblings)}]");
        }

        foreach (var version in siblings)
        {
            if (!owners.TryGetValue((key, version.Dot), out var owner))
            {
                violations.Add($"{key}: {what} returned {version}, a version no write of the key was given");
                continue;
            }

            if (owner.Value != version.Value)
            {
                violations.Add($"{key}: {what} returned {version}, but {version.Dot} was minted for {Describe(owner)}");
            }

            foreach (var other in siblings.Where(s => s.Dot != version.Dot && covered(owner).Contains(s.Dot)))
            {
                violations.Add($"{key}: {what} returned {other} beside {version}, whose write covered it (a dominated sibling)");
            }
        }
    }
}
