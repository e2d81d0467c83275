using System.Text;
using Dynamo.Engine.Storage;
using NUnit.Framework;
using static Dynamo.Engine.Tests.Storage.StorageWorld;

namespace Dynamo.Engine.Tests.Storage;

/// <summary>The log store's behaviour on healthy media, failed syncs, damaged records and damaged segment index files.</summary>
public sealed class LogStoreTests
{
    private static readonly LogStoreOptions s_small = new() { SegmentBytesMax = 512 };

    [Test]
    public void Crc32C_matches_the_wire_checksum_check_value()
    {
        Assert.That(Crc32C.Compute("123456789"u8), Is.EqualTo(0xE3069283u));
        Assert.That(Crc32C.Append(Crc32C.Compute("1234"u8), "56789"u8), Is.EqualTo(0xE3069283u));
    }

    [Test]
    public void The_segment_header_and_record_layout_are_pinned_by_golden_bytes()
    {
        var medium = new MemoryMedium();
        using (var store = LogStore.Open(medium, new LogStoreOptions(), null))
        {
            store.Write("b"u8.ToArray(), "k"u8.ToArray(), Set(1, valueBytes: 2));
        }

        var bytes = medium.GetBytes(SegmentName(1));
        var header = Convert.ToHexString(bytes.AsSpan(0, 20));
        Assert.That(header, Is.EqualTo("44595347" + "0100" + "0000" + "0100000000000000" + Convert.ToHexString(BitConverter.GetBytes(Crc32C.Compute(bytes.AsSpan(0, 16))))));
        var encoded = new System.Buffers.ArrayBufferWriter<byte>();
        Dynamo.Engine.Versions.SiblingSetCodec.Encode(Set(1, valueBytes: 2), encoded);
        var record = bytes.AsSpan(20);
        var expected = Convert.ToHexString(BitConverter.GetBytes((uint)(21 + 2 + encoded.WrittenCount)))
            + "????????"
            + "0100000000000000" // sequence 1
            + "00"               // flags
            + "0100" + "0100"    // bucket and key lengths
            + Convert.ToHexString(BitConverter.GetBytes((uint)encoded.WrittenCount))
            + "62" + "6B"
            + Convert.ToHexString(encoded.WrittenSpan);
        var actual = Convert.ToHexString(record);
        Assert.That(actual[..8] + "????????" + actual[16..], Is.EqualTo(expected));
        Assert.That(Convert.ToHexString(record.Slice(4, 4)), Is.EqualTo(Convert.ToHexString(BitConverter.GetBytes(Crc32C.Compute(record[8..])))));
    }

    [Test]
    public void The_segment_index_file_layout_is_pinned_by_golden_bytes()
    {
        var entries = new List<SegmentIndexEntry> { new(5, 20, 40, RecordFlags.Tombstone, "b"u8.ToArray(), "k"u8.ToArray()) };
        var bytes = SegmentIndexFile.Encode(3, 60, entries);
        var body = "44594854" + "0100" + "0000" + "0300000000000000" + "3C00000000000000" + "01000000"
            + "0500000000000000" + "1400000000000000" + "28000000" + "01" + "0100" + "0100" + "62" + "6B";
        Assert.That(Convert.ToHexString(bytes), Is.EqualTo(body + Convert.ToHexString(BitConverter.GetBytes(Crc32C.Compute(Convert.FromHexString(body))))));
        Assert.That(SegmentIndexFile.TryDecode(bytes, 3, 60, out _), Is.EqualTo(entries).Using<SegmentIndexEntry>((a, b) =>
            a.Sequence == b.Sequence && a.Offset == b.Offset && a.Size == b.Size && a.Flags == b.Flags
            && a.Bucket.SequenceEqual(b.Bucket) && a.Key.SequenceEqual(b.Key)));
        Assert.That(SegmentIndexFile.TryDecode(bytes, 3, 61, out var error), Is.Null);
        Assert.That(error, Does.Contain("length"));
    }

