using System.Collections.Concurrent;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Storage;
using Dynamo.Protocol;
using Dynamo.Server.Addresses;
using Dynamo.Server.Hosting;
using Dynamo.Server.Options;
using Dynamo.Server.Storage;
using Dynamo.Tests.Shared;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// A whole node in this process (N = 1) on the log store over an injected medium: fsync failure, group commit under
/// a simulated power loss, and the epoch rule across restarts.
/// </summary>
public sealed class DurableNodeTests
{
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dynamo-durable-test-").FullName;

    [TearDown]
    public void DeleteDataDirectory() => Directory.Delete(_data, recursive: true);

    [Test]
    public async Task A_failed_fsync_refuses_the_write_and_every_later_one_with_StorageFailed_reads_go_on_and_info_says_why()
    {
        var medium = new FaultInjectingMedium(TestSeed.NewRandom().Next);
        var logs = new ConcurrentQueue<(LogLevel Level, string Message)>();
        await using var host = await StartAsync(medium, DurabilityMode.Always, logs);
        using var client = await TestClient.ConnectAsync(host.EndPoint);
        Assert.That(await PutAsync(client, 1, "before", "kept"), Is.EqualTo((Opcode.PutReply, (ErrorCode)0, "")));

        medium.FailNextSync();
        var failed = await PutAsync(client, 2, "during", "lost");
        var refused = await PutAsync(client, 3, "after", "refused");

        Assert.That(failed.Opcode, Is.EqualTo(Opcode.Error), "the write whose fsync failed is not acknowledged");
        Assert.That(failed.Code, Is.EqualTo(ErrorCode.StorageFailed));
        Assert.That(failed.Message, Does.Contain("storage failed").IgnoreCase.And.Contain("sync").IgnoreCase, "the message says why");
        Assert.That((refused.Opcode, refused.Code), Is.EqualTo((Opcode.Error, ErrorCode.StorageFailed)), "every later write is refused");
        Assert.That(await GetAsync(client, 4, "before"), Is.EqualTo(new[] { "kept" }), "reads are still served");
        var info = await InfoAsync(client, 5);
        Assert.That(info["last_sync_error"], Is.Not.EqualTo("ok").And.Contain("sync").IgnoreCase);
        Assert.That((info["store"], info["durability"]), Is.EqualTo(("log", "always")));
        Assert.That(logs.Where(l => l.Level == LogLevel.Critical).Select(l => l.Message), Has.Some.Contain("Storage failed"));
    }

    [Test]
    public async Task In_always_mode_every_acknowledged_write_survives_a_power_loss_right_after_its_reply()
    {
        var medium = new FaultInjectingMedium(TestSeed.NewRandom().Next);
        const int Keys = 40;
        await using (var host = await StartAsync(medium, DurabilityMode.Always))
        {
            using var client = await TestClient.ConnectAsync(host.EndPoint);
            for (var i = 0; i < Keys; i++)
            {
                // Pipelined in pairs, so that batches of several writes share one fsync.
                await client.SendAsync(TestClient.Frame((ulong)(2 * i), new PutRequest("b"u8, Key(i), Value(i), [])));
            }

            for (var i = 0; i < Keys; i++)
            {
                Assert.That((await client.ReadFrameAsync()).Header.Opcode, Is.EqualTo(Opcode.PutReply));
            }

            medium.Crash();
        }

        await using var restarted = await StartAsync(medium, DurabilityMode.Always);
        using var reader = await TestClient.ConnectAsync(restarted.EndPoint);
        for (var i = 0; i < Keys; i++)
        {
            Assert.That(await GetAsync(reader, (ulong)i, Encoding.UTF8.GetString(Key(i))), Is.EqualTo(new[] { Encoding.UTF8.GetString(Value(i)) }));
        }

        Assert.That(medium.UnsyncedBytesLost, Is.Zero, "nothing acknowledged was waiting for an fsync");
    }

