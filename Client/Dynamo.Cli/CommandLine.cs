using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using Dynamo.CommandLineConventions;

namespace Dynamo.Cli;

/// <summary>What the command line asks for: the node to connect to and the command (empty for the prompt or a pipe).</summary>
internal sealed record CliSettings(string Host, int Port, IReadOnlyList<string> Command)
{
    /// <summary>"host:port", with an IPv6 host in brackets.</summary>
    public string Endpoint =>
        (Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>dynamo-cli [options] [COMMAND [ARGS...]]</c>, parsed with System.CommandLine. Options come first; the command
/// starts at the first word that is neither an option nor an option's value, and everything from there on belongs to
/// it, so <c>dynamo-cli SET k -1</c> writes "-1" and <c>dynamo-cli SET k --help</c> writes "--help". As in
/// redis-cli, <c>-h</c> is the host, so help is <c>--help</c> or <c>-?</c>.
/// </summary>
internal static class CommandLine
{
    private const string Name = "dynamo-cli";

    /// <summary>
    /// Parses <paramref name="args"/>. Returns null with the settings to run with; or prints help or the version to
    /// <paramref name="output"/> and returns 0; or prints what is wrong (with a suggestion when an option is close to a
    /// known one) to <paramref name="error"/> and returns <see cref="Runner.ExitUsage"/>. Nothing here connects.
    /// </summary>
    public static int? Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error, out CliSettings settings)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var (root, host, port) = Build();
        var start = CommandStart(args);
        var command = args.Skip(start).ToList();
        settings = new CliSettings(CliLimits.HostDefault, CliLimits.PortDefault, command);

        // Only the options go through the parser: the command's words are the command's, whatever they look like.
        var result = root.Parse([.. args.Take(start)], new ParserConfiguration { ResponseFileTokenReplacer = null });
        switch (result.Action)
        {
            case ParseErrorAction parseError:
                WriteErrors(result, parseError, error);
                return Runner.ExitUsage;
            case SynchronousCommandLineAction:
                return result.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }

        // "dynamo-cli version" printed the version before there were options; it still does.
        if (command is ["version"])
        {
            output.WriteLine(VersionText);
            return Runner.ExitOk;
        }

        settings = settings with { Host = result.GetValue(host)!, Port = result.GetValue(port) };
        return null;
    }

    /// <summary>What --version prints.</summary>
    public static string VersionText => Name + " " + typeof(CommandLine).Assembly.GetName().Version;

    /// <summary>
    /// The index of the command's first word: after every option (a word starting with '-'), the value of each
    /// option that takes one when it is given as a separate word (<c>-p 7101</c>), and a <c>--</c>, which ends the
    /// options explicitly. Unknown options count as options, so that the parser reports them.
    /// </summary>
    internal static int CommandStart(IReadOnlyList<string> args)
    {
        var valued = new HashSet<string>(StringComparer.Ordinal) { "-h", "--host", "-p", "--port" };
        var i = 0;
        while (i < args.Count && args[i].Length > 1 && args[i][0] == '-')
        {
            if (args[i] == "--")
            {
                return i + 1;
            }

            i += valued.Contains(args[i]) ? 2 : 1;
        }

        return Math.Min(i, args.Count);
    }

    /// <summary>The root command: its options, with help and version actions that print this tool's own text.</summary>
    private static (RootCommand Root, Option<string> Host, Option<int> Port) Build()
    {
        var host = new Option<string>("--host", "-h")
        {
            Description = $"the node to connect to, a name or an address [default: {CliLimits.HostDefault}]",
            HelpName = "host",
            DefaultValueFactory = _ => CliLimits.HostDefault,
            CustomParser = ParseHost,
        };
        var port = new Option<int>("--port", "-p")
        {
            Description = $"its client port, from 1 to 65535 [default: {CliLimits.PortDefault}]",
            HelpName = "port",
            DefaultValueFactory = _ => CliLimits.PortDefault,
            CustomParser = ParsePort,
        };
        var root = new RootCommand("The command-line client of a Dynamo cluster.");
        foreach (var option in root.Options.Where(option => option is HelpOption or VersionOption).ToList())
        {
            root.Options.Remove(option);
        }

        root.Options.Add(host);
        root.Options.Add(port);
        var help = new HelpOption("--help", "-?") { Description = "print this help and exit, without connecting" };
        help.Action = new PrintLineAction(() => Usage(root));
        root.Options.Add(help);
        root.Options.Add(new VersionOption("--version") { Description = "print the version and exit", Action = new PrintLineAction(() => VersionText) });
        return (root, host, port);
    }

    private static string? ParseHost(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (text.Length == 0 || text.Any(char.IsWhiteSpace))
        {
            result.AddError($"the host must be a name or an address, not '{text}'");
        }

        return text;
    }

    private static int ParsePort(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            result.AddError($"the port must be a number from 1 to 65535, not '{text}'");
        }

        return port;
    }

    /// <summary>
    /// Each error on its own line, then the known options closest to an unknown one (System.CommandLine's typo
    /// corrections), then where to read the usage.
    /// </summary>
    private static void WriteErrors(ParseResult result, ParseErrorAction action, TextWriter error)
    {
        foreach (var parseError in result.Errors)
        {
            error.WriteLine($"{Name}: {parseError.Message}");
        }

        // The action writes its corrections to the output and the errors (written above) to the error writer.
        using var corrections = new StringWriter(CultureInfo.InvariantCulture);
        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        result.Invoke(new InvocationConfiguration { Output = corrections, Error = TextWriter.Null, EnableDefaultExceptionHandler = false });
        // It writes, for each unknown option, a line naming it and then one line per close option.
        var groups = new List<List<string>>();
        foreach (var line in corrections.ToString().ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (groups.Count == 0 || result.UnmatchedTokens.Any(token => line.Contains($"'{token}'", StringComparison.Ordinal)))
            {
                groups.Add([line]);
            }
            else
            {
                groups[^1].Add(line);
            }
        }

        foreach (var group in groups)
        {
            error.WriteLine($"{Name}: {group[0]} {string.Join(", ", group.Skip(1))}".TrimEnd());
        }

        error.WriteLine($"Try '{Name} --help' for the options and the commands.");
    }

    /// <summary>The help text; the option rows are built from the options themselves.</summary>
    internal static string Usage(RootCommand root)
    {
        var rows = root.Options
            .Select(option => (
                Names: string.Join(", ", option.Aliases.Append(option.Name).OrderBy(name => name.StartsWith("--", StringComparison.Ordinal)))
                    + (option.ValueType == typeof(void) || option.ValueType == typeof(bool) ? string.Empty : $" <{option.HelpName}>"),
                option.Description))
            .ToList();
        var width = rows.Max(row => row.Names.Length);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            usage: {Name} [options] [COMMAND [ARGS...]]

            {root.Description} With a COMMAND, runs it, prints its reply and exits: 0 when it
            succeeded, 1 when it failed, 2 when it is not a valid command. Options come before the command: the
            command starts at the first word that is not an option, so '{Name} SET k -1' writes "-1". Without a
            COMMAND: a prompt when standard input is a terminal, otherwise one command per line of standard input,
            pipelined, with the replies in the order of the commands.

            Options:

            """);
        foreach (var (names, description) in rows)
        {
            text.Append("  ").Append(names.PadRight(width)).Append("  ").Append(description).Append('\n');
        }

        return text.Append('\n').Append(Output.Help.TrimEnd('\n')).ToString();
    }
}