    [Test]
    public void Writes_read_back_before_and_after_a_reopen_with_tombstones_compression_and_rolled_segments()
    {
        var medium = new MemoryMedium();
        var compressor = new BrotliCompressor();
        var options = new LogStoreOptions { SegmentBytesMax = 4096, StorageCompressionThresholdBytes = 64 };
        using (var store = LogStore.Open(medium, options, compressor))
        {
            for (var i = 0; i < 50; i++)
            {
                store.Write(Bucket, Key(i), Set(i, tombstone: i % 10 == 0, valueBytes: i % 3 == 0 ? 2000 : 10));
            }

            store.Sync();
            Assert.That(store.Read(Bucket, Key(3)), Is.EqualTo(Set(3, valueBytes: 2000)));
            Assert.That(store.KeyCount, Is.EqualTo(50));
            Assert.That(store.Stats.Segments, Is.GreaterThan(1));
        }

        Assert.That(medium.List().Count(n => n.EndsWith(".seg", StringComparison.Ordinal)), Is.GreaterThan(1));
        using var reopened = LogStore.Open(medium, options, compressor);
        for (var i = 0; i < 50; i++)
        {
            Assert.That(reopened.Read(Bucket, Key(i)), Is.EqualTo(Set(i, tombstone: i % 10 == 0, valueBytes: i % 3 == 0 ? 2000 : 10)));
        }

        Assert.That(reopened.Read(Bucket, Key(99)), Is.Null);
        Assert.That(reopened.KeyCount, Is.EqualTo(50));
        Assert.That(reopened.Recovery.SegmentsFromIndex, Is.EqualTo(reopened.Recovery.SegmentsRead - 1), "only the last segment, never sealed, is scanned");
    }

    [Test]
    public void A_failed_fsync_fails_the_store_refusing_writes_while_reads_go_on()
    {
        var medium = new FaultInjectingMedium(new Random(7).Next);
        using var store = LogStore.Open(medium, new LogStoreOptions(), null);
        store.Write(Bucket, Key(1), Set(1));
        store.Sync();
        store.Write(Bucket, Key(2), Set(2));
        medium.FailNextSync();
        var thrown = Assert.Throws<StorageFailedException>(store.Sync);
        Assert.That(thrown!.InnerException, Is.InstanceOf<StorageIOException>());
        Assert.That(store.Failure, Does.Contain("fsync"));
        Assert.Throws<StorageFailedException>(() => store.Write(Bucket, Key(3), Set(3)));
        Assert.Throws<StorageFailedException>(store.Sync, "a later sync does not pretend the earlier data is durable");
        Assert.Throws<StorageFailedException>(() => store.CompactionStep(100));
        Assert.That(store.Read(Bucket, Key(1)), Is.EqualTo(Set(1)));
        Assert.That(store.Read(Bucket, Key(2)), Is.EqualTo(Set(2)));
        Assert.That(store.Read(Bucket, Key(3)), Is.Null);
    }

    [Test]
    public void Every_single_bit_flip_in_a_sealed_record_is_detected_counted_and_never_served()
    {
        var medium = new MemoryMedium();
        using (var store = LogStore.Open(medium, s_small, null))
        {
            for (var i = 0; i < 12; i++)
            {
                store.Write(Bucket, Key(i), Set(i));
            }

            store.Sync();
        }

        var segment = SegmentName(1);
        var original = medium.GetBytes(segment);
        var records = RecordOffsets(original);
        Assert.That(records, Has.Count.GreaterThanOrEqualTo(3));
        var flips = 0;
        foreach (var (offset, size, key) in records.Take(3))
        {
            for (var bit = 0; bit < size * 8; bit++)
            {
                var damaged = (byte[])original.Clone();
                damaged[offset + (bit / 8)] ^= (byte)(1 << (bit % 8));
                medium.SetBytes(segment, damaged);
                var seen = new List<CorruptRecord>();
                using var store = LogStore.Open(medium, new LogStoreOptions { SegmentBytesMax = 512, CorruptRecordObserved = seen.Add }, null);
                Assert.That(store.Read(Bucket, key), Is.Null, $"bit {bit} of the record at {offset}");
                Assert.That(store.Stats.CorruptRecords, Is.EqualTo(1), $"bit {bit} of the record at {offset}");
                Assert.That(seen.Single().SegmentId, Is.EqualTo(1UL));
                Assert.That(store.Read(Bucket, key), Is.Null, "still absent, counted once");
                Assert.That(store.Stats.CorruptRecords, Is.EqualTo(1));
                flips++;
            }
        }

        medium.SetBytes(segment, original);
        TestContext.Out.WriteLine($"{flips} single-bit flips detected");
    }

