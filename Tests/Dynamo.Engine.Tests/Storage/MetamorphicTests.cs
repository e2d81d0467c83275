using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Storage.StorageWorld;

namespace Dynamo.Engine.Tests.Storage;

/// <summary>
/// The log store against a plain dictionary: random puts, deletes (tombstone sets), restarts and compactions with
/// random segment sizes, thresholds and compression give the same reads at every step.
/// </summary>
public sealed class MetamorphicTests
{
    [Test]
    public void Two_hundred_random_sequences_read_like_a_dictionary_at_every_step() => Run(200, 150);

    [Test]
    [Category("Soak")]
    public void Ten_thousand_random_sequences_read_like_a_dictionary_at_every_step() => Run(10_000, 400);

    [Test]
    public void Compaction_interleaved_with_writes_and_reads_loses_and_resurrects_nothing()
    {
        var random = TestSeed.NewRandom();
        for (var round = 0; round < 20; round++)
        {
            var medium = new MemoryMedium();
            var options = new LogStoreOptions { SegmentBytesMax = random.Next(300, 1500), CompactionGarbageRatioMin = 0.2 };
            var model = new Dictionary<int, SiblingSet>();
            var id = 1;
            var store = LogStore.Open(medium, options, null);
            for (var i = 0; i < 400; i++)
            {
                Put(store, model, random.Next(30), Set(id++, tombstone: random.Next(5) == 0));
            }

            // Keys 30 and 31 are written only here and once during the compaction.
            Put(store, model, 30, Set(id++));
            Put(store, model, 31, Set(id++));
            for (var i = 0; i < 100; i++)
            {
                Put(store, model, random.Next(30), Set(id++));
            }

            var garbageBefore = store.Stats.GarbageBytes;
            var steps = 0;
            var completed = 0;
            const int Overwritten = 30, Tombstoned = 31;
            var during = false;
            while (completed < 2 && steps < 10_000)
            {
                var progress = store.CompactionStep(random.Next(1, 300));
                steps++;
                completed += progress == CompactionProgress.Completed ? 1 : 0;
                if (progress == CompactionProgress.Idle)
                {
                    break;
                }

                // Between every step: writes, overwrites, tombstones and reads.
                for (var j = random.Next(0, 4); j > 0; j--)
                {
                    Put(store, model, random.Next(30), Set(id++, tombstone: random.Next(5) == 0));
                }

                if (store.IsCompacting && !during)
                {
                    during = true;
                    Put(store, model, Overwritten, Set(id++));
                    Put(store, model, Tombstoned, Set(id++, tombstone: true));
                }

                Check(store, model, $"round {round}, step {steps}");
            }

            Assert.That(completed, Is.GreaterThanOrEqualTo(1), $"round {round}: a compaction finished");
            Assert.That(store.Stats.Compactions, Is.EqualTo(completed));
            Check(store, model, $"round {round}, after the switch");
            Assert.That(during, Is.True, "the overwrite and the tombstone landed mid-compaction");
            store.Sync();
            store.Dispose();
            store = LogStore.Open(medium, options, null);
            Check(store, model, $"round {round}, after reopen");
            Assert.That(store.Read(Bucket, Key(Overwritten)), Is.EqualTo(model[Overwritten]));
            Assert.That(store.Read(Bucket, Key(Tombstoned))!.Siblings.All(s => s.IsTombstone), Is.True);
            Assert.That(store.Stats.GarbageBytes, Is.LessThan(garbageBefore + 100_000));
            store.Dispose();
        }
    }

    private static void Run(int sequences, int operations)
    {
        var random = TestSeed.NewRandom();
        var compressor = new BrotliCompressor();
        long steps = 0, compactions = 0, restarts = 0;
        for (var sequence = 0; sequence < sequences; sequence++)
        {
            var medium = new MemoryMedium();
            var options = new LogStoreOptions
            {
                SegmentBytesMax = random.Next(256, 4000),
                CompactionGarbageRatioMin = 0.05 + (random.NextDouble() * 0.95),
                StorageCompressionThresholdBytes = random.Next(0, 200),
            };
            var useCompressor = random.Next(2) == 0 ? compressor : null;
            var model = new Dictionary<int, SiblingSet>();
            var keys = random.Next(1, 40);
            var id = 1;
            var store = LogStore.Open(medium, options, useCompressor);
            for (var op = 0; op < operations; op++)
            {
                var k = random.Next(keys);
                switch (random.Next(20))
                {
                    case < 11:
                        Put(store, model, k, Set(id++, valueBytes: random.Next(6) == 0 ? random.Next(100, 600) : -1));
                        break;
                    case < 14:
                        Put(store, model, k, Set(id++, tombstone: true));
                        break;
                    case 14:
                        store.Sync();
                        break;
                    case 15:
                        store.Dispose();
                        store = LogStore.Open(medium, options, useCompressor);
                        restarts++;
                        Check(store, model, $"sequence {sequence}, op {op}, after a restart");
                        break;
                    default:
                        compactions += store.CompactionStep(random.Next(1, 3000)) == CompactionProgress.Completed ? 1 : 0;
                        break;
                }

                Assert.That(store.Read(Bucket, Key(k)), Is.EqualTo(model.GetValueOrDefault(k)), $"sequence {sequence}, op {op}, key {k}");
                steps++;
            }

            Check(store, model, $"sequence {sequence}, end");
            store.Dispose();
        }

        TestContext.Out.WriteLine($"{sequences} sequences, {steps} steps, {restarts} restarts, {compactions} compactions completed");
        Assert.That(compactions, Is.GreaterThan(0));
    }

    private static void Put(LogStore store, Dictionary<int, SiblingSet> model, int k, SiblingSet set)
    {
        store.Write(Bucket, Key(k), set);
        model[k] = set;
    }

    private static void Check(LogStore store, Dictionary<int, SiblingSet> model, string where)
    {
        foreach (var (k, set) in model)
        {
            Assert.That(store.Read(Bucket, Key(k)), Is.EqualTo(set), $"{where}, key {k}");
        }

        Assert.That(store.KeyCount, Is.EqualTo(model.Count), where);
    }
}
