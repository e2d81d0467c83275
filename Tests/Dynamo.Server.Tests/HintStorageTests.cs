using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Server.Addresses;
using Dynamo.Server.Options;
using Dynamo.Server.Storage;
using Dynamo.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// The node's hint store: durable with the log store (its own folder, synced in the replica store's group commit),
/// in memory with the memory store.
/// </summary>
public sealed class HintStorageTests
{
    private static readonly NodeId s_target = NodeId.Parse("n2");
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dynamo-hint-storage-").FullName;

    [TearDown]
    public void DeleteDataDirectory() => Directory.Delete(_data, recursive: true);

    [Test]
    public void In_always_mode_the_group_commit_makes_hints_durable_before_their_acks_and_they_survive_a_power_loss()
    {
        var random = TestSeed.NewRandom();
        var store = new FaultInjectingMedium(random.Next);
        var hints = new FaultInjectingMedium(random.Next);
        var options = Options(DurabilityMode.Always);
        var storage = NodeStorage.Open(options, _data, store, NullLogger.Instance, hints);
        Assert.That(storage.HintLog, Is.Not.Null);
        for (var i = 0; i < 20; i++)
        {
            Assert.That(storage.Hints.TryAdd(s_target, [], Key(i), Set(i), out var refusal), Is.True, refusal);
        }

        Assert.That(storage.SyncBatch(1), Is.True, "the batch's fsync covers the hint log");
        Assert.That(storage.Hints.TryAdd(s_target, [], Key(99), Set(99), out _), Is.True, "added after the last group commit");
        storage.HintLog!.Dispose();
        storage.Log!.Dispose();
        store.Crash();
        hints.Crash();

        var reopened = NodeStorage.Open(options, _data, store, NullLogger.Instance, hints);
        Assert.That(reopened.Hints.PendingFor(s_target), Is.InRange(20, 21), "every hint synced before its ack survives");
        for (var i = 0; i < 20; i++)
        {
            Assert.That(((LogHintStore)reopened.Hints).Find(s_target, [], Key(i)), Is.EqualTo(Set(i)), $"hint {i}");
        }

        reopened.Close();
    }

    [TestCase(true, TestName = "A crash that keeps a hint of the node's own write but drops the write advances the epoch")]
    [TestCase(false, TestName = "A crash that keeps both the write and its hint keeps the epoch in always mode")]
    public void A_hint_that_outlived_its_write_in_a_crash_advances_the_epoch(bool storeDropsTail)
    {
        // Unsynced tails: the hint log keeps its own; the replica store drops its whole (nothing torn) or keeps it.
        var store = new FaultInjectingMedium(_ => storeDropsTail ? 1 : 0);
        var hints = new FaultInjectingMedium(_ => 0);
        var options = Options(DurabilityMode.Always);
        var storage = NodeStorage.Open(options, _data, store, NullLogger.Instance, hints);
        var self = new Actor(options.Node, storage.Epoch);
        var synced = SiblingSet.Empty.Put(self, CausalContext.Empty, new byte[] { 1 }, isTombstone: false);
        storage.Store.Write([], Key(1), synced);
        Assert.That(storage.SyncBatch(1), Is.True);

        // One batch: a put coordinated here writes its copy and keeps a hint of it for a primary believed down;
        // the power goes before the group commit, so nothing of the batch left the node.
        var written = synced.Put(self, synced.Context, new byte[] { 2 }, isTombstone: false);
        storage.Store.Write([], Key(1), written);
        Assert.That(storage.Hints.TryAdd(s_target, [], Key(1), written, out _), Is.True);
        storage.HintLog!.Dispose();
        storage.Log!.Dispose();
        store.Crash();
        hints.Crash();

        var reopened = NodeStorage.Open(options, _data, store, NullLogger.Instance, hints);
        Assert.That(reopened.Log!.Recovery.TornBytesTruncated, Is.Zero, "recovery of the replica store sees no loss either way");
        Assert.That(reopened.Store.Read([], Key(1)), Is.EqualTo(storeDropsTail ? synced : written));
        Assert.That(reopened.Hints.PendingFor(s_target), Is.EqualTo(1));
        if (storeDropsTail)
        {
            Assert.That(reopened.Epoch, Is.EqualTo(self.Epoch + 1), "minting on would reuse the dot of the hinted write");
            Assert.That(reopened.EpochReason, Does.Contain("hint store"));
        }
        else
        {
            Assert.That(reopened.Epoch, Is.EqualTo(self.Epoch));
        }

        reopened.Close();
    }

    [Test]
    public void A_failed_fsync_of_the_hint_log_withholds_the_batch_like_a_failed_replica_fsync()
    {
        var random = TestSeed.NewRandom();
        var hints = new FaultInjectingMedium(random.Next);
        var storage = NodeStorage.Open(Options(DurabilityMode.Always), _data, new FaultInjectingMedium(random.Next), NullLogger.Instance, hints);
        Assert.That(storage.Hints.TryAdd(s_target, [], Key(1), Set(1), out _), Is.True);
        hints.FailNextSync();

        Assert.That(storage.SyncBatch(1), Is.False, "no acknowledgement of the batch may leave");
        Assert.That(storage.Failure, Is.Not.Null);
        Assert.That(storage.Hints.TryAdd(s_target, [], Key(2), Set(2), out var refusal), Is.False);
        Assert.That(refusal, Does.Contain("failed"));
        storage.Close();
    }

    [Test]
    public void The_memory_store_keeps_hints_in_memory_with_the_configured_bound()
    {
        var options = Options(DurabilityMode.Always) with { Store = StoreKind.Memory, HintsPerTargetMax = 2 };
        var storage = NodeStorage.Open(options, _data, null, NullLogger.Instance);
        Assert.That(storage.Hints, Is.TypeOf<InMemoryHintStore>());
        Assert.That(storage.Hints.HintsPerTargetMax, Is.EqualTo(2));
        Assert.That(storage.HintLog, Is.Null);
    }

    private ServerOptions Options(DurabilityMode mode) => new()
    {
        Node = NodeId.Parse("n1"),
        Listen = new HostPort("127.0.0.1", 0),
        Members = [new MemberAddress(NodeId.Parse("n1"), new HostPort("127.0.0.1", 1))],
        DataDirectory = _data,
        Durability = mode,
        Store = StoreKind.Log,
        HintsPerTargetMax = 100,
    };

    private static byte[] Key(int i) => System.Text.Encoding.ASCII.GetBytes($"key-{i}");

    private static SiblingSet Set(int i) =>
        SiblingSet.Empty.Put(new Actor(NodeId.Parse("n1"), 1), CausalContext.Empty, new[] { (byte)i }, isTombstone: false)
            .Merge(SiblingSet.Empty.Put(new Actor(NodeId.Parse("n3"), (uint)i + 1), CausalContext.Empty, new[] { (byte)i }, isTombstone: false));
}