    [Test]
    public void Random_bit_flips_in_unindexed_segments_never_serve_a_wrong_value()
    {
        var random = Dynamo.Tests.Shared.TestSeed.NewRandom();
        for (var round = 0; round < 200; round++)
        {
            var medium = new MemoryMedium();
            using (var store = LogStore.Open(medium, s_small, null))
            {
                for (var i = 0; i < 20; i++)
                {
                    store.Write(Bucket, Key(i), Set(i));
                }
            }

            var segments = medium.List().Where(n => n.EndsWith(".seg", StringComparison.Ordinal)).ToList();
            var indexes = medium.List().Where(n => n.EndsWith(".idx", StringComparison.Ordinal)).ToList();
            Assert.That(indexes, Is.Not.Empty, "sealed segments have index files to delete");
            foreach (var index in indexes)
            {
                medium.Delete(index);
            }

            var name = segments[random.Next(segments.Count)];
            var bytes = medium.GetBytes(name);
            if (bytes.Length <= 20)
            {
                continue;
            }

            // Distinct bits: the same bit flipped twice would undo itself and leave nothing to notice.
            var flips = new HashSet<(int At, int Bit)>();
            for (var count = random.Next(1, 4); flips.Count < count;)
            {
                flips.Add((random.Next(20, bytes.Length), random.Next(8)));
            }

            foreach (var (at, bit) in flips)
            {
                bytes[at] ^= (byte)(1 << bit);
            }

            medium.SetBytes(name, bytes);
            using var reopened = LogStore.Open(medium, s_small, null);
            for (var i = 0; i < 20; i++)
            {
                var read = reopened.Read(Bucket, Key(i));
                Assert.That(read is null || read.Equals(Set(i)), $"round {round}, key {i}: a wrong value was served");
            }

            Assert.That(reopened.Stats.CorruptRecords + reopened.Recovery.TornBytesTruncated, Is.GreaterThan(0), $"round {round}: the damage was noticed");
        }
    }

    [Test]
    public void A_bit_flipped_on_read_is_detected_and_reported_with_its_key()
    {
        var medium = new FaultInjectingMedium(new Random(3).Next);
        var seen = new List<CorruptRecord>();
        using var store = LogStore.Open(medium, new LogStoreOptions { CorruptRecordObserved = seen.Add }, null);
        store.Write(Bucket, Key(1), Set(1));
        store.Write(Bucket, Key(2), Set(2));
        medium.FlipBitOnRead(SegmentName(1), 20 + 30, 3);
        Assert.That(store.Read(Bucket, Key(1)), Is.Null);
        Assert.That(store.Read(Bucket, Key(2)), Is.EqualTo(Set(2)));
        Assert.That(seen.Single().Key, Is.EqualTo(Key(1)));
        Assert.That(store.KeyCount, Is.EqualTo(1));
        store.Write(Bucket, Key(1), Set(3));
        Assert.That(store.Read(Bucket, Key(1)), Is.EqualTo(Set(3)), "a repair replaces the lost record");
    }

