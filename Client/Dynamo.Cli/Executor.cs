using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>A reply to print: its text, and whether it reports an error.</summary>
internal sealed record Reply(string Text, bool IsError)
{
    public static Reply Error(string message) => new(Output.FormatError(message), IsError: true);
}

/// <summary>Runs commands against a client (the driver, or a test double) and formats the replies.</summary>
internal static class Executor
{
    /// <summary>Tokenizes, parses and runs one command line; syntax errors are replies too.</summary>
    public static Task<Reply> RunLineAsync(string line, IDynamoClient client, CancellationToken cancellationToken)
    {
        if (!Tokenizer.TryTokenize(line, out var arguments, out var error)
            || !CommandParser.TryParse(arguments, out var command, out error))
        {
            return Task.FromResult(Reply.Error(error));
        }

        return ExecuteAsync(command, client, cancellationToken);
    }

    public static async Task<Reply> ExecuteAsync(Command command, IDynamoClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            return new Reply(await RunAsync(command, client, cancellationToken).ConfigureAwait(false), IsError: false);
        }
        catch (DynamoException error)
        {
            return Reply.Error(error.Message);
        }
        catch (ArgumentException error)
        {
            return Reply.Error(error.Message);
        }
    }

    private static async Task<string> RunAsync(Command command, IDynamoClient client, CancellationToken cancellationToken)
    {
        switch (command.Kind)
        {
            case CommandKind.Ping:
                await client.PingAsync(null, cancellationToken).ConfigureAwait(false);
                return "PONG";
            case CommandKind.Get:
                var read = await client.GetAsync(command.Key, new GetOptions { R = command.Quorum }, cancellationToken).ConfigureAwait(false);
                return Output.FormatGet(read);
            case CommandKind.Set:
                await client.PutAsync(command.Key, command.Value, command.Context, new PutOptions { W = command.Quorum }, cancellationToken)
                    .ConfigureAwait(false);
                return "OK";
            case CommandKind.Delete:
                await client.DeleteAsync(command.Key, command.Context, new DeleteOptions { W = command.Quorum }, cancellationToken)
                    .ConfigureAwait(false);
                return "OK";
            case CommandKind.Ring:
                return Output.FormatRing(await client.GetClusterInfoAsync(cancellationToken).ConfigureAwait(false), command.Key);
            case CommandKind.Info:
                return (await client.GetInfoAsync(null, cancellationToken).ConfigureAwait(false)).TrimEnd('\n');
            case CommandKind.Help:
                return Output.Help;
            default:
                return string.Empty;
        }
    }
}
