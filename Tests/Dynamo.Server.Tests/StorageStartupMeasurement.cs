using System.Diagnostics;
using Dynamo.Engine;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Server.Storage;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// A measurement, not a test (docs/BENCHMARKS.md, "Storage"): the start-up time of a log store on real files holding
/// a million keys with 100-byte values, with its segment index files and with them deleted, and the key directory's memory per
/// key. Explicit: run it with <c>dotnet test Tests/Dynamo.Server.Tests -c Release --filter Category=Soak</c>.
/// </summary>
[Category("Soak")]
[Explicit("A measurement that writes about 200 MB; run it by name or by category")]
public sealed class StorageStartupMeasurement
{
    private const int Keys = 1_000_000;
    private const int ValueBytes = 100;

    [Test]
    public void Start_up_time_of_a_million_keys_with_and_without_segment_index_files_and_memory_per_key()
    {
        var directory = Directory.CreateTempSubdirectory("dynamo-startup-").FullName;
        try
        {
            var write = Stopwatch.StartNew();
            var value = new byte[ValueBytes];
            var actor = new Actor(NodeId.Parse("n1"), 1);
            using (var store = LogStore.Open(new FileMedium(directory), new LogStoreOptions(), Lz4BlockCompressor.Instance))
            {
                var bucket = "b"u8.ToArray();
                for (var i = 0; i < Keys; i++)
                {
                    BitConverter.TryWriteBytes(value, i);
                    store.Write(bucket, System.Text.Encoding.ASCII.GetBytes($"key-{i:D8}"), SiblingSet.Empty.Put(actor, CausalContext.Empty, value, false));
                }

                store.Sync();
            }

            TestContext.Out.WriteLine($"wrote {Keys:N0} keys in {write.Elapsed.TotalSeconds:0.0} s; {Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length) / 1e6:0} MB on disk");
            var withIndexes = Measure(directory, "with segment index files");
            var indexes = Directory.GetFiles(directory, "*.idx");
            Assert.That(indexes, Is.Not.Empty, "sealed segments have index files to delete");
            foreach (var index in indexes)
            {
                File.Delete(index);
            }

            var withoutIndexes = Measure(directory, "segment index files deleted");
            Assert.That((withIndexes, withoutIndexes), Is.EqualTo((Keys, Keys)), "every key is recovered either way");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static long Measure(string directory, string what)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        using var store = LogStore.Open(new FileMedium(directory), new LogStoreOptions(), Lz4BlockCompressor.Instance);
        var elapsed = clock.Elapsed;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var recovery = store.Recovery;
        TestContext.Out.WriteLine(
            $"{what}: open in {elapsed.TotalMilliseconds:0} ms, {recovery.SegmentsFromIndex} segments from their index, {recovery.SegmentsScanned} scanned, "
            + $"{store.KeyCount:N0} keys, GC heap +{(after - before) / 1e6:0.0} MB = {(double)(after - before) / store.KeyCount:0} bytes per key");
        return store.KeyCount;
    }
}
