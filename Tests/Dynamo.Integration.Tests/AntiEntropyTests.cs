using System.Globalization;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// Background anti-entropy between real processes (N = 3 on three nodes, so every node holds every key; exchanges
/// every 300 ms). Keys come back to a replica that lost them with no client read of them: the checks go through Info
/// (<c>keys</c>) and then through reads at R = 1 coordinated by the repaired node with the other two stopped. The
/// tests run in order and share the keys they wrote; each restarts the nodes it stopped.
/// </summary>
public sealed class AntiEntropyTests : ClusterTestBase
{
    private const int IntervalMs = 300;
    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

    internal override ClusterSettings Settings => new(
        Partitions: 16, ServerArguments: ["--anti-entropy", "on", "--ae-interval-ms", IntervalMs.ToString(CultureInfo.InvariantCulture)]);

    [TearDown]
    public Task RestartStoppedNodes() => Cluster.RestartStoppedAsync();

    [Test]
    [Order(1)]
    public async Task A_node_whose_data_folder_was_wiped_gets_every_key_back_through_anti_entropy_alone()
    {
        await WriteAsync("wiped", 300, w: 3);
        var victim = Cluster[2];
        await victim.KillAsync();
        Directory.Delete(victim.DataDirectory, recursive: true);
        await Cluster.RestartAsync(victim);

        await WaitForKeysAsync(victim, _written.Count);
        await AssertHoldsEveryKeyAloneAsync(victim);
    }

    [Test]
    [Order(2)]
    public async Task Writes_made_at_W_1_while_a_node_was_stopped_reach_it_after_it_returns()
    {
        var victim = Cluster[1];
        await victim.KillAsync();
        await WriteAsync("while-down", 200, w: 1);
        await Cluster.RestartAsync(victim);

        await WaitForKeysAsync(victim, _written.Count);
        await AssertHoldsEveryKeyAloneAsync(victim);
    }

    [Test]
    [Order(3)]
    public async Task Once_replicas_agree_the_repair_counters_stop_growing_over_several_intervals()
    {
        foreach (var node in Cluster.Nodes)
        {
            await WaitForKeysAsync(node, _written.Count);
        }

        var before = new List<Dictionary<string, string>>();
        foreach (var node in Cluster.Nodes)
        {
            before.Add(await InfoAsync(node));
        }

        // Wait for three more completed exchanges on every node (the schedule's own signal, not a sleep).
        for (var i = 0; i < Cluster.Nodes.Count; i++)
        {
            var node = Cluster.Nodes[i];
            var start = Field(before[i], "ae_exchanges");
            await Deadline.UntilAsync(
                async token =>
                {
                    var now = Field(await InfoAsync(node, token), "ae_exchanges");
                    return (now >= start + 3, $"ae_exchanges:{now} (from {start})");
                },
                s_converge,
                $"node {node.Id} to complete three more exchanges");
        }

        for (var i = 0; i < Cluster.Nodes.Count; i++)
        {
            var after = await InfoAsync(Cluster.Nodes[i]);
            Assert.That(Field(after, "ae_keys_repaired"), Is.EqualTo(Field(before[i], "ae_keys_repaired")), $"{Cluster.Nodes[i].Id}: keys repaired");
            Assert.That(Field(after, "ae_differences"), Is.EqualTo(Field(before[i], "ae_differences")), $"{Cluster.Nodes[i].Id}: differences");
            Assert.That(Field(after, "ae_last_exchange_unix_ms"), Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds()));
        }
    }

    [Test]
    [Order(4)]
    public async Task Dynamo_cli_repair_reports_a_completed_repair_with_its_counts()
    {
        var run = await CliProcess.RunAsync(Cluster[0].Port, ["REPAIR", "TIMEOUT=15000"]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var fields = run.Lines.Select(line => line.Split(": ", 2)).ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        Assert.That(fields["completed"], Is.EqualTo("yes"), run.ToString());
        Assert.That(int.Parse(fields["exchanges"], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1), run.ToString());
        Assert.That(fields["exchanges_failed"], Is.EqualTo("0"), run.ToString());
        Assert.That(fields["differences"], Is.EqualTo("0"), "replicas already agree: " + run);
        Assert.That(fields["keys_repaired"], Is.EqualTo("0"), run.ToString());
    }

    private async Task WriteAsync(string prefix, int count, int w)
    {
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        for (var i = 0; i < count; i++)
        {
            var key = $"{prefix}-{i}";
            var value = $"{prefix} value {i}";
            await client.PutAsync(key, value, options: new PutOptions { W = w });
            _written[key] = value;
        }
    }

    private static async Task WaitForKeysAsync(NodeProcess node, int expected) =>
        await Deadline.UntilAsync(
            async token =>
            {
                var keys = Field(await InfoAsync(node, token), "keys");
                return (keys >= expected, $"keys:{keys}");
            },
            s_converge,
            $"node {node.Id} to hold {expected} keys");

    /// <summary>Stops the other nodes and reads every key at R = 1 coordinated by <paramref name="node"/>.</summary>
    private async Task AssertHoldsEveryKeyAloneAsync(NodeProcess node)
    {
        foreach (var other in Cluster.Nodes.Where(n => n != node))
        {
            await other.KillAsync();
        }

        using var limit = new CancellationTokenSource(Deadline.Start);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        var wrong = new List<string>();
        foreach (var (key, value) in _written)
        {
            var read = await connection.GetAsync(key, 1, limit.Token);
            if (read.Opcode != Protocol.Opcode.GetReply || read.SiblingCount != 1 || read.Values is not [var only] || only != value)
            {
                wrong.Add($"{key}: {read}");
            }
        }

        Assert.That(wrong, Is.Empty, $"every key read at R = 1 from {node.Id} alone");
    }

    private static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return await connection.InfoAsync(limit.Token);
    }

    private static long Field(Dictionary<string, string> info, string name) =>
        info.TryGetValue(name, out var text) ? long.Parse(text, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"Info has no {name}.");
}

