using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using static Dynamo.CommandLineConventions.SingleValueOption;

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

/// <summary>
/// The options of <c>dynamo-bench load</c> or <c>run</c> as System.CommandLine symbols, and the
/// <see cref="LoadOptions"/> they make. Each option parses and checks its own value with the message the user sees; a
/// value left out is null here and takes its default in <see cref="TryBuild"/>, the default <c>--help</c> prints.
/// </summary>
internal sealed class LoadOptionSet
{
    /// <summary>The options only <c>run</c> takes.</summary>
    public static readonly IReadOnlyList<string> RunOnly =
        ["--workload", "--distribution", "--duration", "--operations", "--warmup", "--rate", "--rounds", "--no-load", "--json"];

    private const string DurationSyntax = "T is a number with a unit: 500ms, 30s, 2m, 1h (no unit means seconds).";

    private static readonly LoadOptions s_defaults = new();

    /// <summary>Creates the options of <paramref name="kind"/> and its command.</summary>
    public LoadOptionSet(LoadCommandKind kind)
    {
        Kind = kind;
        Targets = new Option<List<string>>("--target")
        {
            HelpName = "URL",
            Description = "A server to drive: dynamo://host:port[,host:port...] or redis://host:port (Redis, Garnet: any RESP " +
                "server). Repeatable; at least one; the first is the baseline of the ratios.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        Targets.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !t.Value.Contains("://", StringComparison.Ordinal)))
            {
                result.AddError($"--target '{token.Value}' is not a URL like dynamo://host:port or redis://host:port");
            }
        });
        Records = Count("--records", "N", "Records loaded, keys user000000000000 ...", 1, LoadLimits.RecordsMax, s_defaults.Records);
        ValueSize = Count("--value-size", "BYTES", "Value size", 1, LoadLimits.ValueBytesMax, s_defaults.ValueSize);
        Clients = Count("--clients", "N", "Concurrent clients (connections)", 1, LoadLimits.ClientsMax, s_defaults.Clients);
        Pipeline = Count("--pipeline", "N", "Operations in flight per client", 1, LoadLimits.PipelineMax, s_defaults.Pipeline);
        Timeout = Span("--timeout", "Deadline of each operation.", allowZero: false, Seconds(s_defaults.Timeout));
        R = Count("--r", "N", "Dynamo read quorum", 1, 64, "the cluster's");
        W = Count("--w", "N", "Dynamo write quorum", 1, 64, "the cluster's");
        N = Count("--n", "N", "Dynamo replication factor", 1, 64, "the cluster's");
        Seed = Single<ulong?>(
            "--seed",
            "S",
            "Seed of every random choice.",
            "random, printed",
            text => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : null,
            text => $"--seed '{text}': expected a whole number");
        Workload = Single<Workload?>(
            "--workload",
            "A|B|C|D|F",
            "YCSB workload: A 50% read, 50% update; B 95/5; C read only; D read latest, 5% insert; F 50% read, 50% read-modify-write.",
            s_defaults.Workload.Name,
            text => Load.Workload.TryParse(text, out var workload) ? workload : null,
            text => $"--workload '{text}': expected A, B, C, D or F");
        Distribution = Single<KeyDistribution?>(
            "--distribution",
            "uniform|zipfian|latest",
            "Key distribution.",
            "zipfian; latest for D",
            text => Enum.TryParse<KeyDistribution>(text, ignoreCase: true, out var distribution) && Enum.IsDefined(distribution)
                && !char.IsDigit(text[0]) ? distribution : null,
            text => $"--distribution '{text}': expected uniform, zipfian or latest");
        Duration = Span("--duration", "Measured period of each round.", allowZero: false, Seconds(s_defaults.Duration));
        Operations = Count("--operations", "N", "Measured operations of each round, instead of --duration", 1, long.MaxValue / 2, null);
        Warmup = Span("--warmup", "Unmeasured period before each round.", allowZero: true, Seconds(s_defaults.Warmup));
        Rate = Single<double?>(
            "--rate",
            "N",
            "Open loop: N operations per second in total, latency measured from the intended start of each operation.",
            "closed loop",
            text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 && !double.IsInfinity(rate)
                ? rate : null,
            text => $"--rate '{text}': expected a positive number of operations per second");
        Rounds = Count("--rounds", "N", "Interleaved rounds", 1, LoadLimits.RoundsMax, s_defaults.Rounds);
        NoLoad = new Option<bool>("--no-load") { Description = "The records are already there: skip loading them.", Arity = ArgumentArity.Zero };
        Json = Single<string?>(
            "--json", "FILE", "Write the report as JSON to FILE.", null, text => text.Length > 0 ? text : null, _ => "--json: the file name is empty");

