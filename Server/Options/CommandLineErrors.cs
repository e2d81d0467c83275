using System.CommandLine;
using System.CommandLine.Parsing;
using Dynamo.CommandLineConventions;

namespace Dynamo.Server.Options;

/// <summary>
/// Turns what System.CommandLine found wrong in a command line into <c>dynamo-server</c>'s messages: each names the
/// option and the reason, and an unknown option comes with the closest known ones
/// (<c>Unknown option '--seed'. Did you mean '--seeds'?</c>).
/// </summary>
internal static class CommandLineErrors
{
    /// <summary>
    /// Every problem in <paramref name="result"/>: the words nothing matched (<paramref name="unmatched"/>, judged
    /// against the options and subcommands of <paramref name="command"/>, or explained by
    /// <paramref name="explain"/> when it has something to say), then the options' own errors.
    /// </summary>
    public static List<string> Describe(
        ParseResult result, IReadOnlyList<string> unmatched, Command command, Func<string, string?>? explain = null)
    {
        var messages = new List<string>();
        var unknownOptions = unmatched.Where(CommandLineWord.IsOptionLike).ToList();
        if (unknownOptions.Count > 0)
        {
            // A word after an unknown option is most likely its value: the unknown option is the news.
            messages.AddRange(unknownOptions.Select(token => explain?.Invoke(CommandLineWord.OptionName(token)) ?? UnknownOption(token, command)));
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

    /// <summary>
    /// The closest known option or subcommand names to <paramref name="word"/>, best first (of those equally near,
    /// the ones sharing the longest beginning with it); may be empty.
    /// </summary>
    public static IReadOnlyList<string> Suggest(string word, IEnumerable<string> known) =>
        [.. Suggestions.Nearest(word, known).OrderByDescending(name => CommonPrefix(word, name))];

    /// <summary>The message for an unknown option, with a suggestion among <paramref name="command"/>'s options.</summary>
    public static string UnknownOption(string token, Command command)
    {
        var name = CommandLineWord.OptionName(token);
        return $"Unknown option '{name}'." + DidYouMean(Suggest(name, OptionNames(command)));
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

    private static string DidYouMean(IReadOnlyList<string> suggestions) =>
        suggestions.Count == 0 ? "" : $" Did you mean {Suggestions.OneOf([.. suggestions.Select(s => $"'{s}'")])}?";

    private static int CommonPrefix(string first, string second)
    {
        var i = 0;
        while (i < first.Length && i < second.Length && first[i] == second[i])
        {
            i++;
        }

        return i;
    }
}
