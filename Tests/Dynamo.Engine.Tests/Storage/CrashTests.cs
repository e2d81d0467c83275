using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Storage.StorageWorld;

namespace Dynamo.Engine.Tests.Storage;

/// <summary>
/// Simulated power losses at random points, against an oracle. For each key the oracle keeps the writes since the
/// last durable point, and the index of the latest write a successful <see cref="LogStore.Sync"/> covered. After a
/// crash and reopen, a key must read as one of those writes at or after that index (so no synced write is lost and no
/// older value comes back), or, when no write of the key was ever synced, as absent or one of its writes. Whatever it
/// reads becomes the durable baseline for the next crash. No value outside the key's writes is ever accepted.
/// </summary>
public sealed class CrashTests
{
    [Test]
    public void A_thousand_crash_states_reopen_with_no_synced_write_lost_and_no_wrong_value_served() =>
        RunCrashStates(1000, TestSeed.NewRandom());

    [Test]
    [Category("Soak")]
    public void Fifty_thousand_crash_states_reopen_with_no_synced_write_lost_and_no_wrong_value_served() =>
        RunCrashStates(50_000, TestSeed.NewRandom());

    /// <summary>The current sequence's steps, printed when it fails. Tests of this class do not run in parallel.</summary>
    [ThreadStatic]
    private static List<string>? s_log;

    private static List<string> Log => s_log ??= [];

    private static void RunCrashStates(int target, Random random)
    {
        var states = 0;
        var sequences = 0;
        var truncated = 0L;
        while (states < target)
        {
            Log.Clear();
            try
            {
                states += RunSequence(new Random(random.Next()), ref truncated, sequences++);
            }
            catch
            {
                TestContext.Out.WriteLine("the failing sequence's last steps:\n" + string.Join("\n", Log.TakeLast(80)));
                throw;
            }
        }

        TestContext.Out.WriteLine($"{states} crash states in {sequences} sequences; {truncated} torn bytes truncated");
    }

    private static int RunSequence(Random random, ref long truncated, int sequence)
    {
        var medium = new FaultInjectingMedium(new Random(random.Next()).Next);
        var options = new LogStoreOptions
        {
            SegmentBytesMax = random.Next(256, 3000),
            CompactionGarbageRatioMin = 0.1 + (random.NextDouble() * 0.8),
        };
        var keys = random.Next(1, 24);
        var history = new History[keys];
        for (var k = 0; k < keys; k++)
        {
            history[k] = new History();
        }

        var nextId = 1;
        var states = 0;
        var store = LogStore.Open(medium, options, null);
        for (var crash = 0; crash < 10; crash++)
        {
            if (random.Next(4) == 0)
            {
                medium.CutPowerAfter(random.Next(0, 60));
            }

            RunOperations(random, store, history, ref nextId);
            store.Dispose();
            medium.Crash();
            Log.Add("crash; files: " + string.Join(",", medium.List()));
            states++;
            store = Reopen(random, medium, options, ref states);
            truncated += store.Recovery.TornBytesTruncated;
            Log.Add("reopened " + store.Recovery);
            Assert.That(store.Recovery.CorruptRecords, Is.Empty, $"sequence {sequence}: a crash only tears tails: {store.Recovery}: {string.Join("; ", store.Recovery.CorruptRecords)}");
            Verify(store, history, $"sequence {sequence}, crash {crash}");
        }

        store.Dispose();
        return states;
    }

    private static void RunOperations(Random random, LogStore store, History[] history, ref int nextId)
    {
        for (var op = random.Next(1, 80); op > 0; op--)
        {
            var k = random.Next(history.Length);
            try
            {
                switch (random.Next(10))
                {
                    case < 6:
                        var set = Set(nextId++, tombstone: random.Next(5) == 0);
                        history[k].Writes.Add(set);
                        Log.Add($"write k{k} id{nextId - 1}");
                        store.Write(Bucket, Key(k), set);
                        history[k].Current = set;
                        break;
                    case 6:
                        Assert.That(store.Read(Bucket, Key(k)), Is.EqualTo(history[k].Current), "a read before any crash serves the last write");
                        break;
                    case < 9:
                        Log.Add("sync");
                        store.Sync();
                        foreach (var h in history)
                        {
                            h.Synced = h.Writes.Count - 1;
                        }

                        break;
                    default:
                        Log.Add("compact " + store.CompactionStep(random.Next(1, 2000)) + " " + store.Stats);
                        break;
                }
            }
            catch (StorageFailedException e)
            {
                Log.Add("failed " + e.Message);
                return; // the power went out: everything after it is lost anyway.
            }
        }
    }

    private static LogStore Reopen(Random random, FaultInjectingMedium medium, LogStoreOptions options, ref int states)
    {
        while (true)
        {
            if (random.Next(8) == 0)
            {
                medium.CutPowerAfter(random.Next(0, 10)); // a crash during recovery itself
            }

            try
            {
                var store = LogStore.Open(medium, options, null);
                medium.CutPowerAfter(-1);
                return store;
            }
            catch (StorageIOException)
            {
                medium.Crash();
                states++;
            }
        }
    }

    private static void Verify(LogStore store, History[] history, string where)
    {
        long present = 0;
        for (var k = 0; k < history.Length; k++)
        {
            var h = history[k];
            var read = store.Read(Bucket, Key(k));
            var index = read is null ? -1 : h.Writes.FindLastIndex(w => w.Equals(read));
            if (read is not null)
            {
                present++;
                Assert.That(index, Is.GreaterThanOrEqualTo(0), $"{where}: key {k} served a value never written: {read}");
            }

            Assert.That(index, Is.GreaterThanOrEqualTo(h.Synced), $"{where}: key {k} lost its synced write {h.Synced} of {h.Writes.Count} (read {index}); {store.Recovery}; {store.Stats}");
            h.Writes.Clear();
            if (read is not null)
            {
                h.Writes.Add(read);
            }

            h.Synced = read is null ? -1 : 0;
            h.Current = read;
        }

        Assert.That(store.KeyCount, Is.EqualTo(present), where);
    }

    private sealed class History
    {
        public List<SiblingSet> Writes { get; } = [];

        public int Synced { get; set; } = -1;

        public SiblingSet? Current { get; set; }
    }
}
