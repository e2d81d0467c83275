using System.Globalization;

namespace Dynamo.Bench.Load;

/// <summary>The two commands of the load harness.</summary>
internal enum LoadCommandKind
{
    /// <summary><c>load</c>: write the records only.</summary>
    Load,

    /// <summary><c>run</c>: load the records (unless <c>--no-load</c>), then run the workload.</summary>
    Run,
}

/// <summary>Everything a <c>dynamo-bench load|run</c> command line says.</summary>
internal sealed record LoadOptions
{
    /// <summary>Which command.</summary>
    public LoadCommandKind Command { get; init; } = LoadCommandKind.Run;

    /// <summary>Targets in command-line order; the first is the baseline of the ratios.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>The YCSB workload.</summary>
    public Workload Workload { get; init; } = Workload.A;

    /// <summary>The key distribution; null for the workload's default.</summary>
    public KeyDistribution? Distribution { get; init; }

    /// <summary>Records loaded (keys 0 to Records − 1).</summary>
    public long Records { get; init; } = 100_000;

    /// <summary>Bytes per value.</summary>
    public int ValueSize { get; init; } = 100;

    /// <summary>Concurrent clients.</summary>
    public int Clients { get; init; } = 50;

    /// <summary>Operations in flight per client.</summary>
    public int Pipeline { get; init; } = 1;

    /// <summary>Measured period of each round; ignored when <see cref="Operations"/> is set.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Measured operations of each round, instead of a duration.</summary>
    public long? Operations { get; init; }

    /// <summary>Unmeasured period before each round.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open loop at this many operations per second in total; null for closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Rounds; each runs every target once, in command-line order.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Skip the load phase of <c>run</c>.</summary>
    public bool NoLoad { get; init; }

    /// <summary>The seed of every random choice.</summary>
    public ulong Seed { get; init; }

    /// <summary>Whether the seed came from the command line.</summary>
    public bool SeedGiven { get; init; }

    /// <summary>Where to write the JSON report; null for none.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Deadline of each operation.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(LoadLimits.OperationTimeoutMsDefault);

    /// <summary>Dynamo read quorum.</summary>
    public int? R { get; init; }

    /// <summary>Dynamo write quorum.</summary>
    public int? W { get; init; }

    /// <summary>Dynamo replication factor.</summary>
    public int? N { get; init; }

    /// <summary>The key distribution in effect.</summary>
    public KeyDistribution EffectiveDistribution => Distribution ?? Workload.DefaultDistribution;

    /// <summary>The settings handed to every target.</summary>
    public TargetSettings TargetSettings => new(Clients, Pipeline, Timeout, R, W, N);
}

/// <summary>Parses <c>dynamo-bench load|run</c> command lines.</summary>
internal static class LoadArguments
{
    /// <summary>The help text.</summary>
    public const string Usage = """
        usage: dynamo-bench run  --target URL [--target URL ...] [options]
               dynamo-bench load --target URL [--target URL ...] [options]

        run loads the records into every target (unless --no-load), then runs the workload against each target in
        turn, interleaved over --rounds rounds (A B A B ...), and reports each target and the ratios of the first
        target to every other. load only writes the records.

        targets:  dynamo://host:port[,host:port...]   redis://host:port (Redis, Garnet: any RESP server)

        options (both commands):
          --records N          records loaded, keys user000000000000 ...       (default 100000)
          --value-size BYTES   value size                                      (default 100)
          --clients N          concurrent clients (connections)                (default 50)
          --pipeline N         operations in flight per client                 (default 1)
          --timeout T          deadline of each operation                      (default 5s)
          --r N --w N --n N    Dynamo quorums and replication factor           (default: the cluster's)
          --seed S             seed of every random choice                     (default: random, printed)
        options (run only):
          --workload A|B|C|D|F YCSB workload: A 50/50 read/update, B 95/5, C read only,
                               D read latest + 5% insert, F 50% read, 50% read-modify-write   (default A)
          --distribution uniform|zipfian|latest    key distribution   (default: zipfian; latest for D)
          --duration T         measured period of each round                   (default 30s)
          --operations N       measured operations of each round, instead of --duration
          --warmup T           unmeasured period before each round             (default 5s)
          --rate N             open loop: N operations per second in total, latency measured from the
                               intended start of each operation                (default: closed loop)
          --rounds N           interleaved rounds                              (default 1)
          --no-load            the records are already there
          --json FILE          write the report as JSON
          --help               this text

        T is a number with a unit: 500ms, 30s, 2m, 1h (no unit means seconds).
        """;

    private static readonly string[] s_runOnly =
        ["--workload", "--distribution", "--duration", "--operations", "--warmup", "--rate", "--rounds", "--no-load", "--json"];

    /// <summary>
    /// Parses <paramref name="args"/> (the command word first). False with <paramref name="error"/> on a bad command
    /// line; true with null options when help was asked for.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, out LoadOptions? options, out string? error)
    {
        options = null;
        error = null;
        if (args.Count == 0 || args[0] is "--help" or "-h" or "help")
        {
            return args.Count != 0 || Fail("a command is needed: load or run", out error);
        }

        var command = args[0] switch
        {
            "load" => LoadCommandKind.Load,
            "run" => LoadCommandKind.Run,
            _ => (LoadCommandKind?)null,
        };
        if (command is null)
        {
            return Fail($"unknown command '{args[0]}': expected load or run", out error);
        }

        var result = new LoadOptions { Command = command.Value };
        var targets = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return true;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                return Fail($"unexpected argument '{name}'", out error);
            }