/// <summary>
/// The operator's repair on a cluster whose scheduled anti-entropy is off: nothing repairs a returning node until
/// <c>dynamo-cli REPAIR</c> asks it to, and the command prints what it repaired.
/// </summary>
public sealed class RepairCommandTests : ClusterTestBase
{
    private const int Keys = 50;

    internal override ClusterSettings Settings => new(Partitions: 16, ServerArguments: ["--anti-entropy", "off"]);

    [TearDown]
    public Task RestartStoppedNodes() => Cluster.RestartStoppedAsync();

    [Test]
    public async Task Dynamo_cli_repair_copies_every_key_to_a_wiped_node_and_prints_its_counts()
    {
        // The node loses its data after the writes, so no other node keeps hints for it: only the repair can help.
        var victim = Cluster[2];
        await using (var client = await TestCluster.ConnectClientAsync(Cluster[0]))
        {
            for (var i = 0; i < Keys; i++)
            {
                await client.PutAsync($"missed-{i}", $"missed {i}", options: new PutOptions { W = 3 });
            }
        }

        await victim.KillAsync();
        Directory.Delete(victim.DataDirectory, recursive: true);
        await Cluster.RestartAsync(victim);
        var idle = await InfoAsync(victim);
        Assert.That((idle["keys"], idle["ae_exchanges"], idle["ae_last_exchange_unix_ms"]), Is.EqualTo(("0", "0", "0")), "no scheduled exchange with --anti-entropy off");

        var run = await CliProcess.RunAsync(victim.Port, ["REPAIR"]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var fields = run.Lines.Select(line => line.Split(": ", 2)).ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        Assert.That((fields["completed"], fields["exchanges_failed"]), Is.EqualTo(("yes", "0")), run.ToString());
        Assert.That(long.Parse(fields["exchanges"], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1), run.ToString());
        Assert.That(long.Parse(fields["differences"], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(Keys), run.ToString());
        Assert.That(long.Parse(fields["keys_repaired"], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(Keys), run.ToString());
        Assert.That((await InfoAsync(victim))["keys"], Is.EqualTo(Keys.ToString(CultureInfo.InvariantCulture)), "every key repaired once the command answered");

        var again = await CliProcess.RunAsync(victim.Port, ["REPAIR"]);
        Assert.That(again.Lines, Does.Contain("differences: 0").And.Contain("keys_repaired: 0"), again.ToString());
    }

    private static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node)
    {
        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return await connection.InfoAsync(limit.Token);
    }
}
