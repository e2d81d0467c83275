using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Dynamo.Integration.Tests;

/// <summary>
/// <c>dynamo-server dev</c> as a process: it starts three nodes (with the node options given after <c>--</c>), serves
/// the CLI, and stops them all on SIGINT.
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
        Assert.That(Output(), Has.Some.Contains("Connect the CLI with:").And.Contains($"-p {basePort}"));
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

    /// <summary>Starts dev on consecutive free ports and waits for its "ready" text; retries when a port was taken.</summary>
    private async Task<int> StartDevAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var basePort = FreePorts.TakeConsecutive(Nodes);
            var dev = Process.Start(Executables.StartInfo(Executables.Server,
            [
                "dev", "--nodes", Nodes.ToString(CultureInfo.InvariantCulture), "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
                "--data", Path.Combine(_data!, $"attempt-{attempt}"), "--", "--durability", "interval",
            ])) ?? throw new InvalidOperationException("dynamo-server dev did not start.");
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
