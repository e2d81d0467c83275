using System.Globalization;
using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>
/// dynamo-cli [-h host] [-p port] [COMMAND ARGS...]: runs one command; with no command, a prompt when stdin is a
/// terminal, or one command per line of stdin, pipelined, with replies in order.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: dynamo-cli [-h host] [-p port] [COMMAND ARGS...]
          -h host   node to connect to (default 127.0.0.1)
          -p port   its port (default 7101)
        With no command: a prompt on a terminal; otherwise one command per line of stdin.
        Type HELP for the commands.
        """;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "--version" or "version")
        {
            Console.WriteLine("dynamo-cli " + typeof(Program).Assembly.GetName().Version);
            return Runner.ExitOk;
        }

        if (!TryParseArguments(args, out var endpoint, out var command, out var error))
        {
            await Console.Error.WriteLineAsync(error + Environment.NewLine + Usage).ConfigureAwait(false);
            return Runner.ExitUsage;
        }

        if (command.Count == 1 && command[0].Equals("HELP", StringComparison.OrdinalIgnoreCase))
        {
            Console.WriteLine(Output.Help);
            return Runner.ExitOk;
        }

        using var interrupt = new CancellationTokenSource();
        DynamoClient client;
        try
        {
            client = await DynamoClient.ConnectAsync(new DynamoClientOptions(endpoint), interrupt.Token).ConfigureAwait(false);
        }
        catch (DynamoException connectError)
        {
            Console.WriteLine(Output.FormatError($"could not connect to {endpoint}: {connectError.Message}"));
            return Runner.ExitFailed;
        }

        await using (client.ConfigureAwait(false))
        {
            if (command.Count > 0)
            {
                return await Runner.RunOneShotAsync(command, client, Console.Out, interrupt.Token).ConfigureAwait(false);
            }

            if (Console.IsInputRedirected)
            {
                var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
                await using (output.ConfigureAwait(false))
                {
                    return await Runner.RunPipeAsync(Console.In, client, output, interrupt.Token).ConfigureAwait(false);
                }
            }

            return await PromptAsync(endpoint, client).ConfigureAwait(false);
        }
    }

    private static async Task<int> PromptAsync(string endpoint, DynamoClient client)
    {
        var editor = new LineEditor(LineEditor.DefaultHistoryPath);
        Console.TreatControlCAsInput = true;
        var prompt = endpoint + "> ";
        while (editor.ReadLine(prompt) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            editor.Remember(line);
            if (line.Trim().ToUpperInvariant() is "QUIT" or "EXIT")
            {
                break;
            }

            var reply = await Executor.RunLineAsync(line, client, CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine(reply.Text);
        }

        return Runner.ExitOk;
    }

    /// <summary>Reads -h and -p (in any order, before the command); the rest is the command.</summary>
    internal static bool TryParseArguments(
        IReadOnlyList<string> args, out string endpoint, out List<string> command, out string error)
    {
        var host = CliLimits.HostDefault;
        var port = CliLimits.PortDefault;
        var i = 0;
        endpoint = string.Empty;
        command = [];
        error = string.Empty;
        for (; i < args.Count && args[i] is "-h" or "-p"; i += 2)
        {
            if (i + 1 >= args.Count)
            {
                error = $"{args[i]} needs a value";
                return false;
            }

            if (args[i] == "-h")
            {
                host = args[i + 1];
            }
            else if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"the port must be a number from 1 to 65535, not '{args[i + 1]}'";
                return false;
            }
        }

        endpoint = (host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
        command = [.. args.Skip(i)];
        return true;
    }
}
