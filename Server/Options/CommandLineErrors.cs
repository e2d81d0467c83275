using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dynamo.Server.Options;

/// <summary>
/// Turns what System.CommandLine found wrong in a command line into <c>dynamo-server</c>'s messages: each names the
/// option and the reason, and an unknown option comes with the closest known ones
/// (<c>Unknown option '--seed'. Did you mean '--seeds'?</c>).
/// </summary>
internal static class CommandLineErrors
{
    /// <summary>
    /// Largest edit distance between an unknown word and a known one for the known one to be suggested; shorter words
    /// allow less (a third of their letters), so a short word is not "corrected" into an unrelated option.
    /// </summary>
    private const int SuggestionDistanceMax = 3;

    /// <summary>
    /// Every problem in <paramref name="result"/>: the words nothing matched (<paramref name="unmatched"/>, judged
    /// against the options and subcommands of <paramref name="command"/>, or explained by
    /// <paramref name="explain"/> when it has something to say), then the options' own errors.
    /// </summary>
    public static List<string> Describe(
        ParseResult result, IReadOnlyList<string> unmatched, Command command, Func<string, string?>? explain = null)
    {
        var messages = new List<string>();
        var unknownOptions = unmatched.Where(IsOptionLike).ToList();
        if (unknownOptions.Count > 0)
        {
            // A word after an unknown option is most likely its value: the unknown option is the news.
            messages.AddRange(unknownOptions.Select(token => explain?.Invoke(OptionName(token)) ?? UnknownOption(token, command)));
        }
        else
        {
            messages.AddRange(unmatched.Select(token => UnexpectedArgument(token, result, command)));
        }

        foreach (var error in result.Errors)
        {
            messages.Add(Describe(error));
        }

        return [.. messages.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The closest known option or subcommand names to <paramref name="word"/>, best first; may be empty.</summary>
    public static IReadOnlyList<string> Suggest(string word, IEnumerable<string> known)
    {
        var allowed = Math.Clamp(word.TrimStart('-').Length / 3, 1, SuggestionDistanceMax);
        var scored = known.Distinct(StringComparer.Ordinal)
            .Select(name => (Name: name, Distance: EditDistance(word, name)))
            .Where(candidate => candidate.Distance <= allowed)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored.Min(candidate => candidate.Distance);
        return [.. scored.Where(c => c.Distance == best).OrderByDescending(c => CommonPrefix(word, c.Name)).ThenBy(c => c.Name, StringComparer.Ordinal).Select(c => c.Name)];
    }

    /// <summary>A word that reads as an option: a dash and a letter (so <c>-1</c> stays a value).</summary>
    public static bool IsOptionLike(string token) =>
        token.Length > 1 && token[0] == '-' && (char.IsLetter(token[1]) || token[1] is '-' or '?');

    /// <summary>The message for an unknown option, with a suggestion among <paramref name="command"/>'s options.</summary>
    public static string UnknownOption(string token, Command command)
    {
        var name = OptionName(token);
        return $"Unknown option '{name}'." + DidYouMean(Suggest(name, OptionNames(command)));
    }

    /// <summary>The option name in a word: <c>--name=value</c> gives <c>--name</c>.</summary>
    private static string OptionName(string token)
    {
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return token.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? token[..equals] : token;
    }

    private static string UnexpectedArgument(string token, ParseResult result, Command command)
    {
        // Only the first word can be a misspelt command: later bare words are values or strays.
        var first = result.Tokens.Count > 0 && result.Tokens[0].Type == TokenType.Argument && result.Tokens[0].Value == token;
        var commands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
        return $"Unexpected argument '{token}'." + (first ? DidYouMean(Suggest(token, commands)) : "");
    }

    private static string Describe(ParseError error)
    {
        if (error.SymbolResult is OptionResult option)
        {
            var name = option.Option.Name;
            if (option.IdentifierTokenCount > 1 && option.Option.Arity.MaximumNumberOfValues <= 1)
            {
                return $"Option {name} is given twice.";
            }

            if (option.Tokens.Count == 0 && option.Option.Arity.MinimumNumberOfValues > 0)
            {
                return $"Option {name} needs a value.";
            }
        }

        return error.Message;
    }

    private static IEnumerable<string> OptionNames(Command command) =>
        command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));

    private static string DidYouMean(IReadOnlyList<string> suggestions) => suggestions.Count switch
    {
        0 => "",
        1 => $" Did you mean '{suggestions[0]}'?",
        _ => $" Did you mean {string.Join(", ", suggestions.Take(suggestions.Count - 1).Select(s => $"'{s}'"))} or '{suggestions[^1]}'?",
    };

    private static int CommonPrefix(string first, string second)
    {
        var i = 0;
        while (i < first.Length && i < second.Length && first[i] == second[i])
        {
            i++;
        }

        return i;
    }

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