    [Test]
    public void A_corrupt_record_compacted_away_leaves_a_loss_marker_so_no_older_version_comes_back()
    {
        var medium = new MemoryMedium();
        var options = new LogStoreOptions { SegmentBytesMax = 256, CompactionGarbageRatioMin = 0.01 };
        using (var store = LogStore.Open(medium, options, null))
        {
            store.Write(Bucket, Key(1), Set(1)); // the old version, in segment 1
            for (var i = 10; i < 14; i++)
            {
                store.Write(Bucket, Key(i), Set(i));
            }

            store.Write(Bucket, Key(1), Set(2)); // the new version, in a later segment
            store.Write(Bucket, Key(20), Set(20));
            store.Write(Bucket, Key(20), Set(21));
            store.Sync();
        }

        var (segment, offset) = FindRecord(medium, Key(1), Set(2));
        var bytes = medium.GetBytes(segment);
        bytes[offset + 30] ^= 1;
        medium.SetBytes(segment, bytes);
        using (var store = LogStore.Open(medium, options, null))
        {
            Assert.That(store.Read(Bucket, Key(1)), Is.Null);
            while (store.CompactionStep(1 << 20) != CompactionProgress.Idle)
            {
            }

            Assert.That(store.Read(Bucket, Key(1)), Is.Null);
        }

        using var reopened = LogStore.Open(medium, options, null);
        Assert.That(reopened.Read(Bucket, Key(1)), Is.Null, "Set(1) must not be resurrected");
        Assert.That(reopened.Read(Bucket, Key(20)), Is.EqualTo(Set(21)));
    }

    [Test]
    public void Startup_from_segment_indexes_gives_the_same_key_directory_as_a_full_scan_and_a_bad_index_falls_back_to_scanning()
    {
        var random = Dynamo.Tests.Shared.TestSeed.NewRandom();
        var medium = new MemoryMedium();
        var options = new LogStoreOptions { SegmentBytesMax = 600 };
        using (var store = LogStore.Open(medium, options, null))
        {
            for (var i = 0; i < 300; i++)
            {
                store.Write(Bucket, Key(random.Next(40)), Set(i, tombstone: random.Next(6) == 0));
            }
        }

        string[] fromIndexes, fromScan, withBadIndex;
        using (var store = LogStore.Open(medium, options, null))
        {
            fromIndexes = Snapshot(store);
            Assert.That(store.Recovery.SegmentsFromIndex, Is.GreaterThan(3));
        }

        var indexes = medium.List().Where(n => n.EndsWith(".idx", StringComparison.Ordinal)).ToList();
        var copies = indexes.ToDictionary(h => h, medium.GetBytes);
        foreach (var index in indexes)
        {
            medium.Delete(index);
        }

        using (var store = LogStore.Open(medium, options, null))
        {
            fromScan = Snapshot(store);
            Assert.That(store.Recovery.SegmentsFromIndex, Is.Zero);
        }

        foreach (var (index, bytes) in copies)
        {
            medium.SetBytesOrCreate(index, bytes);
        }

        var bad = indexes[indexes.Count / 2];
        var damaged = medium.GetBytes(bad);
        damaged[damaged.Length / 2] ^= 0x10;
        medium.SetBytes(bad, damaged);
        using (var store = LogStore.Open(medium, options, null))
        {
            withBadIndex = Snapshot(store);
            Assert.That(store.Recovery.BadIndexFiles, Is.EqualTo(1));
        }

        Assert.That(fromScan, Is.EqualTo(fromIndexes));
        Assert.That(withBadIndex, Is.EqualTo(fromIndexes));
    }

    [Test]
    public void Index_files_under_their_former_name_are_read_as_segment_indexes_and_renamed_once()
    {
        var medium = new MemoryMedium();
        var options = new LogStoreOptions { SegmentBytesMax = 600 };
        string[] expected;
        using (var store = LogStore.Open(medium, options, null))
        {
            for (var i = 0; i < 200; i++)
            {
                store.Write(Bucket, Key(i % 30), Set(i, tombstone: i % 7 == 0));
            }
        }

        using (var store = LogStore.Open(medium, options, null))
        {
            expected = Snapshot(store);
        }

        // What a data directory written before segment index files were renamed looks like: <id>.hint beside <id>.seg.
        var indexes = medium.List().Where(n => n.EndsWith(".idx", StringComparison.Ordinal)).ToList();
        Assert.That(indexes, Has.Count.GreaterThan(3));
        foreach (var index in indexes)
        {
            medium.Rename(index, index[..^".idx".Length] + ".hint");
        }

        using (var store = LogStore.Open(medium, options, null))
        {
            Assert.That(store.Recovery.IndexFilesRenamed, Is.EqualTo(indexes.Count));
            Assert.That(store.Recovery.SegmentsFromIndex, Is.EqualTo(indexes.Count), "every segment was loaded from its old-name index");
            Assert.That(store.Recovery.SegmentsScanned, Is.Zero);
            Assert.That(Snapshot(store), Is.EqualTo(expected));
        }

        Assert.That(medium.List().Where(n => n.EndsWith(".hint", StringComparison.Ordinal)), Is.Empty, "nothing keeps the former name");
        Assert.That(medium.List().Where(n => n.EndsWith(".idx", StringComparison.Ordinal)), Is.EquivalentTo(indexes));
        using (var store = LogStore.Open(medium, options, null))
        {
            Assert.That((store.Recovery.IndexFilesRenamed, store.Recovery.SegmentsFromIndex), Is.EqualTo((0, indexes.Count)));
            Assert.That(Snapshot(store), Is.EqualTo(expected));
        }
    }

