using System.Diagnostics.CodeAnalysis;
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
    public static Task<Reply> RunLineAsync(string line, IDynamoClient client, CancellationToken cancellationToken) =>
        TryParseLine(line, out var command, out var error)
            ? ExecuteAsync(command, client, cancellationToken)
            : Task.FromResult(Reply.Error(error));

    /// <summary>Tokenizes and parses one command line; false with the error's text when it is not a command.</summary>
    public static bool TryParseLine(string line, [NotNullWhen(true)] out Command? command, [NotNullWhen(false)] out string? error)
    {
        command = null;
        return Tokenizer.TryTokenize(line, out var arguments, out error) && CommandParser.TryParse(arguments, out command, out error);
    }

    /// <summary>
    /// Runs one command and formats its reply. The driver's operating errors (<see cref="DynamoException"/>) and its
    /// checks of local input (<see cref="ArgumentException"/>) become error replies with the message alone; a
    /// cancellation through <paramref name="cancellationToken"/> (Ctrl-C at the prompt) becomes "interrupted".
    /// </summary>
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
            return Reply.Error(ErrorText.Of(error));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Reply.Error(command.Kind is CommandKind.Set or CommandKind.Delete
                ? "interrupted: the write may or may not have been applied"
                : "interrupted");
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
                var read = await client.GetAsync(command.Key, new GetOptions { R = command.Quorum, Strict = command.Strict, Bucket = command.Bucket }, cancellationToken)
                    .ConfigureAwait(false);
                return Output.FormatGet(read, command.WithContext);
            case CommandKind.Set:
                await SetAsync(command, client, cancellationToken).ConfigureAwait(false);
                return "OK";
            case CommandKind.Delete:
                // Without CTX the driver reads the key first and deletes what that read found (as Riak's delete
                // does when no vector clock is given); with CTX only what CTX names.
                await client.DeleteAsync(
                    command.Key, command.Context, new DeleteOptions { W = command.Quorum, Strict = command.Strict, Bucket = command.Bucket }, cancellationToken)
                    .ConfigureAwait(false);
                return "OK";
            case CommandKind.Ring:
                return Output.FormatRing(await client.GetClusterInfoAsync(cancellationToken).ConfigureAwait(false), command.Key);
            case CommandKind.Info:
                return (await client.GetInfoAsync(null, cancellationToken).ConfigureAwait(false)).TrimEnd('\n');
            case CommandKind.Repair:
                return Output.FormatRepair(await client.RepairAsync(null, command.Timeout, cancellationToken).ConfigureAwait(false));
            case CommandKind.Members:
                return Output.FormatMembers(await client.GetInfoAsync(null, cancellationToken).ConfigureAwait(false));
            case CommandKind.BucketSet:
                var change = command.Change!;
                var timeout = change.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
                var set = await client.SetBucketPropsAsync(command.Bucket!, change.N, change.R, change.W, timeout, cancellationToken).ConfigureAwait(false);
                return Output.FormatBucket(set);
            case CommandKind.BucketGet:
                var info = await client.GetClusterInfoAsync(cancellationToken).ConfigureAwait(false);
                return info.GetBucketProps(command.Bucket!) is { } settings
                    ? Output.FormatBucket(settings)
                    : Output.FormatDefaultBucket(command.Bucket!, info);
            case CommandKind.Help:
                return Output.Help;
            default:
                return string.Empty;
        }
    }

    /// <summary>
    /// SET with CTX writes with that context; SET BLIND writes with none (a new sibling beside every version there);
    /// a plain SET reads the key first (at the bucket's default R, strict when asked) and writes with the context of
    /// that read, so it replaces what the read saw, as DEL without CTX deletes what its read saw. Without this a
    /// redis-cli habit such as SET a 1, SET a 2 would leave both values as siblings.
    /// </summary>
    private static async Task SetAsync(Command command, IDynamoClient client, CancellationToken cancellationToken)
    {
        var context = command.Context;
        if (context is null && !command.Blind)
        {
            try
            {
                var read = await client.GetAsync(command.Key, new GetOptions { Strict = command.Strict, Bucket = command.Bucket }, cancellationToken)
                    .ConfigureAwait(false);
                context = read.Context;
            }
            catch (DynamoException error)
            {
                throw new DynamoException(
                    error.Message + " (while reading the key before writing it: nothing was written; SET ... BLIND writes without reading)",
                    error);
            }
        }

        await client.PutAsync(
            command.Key, command.Value, context, new PutOptions { W = command.Quorum, Strict = command.Strict, Bucket = command.Bucket }, cancellationToken)
            .ConfigureAwait(false);
    }
}