        Command = kind == LoadCommandKind.Run
            ? new Command(
                "run",
                "Loads the records into every target (unless --no-load), then runs the workload against each target in turn, " +
                "interleaved over --rounds rounds (A B A B ...), and reports each target and the ratios of the first target " +
                "to every other. " + DurationSyntax)
            : new Command("load", "Writes the records into every target. " + DurationSyntax);
        Command.TreatUnmatchedTokensAsErrors = false;
        foreach (var option in All)
        {
            Command.Add(option);
        }
    }

    /// <summary>load or run.</summary>
    public LoadCommandKind Kind { get; }

    /// <summary>The command holding the options.</summary>
    public Command Command { get; }

    /// <summary><c>--target</c>, repeatable.</summary>
    public Option<List<string>> Targets { get; }

    /// <summary><c>--records</c>.</summary>
    public Option<long?> Records { get; }

    /// <summary><c>--value-size</c>.</summary>
    public Option<long?> ValueSize { get; }

    /// <summary><c>--clients</c>.</summary>
    public Option<long?> Clients { get; }

    /// <summary><c>--pipeline</c>.</summary>
    public Option<long?> Pipeline { get; }

    /// <summary><c>--timeout</c>.</summary>
    public Option<TimeSpan?> Timeout { get; }

    /// <summary><c>--r</c>.</summary>
    public Option<long?> R { get; }

    /// <summary><c>--w</c>.</summary>
    public Option<long?> W { get; }

    /// <summary><c>--n</c>.</summary>
    public Option<long?> N { get; }

    /// <summary><c>--seed</c>.</summary>
    public Option<ulong?> Seed { get; }

    /// <summary><c>--workload</c> (run).</summary>
    public Option<Workload?> Workload { get; }

    /// <summary><c>--distribution</c> (run).</summary>
    public Option<KeyDistribution?> Distribution { get; }

    /// <summary><c>--duration</c> (run).</summary>
    public Option<TimeSpan?> Duration { get; }

    /// <summary><c>--operations</c> (run).</summary>
    public Option<long?> Operations { get; }

    /// <summary><c>--warmup</c> (run).</summary>
    public Option<TimeSpan?> Warmup { get; }

    /// <summary><c>--rate</c> (run).</summary>
    public Option<double?> Rate { get; }

    /// <summary><c>--rounds</c> (run).</summary>
    public Option<long?> Rounds { get; }

    /// <summary><c>--no-load</c> (run).</summary>
    public Option<bool> NoLoad { get; }

    /// <summary><c>--json</c> (run).</summary>
    public Option<string?> Json { get; }

    /// <summary>The options of this command, in the order <c>--help</c> lists them.</summary>
    public IReadOnlyList<Option> All => Kind == LoadCommandKind.Run
        ? [Targets, Workload, Records, ValueSize, Clients, Pipeline, Distribution, Duration, Operations, Warmup, Rate, Rounds, NoLoad,
            Timeout, R, W, N, Seed, Json]
        : [Targets, Records, ValueSize, Clients, Pipeline, Timeout, R, W, N, Seed];

    /// <summary>
    /// Makes the options from a parse without errors; false with <paramref name="error"/> when a check across options
    /// fails. A seed not given is drawn here.
    /// </summary>
    public bool TryBuild(ParseResult result, [NotNullWhen(true)] out LoadOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        var targets = result.GetValue(Targets) ?? [];
        if (targets.Count == 0)
        {
            error = "at least one --target is needed, e.g. --target dynamo://127.0.0.1:7101";
            return false;
        }

        var seed = result.GetValue(Seed);
        var defaults = s_defaults;
        options = new LoadOptions
        {
            Command = Kind,
            Targets = targets,
            Records = result.GetValue(Records) ?? defaults.Records,
            ValueSize = (int)(result.GetValue(ValueSize) ?? defaults.ValueSize),
            Clients = (int)(result.GetValue(Clients) ?? defaults.Clients),
            Pipeline = (int)(result.GetValue(Pipeline) ?? defaults.Pipeline),
            Timeout = result.GetValue(Timeout) ?? defaults.Timeout,
            R = (int?)result.GetValue(R),
            W = (int?)result.GetValue(W),
            N = (int?)result.GetValue(N),
            Seed = seed ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue),
            SeedGiven = seed is not null,
        };
        if (Kind == LoadCommandKind.Run)
        {
            options = options with
            {
                Workload = result.GetValue(Workload) ?? defaults.Workload,
                Distribution = result.GetValue(Distribution),
                Duration = result.GetValue(Duration) ?? defaults.Duration,
                Operations = result.GetValue(Operations),
                Warmup = result.GetValue(Warmup) ?? defaults.Warmup,
                Rate = result.GetValue(Rate),
                Rounds = (int)(result.GetValue(Rounds) ?? defaults.Rounds),
                NoLoad = result.GetValue(NoLoad),
                JsonPath = result.GetValue(Json),
            };
        }

        error = null;
        return true;
    }

    private static Option<long?> Count(string name, string helpName, string description, long min, long max, long defaultValue) =>
        Count(name, helpName, description, min, max, defaultValue.ToString(CultureInfo.InvariantCulture));

    private static Option<long?> Count(string name, string helpName, string description, long min, long max, string? defaultText) =>
        Single<long?>(
            name,
            helpName,
            max >= long.MaxValue / 2 ? description + "." : $"{description} ({min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}).",
            defaultText,
            text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= min && count <= max ? count : null,
            text => $"{name} '{text}': expected a whole number from {min} to {max}");

    private static Option<TimeSpan?> Span(string name, string description, bool allowZero, string defaultText) =>
        Single<TimeSpan?>(
            name,
            "T",
            description,
            defaultText,
            text => LoadArguments.TryParseDuration(text, out var duration) && (allowZero || duration > TimeSpan.Zero) ? duration : null,
            text => $"{name} '{text}': expected a {(allowZero ? "" : "positive ")}duration like 500ms, 30s, 2m");

    private static string Seconds(TimeSpan duration) => $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
}

/// <summary>Parses <c>dynamo-bench load|run</c> command lines without running them.</summary>
internal static class LoadArguments
{
    /// <summary>
    /// Parses <paramref name="args"/> (the command word first). False with <paramref name="error"/> on a bad command
    /// line, one line per problem; true with null options when help was asked for.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, out LoadOptions? options, out string? error)
    {
        options = null;
        var commandLine = new BenchCommandLine((_, _) => Task.FromResult(0), runMicro: null);
        var parsed = commandLine.Parse(args);
        if (parsed.Problems.Count > 0)
        {
            error = string.Join("\n", parsed.Problems);
            return false;
        }

        error = null;
        return parsed.Help || parsed.Load!.TryBuild(parsed.Result, out options, out error);
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
}
