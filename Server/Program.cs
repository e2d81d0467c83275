using System.Net.Sockets;
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
        if (args.Length > 0 && args[0] is "--version" or "version")
        {
            Console.WriteLine("dynamo-server " + typeof(Program).Assembly.GetName().Version);
            return 0;
        }

        try
        {
            Lz4.EnsureAvailable();
        }
        catch (Lz4UnavailableException missing)
        {
            await Console.Error.WriteLineAsync($"dynamo-server: {missing.Message}").ConfigureAwait(false);
            return FailureExitCode;
        }

        if (args.Length > 0 && args[0] == "dev")
        {
            return await DevCluster.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args.Length == 0 || args.Any(a => a is "--help" or "-h" or "help"))
        {
            Console.WriteLine(OptionsParser.Usage);
            return args.Length == 0 ? BadOptionsExitCode : 0;
        }

        if (!OptionsParser.TryParse(args, out var options, out var error))
        {
            await Console.Error.WriteLineAsync($"dynamo-server: {error}\nRun 'dynamo-server --help' for the options.").ConfigureAwait(false);
            return BadOptionsExitCode;
        }

        return await RunNodeAsync(options).ConfigureAwait(false);
    }

    private static async Task<int> RunNodeAsync(ServerOptions options)
    {
        NodeHost host;
        try
        {
            host = await NodeHost.StartAsync(options).ConfigureAwait(false);
        }
        catch (Exception error) when (error is EpochFileException or IOException or SocketException or UnauthorizedAccessException
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
