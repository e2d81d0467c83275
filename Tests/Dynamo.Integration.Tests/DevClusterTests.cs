using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Dynamo.Integration.Tests;

/// <summary>
/// <c>dynamo-server dev</c> as a process: it starts three nodes (with the node options given after <c>--</c>), prints
/// a command that connects the built CLI, serves the CLI, and stops them all on SIGINT; bad node options stop it before
/// any node starts.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public sealed partial class DevClusterTests
{
    private const int Nodes = 3;
    private const int StartAttemptsMax = 3;

    private List<string> _output = [];
    private TaskCompletionSource _ready = new();
    private Process? _dev;
    private string? _data;
    private List<int> _nodePids = [];

    [SetUp]
    public void ForgetThePreviousRun()
    {
        _output = [];
        _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _dev = null;
        _data = null;
        _nodePids = [];
    }

    [TearDown]
    public async Task StopEverything()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed)
        {
            TestContext.Out.WriteLine("---- dynamo-server dev output ----");
            lock (_output)
            {
                _output.ForEach(TestContext.Out.WriteLine);
            }
        }

        if (_dev is { HasExited: false })
        {
            _dev.Kill(entireProcessTree: true);
            await Deadline.ExitAsync(_dev, Deadline.Step, "dynamo-server dev after kill -9");
        }

        foreach (var pid in _nodePids.Where(Signals.IsAlive))
        {
            using var node = Process.GetProcessById(pid);
            node.Kill();
        }

        _dev?.Dispose();
        if (_data is not null)
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [TestCase(Signals.Terminate, TestName = "Dev_prints_three_endpoints_and_the_CLI_command_serves_the_CLI_and_stops_every_node_on_SIGTERM")]
    [TestCase(Signals.Interrupt, TestName = "Dev_prints_three_endpoints_and_the_CLI_command_serves_the_CLI_and_stops_every_node_on_SIGINT")]
    public async Task Dev_prints_three_endpoints_and_the_CLI_command_serves_the_CLI_and_stops_every_node_on_a_signal(int signal)
    {
        _data = Directory.CreateTempSubdirectory("dynamo-integration-dev-").FullName;
        var basePort = await StartDevAsync();

        var endpoints = EndpointLines().ToList();
        Assert.That(endpoints.Select(e => e.Id), Is.EqualTo(new[] { "n1", "n2", "n3" }), string.Join("\n", Output()));
        Assert.That(endpoints.Select(e => e.Port), Is.EqualTo(Enumerable.Range(basePort, Nodes)));
        await AssertTheBannerCommandConnectsTheBuiltCliAsync(basePort);
        _nodePids = [.. endpoints.Select(e => e.Pid)];
        Assert.That(_nodePids, Has.All.Matches<int>(Signals.IsAlive), "every node printed is running");

        var set = await CliProcess.RunAsync(basePort, ["SET", "dev-key", "through dev"]);
        var get = await CliProcess.RunAsync(basePort + 2, ["GET", "dev-key"]);
        Assert.That((set.ExitCode, set.Output), Is.EqualTo((0, "OK\n")), set.ToString());
        Assert.That((get.ExitCode, get.Output), Is.EqualTo((0, "through dev\n")), get.ToString());
        var info = await CliProcess.RunAsync(basePort + 1, ["INFO"]);
        Assert.That(info.Output, Does.Contain("durability:interval\n"), "the options after -- reach every node");

        if (Signals.Ignores(_dev!.Id, signal))
        {
            Assert.Ignore($"dev inherited signal {signal} as ignored (this test runs as a shell's background job)");
        }

        Assert.That(Signals.Send(_dev.Id, signal), Is.True, $"signal {signal} to dev");
        await Deadline.ExitAsync(_dev, Deadline.Step, $"dynamo-server dev after signal {signal}");
        Assert.That(_dev.ExitCode, Is.Zero, $"dev exits 0 after signal {signal}");
        foreach (var pid in _nodePids)
        {
            await Deadline.UntilAsync(
                _ => Task.FromResult((!Signals.IsAlive(pid), "still running")), Deadline.Step, $"node process {pid} to exit after dev's signal {signal}");
        }
    }

    [Test]
    public async Task Dev_refuses_an_unknown_node_option_after_the_double_dash_with_exit_code_2_before_any_node_starts()
    {
        _data = Directory.CreateTempSubdirectory("dynamo-integration-dev-").FullName;
        var cluster = Path.Combine(_data, "cluster");
        var start = Executables.StartInfo(Executables.Server,
        [
            "dev", "--base-port", FreePorts.TakeConsecutive(Nodes).ToString(CultureInfo.InvariantCulture), "--data", cluster,
            "--", "--durability", "interval", "--bogus", "1",
        ]);
        using var dev = Process.Start(start) ?? throw new InvalidOperationException("dynamo-server dev did not start.");
        var output = dev.StandardOutput.ReadToEndAsync();
        var error = dev.StandardError.ReadToEndAsync();
        await Deadline.ExitAsync(dev, Deadline.Step, "dynamo-server dev with a bad node option");

        Assert.That(dev.ExitCode, Is.EqualTo(2), await error);
        Assert.That(await error, Does.Contain("dynamo-server dev: node options after --: Unknown option '--bogus'."));
        Assert.That(await output, Is.Empty, "nothing started, so nothing to report");
        Assert.That(Directory.Exists(cluster), Is.False, "no node made its data directory");
    }

    /// <summary>
    /// From the moment dev prints that its nodes are ready, they serve writes that need every replica: no write fails
    /// because a node is still connecting to its peers or still believes one down.
    /// </summary>
    [Test]
    public async Task From_the_moment_dev_says_ready_3000_pipelined_writes_at_W3_all_succeed()
    {
        _data = Directory.CreateTempSubdirectory("dynamo-integration-dev-").FullName;
        var basePort = await StartDevAsync();
        _nodePids = [.. EndpointLines().Select(e => e.Pid)];

        var options = new DynamoClientOptions([.. Enumerable.Range(basePort, Nodes).Select(port => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}")])
        {
            RingRefreshInterval = TimeSpan.Zero,
        };
        await using var client = await DynamoClient.ConnectAsync(options);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var inFlight = new SemaphoreSlim(64);
        var writes = Enumerable.Range(0, 3000).Select(async i =>
        {
            await inFlight.WaitAsync();
            try
            {
                await client.PutAsync($"ready-{i}", "v", options: new PutOptions { W = 3 });
            }
            catch (DynamoException error)
            {
                failures.Enqueue($"write {i}: {error.Message}");
            }
            finally
            {
                inFlight.Release();
            }
        });
        await Task.WhenAll(writes);

        Assert.That(failures, Is.Empty, $"{failures.Count} of 3000 writes at W = 3 failed; the first: {failures.FirstOrDefault()}");
        foreach (var port in Enumerable.Range(basePort, Nodes))
        {
            var info = await CliProcess.RunAsync(port, ["INFO"]);
            Assert.That(info.Lines, Does.Contain("ready:1"), info.ToString());
        }
    }

    /// <summary>
    /// The banner names the CLI built beside this server, started as the server was (through the dotnet host), and
    /// the command it prints, run by a shell, reaches the cluster.
    /// </summary>
    private async Task AssertTheBannerCommandConnectsTheBuiltCliAsync(int basePort)
    {
        const string Banner = "Connect the CLI with:  ";
        var line = Output().SingleOrDefault(l => l.StartsWith(Banner, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, string.Join("\n", Output()));
        var command = line![Banner.Length..];
        Assert.That(command, Is.EqualTo($"dotnet {Executables.AssemblyPath(Executables.Cli)} -p {basePort}"));

        var shell = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add(command + " PING");
        using var cli = Process.Start(shell) ?? throw new InvalidOperationException("sh did not start.");
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        await Deadline.ExitAsync(cli, Deadline.Step, $"the banner's command: {command} PING");
        Assert.That((cli.ExitCode, await output), Is.EqualTo((0, "PONG\n")), await error);
    }

    /// <summary>Starts dev on consecutive free ports and waits for its "ready" text; retries when a port was taken.</summary>
    private async Task<int> StartDevAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var basePort = FreePorts.TakeConsecutive(Nodes);
            var start = Executables.StartInfo(Executables.Server,
            [
                "dev", "--nodes", Nodes.ToString(CultureInfo.InvariantCulture), "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
                "--data", Path.Combine(_data!, $"attempt-{attempt}"), "--", "--durability", "interval",
            ]);

            // Away from the build, so the banner names the CLI by its full path.
            start.WorkingDirectory = _data!;
            var dev = Process.Start(start) ?? throw new InvalidOperationException("dynamo-server dev did not start.");
            _dev = dev;
            dev.OutputDataReceived += (_, e) => Keep(e.Data);
            dev.ErrorDataReceived += (_, e) => Keep(e.Data is null ? null : "(stderr) " + e.Data);
            dev.BeginOutputReadLine();
            dev.BeginErrorReadLine();

            using var limit = new CancellationTokenSource(Deadline.Start);
            var exited = dev.WaitForExitAsync(limit.Token);
            var first = await Task.WhenAny(_ready.Task, exited);
            if (first == _ready.Task)
            {
                return basePort;
            }

            if (!exited.IsCompletedSuccessfully)
            {
                throw new TimeoutException($"Expected dynamo-server dev to print that its nodes are ready within {Deadline.Start.TotalSeconds:0} s.");
            }

            if (attempt >= StartAttemptsMax || !Output().Any(line => line.Contains("already in use", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"dynamo-server dev exited with code {dev.ExitCode} during start.");
            }

            dev.Dispose();
            _dev = null;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.StartsWith("Press Ctrl-C", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private List<string> Output()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    private IEnumerable<(string Id, int Port, int Pid)> EndpointLines() =>
        Output().Select(line => EndpointLine().Match(line)).Where(m => m.Success).Select(m => (
            m.Groups["id"].Value,
            int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"^\s+(?<id>n\d+)\s+127\.0\.0\.1:(?<port>\d+)\s+pid (?<pid>\d+)\s")]
    private static partial Regex EndpointLine();
}
