using System.Globalization;
using Dynamo.Client;
using NUnit.Framework;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// A cluster of real <c>dynamo-server</c> processes on 127.0.0.1, on ports the test chose (bound to port 0 and
/// released), each node with its own temporary data directory, <c>--peers</c> listing every node (or, with
/// <see cref="ClusterSettings.Seeds"/>, <c>--seeds</c> naming the first node, so the others are learned by gossip) and
/// <c>--parent-pid</c> this test process so that the nodes stop if the test runner dies. Nodes can be killed
/// (kill -9) and restarted with the same id, port and data directory (a new epoch). Disposing kills every node
/// and deletes the directories, whatever happened before.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    /// <summary>Attempts at starting a cluster when a chosen port was taken before a node bound it.</summary>
    private const int StartAttemptsMax = 3;

    private readonly string _root;
    private readonly string[] _sharedArguments;
    private readonly string[] _nodeArguments;

    private readonly List<NodeProcess> _nodes;
    private readonly List<NodeProcess> _moved = [];

    private TestCluster(string root, List<NodeProcess> nodes, ClusterSettings settings)
    {
        _root = root;
        _nodes = nodes;
        Settings = settings;
        var peers = string.Join(",", nodes.Select(node => $"{node.Id}@{node.Endpoint}"));
        string[] membership = settings.Seeds ? ["--seeds", nodes[0].Endpoint] : ["--peers", peers];
        _nodeArguments =
        [
            .. settings.ServerArguments ?? [], "--partitions", Invariant(settings.Partitions),
            "--n", Invariant(settings.N), "--r", Invariant(settings.R), "--w", Invariant(settings.W),
            "--timeout-ms", Invariant(settings.TimeoutMs), "--log-level", "information",
            "--parent-pid", Invariant(Environment.ProcessId),
        ];
        _sharedArguments = [.. membership, .. _nodeArguments];
    }

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public ClusterSettings Settings { get; }

    /// <summary>
    /// Starts <see cref="ClusterSettings.Nodes"/> nodes and waits until every one answers a ping and holds a link
    /// to every other. A start that fails because a chosen port was taken meanwhile is retried on new ports.
    /// </summary>
    public static async Task<TestCluster> StartAsync(ClusterSettings? settings = null)
    {
        settings ??= new ClusterSettings();
        for (var attempt = 1; ; attempt++)
        {
            var root = Directory.CreateTempSubdirectory("dynamo-integration-").FullName;
            var ports = FreePorts.Take(settings.Nodes);
            var nodes = ports.Select((port, i) => new NodeProcess($"n{i + 1}", port, Path.Combine(root, $"n{i + 1}"))).ToList();
            var cluster = new TestCluster(root, nodes, settings);
            try
            {
                foreach (var node in nodes)
                {
                    cluster.StartNode(node);
                }

                await cluster.WaitUntilReadyAsync();
                return cluster;
            }
            catch (NodeExitedException error) when (attempt < StartAttemptsMax && error.PortWasTaken)
            {
                await TestContext.Out.WriteLineAsync($"A chosen port was taken before the node bound it; starting again ({error.Message})");
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    public NodeProcess this[int index] => Nodes[index];

    /// <summary>Starts a stopped node again (same id, port and data directory) and waits until the cluster is ready.</summary>
    public async Task RestartAsync(NodeProcess node)
    {
        StartNode(node);
        await WaitUntilReadyAsync();
    }

    /// <summary>
    /// Starts a new node, <c>n{count + 1}</c>, with <c>--seeds</c> naming the first node (as an operator grows a
    /// cluster), adds it to <see cref="Nodes"/> and waits until every running node is ready and linked to it.
    /// </summary>
    public async Task<NodeProcess> JoinAsync()
    {
        var id = $"n{_nodes.Count + 1}";
        var node = new NodeProcess(id, FreePorts.Take(1)[0], Path.Combine(_root, id));
        _nodes.Add(node);
        node.Start(["--node", id, "--listen", node.Endpoint, "--data", node.DataDirectory, "--seeds", _nodes[0].Endpoint, .. _nodeArguments]);
        await WaitUntilReadyAsync();
        return node;
    }

    /// <summary>Starts a stopped node again without waiting for anything (a user who only waits for a ping).</summary>
    public void StartWithoutWaiting(NodeProcess node) => StartNode(node);

    /// <summary>
    /// Starts a stopped node again on a new free port (same id and data directory), in its place in
    /// <see cref="Nodes"/>, and waits until the cluster is ready; returns the node's new process handle.
    /// </summary>
    public async Task<NodeProcess> MoveAsync(NodeProcess node)
    {
        var index = _nodes.IndexOf(node);
        if (index < 0 || node.IsWanted)
        {
            throw new InvalidOperationException($"Node {node.Id} must be a stopped node of this cluster to move.");
        }

        var moved = new NodeProcess(node.Id, FreePorts.Take(1)[0], node.DataDirectory);
        _moved.Add(node);
        _nodes[index] = moved;
        StartNode(moved);
        await WaitUntilReadyAsync();
        return moved;
    }

    /// <summary>Restarts every stopped node; for tests that leave the shared cluster as they found it.</summary>
    public async Task RestartStoppedAsync()
    {
        var stopped = Nodes.Where(node => !node.IsWanted).ToList();
        foreach (var node in stopped)
        {
            StartNode(node);
        }

        if (stopped.Count > 0)
        {
            await WaitUntilReadyAsync();
        }
    }

    /// <summary>
    /// Waits until every running node answers a ping, says it can serve quorum requests (<c>ready:1</c>, when enough
    /// nodes run for a quorum), reports
    /// links to every other running node (<c>peers_connected</c> in its Info), as <c>dynamo-server dev</c> does, and
    /// believes every running node up (<c>members_up</c>) and holds a ring with every running node on it
    /// (<c>ring_members</c>: nodes started with <c>--seeds</c> are put on the ring by the claimant a gossip round or
    /// more after they are linked). Fails at once when a node that should run has exited.
    /// </summary>
    public async Task WaitUntilReadyAsync()
    {
        var running = Nodes.Where(node => node.IsWanted).ToList();

        // With fewer nodes running than a quorum (a test that stopped most of them), no node can be ready to serve
        // quorum requests: then only links and liveness are waited for.
        var quorum = running.Count >= Math.Max(Settings.R, Settings.W);
        foreach (var node in running)
        {
            await Deadline.UntilAsync(
                async cancellationToken =>
                {
                    if (node.ExitCode is { } code)
                    {
                        throw new NodeExitedException(node, code);
                    }

                    return await IsReadyAsync(node, running.Count - 1, quorum, cancellationToken);
                },
                Deadline.Start,
                $"node {node.Id} at {node.Endpoint} to answer a ping and hold links to {running.Count - 1} peers");
        }
    }

    /// <summary>A driver seeded with <paramref name="seed"/>'s endpoint (so it asks that node for the ring).</summary>
    public static async Task<DynamoClient> ConnectClientAsync(NodeProcess seed, Action<DynamoClientOptions>? configure = null)
    {
        var options = new DynamoClientOptions(seed.Endpoint) { RingRefreshInterval = TimeSpan.Zero };
        configure?.Invoke(options);
        using var limit = new CancellationTokenSource(Deadline.Step);
        return await DynamoClient.ConnectAsync(options, limit.Token);
    }

    /// <summary>Marks the current end of every node's output.</summary>
    public int[] MarkOutput() => [.. Nodes.Select(node => node.OutputCount)];

    /// <summary>Writes every node's output since <paramref name="marks"/> (all of it when null).</summary>
    public void WriteOutput(TextWriter writer, int[]? marks = null)
    {
        for (var i = 0; i < Nodes.Count; i++)
        {
            foreach (var line in Nodes[i].OutputSince(marks is not null && i < marks.Length ? marks[i] : 0))
            {
                writer.WriteLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var node in Nodes.Concat(_moved))
        {
            try
            {
                await node.DisposeProcessAsync();
            }
            catch (Exception error) when (error is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                failures.Add(error);
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException error)
        {
            failures.Add(error);
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Tearing the cluster down failed.", failures);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<(bool Done, string State)> IsReadyAsync(NodeProcess node, int peers, bool quorum, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await RawConnection.ConnectAsync(node.Port, cancellationToken);
            if (!await connection.PingAsync(cancellationToken))
            {
                return (false, "Ping not answered with Pong");
            }

            var info = await connection.InfoAsync(cancellationToken);
            var connected = info.TryGetValue("peers_connected", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : -1;
            var up = info.TryGetValue("members_up", out var upText) ? int.Parse(upText, CultureInfo.InvariantCulture) : peers + 1;
            var ready = info.GetValueOrDefault("ready", "?");
            var onRing = int.Parse(info.GetValueOrDefault("ring_members", "0"), CultureInfo.InvariantCulture);
            return (connected >= peers && up >= peers + 1 && onRing >= peers + 1 && (ready == "1" || !quorum),
                $"ready:{ready} peers_connected:{connected} members_up:{up} ring_members:{onRing}");
        }
        catch (Exception error) when (error is System.Net.Sockets.SocketException or IOException)
        {
            return (false, error.Message);
        }
    }

    private void StartNode(NodeProcess node) =>
        node.Start(["--node", node.Id, "--listen", node.Endpoint, "--data", node.DataDirectory, .. _sharedArguments]);
}

/// <summary>
/// The shape of a <see cref="TestCluster"/>: node count, N, R, W, partitions, the request deadline, whether nodes
/// start with <c>--seeds</c> instead of <c>--peers</c>, and options every node gets besides.
/// </summary>
internal sealed record ClusterSettings(
    int Nodes = 3, int N = 3, int R = 2, int W = 2, int Partitions = 64, int TimeoutMs = 5000, bool Seeds = false, string[]? ServerArguments = null);

/// <summary>A node exited while the cluster was waiting for it.</summary>
internal sealed class NodeExitedException : Exception
{
    public NodeExitedException(NodeProcess node, int exitCode)
        : base($"Node {node.Id} exited with code {exitCode} while starting:{Environment.NewLine}"
            + string.Join(Environment.NewLine, node.OutputSince(0)))
    {
        PortWasTaken = exitCode == 1 && node.OutputSince(0).Any(line => line.Contains("in use", StringComparison.Ordinal));
    }

    public NodeExitedException()
    {
    }

    public NodeExitedException(string message)
        : base(message)
    {
    }

    public NodeExitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool PortWasTaken { get; }
}
