using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Dynamo.Bench.Load;
using Dynamo.CommandLineConventions;

namespace Dynamo.Bench;

/// <summary>
/// <c>dynamo-bench</c>'s command line on System.CommandLine: <c>micro</c> (every word after it goes to
/// BenchmarkDotNet), <c>run</c> and <c>load</c> with their options, and generated help per verb. Mistakes are printed
/// with the option and the reason, an unknown option with the closest known ones, then the verb's help, and exit with
/// code 2. What runs the verbs is handed in, so tests run the command line without a benchmark or a server.
/// </summary>
internal sealed class BenchCommandLine
{
    private const string Name = "dynamo-bench";

    private readonly RootCommand _root = new("Dynamo's benchmarks: BenchmarkDotNet micro-benchmarks and a YCSB-style load harness.")
    {
        TreatUnmatchedTokensAsErrors = false,
    };

    private readonly HelpAction _help;
    private readonly Command? _micro;
    private readonly Argument<string[]> _microArguments = new("benchmarkdotnet-arguments")
    {
        Arity = ArgumentArity.ZeroOrMore,
        Description = "Arguments for BenchmarkDotNet, e.g. --filter '*Frame*' or --list flat; micro -- --help lists them.",
    };

    private readonly Dictionary<Command, LoadOptionSet> _loads = [];

    /// <summary>
    /// A command line running <c>load</c> and <c>run</c> with <paramref name="runLoad"/>, and <c>micro</c> with
    /// <paramref name="runMicro"/> (given the words after <c>micro</c>); without it there is no <c>micro</c>.
    /// </summary>
    public BenchCommandLine(
        Func<LoadOptions, CancellationToken, Task<int>> runLoad, Func<IReadOnlyList<string>, int>? runMicro, int helpWidth = GeneratedHelp.WidthDefault)
    {
        _help = GeneratedHelp.Install(_root, helpWidth);
        foreach (var version in _root.Options.OfType<VersionOption>().ToList())
        {
            _root.Options.Remove(version);
        }

        if (runMicro is not null)
        {
            _micro = new Command("micro", "Runs the BenchmarkDotNet micro-benchmarks (frame parse and encode, ring lookup, version compare and merge).")
            {
                TreatUnmatchedTokensAsErrors = false,
            };
            _micro.Add(_microArguments);
            _micro.SetAction(result => runMicro(result.GetValue(_microArguments) ?? []));
            _root.Add(_micro);
        }

        foreach (var kind in new[] { LoadCommandKind.Run, LoadCommandKind.Load })
        {
            var set = new LoadOptionSet(kind);
            _loads[set.Command] = set;
            set.Command.SetAction(async (result, cancellationToken) =>
            {
                if (!set.TryBuild(result, out var options, out var problem))
                {
                    await ReportAsync(result.InvocationConfiguration.Error, set.Command, [problem]).ConfigureAwait(false);
                    return LoadCommand.ExitUsage;
                }

                return await runLoad(options, cancellationToken).ConfigureAwait(false);
            });
            _root.Add(set.Command);
        }
    }

    /// <summary>A parse and what is wrong with it.</summary>
    /// <param name="Result">The parse.</param>
    /// <param name="Problems">Every mistake, one message each; empty when none.</param>
    /// <param name="Help">Whether help was asked for (it wins over mistakes).</param>
    /// <param name="Load">The options of the <c>load</c> or <c>run</c> parsed; null for another command.</param>
    internal sealed record Parsed(ParseResult Result, List<string> Problems, bool Help, LoadOptionSet? Load);

    /// <summary>Parses <paramref name="args"/> and finds its mistakes, running nothing.</summary>
    public Parsed Parse(IReadOnlyList<string> args)
    {
        var result = _root.Parse(args, CommandLineRun.ParserSettings());
        var command = result.CommandResult.Command;
        var load = _loads.GetValueOrDefault(command);
        if (result.Action == _help)
        {
            return new Parsed(result, [], Help: true, load);
        }

        if (command == _root)
        {
            var verbs = _micro is null ? "load or run" : "micro, run or load";
            var first = result.UnmatchedTokens.Count > 0 ? result.UnmatchedTokens[0] : null;
            List<string> problems = first is null
                ? [$"a command is needed: {verbs}"]
                : CommandLineWord.IsOptionLike(first)
                    ? [$"unknown option {CommandLineWord.OptionName(first)}: a command comes first: {verbs}"]
                    : [$"unknown command '{first}': expected {verbs}" + DidYouMean(first, VerbNames())];
            return new Parsed(result, problems, Help: false, load);
        }

        return new Parsed(result, command == _micro ? [] : Describe(result, command, load), Help: false, load);
    }

