using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Dynamo.Bench.Load;

namespace Dynamo.Bench;

/// <summary>
/// <c>dynamo-bench</c>'s command line on System.CommandLine: <c>micro</c> (every word after it goes to
/// BenchmarkDotNet), <c>run</c> and <c>load</c> with their options, and generated help per verb. Mistakes are printed
/// with the option and the reason, an unknown option with the closest known ones, then the verb's help, and exit with
/// code 2. What runs the verbs is handed in, so tests run the command line without a benchmark or a server.
/// </summary>
internal sealed class BenchCommandLine
{
    /// <summary>Help is wrapped at this width when the output is not a terminal (and at most this wide on one).</summary>
    public const int HelpWidthDefault = 120;

    private const string Name = "dynamo-bench";

    /// <summary>Largest edit distance for a suggestion; shorter words allow less (a third of their letters).</summary>
    private const int SuggestionDistanceMax = 3;

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
        Func<LoadOptions, CancellationToken, Task<int>> runLoad, Func<IReadOnlyList<string>, int>? runMicro, int helpWidth = HelpWidthDefault)
    {
        _help = new HelpAction { MaxWidth = helpWidth };
        _root.Directives.Clear();
        foreach (var option in _root.Options.ToList())
        {
            if (option is HelpOption help)
            {
                help.Action = _help;
            }
            else if (option is VersionOption)
            {
                _root.Options.Remove(option);
            }
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

    /// <summary>How the command line is read: no response files (<c>@file</c>), no bundling of short options.</summary>
    private static ParserConfiguration ParserSettings => new() { EnablePosixBundling = false, ResponseFileTokenReplacer = null };

    /// <summary>Parses <paramref name="args"/> and finds its mistakes, running nothing.</summary>
    public Parsed Parse(IReadOnlyList<string> args)
    {
        var result = _root.Parse(args, ParserSettings);
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

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,

            // Ctrl-C is the load harness's to handle (it stops the run and still reports); exceptions are its own too.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        return await parsed.Result.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the help of <c>dynamo-bench</c>, or of one verb (<c>micro</c>, <c>run</c>, <c>load</c>).</summary>
    public void WriteHelp(TextWriter output, string? verb = null) =>
        WriteHelp(_root.Parse(verb is null ? ["--help"] : [verb, "--help"], ParserSettings), output);

    private void WriteHelp(ParseResult result, TextWriter output)
    {
        using var generated = new StringWriter();
        result.Invoke(new InvocationConfiguration { Output = generated, Error = generated, EnableDefaultExceptionHandler = false });

        // The usage lines are written out (the generated ones offer "additional arguments"), and, as words nothing
        // matched are reported as mistakes (micro's go to BenchmarkDotNet as its arguments), the section saying they
        // are passed on goes.
        var lines = generated.ToString().ReplaceLineEndings("\n").Split('\n').ToList();
        var command = result.CommandResult.Command;
        var usage = command == _root ? [.. _root.Subcommands.Select(Usage)] : new[] { Usage(command) };
        ReplaceSection(lines, "Usage:", usage.Select(line => "  " + line));
        ReplaceSection(lines, "Additional Arguments:", null);
        output.WriteLine(string.Join(Environment.NewLine, lines).TrimEnd());
    }

    private static string Usage(Command command) => command.Name == "micro"
        ? $"{Name} micro [BenchmarkDotNet arguments...]"
        : $"{Name} {command.Name} --target URL [--target URL ...] [options]";

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

    private async Task ReportAsync(TextWriter error, Command command, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            await error.WriteLineAsync($"{Name}: {problem}").ConfigureAwait(false);
        }

        await error.WriteLineAsync().ConfigureAwait(false);
        WriteHelp(_root.Parse(command == _root ? ["--help"] : [command.Name, "--help"], ParserSettings), error);
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

    private static string DidYouMean(string word, IEnumerable<string> known)
    {
        var allowed = Math.Clamp(word.TrimStart('-').Length / 3, 1, SuggestionDistanceMax);
        var scored = known.Distinct(StringComparer.Ordinal).Select(name => (Name: name, Distance: CommandLineWord.EditDistance(word, name)))
            .Where(c => c.Distance <= allowed).ToList();
        if (scored.Count == 0)
        {
            return "";
        }

        var best = scored.Min(c => c.Distance);
        var names = scored.Where(c => c.Distance == best).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
        return names.Count == 1 ? $"; did you mean {names[0]}?" : $"; did you mean {string.Join(", ", names.SkipLast(1))} or {names[^1]}?";
    }
}

/// <summary>What a command-line word is.</summary>
internal static class CommandLineWord
{
    /// <summary>A word that reads as an option: a dash and a letter (so <c>-1</c> stays a value).</summary>
    public static bool IsOptionLike(string token) =>
        token.Length > 1 && token[0] == '-' && (char.IsLetter(token[1]) || token[1] is '-' or '?');

    /// <summary>The option name in a word: <c>--name=value</c> gives <c>--name</c>.</summary>
    public static string OptionName(string token)
    {
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return token.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? token[..equals] : token;
    }

    /// <summary>
    /// Edit distance (optimal string alignment): inserting, deleting or replacing one character, or swapping two
    /// neighbours, each counts 1.
    /// </summary>
    public static int EditDistance(string first, string second)
    {
        var d = new int[first.Length + 1, second.Length + 1];
        for (var i = 0; i <= first.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= second.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= first.Length; i++)
        {
            for (var j = 1; j <= second.Length; j++)
            {
                var cost = first[i - 1] == second[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && first[i - 1] == second[j - 2] && first[i - 2] == second[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[first.Length, second.Length];
    }
}
