using System.Net.Sockets;
using Dynamo.CommandLineConventions;
using Dynamo.Protocol;
using Dynamo.Server.Dev;
using Dynamo.Server.Hosting;
using Dynamo.Server.Options;
using Dynamo.Server.Storage;

namespace Dynamo.Server;

/// <summary>
/// <c>dynamo-server</c>: runs one node (<c>--node ... --peers ...</c>) or a local cluster of node processes
/// (<c>dev</c>). Exit codes: 0 after a clean stop, 1 when the node cannot start or fails, 2 for bad options.
/// </summary>
internal static class Program
{
    /// <summary>Exit code for a bad command line.</summary>
    public const int BadOptionsExitCode = 2;

    /// <summary>Exit code for a node that could not start or failed.</summary>
    public const int FailureExitCode = 1;

    private static async Task<int> Main(string[] args)
    {
        var commandLine = new ServerCommandLine((options, _) => RunNodeAsync(options), (settings, _) => RunDevAsync(settings), GeneratedHelp.WidthOfConsole());
        return await commandLine.InvokeAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task<int> RunDevAsync(DevSettings settings)
    {
        if (!await EnsureLz4Async().ConfigureAwait(false))
        {
            return FailureExitCode;
        }

        return await DevCluster.RunAsync(settings).ConfigureAwait(false);
    }

    /// <summary>Both the node and dev need liblz4; say so plainly when it is missing.</summary>
    private static async Task<bool> EnsureLz4Async()
    {
        try
        {
            Lz4.EnsureAvailable();
            return true;
        }
        catch (Lz4UnavailableException missing)
        {
            await Console.Error.WriteLineAsync($"dynamo-server: {missing.Message}").ConfigureAwait(false);
            return false;
        }
    }

    private static async Task<int> RunNodeAsync(ServerOptions options)
    {
        if (!await EnsureLz4Async().ConfigureAwait(false))
        {
            return FailureExitCode;
        }

        NodeHost host;
        try
        {
            host = await NodeHost.StartAsync(options).ConfigureAwait(false);
        }
        catch (Exception error) when (error is EpochFileException or RingFileException or IOException or SocketException or UnauthorizedAccessException
            or Dynamo.Engine.Storage.StorageFormatException)
        {
            await Console.Error.WriteLineAsync($"dynamo-server: node {options.Node} cannot start: {Describe(error)}").ConfigureAwait(false);
            return FailureExitCode;
        }

        await using (host.ConfigureAwait(false))
        {
            await host.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private static string Describe(Exception error) =>
        error.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || error is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
            ? $"{error.Message} (the port is in use: stop whatever holds it, or choose another with --listen)"
            : error.Message;
}