    /// <summary>
    /// Runs the command line <paramref name="args"/>: prints help, or runs a verb, or says what is wrong (then the
    /// verb's help) and returns 2. Returns the process exit code.
    /// </summary>
    public async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parsed = Parse(args);
        if (parsed.Help)
        {
            WriteHelp(parsed.Result, output);
            return LoadCommand.ExitOk;
        }

        if (parsed.Problems.Count > 0)
        {
            await ReportAsync(error, parsed.Result.CommandResult.Command, parsed.Problems).ConfigureAwait(false);
            return LoadCommand.ExitUsage;
        }

        // Ctrl-C is the load harness's to handle (it stops the run and still reports); exceptions are its own too.
        return await parsed.Result.InvokeAsync(CommandLineRun.Invocation(output, error), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the help of <c>dynamo-bench</c>, or of one verb (<c>micro</c>, <c>run</c>, <c>load</c>).</summary>
    public void WriteHelp(TextWriter output, string? verb = null) =>
        WriteHelp(_root.Parse(verb is null ? ["--help"] : [verb, "--help"], CommandLineRun.ParserSettings()), output);

    /// <summary>
    /// Writes the help System.CommandLine generates for the command of <paramref name="result"/> (a parse whose action
    /// is help), with the usage lines written out: the generated ones offer "additional arguments", and words nothing
    /// matched are mistakes here (micro's go to BenchmarkDotNet as its arguments).
    /// </summary>
    private void WriteHelp(ParseResult result, TextWriter output)
    {
        var command = result.CommandResult.Command;
        GeneratedHelp.Write(result, output, command == _root ? _root.Subcommands.Select(Usage) : [Usage(command)]);
    }

    private static string Usage(Command command) => command.Name == "micro"
        ? $"{Name} micro [BenchmarkDotNet arguments...]"
        : $"{Name} {command.Name} --target URL [--target URL ...] [options]";

    private async Task ReportAsync(TextWriter error, Command command, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            await error.WriteLineAsync($"{Name}: {problem}").ConfigureAwait(false);
        }

        await error.WriteLineAsync().ConfigureAwait(false);
        WriteHelp(_root.Parse(command == _root ? ["--help"] : [command.Name, "--help"], CommandLineRun.ParserSettings()), error);
    }

    private IEnumerable<string> VerbNames() => _root.Subcommands.Select(c => c.Name);

    /// <summary>Every mistake in a parse of <paramref name="command"/>, in <c>dynamo-bench</c>'s words.</summary>
    private static List<string> Describe(ParseResult result, Command command, LoadOptionSet? load)
    {
        var messages = new List<string>();
        var unknown = result.UnmatchedTokens.Where(CommandLineWord.IsOptionLike).ToList();
        if (unknown.Count > 0)
        {
            // A word after an unknown option is most likely its value: the unknown option is the news.
            foreach (var token in unknown)
            {
                var name = CommandLineWord.OptionName(token);
                messages.Add(load?.Kind == LoadCommandKind.Load && LoadOptionSet.RunOnly.Contains(name)
                    ? $"{name} applies to run only"
                    : $"unknown option {name}" + DidYouMean(name, command.Options.Where(o => !o.Hidden).Select(o => o.Name)) + $" (see {Name} {command.Name} --help)");
            }
        }
        else
        {
            messages.AddRange(result.UnmatchedTokens.Select(token => $"unexpected argument '{token}'"));
        }

        // Given twice: flags too, which System.CommandLine lets repeat silently. --target is meant to repeat.
        foreach (var option in result.CommandResult.Children.OfType<OptionResult>())
        {
            if (option.IdentifierTokenCount > 1 && option.Option.Name != "--target")
            {
                messages.Add($"{option.Option.Name} is given twice");
            }
        }

        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is OptionResult option)
            {
                if (option.IdentifierTokenCount > 1 && option.Option.Name != "--target")
                {
                    continue;
                }

                if (option.Tokens.Count == 0 && option.Option.Arity.MinimumNumberOfValues > 0)
                {
                    messages.Add($"{option.Option.Name} needs a value");
                    continue;
                }
            }

            messages.Add(error.Message);
        }

        return [.. messages.Distinct(StringComparer.Ordinal)];
    }

    private static string DidYouMean(string word, IEnumerable<string> known) =>
        Suggestions.Nearest(word, known) is { Count: > 0 } names ? $"; did you mean {Suggestions.OneOf(names)}?" : "";
}
