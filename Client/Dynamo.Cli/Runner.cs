using System.Threading.Channels;
using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>The CLI's non-interactive modes: one command from the arguments, or one command per line of a pipe.</summary>
internal static class Runner
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

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
    /// flight through the client's connections), printing one reply per command in the order of the commands.
    /// Blank lines are skipped; QUIT ends the input. Exit code 1 when any command failed.
    /// </summary>
    public static async Task<int> RunPipeAsync(
        TextReader input, IDynamoClient client, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var inFlight = Channel.CreateBounded<Task<Reply>>(
            new BoundedChannelOptions(CliLimits.PipelineCommandsMax) { SingleReader = true, SingleWriter = true });
        var printing = PrintInOrderAsync(inFlight.Reader, output, cancellationToken);
        try
        {
            while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                if (line.Trim().ToUpperInvariant() is "QUIT" or "EXIT")
                {
                    break;
                }

                await inFlight.Writer.WriteAsync(Executor.RunLineAsync(line, client, cancellationToken), cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            inFlight.Writer.TryComplete();
        }

        return await printing.ConfigureAwait(false) ? ExitFailed : ExitOk;
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
