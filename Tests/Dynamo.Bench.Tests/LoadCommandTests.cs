using System.Text.Json;
using Dynamo.Bench.Load;
using NUnit.Framework;

namespace Dynamo.Bench.Tests;

public sealed class LoadCommandTests
{
    [Test]
    public async Task A_run_against_two_targets_loads_them_runs_interleaved_rounds_and_reports_text_and_JSON()
    {
        var json = Path.Combine(Path.GetTempPath(), $"dynamo-bench-{Guid.NewGuid():N}.json");
        var targets = new List<MemoryTarget>();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new LoadCommand(
            url =>
            {
                var target = new MemoryTarget(url);
                targets.Add(target);
                return target;
            },
            output,
            error,
            new StopwatchClock(),
            errorIsTerminal: false);
        try
        {
            var code = await command.RunAsync(
                ["run", "--target", "mem://a", "--target", "mem://b", "--records", "500", "--clients", "4", "--pipeline", "2",
                 "--operations", "2000", "--warmup", "0s", "--rounds", "2", "--seed", "7", "--json", json],
                CancellationToken.None);

            Assert.That(code, Is.Zero, error.ToString());
            Assert.That(targets.Select(t => t.Count), Is.EqualTo(new[] { 500, 500 }), "every record loaded into every target");
            Assert.That(targets.All(t => t.Disposed && t.Settings == new TargetSettings(4, 2, TimeSpan.FromSeconds(5))));
            var text = output.ToString();
            Assert.That(text, Does.Contain("workload A (50% read, 50% update)").And.Contain("seed 7"));
            Assert.That(text, Does.Contain("relative error ≤ 0.78%").And.Contain(LoadReport.MachineNote));
            Assert.That(text, Does.Contain("mem://a vs mem://b: throughput ×"));
            Assert.That(error.ToString(), Does.Contain("loaded 500 records into mem://a"));

            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = report.RootElement;
            Assert.That(root.GetProperty("settings").GetProperty("workload").GetString(), Is.EqualTo("A"));
            Assert.That(root.GetProperty("settings").GetProperty("seed").GetUInt64(), Is.EqualTo(7));
            Assert.That(root.GetProperty("settings").GetProperty("histogram").GetProperty("significant_digits").GetInt32(), Is.EqualTo(2));
            var reported = root.GetProperty("targets").EnumerateArray().ToArray();
            Assert.That(reported.Select(t => t.GetProperty("name").GetString()), Is.EqualTo(new[] { "mem://a", "mem://b" }));
            foreach (var target in reported)
            {
                Assert.That(target.GetProperty("throughput_ops_s").GetDouble(), Is.Positive);
                var latency = target.GetProperty("latency_us");
                var count = latency.GetProperty("read").GetProperty("count").GetInt64()
                    + latency.GetProperty("update").GetProperty("count").GetInt64();
                Assert.That(count, Is.EqualTo(2 * 2000), "two rounds of 2 000 operations");
                foreach (var field in new[] { "p50", "p95", "p99", "p999", "max" })
                {
                    Assert.That(latency.GetProperty("read").GetProperty(field).ValueKind, Is.EqualTo(JsonValueKind.Number), field);
                }

                Assert.That(target.GetProperty("errors").EnumerateObject(), Is.Empty);
                Assert.That(target.GetProperty("rounds").GetArrayLength(), Is.EqualTo(2));
            }

            var ratio = root.GetProperty("ratios").EnumerateArray().Single();
            Assert.That(ratio.GetProperty("baseline").GetString(), Is.EqualTo("mem://a"));
            Assert.That(ratio.GetProperty("other").GetString(), Is.EqualTo("mem://b"));
            Assert.That(ratio.GetProperty("throughput_ratio").GetDouble(), Is.Positive);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Test]
    public async Task No_load_skips_the_load_phase_and_load_only_loads()
    {
        var targets = new List<MemoryTarget>();
        var command = new LoadCommand(
            url =>
            {
                var target = new MemoryTarget(url);
                targets.Add(target);
                return target;
            },
            TextWriter.Null,
            TextWriter.Null,
            new StopwatchClock(),
            errorIsTerminal: false);

        Assert.That(await command.RunAsync(["load", "--target", "mem://a", "--records", "300"], CancellationToken.None), Is.Zero);
        Assert.That(await command.RunAsync(
            ["run", "--target", "mem://b", "--records", "300", "--no-load", "--workload", "C", "--operations", "100", "--warmup", "0s"],
            CancellationToken.None), Is.Zero);

        Assert.That(targets[0].Count, Is.EqualTo(300));
        Assert.That(targets[1].Count, Is.Zero);
    }

    [Test]
    public async Task A_target_that_cannot_connect_fails_with_its_message_and_exit_code_1()
    {
        using var error = new StringWriter();
        var command = new LoadCommand(
            url => new UnreachableTarget(url), TextWriter.Null, error, new StopwatchClock(), errorIsTerminal: false);

        var code = await command.RunAsync(["run", "--target", "redis://127.0.0.1:1"], CancellationToken.None);

        Assert.That(code, Is.EqualTo(LoadCommand.ExitFailed));
        Assert.That(error.ToString(), Does.Contain("cannot reach redis://127.0.0.1:1"));
    }

    private sealed class UnreachableTarget(string name) : ITarget
    {
        public string Name => name;

        public ValueTask ConnectAsync(TargetSettings settings, CancellationToken cancellationToken) =>
            throw new IOException($"cannot reach {name}");

        public ValueTask<OperationOutcome> ReadAsync(int client, ReadOnlyMemory<byte> key, CancellationToken cancellationToken) =>
            throw new InvalidOperationException();

        public ValueTask<OperationOutcome> UpdateAsync(int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
            throw new InvalidOperationException();

        public ValueTask<OperationOutcome> ReadModifyWriteAsync(int client, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
            throw new InvalidOperationException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
