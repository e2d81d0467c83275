using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using Dynamo.CommandLineConventions;
using Dynamo.Engine;
using Dynamo.Server.Options;
using static Dynamo.CommandLineConventions.SingleValueOption;

namespace Dynamo.Server.Dev;

/// <summary>
/// <c>dynamo-server dev</c>'s command line: its own options, then <c>-- &lt;node options&gt;</c> for every node. The
/// node options are checked by the node's own parser, with the options dev sets itself, before any node starts.
/// </summary>
internal sealed class DevOptionSet
{
    /// <summary>The options dev sets on every node's command line; none may come after <c>--</c>.</summary>
    public static readonly IReadOnlyList<string> OptionsSetByDev =
        ["--node", "--listen", "--peers", "--data", "--partitions", "--n", "--r", "--w", "--log-level", "--parent-pid"];

    private const string Description =
        "Runs a local cluster: nodes n1..nN as separate processes on 127.0.0.1, ports base to base + N - 1, until Ctrl-C " +
        "or SIGTERM. N = min(3, nodes); R = W = a majority of N.";

    private const string NodeOptionsDescription =
        "After --: options given to every node as they are (dynamo-server --help lists them), for example " +
        "dynamo-server dev -- --ae-interval-ms 2000 --durability interval. They are checked before any node starts. Dev " +
        "itself sets --node, --listen, --peers, --data, --partitions, --n, --r, --w, --log-level and --parent-pid.";

    /// <summary>Creates the options and the <c>dev</c> command holding them.</summary>
    public DevOptionSet()
    {
        Nodes = Bounded("--nodes", "n", "Nodes to start", 1, ServerLimits.DevNodesMax, DevSettings.NodesDefault);
        BasePort = Bounded("--base-port", "port", "Port of n1; node k listens on base + k - 1", 1, 65535, DevSettings.BasePortDefault);
        Data = Single<string?>(
            "--data",
            "dir",
            "Directory holding the nodes' data directories <dir>/n1...",
            $"a new directory {DevSettings.DataDirectoryPattern} in the temporary folder",
            OptionsParser.TryParseDirectory);
        Partitions = Single<int?>(
            "--partitions",
            "Q",
            $"Ring partitions of every node: a power of two from {Limits.PartitionsMin} to {Limits.PartitionsMax}, and at least the node count.",
            DevSettings.PartitionsDefault.ToString(CultureInfo.InvariantCulture),
            (string text, out int? value, out string? error) => OptionsParser.TryParseWhole(text, "--partitions", out value, out error));
        LogLevel = Single<string?>(
            "--log-level",
            "level",
            "Least severe level every node logs: " + OptionsParser.LogLevelNames + ".",
            DevSettings.LogLevelDefault,
            (string text, out string? value, out string? error) =>
            {
                value = OptionsParser.TryParseLogLevel(text, out _, out error) ? text : null;
                return error is null;
            });
        NodeOptions = new Argument<string[]>("node-options")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = NodeOptionsDescription,
        };
        Command = new Command("dev", Description) { TreatUnmatchedTokensAsErrors = false };
        foreach (var option in new Option[] { Nodes, BasePort, Data, Partitions, LogLevel })
        {
            Command.Add(option);
        }