            if (name != "--target" && !seen.Add(name))
            {
                return Fail($"{name} is given twice", out error);
            }

            if (command == LoadCommandKind.Load && s_runOnly.Contains(name))
            {
                return Fail($"{name} applies to run only", out error);
            }

            if (name == "--no-load")
            {
                result = result with { NoLoad = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                return Fail($"{name} needs a value", out error);
            }

            var value = args[++i];
            if (!TryApply(result, name, value, targets, out result, out error))
            {
                return false;
            }
        }

        if (targets.Count == 0)
        {
            return Fail("at least one --target is needed, e.g. --target dynamo://127.0.0.1:7101", out error);
        }

        if (!result.SeedGiven)
        {
            result = result with { Seed = (ulong)Random.Shared.NextInt64(1, long.MaxValue) };
        }

        options = result with { Targets = targets };
        return true;
    }

    private static bool TryApply(
        LoadOptions current, string name, string value, List<string> targets, out LoadOptions next, out string? error)
    {
        next = current;
        error = null;
        switch (name)
        {
            case "--target":
                if (!value.Contains("://", StringComparison.Ordinal))
                {
                    return Fail($"--target '{value}' is not a URL like dynamo://host:port or redis://host:port", out error);
                }

                targets.Add(value);
                return true;
            case "--workload":
                if (!Workload.TryParse(value, out var workload))
                {
                    return Fail($"--workload '{value}': expected A, B, C, D or F", out error);
                }

                next = current with { Workload = workload };
                return true;
            case "--distribution":
                if (!Enum.TryParse<KeyDistribution>(value, ignoreCase: true, out var distribution)
                    || !Enum.IsDefined(distribution) || char.IsDigit(value[0]))
                {
                    return Fail($"--distribution '{value}': expected uniform, zipfian or latest", out error);
                }

                next = current with { Distribution = distribution };
                return true;
            case "--records":
                return TryCount(name, value, 1, LoadLimits.RecordsMax, out var records, out error)
                    && Set(next = current with { Records = records });
            case "--value-size":
                return TryCount(name, value, 1, LoadLimits.ValueBytesMax, out var size, out error)
                    && Set(next = current with { ValueSize = (int)size });
            case "--clients":
                return TryCount(name, value, 1, LoadLimits.ClientsMax, out var clients, out error)
                    && Set(next = current with { Clients = (int)clients });
            case "--pipeline":
                return TryCount(name, value, 1, LoadLimits.PipelineMax, out var pipeline, out error)
                    && Set(next = current with { Pipeline = (int)pipeline });
            case "--operations":
                return TryCount(name, value, 1, long.MaxValue / 2, out var operations, out error)
                    && Set(next = current with { Operations = operations });
            case "--rounds":
                return TryCount(name, value, 1, LoadLimits.RoundsMax, out var rounds, out error)
                    && Set(next = current with { Rounds = (int)rounds });
            case "--r":
            case "--w":
            case "--n":
                return TryQuorum(current, name, value, out next, out error);
            case "--seed":
                if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                {
                    return Fail($"--seed '{value}': expected a whole number", out error);
                }

                next = current with { Seed = seed, SeedGiven = true };
                return true;
            case "--rate":
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
                    || !(rate > 0) || double.IsInfinity(rate))
                {
                    return Fail($"--rate '{value}': expected a positive number of operations per second", out error);
                }

                next = current with { Rate = rate };
                return true;
            case "--duration":
                return TryDuration(name, value, allowZero: false, out var duration, out error)
                    && Set(next = current with { Duration = duration });
            case "--warmup":
                return TryDuration(name, value, allowZero: true, out var warmup, out error)
                    && Set(next = current with { Warmup = warmup });
            case "--timeout":
                return TryDuration(name, value, allowZero: false, out var timeout, out error)
                    && Set(next = current with { Timeout = timeout });
            case "--json":
                next = current with { JsonPath = value };
                return true;
            default:
                return Fail($"unknown option {name} (see --help)", out error);
        }
    }

    private static bool TryQuorum(LoadOptions current, string name, string value, out LoadOptions next, out string? error)
    {
        next = current;
        if (!TryCount(name, value, 1, 64, out var quorum, out error))
        {
            return false;
        }

        next = name switch
        {
            "--r" => current with { R = (int)quorum },
            "--w" => current with { W = (int)quorum },
            _ => current with { N = (int)quorum },
        };
        return true;
    }

    /// <summary>Parses a duration: a number with an optional unit ms, s, m or h (seconds without one).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value * scale > TimeSpan.FromDays(1).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }

    private static bool TryDuration(string name, string value, bool allowZero, out TimeSpan duration, out string? error)
    {
        error = null;
        if (!TryParseDuration(value, out duration) || (!allowZero && duration <= TimeSpan.Zero))
        {
            return Fail($"{name} '{value}': expected a {(allowZero ? "" : "positive ")}duration like 500ms, 30s, 2m", out error);
        }

        return true;
    }

    private static bool TryCount(string name, string value, long min, long max, out long count, out string? error)
    {
        error = null;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < min || count > max)
        {
            return Fail($"{name} '{value}': expected a whole number from {min} to {max}", out error);
        }

        return true;
    }

    private static bool Set(LoadOptions _) => true;

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
