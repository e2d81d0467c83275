namespace Dynamo.Bench.Load;

/// <summary>The kinds of operation a workload issues.</summary>
internal enum OperationType
{
    /// <summary>Read an existing key.</summary>
    Read,

    /// <summary>Overwrite an existing key.</summary>
    Update,

    /// <summary>Write a new key.</summary>
    Insert,

    /// <summary>Read a key, then write it back (<see cref="ITarget.ReadModifyWriteAsync"/>).</summary>
    ReadModifyWrite,
}

/// <summary>
/// A YCSB core workload: the share of each operation type and the default key distribution
/// (YCSB's <c>workloads/workload[a-f]</c>; E, scans, has no counterpart in a key-value store).
/// </summary>
/// <param name="Name">The letter.</param>
/// <param name="Read">Share of reads.</param>
/// <param name="Update">Share of updates.</param>
/// <param name="Insert">Share of inserts.</param>
/// <param name="ReadModifyWrite">Share of read-modify-writes.</param>
/// <param name="DefaultDistribution">The key distribution unless <c>--distribution</c> says otherwise.</param>
internal sealed record Workload(
    string Name, double Read, double Update, double Insert, double ReadModifyWrite, KeyDistribution DefaultDistribution)
{
    /// <summary>Operation types in report order.</summary>
    public static readonly OperationType[] OperationTypes =
        [OperationType.Read, OperationType.Update, OperationType.Insert, OperationType.ReadModifyWrite];

    /// <summary>A: update heavy, 50% read, 50% update.</summary>
    public static readonly Workload A = new("A", 0.5, 0.5, 0, 0, KeyDistribution.Zipfian);

    /// <summary>B: read mostly, 95% read, 5% update.</summary>
    public static readonly Workload B = new("B", 0.95, 0.05, 0, 0, KeyDistribution.Zipfian);

    /// <summary>C: read only.</summary>
    public static readonly Workload C = new("C", 1, 0, 0, 0, KeyDistribution.Zipfian);

    /// <summary>D: read latest, 95% read (newest keys most likely), 5% insert of new keys.</summary>
    public static readonly Workload D = new("D", 0.95, 0, 0.05, 0, KeyDistribution.Latest);

    /// <summary>F: read-modify-write, 50% read, 50% read-modify-write.</summary>
    public static readonly Workload F = new("F", 0.5, 0, 0, 0.5, KeyDistribution.Zipfian);

    /// <summary>The workload named by <paramref name="name"/> (A, B, C, D or F, any case).</summary>
    public static bool TryParse(string name, out Workload workload)
    {
        Workload? found = name.ToUpperInvariant() switch
        {
            "A" => A,
            "B" => B,
            "C" => C,
            "D" => D,
            "F" => F,
            _ => null,
        };
        workload = found ?? A;
        return found is not null;
    }

    /// <summary>The share of <paramref name="type"/>.</summary>
    public double ShareOf(OperationType type) => type switch
    {
        OperationType.Read => Read,
        OperationType.Update => Update,
        OperationType.Insert => Insert,
        _ => ReadModifyWrite,
    };

    /// <summary>Draws the next operation type.</summary>
    public OperationType Choose(SeededRandom random)
    {
        var u = random.NextDouble();
        if (u < Read)
        {
            return OperationType.Read;
        }

        u -= Read;
        if (u < Update)
        {
            return OperationType.Update;
        }

        u -= Update;
        if (u < Insert)
        {
            return OperationType.Insert;
        }

        // Rounding can leave u just past the last share: it belongs to the last type the mix holds.
        return ReadModifyWrite > 0 ? OperationType.ReadModifyWrite
            : Insert > 0 ? OperationType.Insert
            : Update > 0 ? OperationType.Update
            : OperationType.Read;
    }

    /// <summary>The mix in words, e.g. "50% read, 50% update".</summary>
    public string Describe() => string.Join(
        ", ",
        OperationTypes.Where(t => ShareOf(t) > 0).Select(t => $"{ShareOf(t) * 100:0.#}% {OperationNames.Of(t)}"));
}

/// <summary>Names of operation types in reports and JSON.</summary>
internal static class OperationNames
{
    /// <summary>"read", "update", "insert" or "rmw".</summary>
    public static string Of(OperationType type) => type switch
    {
        OperationType.Read => "read",
        OperationType.Update => "update",
        OperationType.Insert => "insert",
        _ => "rmw",
    };
}
