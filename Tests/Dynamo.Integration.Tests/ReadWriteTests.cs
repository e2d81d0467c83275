using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>Reads, writes, siblings and pipelining against three real node processes (N = 3, R = W = 2).</summary>
public sealed class ReadWriteTests : ClusterTestBase
{
    private static readonly TimeSpan s_requestDeadline = TimeSpan.FromSeconds(20);

    [Test]
    public async Task A_put_at_W_2_is_read_at_R_2_by_a_driver_seeded_with_another_node_and_through_every_coordinator()
    {
        await using var writer = await TestCluster.ConnectClientAsync(Cluster[0]);
        await using var reader = await TestCluster.ConnectClientAsync(Cluster[1]);

        await writer.PutAsync("greeting", "hello, cluster", options: new PutOptions { W = 2 });
        var read = await reader.GetAsync("greeting", new GetOptions { R = 2 });

        Assert.That(read.Values.Select(Text), Is.EqualTo(new[] { "hello, cluster" }));
        foreach (var node in Cluster.Nodes)
        {
            using var limit = new CancellationTokenSource(s_requestDeadline);
            await using var connection = await RawConnection.ConnectAsync(node.Port, limit.Token);
            var outcome = await connection.GetAsync("greeting", 2, limit.Token);
            Assert.That(outcome.Values, Is.EqualTo(new[] { "hello, cluster" }), $"a get at R = 2 coordinated by {node.Id}: {outcome}");
        }
    }

    [Test]
    public async Task Two_writers_without_a_context_make_two_siblings_and_a_put_with_the_reads_context_resolves_them()
    {
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        const string Key = "concurrent";
        var coordinator = client.Cluster.GetPlacement(Key).Primaries[0].NodeId;
        var other = Cluster.Nodes.First(node => node.Id != coordinator);

        await client.PutAsync(Key, "from the driver", options: new PutOptions { W = 2 });
        using (var limit = new CancellationTokenSource(s_requestDeadline))
        {
            await using var connection = await RawConnection.ConnectAsync(other.Port, limit.Token);
            Assert.That(await connection.PutAsync(Key, $"from a raw connection to {other.Id}", 2, limit.Token), Is.EqualTo(Opcode.PutReply));
        }

        var conflicted = await client.GetAsync(Key, new GetOptions { R = 2 });
        Assert.That(conflicted.SiblingCount, Is.EqualTo(2));
        Assert.That(conflicted.Values.Select(Text), Is.EquivalentTo(new[] { "from the driver", $"from a raw connection to {other.Id}" }));

        await client.PutAsync(Key, "resolved", conflicted.Context, new PutOptions { W = 2 });
        var resolved = await client.GetAsync(Key, new GetOptions { R = 2 });

        Assert.That(resolved.Values.Select(Text), Is.EqualTo(new[] { "resolved" }));
        Assert.That(resolved.SiblingCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Ten_thousand_requests_pipelined_on_one_connection_are_all_answered_with_their_own_reply()
    {
        const int Requests = 10_000;
        const int SeededKeys = 100;
        await using (var client = await TestCluster.ConnectClientAsync(Cluster[0]))
        {
            await Task.WhenAll(Enumerable.Range(0, SeededKeys).Select(i => client.PutAsync($"seeded-{i}", $"seeded value {i}")));
        }

        // Odd ids put a fresh key, even ids read a seeded key; every frame is written before any reply is read.
        // About 60 bytes per request and per reply: far below what the node buffers for one connection's output
        // (ServerLimits.PipePauseBytes), so it never has to stop reading while this client is not reading.
        var frames = new MemoryStream();
        for (ulong id = 1; id <= Requests; id++)
        {
            var bytes = id % 2 == 1
                ? RawConnection.Frame(id, new PutRequest([], Utf8($"piped-{id}"), Utf8($"value {id}"), [], w: 2))
                : RawConnection.Frame(id, new GetRequest([], Utf8($"seeded-{id % SeededKeys}"), r: 2));
            frames.Write(bytes);
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var connection = await RawConnection.ConnectAsync(Cluster[0].Port, limit.Token);
        await connection.SendAsync(frames.ToArray(), limit.Token);

        var answered = new HashSet<ulong>();
        var wrong = new List<string>();
        for (var i = 0; i < Requests; i++)
        {
            var (header, payload) = await connection.ReadFrameAsync(limit.Token);
            if (!answered.Add(header.RequestId) || header.RequestId is 0 or > Requests)
            {
                wrong.Add($"reply {i}: unexpected or repeated request id {header.RequestId}");
                continue;
            }

            var problem = header.RequestId % 2 == 1 ? CheckPut(header.Opcode, payload) : CheckGet(header.RequestId, header.Opcode, payload, SeededKeys);
            if (problem is not null)
            {
                wrong.Add($"request {header.RequestId}: {problem}");
            }
        }

        Assert.That(wrong, Is.Empty, $"{wrong.Count} of {Requests} replies were wrong");
        Assert.That(answered, Has.Count.EqualTo(Requests));

        await using var verifier = await TestCluster.ConnectClientAsync(Cluster[1]);
        var reads = await Task.WhenAll(Enumerable.Range(0, Requests / 2).Select(i => verifier.GetAsync($"piped-{(2 * i) + 1}")));
        var missing = reads.Select((read, i) => (read, id: (2 * i) + 1)).Where(r => r.read.Values.Count != 1 || Text(r.read.Values[0]) != $"value {r.id}").ToList();
        Assert.That(missing.Select(m => $"piped-{m.id}"), Is.Empty, "every pipelined put is readable at R = 2 afterwards");
    }

    private static string? CheckPut(Opcode opcode, byte[] payload) =>
        opcode == Opcode.PutReply ? null : $"expected PutReply, got {GetOutcome.From(opcode, payload)}";

    private static string? CheckGet(ulong id, Opcode opcode, byte[] payload, int seededKeys)
    {
        var outcome = GetOutcome.From(opcode, payload);
        var expected = $"seeded value {id % (ulong)seededKeys}";
        return outcome.Opcode == Opcode.GetReply && outcome.Values is [var value] && value == expected
            ? null
            : $"expected GetReply [{expected}], got {outcome}";
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);
}
