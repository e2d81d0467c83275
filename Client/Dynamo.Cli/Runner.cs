using System.Threading.Channels;
using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>The CLI's non-interactive modes: one command from the arguments, or one command per line of a pipe.</summary>
internal static class Runner
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    /// <summary>The reply to a line over <see cref="CliLimits.LineCharsMax"/>.</summary>
    public static readonly string LineTooLong = $"line longer than {CliLimits.LineCharsMax} characters: not run";

    /// <summary>
    /// Runs the command given as arguments (already split by the shell, so no quote processing) and prints its
    /// reply. Exit code 0, 1 when the command failed, 2 when it was not a valid command.
    /// </summary>
    public static async Task<int> RunOneShotAsync(
        IReadOnlyList<string> arguments, IDynamoClient client, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var bytes = arguments.Select(argument => System.Text.Encoding.UTF8.GetBytes(argument)).ToList();
        if (!CommandParser.TryParse(bytes, out var command, out var error))
        {
            await output.WriteLineAsync(Output.FormatError(error)).ConfigureAwait(false);
            return ExitUsage;
        }

        if (command.Kind == CommandKind.Quit)
        {
            return ExitOk;
        }

        var reply = await Executor.ExecuteAsync(command, client, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(reply.Text).ConfigureAwait(false);
        return reply.IsError ? ExitFailed : ExitOk;
    }

    /// <summary>
    /// Reads one command per line and runs them pipelined (up to <see cref="CliLimits.PipelineCommandsMax"/> in
    /// flight through the client's connections; commands on one key in their order), printing one reply per command
    /// in the order of the commands.
    /// Blank lines are skipped; QUIT ends the input; a line over <see cref="CliLimits.LineCharsMax"/> characters gets an
    /// error reply and is not run. Exit code 1 when any command failed.
    /// </summary>
    public static async Task<int> RunPipeAsync(
        TextReader input, IDynamoClient client, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var inFlight = Channel.CreateBounded<Task<Reply>>(
            new BoundedChannelOptions(CliLimits.PipelineCommandsMax) { SingleReader = true, SingleWriter = true });
        var printing = PrintInOrderAsync(inFlight.Reader, output, cancellationToken);
        var lastOnKey = new Dictionary<string, Task<Reply>>(StringComparer.Ordinal);
        var lines = new LineReader(input, CliLimits.LineCharsMax);
        try
        {
            while (await lines.ReadLineAsync(cancellationToken).ConfigureAwait(false) is ({ } line, var tooLong))
            {
                if (tooLong)
                {
                    await inFlight.Writer.WriteAsync(Task.FromResult(Reply.Error(LineTooLong)), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                if (line.Trim().ToUpperInvariant() is "QUIT" or "EXIT")
                {
                    break;
                }

                await inFlight.Writer.WriteAsync(StartInKeyOrder(line, client, lastOnKey, cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            inFlight.Writer.TryComplete();
        }

        return await printing.ConfigureAwait(false) ? ExitFailed : ExitOk;
    }

    /// <summary>
    /// Starts one line's command. Commands on different keys run concurrently; a command on a key starts only when
    /// the previous command on the same key has finished, so a pipe of "SET k 1", "SET k 2", "GET k" prints 2 and
    /// "DEL k" then "GET k" reads what the delete left, as typing them one after the other would (a SET or DEL without
    /// CTX reads before it writes, so the order in which requests reach the node does not give this by itself).
    /// </summary>
    private static Task<Reply> StartInKeyOrder(
        string line, IDynamoClient client, Dictionary<string, Task<Reply>> lastOnKey, CancellationToken cancellationToken)
    {
        if (!Executor.TryParseLine(line, out var command, out var error))
        {
            return Task.FromResult(Reply.Error(error));
        }

        if (command.Key is null)
        {
            return Executor.ExecuteAsync(command, client, cancellationToken);
        }

        // At most PipelineCommandsMax commands are unprinted, so pruning finished ones at twice that keeps the map
        // bounded and the pruning cost amortized.
        if (lastOnKey.Count >= 2 * CliLimits.PipelineCommandsMax)
        {
            foreach (var finished in lastOnKey.Where(entry => entry.Value.IsCompleted).Select(entry => entry.Key).ToList())
            {
                lastOnKey.Remove(finished);
            }
        }

        var key = Convert.ToBase64String(command.Key);
        var started = lastOnKey.TryGetValue(key, out var previous) && !previous.IsCompleted
            ? AfterAsync(previous, command, client, cancellationToken)
            : Executor.ExecuteAsync(command, client, cancellationToken);
        lastOnKey[key] = started;
        return started;
    }

    private static async Task<Reply> AfterAsync(Task<Reply> previous, Command command, IDynamoClient client, CancellationToken cancellationToken)
    {
        await ((Task)previous).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await Executor.ExecuteAsync(command, client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prints replies in command order; returns whether any was an error.</summary>
    private static async Task<bool> PrintInOrderAsync(ChannelReader<Task<Reply>> replies, TextWriter output, CancellationToken cancellationToken)
    {
        var failed = false;
        while (await replies.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (replies.TryRead(out var pending))
            {
                var reply = await pending.ConfigureAwait(false);
                failed |= reply.IsError;
                await output.WriteLineAsync(reply.Text).ConfigureAwait(false);
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return failed;
    }
}
