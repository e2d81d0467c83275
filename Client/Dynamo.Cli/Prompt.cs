using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>What the user did at the prompt.</summary>
internal enum PromptInputKind
{
    /// <summary>Entered a line.</summary>
    Line,

    /// <summary>Ctrl-C: the line is dropped.</summary>
    Interrupted,

    /// <summary>Ctrl-D on an empty line, or the end of the input.</summary>
    End,
}

/// <summary>One answer of a <see cref="ILineReader"/>.</summary>
internal readonly record struct PromptInput(PromptInputKind Kind, string Text = "")
{
    public static PromptInput End => new(PromptInputKind.End);

    public static PromptInput Interrupted => new(PromptInputKind.Interrupted);
}

/// <summary>Reads the lines typed at the prompt.</summary>
internal interface ILineReader
{
    Task<PromptInput> ReadLineAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The interactive prompt: reads a line, runs it, prints the reply, until QUIT, EXIT, Ctrl-D on an empty line or the
/// end of the input. Ctrl-C drops the line being typed; while a command runs it stops waiting for that command.
/// </summary>
internal static class Prompt
{
    /// <param name="reader">Where lines come from.</param>
    /// <param name="client">The driver, or a test double.</param>
    /// <param name="output">Where replies go.</param>
    /// <param name="interruptible">Arms Ctrl-C for the time a command runs: it cancels the source it is given.</param>
    /// <param name="cancellationToken">Ends the prompt.</param>
    public static async Task<int> RunAsync(
        ILineReader reader,
        IDynamoClient client,
        TextWriter output,
        Func<CancellationTokenSource, IDisposable> interruptible,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(interruptible);
        while (true)
        {
            var input = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (input.Kind == PromptInputKind.End)
            {
                return Runner.ExitOk;
            }

            if (input.Kind == PromptInputKind.Interrupted || string.IsNullOrWhiteSpace(input.Text))
            {
                continue;
            }

            if (!Executor.TryParseLine(input.Text, out var command, out var error))
            {
                await output.WriteLineAsync(Output.FormatError(error)).ConfigureAwait(false);
                continue;
            }

            if (command.Kind == CommandKind.Quit)
            {
                return Runner.ExitOk;
            }

            using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Reply reply;
            using (interruptible(running))
            {
                reply = await Executor.ExecuteAsync(command, client, running.Token).ConfigureAwait(false);
            }

            await output.WriteLineAsync(reply.Text).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Ctrl-C on the console while a command runs: the terminal turns Ctrl-C back into a signal (the line editor reads
/// it as a key otherwise), and the signal cancels the command instead of ending the process.
/// </summary>
internal sealed class ConsoleInterrupt : IDisposable
{
    private readonly CancellationTokenSource _command;
    private readonly bool _wasInput;

    private ConsoleInterrupt(CancellationTokenSource command)
    {
        _command = command;
        _wasInput = Console.TreatControlCAsInput;
        Console.CancelKeyPress += OnCancelKeyPress;
        Console.TreatControlCAsInput = false;
    }

    public static IDisposable During(CancellationTokenSource command) => new ConsoleInterrupt(command);

    public void Dispose()
    {
        Console.TreatControlCAsInput = _wasInput;
        Console.CancelKeyPress -= OnCancelKeyPress;
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        try
        {
            _command.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The signal arrived as the command finished: there is nothing left to stop.
        }
    }
}

/// <summary>
/// The prompt on a terminal that cannot take the line editor's escape sequences (TERM=dumb): the prompt is printed
/// and the terminal's own line editing reads the line.
/// </summary>
internal sealed class PlainLineReader(string prompt, TextReader input, TextWriter output) : ILineReader
{
    public async Task<PromptInput> ReadLineAsync(CancellationToken cancellationToken)
    {
        await output.WriteAsync(prompt).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        var line = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return line is null ? PromptInput.End : new PromptInput(PromptInputKind.Line, line);
    }
}
