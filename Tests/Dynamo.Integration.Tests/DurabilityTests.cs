using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// The log store under <c>kill -9</c>: one node (N = R = W = 1) in <c>--durability always</c> mode, killed at a
/// seeded random moment while several writers have puts in flight, restarted on the same data directory, and asked
/// for every key written. A write the node acknowledged must be there (or the later write that was in flight when
/// the node died); nothing acknowledged may be missing (RELIABILITY.md, promise 5).
/// </summary>
public sealed class KillNineLoopTests : ClusterTestBase
{
    private const int Cycles = 50;
    private const int Writers = 4;
    private const int KeysPerWriter = 12;
    private const int KillAfterMinMs = 80;
    private const int KillAfterMaxMs = 350;

    internal override ClusterSettings Settings => new(Nodes: 1, N: 1, R: 1, W: 1, Partitions: 8, TimeoutMs: 2000);

    [Test]
    public async Task Every_acknowledged_write_survives_kill_9_in_always_mode()
    {
        var random = TestSeed.NewRandom();
        var node = Cluster[0];
        var epoch = await EpochAsync(node);
        var all = new List<Writer>();
        var clock = Stopwatch.StartNew();
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            var writers = Enumerable.Range(0, Writers).Select(w => new Writer(cycle, w)).ToArray();
            all.AddRange(writers);
            await using (var client = await TestCluster.ConnectClientAsync(node))
            {
                var running = writers.Select(w => w.RunAsync(client)).ToArray();
                await Task.Delay(random.Next(KillAfterMinMs, KillAfterMaxMs));
                await node.KillAsync();
                await Task.WhenAll(running);
            }

            await Cluster.RestartAsync(node);
            await using (var reader = await TestCluster.ConnectClientAsync(node))
            {
                await CheckAsync(reader, writers, $"cycle {cycle}");
            }

            Assert.That(await EpochAsync(node), Is.EqualTo(epoch),
                $"cycle {cycle}: in always mode nothing left before its fsync, so the node keeps its epoch");
        }

        await using (var final = await TestCluster.ConnectClientAsync(node))
        {
            await CheckAsync(final, all, "the final pass over every cycle");
        }

