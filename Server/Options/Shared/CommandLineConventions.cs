using System.CommandLine;
using System.CommandLine.Help;

// One copy of the command-line conventions dynamo-server and dynamo-bench share, both on System.CommandLine. This
// file is compiled into both programs (Bench links it from here): neither may reference the other's assembly, so the
// namespace names neither, and every type is internal to the program it is compiled into.
namespace Dynamo.CommandLineConventions;

/// <summary>How a command line is read and run.</summary>
internal static class CommandLineRun
{
    /// <summary>How every command line is read: no response files (<c>@file</c>), no bundling of short options.</summary>
    public static ParserConfiguration ParserSettings() => new() { EnablePosixBundling = false, ResponseFileTokenReplacer = null };

    /// <summary>
    /// How a parse is run: output and errors to <paramref name="output"/> and <paramref name="error"/>; Ctrl-C (SIGINT)
    /// and SIGTERM are the program's to handle (a node stops cleanly, a load run still reports), and so are its
    /// exceptions.
    /// </summary>
    public static InvocationConfiguration Invocation(TextWriter output, TextWriter error) => new()
    {
        Output = output,
        Error = error,
        ProcessTerminationTimeout = null,
        EnableDefaultExceptionHandler = false,
    };
}

/// <summary>
/// The help System.CommandLine generates, with what it says too little or wrongly rewritten: the usage lines written
/// out, and no "Additional Arguments" section.
/// </summary>
internal static class GeneratedHelp
{
    /// <summary>Help is wrapped at this width when the output is not a terminal (and at most this wide on one).</summary>
    public const int WidthDefault = 120;

    private const string UsageHeading = "Usage:";

    private const string AdditionalArgumentsHeading = "Additional Arguments:";

    /// <summary>The terminal's width, at most <see cref="WidthDefault"/>; that when the output is not a terminal.</summary>
    public static int WidthOfConsole()
    {
        if (Console.IsOutputRedirected)
        {
            return WidthDefault;
        }

        try
        {
            return Console.WindowWidth is > 0 and var width ? Math.Min(width, WidthDefault) : WidthDefault;
        }
        catch (IOException)
        {
            return WidthDefault;
        }
    }

    /// <summary>
    /// Takes the directives (<c>[diagram]</c>, <c>[suggest]</c>) off <paramref name="root"/> and has its help option
    /// wrap at <paramref name="width"/>. Returns the help action: a parse whose action it is asks for help.
    /// </summary>
    public static HelpAction Install(RootCommand root, int width)
    {
        var help = new HelpAction { MaxWidth = width };
        root.Directives.Clear();
        foreach (var option in root.Options.OfType<HelpOption>())
        {
            option.Action = help;
        }

        return help;
    }

    /// <summary>
    /// Writes the help of the command of <paramref name="result"/> (a parse whose action is help) to
    /// <paramref name="output"/>, its usage section replaced by <paramref name="usage"/> (one line each; null keeps
    /// the generated one).
    /// </summary>
    public static void Write(ParseResult result, TextWriter output, IEnumerable<string>? usage)
    {
        using var generated = new StringWriter();
        result.Invoke(new InvocationConfiguration { Output = generated, Error = generated, EnableDefaultExceptionHandler = false });
        var lines = generated.ToString().ReplaceLineEndings("\n").Split('\n').ToList();
        if (usage is not null)
        {
            ReplaceSection(lines, UsageHeading, usage.Select(line => "  " + line));
        }

        // Words nothing matched are reported as mistakes (or handed on by the command that takes them as its
        // arguments), never passed on silently: the section saying otherwise goes.
        ReplaceSection(lines, AdditionalArgumentsHeading, null);
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
}

/// <summary>Options that take one value, parsed and checked by the program's own parser.</summary>
internal static class SingleValueOption
{
    /// <summary>
    /// An option taking one value, parsed by <paramref name="parse"/> (its message is the error the user sees); its
    /// help line ends with <c>[default: <paramref name="defaultText"/>]</c> when there is one.
    /// </summary>
    public static Option<T> Single<T>(string name, string helpName, string description, string? defaultText, OptionValueParser<T> parse)
    {
        var option = new Option<T>(name)
        {
            HelpName = helpName,
            Description = defaultText is null ? description : $"{description} [default: {defaultText}]",
            Arity = ArgumentArity.ExactlyOne,
        };
        option.CustomParser = argument =>
        {
            // No value, or the option given twice: the parse result reports those, in the program's words.
            if (argument.Tokens.Count != 1)
            {
                return default!;
            }

            var text = argument.Tokens[0].Value;
            if (!parse(text, out var value, out var error))
            {
                // Every parser of both programs says what is wrong; this is for one that would not.
                argument.AddError(error ?? $"{name}: '{text}' is not valid.");
                return default!;
            }

            return value;
        };
        return option;
    }

    /// <summary>
    /// An option taking one value, read by <paramref name="parse"/>, which gives null for a text that is not valid;
    /// the error the user then sees is <paramref name="errorOf"/> of the text.
    /// </summary>
    public static Option<T> Single<T>(
        string name, string helpName, string description, string? defaultText, Func<string, T> parse, Func<string, string> errorOf) =>
        Single(name, helpName, description, defaultText, (string text, out T value, out string? error) =>
        {
            value = parse(text);
            error = value is null ? errorOf(text) : null;
            return error is null;
        });
}

/// <summary>Parses one option value; false with the message the user sees.</summary>
/// <typeparam name="T">The value's type.</typeparam>
internal delegate bool OptionValueParser<T>(string text, out T value, out string? error);

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
}

/// <summary>The known names closest to a mistyped one, for "did you mean".</summary>
internal static class Suggestions
{
    /// <summary>
    /// Largest edit distance between an unknown word and a known one for the known one to be suggested; shorter words
    /// allow less (a third of their letters), so a short word is not "corrected" into an unrelated name.
    /// </summary>
    private const int DistanceMax = 3;

    /// <summary>
    /// The names in <paramref name="known"/> nearest to <paramref name="word"/>, all at the same (smallest) distance,
    /// in ordinal order; empty when none is near enough.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string word, IEnumerable<string> known)
    {
        var allowed = Math.Clamp(word.TrimStart('-').Length / 3, 1, DistanceMax);
        var scored = known.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Distance: EditDistance(word, name)))
            .Where(candidate => candidate.Distance <= allowed)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored.Min(candidate => candidate.Distance);
        return [.. scored.Where(c => c.Distance == best).Select(c => c.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>The words as a choice: <c>a</c>, <c>a or b</c>, <c>a, b or c</c>.</summary>
    public static string OneOf(IReadOnlyList<string> words) =>
        words.Count <= 1 ? string.Concat(words) : $"{string.Join(", ", words.Take(words.Count - 1))} or {words[^1]}";

    /// <summary>
    /// Edit distance (optimal string alignment): inserting, deleting or replacing one character, or swapping two
    /// neighbours, each counts 1, so a typed transposition (<c>dve</c> for <c>dev</c>) is as near as a missing letter.
    /// </summary>
    private static int EditDistance(string first, string second)
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