    [TestCase("Always", false, false, TestName = "Always mode keeps the epoch after a crash")]
    [TestCase("Always", true, false, TestName = "Always mode keeps the epoch after a clean stop")]
    [TestCase("Interval", true, false, TestName = "Interval mode keeps the epoch after a clean stop")]
    [TestCase("Interval", false, true, TestName = "Interval mode takes a new epoch after a crash")]
    [TestCase("None", false, true, TestName = "None mode takes a new epoch after a crash")]
    public async Task The_epoch_is_kept_only_when_no_acknowledged_state_can_have_been_lost(string modeName, bool clean, bool advances)
    {
        var mode = Enum.Parse<DurabilityMode>(modeName);
        var medium = new MemoryMedium();
        uint first;
        await using (var host = await StartAsync(medium, mode))
        {
            first = host.Epoch;
            using var client = await TestClient.ConnectAsync(host.EndPoint);
            Assert.That((await PutAsync(client, 1, "k", "v")).Opcode, Is.EqualTo(Opcode.PutReply));
        }

        Assert.That(File.Exists(Path.Combine(_data, NodeStorage.CleanShutdownFileName)), Is.True, "a clean stop leaves the marker");
        if (!clean)
        {
            // What a crash looks like to the next start: the marker a clean stop leaves is missing.
            File.Delete(Path.Combine(_data, NodeStorage.CleanShutdownFileName));
        }

        await using var again = await StartAsync(medium, mode);
        Assert.That(again.Epoch, Is.EqualTo(advances ? first + 1 : first));
        Assert.That(File.Exists(Path.Combine(_data, NodeStorage.CleanShutdownFileName)), Is.False, "the marker is gone while the node runs");
        using var reader = await TestClient.ConnectAsync(again.EndPoint);
        Assert.That(await GetAsync(reader, 2, "k"), Is.EqualTo(new[] { "v" }), "the data survived the restart");
    }

    [Test]
    public async Task The_memory_store_takes_a_new_epoch_on_every_start_and_a_log_store_over_an_old_epoch_does_too()
    {
        uint memoryEpoch;
        await using (var memory = await StartAsync(null, DurabilityMode.Always, store: StoreKind.Memory))
        {
            memoryEpoch = memory.Epoch;
            using var client = await TestClient.ConnectAsync(memory.EndPoint);
            Assert.That((await InfoAsync(client, 1))["store"], Is.EqualTo("memory"));
        }

        await using var log = await StartAsync(new MemoryMedium(), DurabilityMode.Always);
        Assert.That(log.Epoch, Is.EqualTo(memoryEpoch + 1), "the first log store after a memory store: everything earlier was lost");
    }

    private async Task<NodeHost> StartAsync(
        IStorageMedium? medium, DurabilityMode mode, ConcurrentQueue<(LogLevel, string)>? logs = null, StoreKind store = StoreKind.Log)
    {
        var options = new ServerOptions
        {
            Node = NodeId.Parse("n1"),
            Listen = new HostPort("127.0.0.1", 0),
            Members = [new MemberAddress(NodeId.Parse("n1"), new HostPort("127.0.0.1", 7999))],
            DataDirectory = _data,
            Partitions = 8,
            Defaults = new BucketProps(1, 1, 1, 2000),
            Durability = mode,
            Store = store,
            CompactionBytesPerSecond = 0,
        };
        return await NodeHost.StartAsync(options, medium, logging =>
        {
            if (logs is not null)
            {
                logging.AddProvider(new QueueLoggerProvider(logs));
            }
        });
    }

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"key-{i}");

    private static byte[] Value(int i) => Encoding.UTF8.GetBytes($"value-{i}");

    private static async Task<(Opcode Opcode, ErrorCode Code, string Message)> PutAsync(TestClient client, ulong id, string key, string value)
    {
        await client.SendAsync(TestClient.Frame(id, new PutRequest("b"u8, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), [])));
        var (header, payload) = await client.ReadFrameAsync();
        Assert.That(header.RequestId, Is.EqualTo(id));
        if (header.Opcode != Opcode.Error)
        {
            return (header.Opcode, 0, "");
        }

        var error = ErrorReply.Read(payload);
        return (header.Opcode, error.Code, error.MessageText);
    }

    private static async Task<List<string>> GetAsync(TestClient client, ulong id, string key)
    {
        await client.SendAsync(TestClient.Frame(id, new GetRequest("b"u8, Encoding.UTF8.GetBytes(key))));
        var (header, payload) = await client.ReadFrameAsync();
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.GetReply, id)),
            () => header.Opcode == Opcode.Error ? ErrorReply.Read(payload).MessageText : header.Opcode.ToString());
        var values = new List<string>();
        foreach (var sibling in GetReply.Read(payload).Siblings)
        {
            values.Add(Encoding.UTF8.GetString(sibling.Value));
        }

        return values;
    }

    private static Task<Dictionary<string, string>> InfoAsync(TestClient client, ulong id) => client.InfoAsync(id);

    private sealed class QueueLoggerProvider(ConcurrentQueue<(LogLevel, string)> queue) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(queue);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(ConcurrentQueue<(LogLevel, string)> queue) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            queue.Enqueue((logLevel, formatter(state, exception)));
    }
}