        var acknowledged = all.Sum(w => w.Acknowledged);
        var keys = all.Sum(w => w.Touched);
        var inFlight = all.Count(w => w.InFlightSlot is not null);
        await TestContext.Out.WriteLineAsync(
            $"{Cycles} kill -9 cycles in {clock.Elapsed.TotalSeconds:0.0} s: {acknowledged} acknowledged writes over {keys} keys checked "
            + $"(after each restart and again at the end), {inFlight} writes in flight at a kill");
        Assert.That(acknowledged, Is.GreaterThan(Cycles * Writers), "the writers must have had writes acknowledged in most cycles");
        Assert.That(inFlight, Is.GreaterThan(Cycles / 2), "most kills must land while writes are in flight");
    }

    private static async Task CheckAsync(DynamoClient client, IEnumerable<Writer> writers, string when)
    {
        var failures = new List<string>();
        foreach (var writer in writers)
        {
            for (var slot = 0; slot < KeysPerWriter; slot++)
            {
                var expected = writer.Acceptable(slot);
                if (expected is null)
                {
                    continue;
                }

                var read = await client.GetAsync(writer.Key(slot), new GetOptions { R = 1 });
                var values = read.Values.Select(v => Encoding.UTF8.GetString(v.Span)).ToArray();
                var ok = values.Length == 0 ? expected.Contains(null) : values.Length == 1 && expected.Contains(values[0]);
                if (!ok)
                {
                    failures.Add($"{writer.Key(slot)}: read [{string.Join(", ", values)}], expected one of [{string.Join(", ", expected.Select(e => e ?? "(absent)"))}]");
                }
            }
        }

        Assert.That(failures, Is.Empty, $"{when}: every acknowledged write must be read back");
    }

    private static async Task<uint> EpochAsync(NodeProcess node)
    {
        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return uint.Parse((await connection.InfoAsync(limit.Token))["epoch"], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One writer of one cycle: overwrites its own keys in turn, each put carrying the context of the key's last
    /// acknowledged put (so the key keeps one value), and stops at the first failure (the node died).
    /// </summary>
    private sealed class Writer(int cycle, int index)
    {
        private readonly string?[] _acknowledged = new string?[KeysPerWriter];
        private readonly DynamoContext?[] _contexts = new DynamoContext?[KeysPerWriter];
        private string? _inFlight;

        public int Acknowledged { get; private set; }

        public int? InFlightSlot { get; private set; }

        public int Touched => _acknowledged.Count(a => a is not null) + (InFlightSlot is { } s && _acknowledged[s] is null ? 1 : 0);

        public string Key(int slot) => $"c{cycle}-w{index}-k{slot}";

        /// <summary>The values a read of <paramref name="slot"/> may return (null: absent); null when never written.</summary>
        public string?[]? Acceptable(int slot)
        {
            var acknowledged = _acknowledged[slot];
            if (InFlightSlot == slot)
            {
                return [acknowledged, _inFlight];
            }

            return acknowledged is null ? null : [acknowledged];
        }

        public async Task RunAsync(DynamoClient client)
        {
            for (var n = 0; ; n++)
            {
                var slot = n % KeysPerWriter;
                var value = $"{Key(slot)}-v{n}";
                (InFlightSlot, _inFlight) = (slot, value);
                try
                {
                    var result = await client.PutAsync(
                        Encoding.UTF8.GetBytes(Key(slot)), Encoding.UTF8.GetBytes(value), _contexts[slot], new PutOptions { W = 1, ReturnContext = true });
                    _contexts[slot] = result.Context;
                }
                catch (DynamoException)
                {
                    return;
                }

                _acknowledged[slot] = value;
                (InFlightSlot, _inFlight) = (null, null);
                Acknowledged++;
            }
        }
    }
}

/// <summary>A three-node cluster on the log store, stopped cleanly and started again: the data is still there.</summary>
public sealed class CleanRestartTests : ClusterTestBase
{
    private const int Keys = 40;

    [Test]
    public async Task Data_written_before_every_node_stopped_is_read_after_they_start_again_with_their_epochs_kept()
    {
        await using (var client = await TestCluster.ConnectClientAsync(Cluster[0]))
        {
            for (var i = 0; i < Keys; i++)
            {
                await client.PutAsync($"restart-{i}", $"value {i}", options: new PutOptions { W = 3 });
            }
        }

        var epochs = new List<string>();
        foreach (var node in Cluster.Nodes)
        {
            epochs.Add((await InfoAsync(node))["epoch"]);
        }

        foreach (var node in Cluster.Nodes)
        {
            Assert.That(await node.StopAsync(), Is.Zero, $"{node.Id} stops cleanly on SIGTERM");
        }

        await Cluster.RestartStoppedAsync();

        foreach (var (node, epoch) in Cluster.Nodes.Zip(epochs))
        {
            var info = await InfoAsync(node);
            Assert.That(info["store"], Is.EqualTo("log"), $"{node.Id}: --data selects the log store");
            Assert.That(info["keys"], Is.EqualTo(Keys.ToString(CultureInfo.InvariantCulture)), $"{node.Id} holds every key on disk (N = 3)");
            Assert.That(info["epoch"], Is.EqualTo(epoch), $"{node.Id}: a clean stop keeps the epoch");
        }

        await using var reader = await TestCluster.ConnectClientAsync(Cluster[1]);
        for (var i = 0; i < Keys; i++)
        {
            var read = await reader.GetAsync($"restart-{i}", new GetOptions { R = 3 });
            Assert.That(read.Values.Select(v => Encoding.UTF8.GetString(v.Span)), Is.EqualTo(new[] { $"value {i}" }), $"restart-{i}");
            await reader.PutAsync($"restart-{i}", $"after {i}", read.Context, new PutOptions { W = 3 });
            var after = await reader.GetAsync($"restart-{i}", new GetOptions { R = 3 });
            Assert.That(after.Values.Select(v => Encoding.UTF8.GetString(v.Span)), Is.EqualTo(new[] { $"after {i}" }),
                "a write after the restart supersedes the recovered version: no sibling, no reused dot");
        }
    }

    private static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node)
    {
        using var limit = new CancellationTokenSource(Deadline.Step);
        await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
        return await connection.InfoAsync(limit.Token);
    }
}