        Command.Add(NodeOptions);
    }

    /// <summary>The <c>dev</c> command.</summary>
    public Command Command { get; }

    /// <summary>The usage lines <c>dev --help</c> prints.</summary>
    public static string Usage => "dynamo-server dev [options] [-- <node options>...]";

    /// <summary><c>--nodes</c>.</summary>
    public Option<int?> Nodes { get; }

    /// <summary><c>--base-port</c>.</summary>
    public Option<int?> BasePort { get; }

    /// <summary><c>--data</c>.</summary>
    public Option<string?> Data { get; }

    /// <summary><c>--partitions</c>.</summary>
    public Option<int?> Partitions { get; }

    /// <summary><c>--log-level</c>.</summary>
    public Option<string?> LogLevel { get; }

    /// <summary>The words after <c>--</c> (and, wrongly, any stray word before it).</summary>
    public Argument<string[]> NodeOptions { get; }

    /// <summary>
    /// The problems with a parse of <c>dev</c>: unknown words before <c>--</c> (a node option there is pointed after
    /// <c>--</c>), node options given before <c>dev</c>, and the options' own errors.
    /// </summary>
    public List<string> Problems(ParseResult result, NodeOptionSet nodeOptions)
    {
        var given = result.GetValue(NodeOptions) ?? [];
        var stray = given.Take(given.Length - WordsAfterDoubleDash(result)).ToList();
        var problems = CommandLineErrors.Describe(result, [.. result.UnmatchedTokens, .. stray], Command, ExplainNodeOption);
        foreach (var option in result.RootCommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit))
        {
            problems.Add($"{option.Option.Name} is a node option; dev gives node options to every node after --: dynamo-server dev [options] -- {option.Option.Name} ...");
        }

        return problems;

        string? ExplainNodeOption(string token) =>
            nodeOptions.All.Any(o => o.Name == token) && !Command.Options.Any(o => o.Name == token)
                ? $"{token} is a node option; give it to every node after --: dynamo-server dev [options] -- {token} ..."
                : null;
    }

    /// <summary>
    /// Makes the settings from a parse without problems, and checks the node options after <c>--</c> with the node's
    /// own parser, as every node will get them. False with <paramref name="error"/> saying what is wrong.
    /// </summary>
    public bool TryBuild(ParseResult result, [NotNullWhen(true)] out DevSettings? settings, [NotNullWhen(false)] out string? error)
    {
        settings = new DevSettings();
        settings = settings with
        {
            Nodes = result.GetValue(Nodes) ?? settings.Nodes,
            BasePort = result.GetValue(BasePort) ?? settings.BasePort,
            Partitions = result.GetValue(Partitions) ?? settings.Partitions,
            LogLevel = result.GetValue(LogLevel) ?? settings.LogLevel,
            DataDirectory = result.GetValue(Data) is { } data ? Path.GetFullPath(data) : settings.DataDirectory,
            NodeArguments = [.. (result.GetValue(NodeOptions) ?? []).TakeLast(WordsAfterDoubleDash(result))],
        };
        if (!TryCheck(settings, out error))
        {
            settings = null;
            return false;
        }

        return true;
    }

    private static bool TryCheck(DevSettings settings, [NotNullWhen(false)] out string? error)
    {
        if (settings.BasePort + settings.Nodes - 1 > 65535)
        {
            error = $"--base-port {settings.BasePort} leaves no room for {settings.Nodes} ports.";
            return false;
        }

        var partitions = settings.Partitions;
        if (partitions < Limits.PartitionsMin || partitions > Limits.PartitionsMax || !BitOperations.IsPow2(partitions) || partitions < settings.Nodes)
        {
            error = $"--partitions: {partitions} must be a power of two from {Limits.PartitionsMin} to {Limits.PartitionsMax}, and at least the node count ({settings.Nodes}).";
            return false;
        }

        if (FirstOptionSetByDev(settings.NodeArguments) is { } taken)
        {
            var own = taken is "--data" or "--partitions" or "--log-level" ? $"; give dev's own {taken} before --" : "";
            error = $"node options after --: {taken} is set by dev itself for every node{own}.";
            return false;
        }

        // The nodes' own parser judges the options after --, with what dev adds, before any node starts.
        if (!OptionsParser.TryParse(DevCluster.NodeArguments(settings, 0), out _, out var nodeError))
        {
            error = string.Join("\n", nodeError.Split('\n').Select(line => "node options after --: " + line));
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The first of <see cref="OptionsSetByDev"/> among <paramref name="nodeArguments"/>, as the node's parser reads them.</summary>
    private static string? FirstOptionSetByDev(IReadOnlyList<string> nodeArguments)
    {
        var set = new NodeOptionSet();
        var command = new Command("dynamo-server") { TreatUnmatchedTokensAsErrors = false };
        set.AddTo(command);
        var result = command.Parse(nodeArguments, CommandLineRun.ParserSettings());
        return set.All.Where(o => OptionsSetByDev.Contains(o.Name) && result.GetResult(o) is { Implicit: false }).Select(o => o.Name).FirstOrDefault();
    }

    /// <summary>How many words follow the first <c>--</c>: those are the node options.</summary>
    private static int WordsAfterDoubleDash(ParseResult result)
    {
        for (var i = 0; i < result.Tokens.Count; i++)
        {
            if (result.Tokens[i].Type == TokenType.DoubleDash)
            {
                return result.Tokens.Count - i - 1;
            }
        }

        return 0;
    }

    private static Option<int?> Bounded(string name, string helpName, string description, int min, int max, int defaultValue) =>
        Single<int?>(
            name,
            helpName,
            $"{description} ({min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}).",
            defaultValue.ToString(CultureInfo.InvariantCulture),
            (string text, out int? value, out string? error) => OptionsParser.TryParseBounded(text, name, min, max, out value, out error));
}
