using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Dynamo.Server.Options;

/// <summary>
/// <c>dynamo-server</c>'s whole command line on System.CommandLine: the node options, <c>dev</c> with its own options
/// and <c>-- &lt;node options&gt;</c>, <c>version</c> and <c>--version</c>, and generated help (<c>--help</c>,
/// <c>-h</c>, <c>-?</c>, <c>help</c>). Mistakes are printed with the option and the reason, an unknown option with the
/// closest known ones, and exit with code 2; what runs a node or a cluster is handed in, so tests run the command line
/// without starting either.
/// </summary>
internal sealed class ServerCommandLine
{
    /// <summary>Help is wrapped at this width when the output is not a terminal (and at most this wide on one).</summary>
    public const int HelpWidthDefault = 120;

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
        int helpWidth = HelpWidthDefault)
    {
        _runNode = runNode;
        _runDev = runDev;
        _help = new HelpAction { MaxWidth = helpWidth };
        _usage = new Dictionary<Command, string[]> { [_root] = s_rootUsage, [_dev.Command] = [DevOptionSet.Usage] };
        _root.Directives.Clear();
        _node.AddTo(_root);
        foreach (var option in _root.Options)
        {
            switch (option)
            {
                case HelpOption help:
                    help.Action = _help;
                    break;
                case VersionOption version:
                    version.Description = "Print the version.";
                    version.Action = new VersionPrinter();
                    break;
            }
        }

        var versionCommand = new Command("version", "Print the version.") { TreatUnmatchedTokensAsErrors = false };
        versionCommand.Action = new VersionPrinter();
        var helpCommand = new Command("help", "Print this help.") { Hidden = true, TreatUnmatchedTokensAsErrors = false };
        helpCommand.SetAction(result => WriteHelp(result.InvocationConfiguration.Output));
        _root.Add(_dev.Command);
        _root.Add(versionCommand);
        _root.Add(helpCommand);
        _root.SetAction(RunNodeAsync);
        _dev.Command.SetAction(RunDevAsync);
    }

    /// <summary>How every command line of the server is read: no response files (<c>@file</c>), no bundling of short options.</summary>
    public static ParserConfiguration ParserSettings() => new() { EnablePosixBundling = false, ResponseFileTokenReplacer = null };

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

        var result = _root.Parse(args, ParserSettings());

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

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,

            // The node and dev handle SIGINT and SIGTERM themselves, and their exceptions are theirs to report.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        return await result.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the help of <c>dynamo-server</c> (<paramref name="dev"/>: of <c>dynamo-server dev</c>).</summary>
    public void WriteHelp(TextWriter output, bool dev = false) =>
        WriteHelp(_root.Parse(dev ? ["dev", "--help"] : ["--help"], ParserSettings()), output);

    /// <summary>
    /// Writes the help System.CommandLine generates for the command of <paramref name="result"/> (a parse whose action
    /// is help), with the usage lines written out where the generated ones say too little.
    /// </summary>
    private void WriteHelp(ParseResult result, TextWriter output)
    {
        using var generated = new StringWriter();
        result.Invoke(new InvocationConfiguration { Output = generated, Error = generated, EnableDefaultExceptionHandler = false });
        var lines = generated.ToString().ReplaceLineEndings("\n").Split('\n').ToList();
        if (_usage.TryGetValue(result.CommandResult.Command, out var usage))
        {
            ReplaceSection(lines, "Usage:", usage.Select(line => "  " + line));
        }

        // Words nothing matched are reported as mistakes, not passed on: the section saying otherwise goes.
        ReplaceSection(lines, "Additional Arguments:", null);
        output.WriteLine(string.Join(Environment.NewLine, lines).TrimEnd());
    }

    /// <summary>
    /// Replaces the body of the section headed <paramref name="heading"/> with <paramref name="body"/>; null removes
    /// the section, heading and the blank line after it included.
    /// </summary>
    private static void ReplaceSection(List<string> lines, string heading, IEnumerable<string>? body)
    {
        var start = lines.IndexOf(heading);
        if (start < 0)
        {
            return;
        }

        var end = start + 1;
        while (end < lines.Count && lines[end].Length > 0)
        {
            end++;
        }

        if (body is null)
        {
            lines.RemoveRange(start, Math.Min(end + 1, lines.Count) - start);
            return;
        }

        lines.RemoveRange(start + 1, end - start - 1);
        lines.InsertRange(start + 1, body);
    }

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

    private sealed class VersionPrinter : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(VersionLine);
            return 0;
        }
    }
}