    [Test]
    public void An_index_file_under_the_former_name_beside_one_under_the_new_name_replaces_it()
    {
        // Only an earlier version writes <id>.hint, and this one renames every one it finds: one beside an <id>.idx was
        // written after it, so it is the one to keep.
        var medium = new MemoryMedium();
        var options = new LogStoreOptions { SegmentBytesMax = 600 };
        using (var store = LogStore.Open(medium, options, null))
        {
            for (var i = 0; i < 100; i++)
            {
                store.Write(Bucket, Key(i % 20), Set(i));
            }
        }

        var index = medium.List().First(n => n.EndsWith(".idx", StringComparison.Ordinal));
        var good = medium.GetBytes(index);
        var stale = (byte[])good.Clone();
        stale[stale.Length / 2] ^= 0x01;
        medium.SetBytes(index, stale);
        medium.SetBytesOrCreate(index[..^".idx".Length] + ".hint", good);

        using var reopened = LogStore.Open(medium, options, null);
        Assert.That(reopened.Recovery.IndexFilesRenamed, Is.EqualTo(1));
        Assert.That(reopened.Recovery.BadIndexFiles, Is.Zero, "the damaged new-name file was replaced before it was read");
        Assert.That(medium.GetBytes(index), Is.EqualTo(good));
    }

    private static string[] Snapshot(LogStore store) =>
        [.. store.KeyDirectorySnapshot()
            .Select(e => $"{Encoding.ASCII.GetString(e.Bucket)}/{Encoding.ASCII.GetString(e.Key)}@{e.Sequence}{(e.Absent ? " absent" : "")}={store.Read(e.Bucket, e.Key)}")
            .Order(StringComparer.Ordinal)];

    private static (string Segment, int Offset) FindRecord(MemoryMedium medium, byte[] key, Dynamo.Engine.Versions.SiblingSet set)
    {
        var encoded = new System.Buffers.ArrayBufferWriter<byte>();
        Dynamo.Engine.Versions.SiblingSetCodec.Encode(set, encoded);
        foreach (var name in medium.List().Where(n => n.EndsWith(".seg", StringComparison.Ordinal)))
        {
            var bytes = medium.GetBytes(name);
            foreach (var (offset, size, recordKey) in RecordOffsets(bytes))
            {
                if (recordKey.SequenceEqual(key) && bytes.AsSpan(offset + size - encoded.WrittenCount, encoded.WrittenCount).SequenceEqual(encoded.WrittenSpan))
                {
                    return (name, offset);
                }
            }
        }

        throw new AssertionException("record not found");
    }

    /// <summary>The records of a segment file: offset, size and key.</summary>
    private static List<(int Offset, int Size, byte[] Key)> RecordOffsets(byte[] segment)
    {
        var records = new List<(int, int, byte[])>();
        var at = 20;
        while (at + 25 <= segment.Length)
        {
            var size = BitConverter.ToInt32(segment, at) + 4;
            int bucketLength = BitConverter.ToUInt16(segment, at + 17);
            int keyLength = BitConverter.ToUInt16(segment, at + 19);
            records.Add((at, size, segment.AsSpan(at + 25 + bucketLength, keyLength).ToArray()));
            at += size;
        }

        return records;
    }
}
