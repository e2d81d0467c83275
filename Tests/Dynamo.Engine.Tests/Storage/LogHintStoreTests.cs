using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Storage.StorageWorld;

namespace Dynamo.Engine.Tests.Storage;

/// <summary>
/// Removal records in the log store, and the durable hint store built on it: hints survive a restart (a crash
/// after their sync), are merged per (target, key), bounded per target, and removed only when the delivered set
/// covers them.
/// </summary>
public sealed class LogHintStoreTests
{
    private static readonly NodeId s_n2 = NodeId.Parse("n2");
    private static readonly NodeId s_n3 = NodeId.Parse("n3");
    private static readonly LogStoreOptions s_small = new() { SegmentBytesMax = 512 };

    [Test]
    public void A_removed_key_reads_absent_and_stays_absent_after_reopen_and_compaction()
    {
        var medium = new MemoryMedium();
        using (var store = LogStore.Open(medium, s_small, null))
        {
            for (var i = 0; i < 20; i++)
            {
                store.Write(Bucket, Key(i % 4), Set(i + 1));
            }

            store.Remove(Bucket, Key(1));
            store.Remove(Bucket, Key(9));
            Assert.That(store.Read(Bucket, Key(1)), Is.Null);
            Assert.That(store.KeyCount, Is.EqualTo(3));
            Assert.That(store.Stats.CorruptRecords, Is.Zero, "a removal is not a corruption");
            store.Sync();
        }

        using (var store = LogStore.Open(medium, s_small, null))
        {
            Assert.That(store.Read(Bucket, Key(1)), Is.Null, "after reopen");
            Assert.That(store.Read(Bucket, Key(2)), Is.EqualTo(Set(19)));
            Assert.That(store.KeyCount, Is.EqualTo(3));
            Assert.That(store.PresentKeys().Select(k => System.Text.Encoding.ASCII.GetString(k.Key)).Order(), Is.EqualTo(new[] { "key-0", "key-2", "key-3" }));
            while (store.CompactionStep(1 << 20) != CompactionProgress.Completed && store.IsCompacting)
            {
            }

            Assert.That(store.Read(Bucket, Key(1)), Is.Null, "after compaction");
        }

        using (var store = LogStore.Open(medium, s_small, null))
        {
            Assert.That(store.Read(Bucket, Key(1)), Is.Null, "after compaction and reopen");
            Assert.That(store.Read(Bucket, Key(3)), Is.EqualTo(Set(20)));
            store.Write(Bucket, Key(1), Set(99));
            Assert.That(store.Read(Bucket, Key(1)), Is.EqualTo(Set(99)), "a removed key can be written again");
        }
    }

    [Test]
    public void The_removal_record_is_a_loss_marker_with_a_fresh_sequence()
    {
        var medium = new MemoryMedium();
        using (var store = LogStore.Open(medium, new LogStoreOptions(), null))
        {
            store.Write("b"u8.ToArray(), "k"u8.ToArray(), Set(1));
            store.Remove("b"u8.ToArray(), "k"u8.ToArray());
        }

        var bytes = medium.GetBytes(SegmentName(1));
        var marker = bytes.AsSpan(bytes.Length - 27);
        var hex = Convert.ToHexString(marker);

        // length 23 | crc | sequence 2 | flags: loss marker | bucket 1, key 1 | value length 0 | "b" "k"
        Assert.That(hex[..8] + hex[16..], Is.EqualTo("17000000" + "0200000000000000" + "04" + "0100" + "0100" + "00000000" + "62" + "6B"));
    }

