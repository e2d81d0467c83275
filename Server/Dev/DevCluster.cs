using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Dynamo.Server.Storage;

namespace Dynamo.Server.Dev;

/// <summary>
/// <c>dynamo-server dev</c>: a local cluster of separate node processes (this same executable) on 127.0.0.1, ports
/// base to base + n − 1, ids n1..nN, data directories &lt;dir&gt;/n1... It waits until every node answers a ping and
/// holds a link to every other, prints how to connect, forwards the nodes' logs with a prefix, and stops them all on
/// Ctrl-C or SIGTERM. Each node watches this process (<c>--parent-pid</c>) and stops by itself if it dies.
/// </summary>
internal static class DevCluster
{
    private const string Loopback = "127.0.0.1";

    /// <summary>
    /// Runs the cluster until a signal; returns the process exit code. The settings, the options after <c>--</c>
    /// included, were checked by <see cref="DevOptionSet"/>.
    /// </summary>
    public static async Task<int> RunAsync(DevSettings settings)
    {
        if (FirstPortInUse(settings) is { } busy)
        {
            await Console.Error.WriteLineAsync(
                $"dynamo-server dev: port {busy} on {Loopback} is already in use; stop what holds it or choose another --base-port.").ConfigureAwait(false);
            return Program.FailureExitCode;
        }

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var parentWatch = StopWhenAdoptedAsync(stop);
        Console.WriteLine($"dynamo-server dev: starting {settings.Nodes} nodes; data in {settings.DataDirectory}");
        var nodes = StartNodes(settings);
        try
        {
            if (!await WaitUntilReadyAsync(nodes, settings, stop.Token).ConfigureAwait(false))
            {
                return Program.FailureExitCode;
            }

            PrintReady(nodes, settings);
            await WaitForStopAsync(nodes, stop.Token).ConfigureAwait(false);
            Console.WriteLine("dynamo-server dev: stopping");
            return 0;
        }
        finally
        {
            await StopNodesAsync(nodes).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await parentWatch.ConfigureAwait(false);
        }

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>
    /// Stops the cluster when this process is adopted, i.e. when whatever started it (a shell, <c>dotnet run</c>, a
    /// test) died without signalling it: the nodes must not outlive the command that owns them.
    /// </summary>
    private static async Task StopWhenAdoptedAsync(CancellationTokenSource stop)
    {
        var parent = Libc.ParentProcessId();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(ServerLimits.ParentCheckIntervalMs));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                if (Libc.ParentProcessId() != parent)
                {
                    Console.WriteLine("dynamo-server dev: the process that started the cluster is gone; stopping");
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int? FirstPortInUse(DevSettings settings)
    {
        for (var port = settings.BasePort; port < settings.BasePort + settings.Nodes; port++)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
            }
            catch (SocketException)
            {
                return port;
            }
            finally
            {
                listener.Stop();
                listener.Dispose();
            }
        }

        return null;
    }

    /// <summary>The command line of node <paramref name="index"/> (0-based): dev's own options, then the passed-through ones.</summary>
    internal static List<string> NodeArguments(DevSettings settings, int index)
    {
        var ids = Enumerable.Range(1, settings.Nodes).Select(i => $"n{i}").ToArray();
        var peers = string.Join(",", ids.Select((id, i) => $"{id}@{Loopback}:{settings.BasePort + i}"));
        var n = Math.Min(3, settings.Nodes);
        var quorum = (n / 2) + 1;
        return
        [
            "--node", ids[index], "--listen", $"{Loopback}:{settings.BasePort + index}", "--peers", peers,
            "--data", Path.Combine(settings.DataDirectory, ids[index]), "--partitions", settings.Partitions.ToString(CultureInfo.InvariantCulture),
            "--n", n.ToString(CultureInfo.InvariantCulture), "--r", quorum.ToString(CultureInfo.InvariantCulture),
            "--w", quorum.ToString(CultureInfo.InvariantCulture), "--log-level", settings.LogLevel,
            "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            .. settings.NodeArguments,
        ];
    }

    private static List<DevNode> StartNodes(DevSettings settings)
    {
        var (executable, prefix) = SelfCommand();
        var nodes = new List<DevNode>();
        for (var i = 0; i < settings.Nodes; i++)
        {
            var id = $"n{i + 1}";
            var start = new ProcessStartInfo(executable)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in prefix.Concat(NodeArguments(settings, i)))
            {
                start.ArgumentList.Add(arg);
            }

            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            var tag = $"[{id}] ";
            process.OutputDataReceived += (_, e) => Forward(tag, e.Data, Console.Out);
            process.ErrorDataReceived += (_, e) => Forward(tag, e.Data, Console.Error);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            nodes.Add(new DevNode(id, settings.BasePort + i, process));
        }

