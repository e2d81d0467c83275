using System.CommandLine;
using System.CommandLine.Help;
using Dynamo.CommandLineConventions;
using Dynamo.Server.Dev;
using Dynamo.Server.Options;

namespace Dynamo.Server;

/// <summary>
/// <c>dynamo-server</c>'s whole command line on System.CommandLine: the node options, <c>dev</c> with its own options
/// and <c>-- &lt;node options&gt;</c>, <c>version</c> and <c>--version</c>, and generated help (<c>--help</c>,
/// <c>-h</c>, <c>-?</c>, <c>help</c>). Mistakes are printed with the option and the reason, an unknown option with the
/// closest known ones, and exit with code 2; what runs a node or a cluster is handed in, so tests run the command line
/// without starting either.
/// </summary>
internal sealed class ServerCommandLine
{
    private const string Name = "dynamo-server";

    private const string RootDescription =
        "Runs one Dynamo node, or a local cluster of node processes (dev). Exit codes: 0 after a clean stop, 1 when " +
        "the node cannot start or fails, 2 for a bad command line.";

    private static readonly string[] s_rootUsage =
    [
        "dynamo-server --node <id> --peers <id@host:port,...> [options]",
        "dynamo-server --node <id> --listen <host:port> --seeds <host:port,...> [options]",
        DevOptionSet.Usage,
        "dynamo-server version",
    ];

    private readonly NodeOptionSet _node = new();
    private readonly DevOptionSet _dev = new();
    private readonly RootCommand _root = new(RootDescription) { TreatUnmatchedTokensAsErrors = false };
    private readonly HelpAction _help;
    private readonly Dictionary<Command, string[]> _usage;
    private readonly Func<ServerOptions, CancellationToken, Task<int>> _runNode;
    private readonly Func<DevSettings, CancellationToken, Task<int>> _runDev;

    /// <summary>A command line that runs a node with <paramref name="runNode"/> and a cluster with <paramref name="runDev"/>.</summary>
    public ServerCommandLine(
        Func<ServerOptions, CancellationToken, Task<int>> runNode,
        Func<DevSettings, CancellationToken, Task<int>> runDev,
        int helpWidth = GeneratedHelp.WidthDefault)
    {
        _runNode = runNode;
        _runDev = runDev;
        _help = GeneratedHelp.Install(_root, helpWidth);
        _usage = new Dictionary<Command, string[]> { [_root] = s_rootUsage, [_dev.Command] = [DevOptionSet.Usage] };
        foreach (var version in _root.Options.OfType<VersionOption>())
        {
            version.Description = "Print the version.";
            version.Action = new PrintLineAction(() => VersionLine);
        }

        _node.AddTo(_root);
        var versionCommand = new Command("version", "Print the version.") { TreatUnmatchedTokensAsErrors = false };
        versionCommand.Action = new PrintLineAction(() => VersionLine);
        var helpCommand = new Command("help", "Print this help.") { Hidden = true, TreatUnmatchedTokensAsErrors = false };
        helpCommand.SetAction(result => WriteHelp(result.InvocationConfiguration.Output));
        _root.Add(_dev.Command);
        _root.Add(versionCommand);
        _root.Add(helpCommand);
        _root.SetAction(RunNodeAsync);
        _dev.Command.SetAction(RunDevAsync);
    }

    /// <summary>The version line of <c>--version</c> and <c>version</c>.</summary>
    public static string VersionLine => $"{Name} {typeof(ServerCommandLine).Assembly.GetName().Version}";

    /// <summary>
    /// Runs the command line <paramref name="args"/>: prints help or the version, or runs a node or a cluster, or
    /// says what is wrong. Returns the process exit code.
    /// </summary>
    public async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Count == 0)
        {
            WriteHelp(output);
            return Program.BadOptionsExitCode;
        }

        var result = _root.Parse(args, CommandLineRun.ParserSettings());

        // Help wins over mistakes: --help is what one types to find out what was wrong.
        if (result.Action == _help)
        {
            WriteHelp(result, output);
            return 0;
        }

        var command = result.CommandResult.Command;
        var problems = command == _dev.Command
            ? _dev.Problems(result, _node)
            : CommandLineErrors.Describe(result, result.UnmatchedTokens, command);
        if (problems.Count > 0)
        {
            await ReportAsync(error, command, problems).ConfigureAwait(false);
            return Program.BadOptionsExitCode;
        }

        // The node and dev handle SIGINT and SIGTERM themselves, and their exceptions are theirs to report.
        return await result.InvokeAsync(CommandLineRun.Invocation(output, error), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the help of <c>dynamo-server</c> (<paramref name="dev"/>: of <c>dynamo-server dev</c>).</summary>
    public void WriteHelp(TextWriter output, bool dev = false) =>
        WriteHelp(_root.Parse(dev ? ["dev", "--help"] : ["--help"], CommandLineRun.ParserSettings()), output);

    /// <summary>
    /// Writes the help System.CommandLine generates for the command of <paramref name="result"/> (a parse whose action
    /// is help), with the usage lines written out where the generated ones say too little.
    /// </summary>
    private void WriteHelp(ParseResult result, TextWriter output) =>
        GeneratedHelp.Write(result, output, _usage.GetValueOrDefault(result.CommandResult.Command));

    private async Task<int> RunNodeAsync(ParseResult result, CancellationToken cancellationToken)
    {
        if (!_node.TryBuild(result, out var options, out var problem))
        {
            await ReportAsync(result.InvocationConfiguration.Error, _root, [problem]).ConfigureAwait(false);
            return Program.BadOptionsExitCode;
        }

        return await _runNode(options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> RunDevAsync(ParseResult result, CancellationToken cancellationToken)
    {
        if (!_dev.TryBuild(result, out var settings, out var problem))
        {
            await ReportAsync(result.InvocationConfiguration.Error, _dev.Command, problem.Split('\n')).ConfigureAwait(false);
            return Program.BadOptionsExitCode;
        }

        return await _runDev(settings, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReportAsync(TextWriter error, Command command, IEnumerable<string> problems)
    {
        var prefix = command == _dev.Command ? $"{Name} dev" : Name;
        foreach (var problem in problems)
        {
            await error.WriteLineAsync($"{prefix}: {problem}").ConfigureAwait(false);
        }

        await error.WriteLineAsync($"Run '{prefix} --help' for the options.").ConfigureAwait(false);
    }
}
