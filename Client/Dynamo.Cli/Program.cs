using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>
/// dynamo-cli [options] [COMMAND ARGS...]: runs one command; with no command, a prompt when stdin and stdout are a
/// terminal, or one command per line of stdin, pipelined, with replies in order.
/// </summary>
internal static class Program
{
    private static Task<int> Main(string[] args) =>
        RunAsync(args, Console.Out, Console.Error, ConnectAsync, WithoutCommandAsync);

    /// <summary>
    /// Parses the command line (help, the version and usage errors end here, before any connection), connects with
    /// <paramref name="connect"/>, then runs the command given, or <paramref name="withoutCommand"/> when none is.
    /// </summary>
    internal static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TextWriter output,
        TextWriter error,
        Func<string, CancellationToken, Task<IDynamoClient>> connect,
        Func<CliSettings, IDynamoClient, Task<int>> withoutCommand)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentNullException.ThrowIfNull(withoutCommand);
        if (CommandLine.Parse(args, output, error, out var settings) is { } exit)
        {
            return exit;
        }

        if (settings.Command is [var only] && only.Equals("HELP", StringComparison.OrdinalIgnoreCase))
        {
            await output.WriteLineAsync(Output.Help.TrimEnd('\n')).ConfigureAwait(false);
            return Runner.ExitOk;
        }

        IDynamoClient client;
        try
        {
            client = await connect(settings.Endpoint, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DynamoException connectError)
        {
            await output.WriteLineAsync(Output.FormatError($"could not connect to {settings.Endpoint}: {connectError.Message}")).ConfigureAwait(false);
            return Runner.ExitFailed;
        }
        catch (ArgumentException badEndpoint)
        {
            await output.WriteLineAsync(Output.FormatError($"cannot connect to {settings.Endpoint}: {ErrorText.Of(badEndpoint)}")).ConfigureAwait(false);
            return Runner.ExitUsage;
        }

        try
        {
            return settings.Command.Count > 0
                ? await Runner.RunOneShotAsync(settings.Command, client, output, CancellationToken.None).ConfigureAwait(false)
                : await withoutCommand(settings, client).ConfigureAwait(false);
        }
        finally
        {
            if (client is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<IDynamoClient> ConnectAsync(string endpoint, CancellationToken cancellationToken) =>
        await DynamoClient.ConnectAsync(new DynamoClientOptions(endpoint), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// No command: the line editor's prompt on a terminal; a plain prompt on a terminal without ANSI sequences
    /// (TERM=dumb); one command per line when stdin or stdout is not a terminal (so nothing but replies is printed).
    /// </summary>
    private static async Task<int> WithoutCommandAsync(CliSettings settings, IDynamoClient client)
    {
        if (Console.IsInputRedirected || Console.IsOutputRedirected)
        {
            var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
            await using (output.ConfigureAwait(false))
            {
                return await Runner.RunPipeAsync(Console.In, client, output, CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (!TerminalLineReader.IsSupported)
        {
            var plain = new PlainLineReader(settings.Endpoint + "> ", Console.In, Console.Out);
            return await Prompt.RunAsync(plain, client, Console.Out, ConsoleInterrupt.During, CancellationToken.None).ConfigureAwait(false);
        }

        // The line editor reads Ctrl-C as a key (to drop the line); while a command runs it is a signal again.
        Console.TreatControlCAsInput = true;
        try
        {
            var reader = new TerminalLineReader(settings.Endpoint, new HistoryFile(HistoryFile.DefaultPath));
            return await Prompt.RunAsync(reader, client, Console.Out, ConsoleInterrupt.During, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Console.TreatControlCAsInput = false;
        }
    }
}