        return nodes;
    }

    /// <summary>
    /// This executable: the apphost when there is one, otherwise the <c>dotnet</c> host with the entry assembly
    /// (as under <c>dotnet dynamo-server.dll</c>).
    /// </summary>
    private static (string Executable, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        if (string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var assembly = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(assembly))
            {
                throw new InvalidOperationException("The entry assembly's path is unknown.");
            }

            return (path, [assembly]);
        }

        return (path, []);
    }

    private static void Forward(string tag, string? line, TextWriter to)
    {
        if (line is not null)
        {
            to.WriteLine(tag + line);
        }
    }

    private static async Task<bool> WaitUntilReadyAsync(List<DevNode> nodes, DevSettings settings, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(ServerLimits.DevStartTimeoutMs);
        foreach (var node in nodes)
        {
            while (true)
            {
                if (node.Process.HasExited)
                {
                    await Console.Error.WriteLineAsync(
                        $"dynamo-server dev: node {node.Id} exited with code {node.Process.ExitCode} during start; see its log above.").ConfigureAwait(false);
                    return false;
                }

                if (await IsReadyAsync(node, settings.Nodes - 1, deadline.Token).ConfigureAwait(false))
                {
                    break;
                }

                if (deadline.IsCancellationRequested)
                {
                    if (!stop.IsCancellationRequested)
                    {
                        await Console.Error.WriteLineAsync(
                            $"dynamo-server dev: node {node.Id} did not become ready within {ServerLimits.DevStartTimeoutMs} ms.").ConfigureAwait(false);
                    }

                    return false;
                }

                await Task.WhenAny(Task.Delay(100, CancellationToken.None), node.Process.WaitForExitAsync(deadline.Token)).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>
    /// Ready: the node answers a ping, says it can serve quorum requests (<c>ready:1</c>), its links to every other
    /// node are up, and it believes every node up: a fresh cluster serves W = N at once.
    /// </summary>
    private static async Task<bool> IsReadyAsync(DevNode node, int peers, CancellationToken cancellationToken)
    {
        try
        {
            await NodeProbe.PingAsync(Loopback, node.Port, cancellationToken).ConfigureAwait(false);
            var info = await NodeProbe.InfoAsync(Loopback, node.Port, cancellationToken).ConfigureAwait(false);
            return info.GetValueOrDefault("ready") == "1"
                && Count(info, "peers_connected") >= peers
                && Count(info, "members_up") >= peers + 1;
        }
        catch (Exception error) when (error is SocketException or IOException or OperationCanceledException or Protocol.ProtocolException)
        {
            return false;
        }
    }

    private static int Count(Dictionary<string, string> info, string field) =>
        info.TryGetValue(field, out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var count) ? count : -1;

    private static void PrintReady(List<DevNode> nodes, DevSettings settings)
    {
        Console.WriteLine($"dynamo-server dev: {nodes.Count} nodes ready (N = {Math.Min(3, nodes.Count)}, Q = {settings.Partitions}):");
        foreach (var node in nodes)
        {
            Console.WriteLine($"  {node.Id}  {Loopback}:{node.Port}  pid {node.Process.Id}  data {Path.Combine(settings.DataDirectory, node.Id)}");
        }

        var cli = CliConnectCommand.ForThisProcess(settings.BasePort);
        Console.WriteLine($"Connect the CLI with:  {cli.Command}");
        if (cli.Note is not null)
        {
            Console.WriteLine($"  ({cli.Note})");
        }

        Console.WriteLine("Press Ctrl-C to stop the cluster.");
    }

    private static async Task WaitForStopAsync(List<DevNode> nodes, CancellationToken stop)
    {
        var exits = nodes.Select(async node =>
        {
            await node.Process.WaitForExitAsync(stop).ConfigureAwait(false);
            Console.WriteLine($"dynamo-server dev: node {node.Id} exited with code {node.Process.ExitCode}");
        }).ToList();
        try
        {
            await Task.WhenAll(exits).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM.
        }
    }

    private static async Task StopNodesAsync(List<DevNode> nodes)
    {
        foreach (var node in nodes.Where(n => !n.Process.HasExited))
        {
            Libc.Terminate(node.Process.Id);
        }

        using var timeout = new CancellationTokenSource(ServerLimits.DevStopTimeoutMs);
        foreach (var node in nodes)
        {
            try
            {
                await node.Process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                node.Process.Kill(entireProcessTree: true);
            }

            node.Process.Dispose();
        }
    }

    private sealed record DevNode(string Id, int Port, Process Process);
}