    [Test]
    public void Hints_survive_a_crash_after_their_sync_and_keep_their_order()
    {
        var medium = new FaultInjectingMedium(TestSeed.NewRandom().Next);
        using (var hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 100))
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.That(hints.TryAdd(i % 2 == 0 ? s_n2 : s_n3, Bucket, Key(i), Set(i + 1), out var refusal), Is.True, refusal);
            }

            hints.Sync();
            Assert.That(hints.TryAdd(s_n2, Bucket, Key(100), Set(100), out _), Is.True, "added, never synced");
        }

        medium.Crash();
        using (var hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 100))
        {
            var forN2 = hints.Peek(s_n2, 100);
            Assert.That(forN2.Select(h => System.Text.Encoding.ASCII.GetString(h.Key)).Take(5), Is.EqualTo(new[] { "key-0", "key-2", "key-4", "key-6", "key-8" }));
            Assert.That(forN2.Take(5).Select(h => h.Set), Is.EqualTo(new[] { Set(1), Set(3), Set(5), Set(7), Set(9) }));
            Assert.That(forN2.All(h => h.Bucket.SequenceEqual(Bucket) && h.Target == s_n2), Is.True);
            Assert.That(hints.PendingFor(s_n3), Is.EqualTo(5));
            Assert.That(hints.Targets, Is.EquivalentTo(new[] { s_n2, s_n3 }));
        }
    }

    [Test]
    public void A_hint_naming_a_version_of_the_node_that_its_replica_store_lacks_is_found()
    {
        var self = new Actor(NodeId.Parse("n1"), 1);
        using var store = LogStore.Open(new MemoryMedium(), s_small, null);
        using var hints = LogHintStore.Open(new MemoryMedium(), s_small, null, hintsPerTargetMax: 100);
        var first = SiblingSet.Empty.Put(self, CausalContext.Empty, "a"u8.ToArray(), isTombstone: false);
        store.Write(Bucket, Key(1), first);
        Assert.That(hints.TryAdd(s_n2, Bucket, Key(1), first, out _), Is.True);
        Assert.That(hints.TryAdd(s_n3, Bucket, Key(2), Set(7), out _), Is.True, "another node's version of a key the store lacks");
        Assert.That(hints.NamesVersionsUnknownTo(store, self, out _), Is.False, "the store knows every version of n1 the hints name");

        var second = first.Put(self, first.Context, "b"u8.ToArray(), isTombstone: false);
        Assert.That(hints.TryAdd(s_n2, Bucket, Key(1), second, out _), Is.True, "the hint of a write the store then lost");
        Assert.That(hints.NamesVersionsUnknownTo(store, self, out var found), Is.True);
        Assert.That(found!.Value.Key, Is.EqualTo(Key(1)));
        Assert.That(found.Value.Target, Is.EqualTo(s_n2));
        Assert.That(hints.NamesVersionsUnknownTo(store, new Actor(self.Node, 2), out _), Is.False, "another epoch's actor");

        store.Write(Bucket, Key(1), second.Put(self, second.Context, "c"u8.ToArray(), isTombstone: false));
        Assert.That(hints.NamesVersionsUnknownTo(store, self, out _), Is.False, "a later version in the store covers the hint");
    }

    [Test]
    public void A_crash_can_keep_a_hint_whose_write_the_replica_store_dropped_without_a_torn_record()
    {
        // The replica store's medium drops its unsynced tail whole (no garbage); the hint store's keeps its tail.
        var storeMedium = new FaultInjectingMedium(_ => 1);
        var hintMedium = new FaultInjectingMedium(_ => 0);
        var self = new Actor(NodeId.Parse("n1"), 1);
        var synced = SiblingSet.Empty.Put(self, CausalContext.Empty, "a"u8.ToArray(), isTombstone: false);
        var unsynced = synced.Put(self, synced.Context, "b"u8.ToArray(), isTombstone: false);
        using (var store = LogStore.Open(storeMedium, s_small, null))
        using (var hints = LogHintStore.Open(hintMedium, s_small, null, hintsPerTargetMax: 100))
        {
            store.Write(Bucket, Key(1), synced);
            store.Sync();
            store.Write(Bucket, Key(1), unsynced);
            Assert.That(hints.TryAdd(s_n2, Bucket, Key(1), unsynced, out _), Is.True, "kept in the same batch as the write");
        }

        storeMedium.Crash();
        hintMedium.Crash();
        using (var store = LogStore.Open(storeMedium, s_small, null))
        using (var hints = LogHintStore.Open(hintMedium, s_small, null, hintsPerTargetMax: 100))
        {
            Assert.That(store.Recovery.TornBytesTruncated, Is.Zero, "recovery alone sees no loss");
            Assert.That(store.Recovery.CorruptRecords, Is.Empty);
            Assert.That(store.Read(Bucket, Key(1)), Is.EqualTo(synced), "the unsynced write is gone");
            Assert.That(hints.Find(s_n2, Bucket, Key(1)), Is.EqualTo(unsynced), "its hint is not");
            Assert.That(hints.NamesVersionsUnknownTo(store, self, out _), Is.True);
        }
    }

    [Test]
    public void Hints_of_one_key_merge_and_a_removal_needs_a_delivered_set_that_covers_the_hint()
    {
        var medium = new MemoryMedium();
        using (var hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 10))
        {
            Assert.That(hints.TryAdd(s_n2, Bucket, Key(1), Set(1), out _), Is.True);
            var delivered = hints.Peek(s_n2, 10).Single().Set;
            Assert.That(hints.TryAdd(s_n2, Bucket, Key(1), Set(2), out _), Is.True, "a concurrent write hinted during delivery");
            Assert.That(hints.PendingFor(s_n2), Is.EqualTo(1), "merged into one hint");
            Assert.That(hints.Find(s_n2, Bucket, Key(1)), Is.EqualTo(Set(1).Merge(Set(2))));

            hints.Remove(s_n2, Bucket, Key(1), delivered);
            Assert.That(hints.PendingFor(s_n2), Is.EqualTo(1), "the delivered set does not cover the merged hint");

            hints.Remove(s_n2, Bucket, Key(1), Set(1).Merge(Set(2)));
            Assert.That(hints.PendingFor(s_n2), Is.Zero);
            Assert.That(hints.Targets, Is.Empty);
            Assert.That(hints.Find(s_n2, Bucket, Key(1)), Is.Null);
            hints.Sync();
        }

        using (var hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 10))
        {
            Assert.That(hints.Count, Is.Zero, "a removed hint does not come back after a restart");
        }
    }

    [Test]
    public void A_target_at_its_bound_refuses_new_keys_but_merges_known_ones()
    {
        using var hints = LogHintStore.Open(new MemoryMedium(), s_small, null, hintsPerTargetMax: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.That(hints.TryAdd(s_n2, Bucket, Key(i), Set(i + 1), out _), Is.True);
        }

        Assert.That(hints.TryAdd(s_n2, Bucket, Key(3), Set(4), out var refusal), Is.False);
        Assert.That(refusal, Does.Contain("limit per target"));
        Assert.That(hints.TryAdd(s_n2, Bucket, Key(0), Set(5), out _), Is.True, "a known key still merges");
        Assert.That(hints.TryAdd(s_n3, Bucket, Key(3), Set(4), out _), Is.True, "another target has its own bound");
        Assert.That(hints.Count, Is.EqualTo(4));
    }

    [Test]
    public void A_failed_sync_fails_the_hint_store_and_it_refuses_new_hints()
    {
        var medium = new FaultInjectingMedium(TestSeed.NewRandom().Next);
        using var hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 10);
        Assert.That(hints.TryAdd(s_n2, Bucket, Key(1), Set(1), out _), Is.True);
        medium.FailNextSync();
        Assert.Throws<StorageFailedException>(hints.Sync);
        Assert.That(hints.Failure, Is.Not.Null);
        Assert.That(hints.TryAdd(s_n2, Bucket, Key(2), Set(2), out var refusal), Is.False);
        Assert.That(refusal, Does.Contain("failed"));
    }

    [Test]
    public void Random_adds_removals_and_crashes_agree_with_a_model_of_the_synced_hints()
    {
        var random = TestSeed.NewRandom();
        var medium = new FaultInjectingMedium(random.Next);
        var model = new Dictionary<(NodeId, int), SiblingSet>();
        var hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 1000);
        var id = 1;
        for (var round = 0; round < 30; round++)
        {
            var pending = new Dictionary<(NodeId, int), SiblingSet?>();
            for (var op = 0; op < 20; op++)
            {
                var target = random.Next(2) == 0 ? s_n2 : s_n3;
                var k = random.Next(12);
                var current = pending.TryGetValue((target, k), out var p) ? p : model.GetValueOrDefault((target, k));
                if (random.Next(3) == 0 && current is not null)
                {
                    hints.Remove(target, Bucket, Key(k), current);
                    pending[(target, k)] = null;
                }
                else
                {
                    var set = Set(id++);
                    Assert.That(hints.TryAdd(target, Bucket, Key(k), set, out var refusal), Is.True, refusal);
                    pending[(target, k)] = current is null ? set : current.Merge(set);
                }
            }

            var synced = random.Next(4) != 0;
            if (synced)
            {
                hints.Sync();
                foreach (var ((target, k), set) in pending)
                {
                    if (set is null)
                    {
                        model.Remove((target, k));
                    }
                    else
                    {
                        model[(target, k)] = set;
                    }
                }
            }

            if (random.Next(3) == 0 || !synced)
            {
                hints.Dispose();
                medium.Crash();
                hints = LogHintStore.Open(medium, s_small, null, hintsPerTargetMax: 1000);
                if (synced)
                {
                    Assert.That(hints.Count, Is.EqualTo(model.Count), $"round {round}: no removed hint comes back");
                    foreach (var ((target, k), set) in model)
                    {
                        Assert.That(hints.Find(target, Bucket, Key(k)), Is.EqualTo(set), $"round {round}: {target} key {k}");
                    }
                }

                // Unsynced changes may or may not have survived, so the model follows what the store recovered.
                model.Clear();
                foreach (var target in new[] { s_n2, s_n3 })
                {
                    foreach (var hint in hints.Peek(target, 1000))
                    {
                        model[(target, int.Parse(System.Text.Encoding.ASCII.GetString(hint.Key).AsSpan(4), System.Globalization.CultureInfo.InvariantCulture))] = hint.Set;
                    }
                }
            }
        }

        hints.Dispose();
    }
}
