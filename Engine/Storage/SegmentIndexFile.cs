using System.Buffers.Binary;

namespace Dynamo.Engine.Storage;

/// <summary>
/// Writes and reads segment index files: the list of a sealed segment's records (key, offset, size, sequence, flags;
/// no values), read at start instead of scanning the segment. Layout in <see cref="StorageFormat"/> and
/// docs/STORAGE.md. (Bitcask calls this a hint file; here a hint is only a write held for another node.)
/// </summary>
internal static class SegmentIndexFile
{
    /// <summary>Encodes the index file of segment <paramref name="segmentId"/>, <paramref name="segmentLength"/> bytes long.</summary>
    public static byte[] Encode(ulong segmentId, long segmentLength, IReadOnlyList<SegmentIndexEntry> entries)
    {
        long size = StorageFormat.IndexHeaderBytes + 4;
        foreach (var entry in entries)
        {
            size += StorageFormat.IndexEntryFixedBytes + entry.Bucket.Length + entry.Key.Length;
        }

        Invariant.Check(size <= Limits.StorageIndexFileBytesMax);
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, StorageFormat.IndexMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], StorageFormat.FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(span[8..], segmentId);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], (ulong)segmentLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)entries.Count);
        var at = StorageFormat.IndexHeaderBytes;
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], entry.Sequence);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 8)..], (ulong)entry.Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 16)..], (uint)entry.Size);
            span[at + 20] = (byte)entry.Flags;
            BinaryPrimitives.WriteUInt16LittleEndian(span[(at + 21)..], (ushort)entry.Bucket.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(span[(at + 23)..], (ushort)entry.Key.Length);
            at += StorageFormat.IndexEntryFixedBytes;
            entry.Bucket.CopyTo(span[at..]);
            at += entry.Bucket.Length;
            entry.Key.CopyTo(span[at..]);
            at += entry.Key.Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], Crc32C.Compute(span[..at]));
        return bytes;
    }

    /// <summary>
    /// Decodes the index file of segment <paramref name="segmentId"/> of <paramref name="segmentLength"/> bytes;
    /// null with the reason when anything does not match, so the caller scans the segment instead.
    /// </summary>
    public static List<SegmentIndexEntry>? TryDecode(ReadOnlySpan<byte> bytes, ulong segmentId, long segmentLength, out string? error)
    {
        error = Check(bytes, segmentId, segmentLength);
        if (error is not null)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]);
        var end = bytes.Length - 4;
        if (count > (uint)(end - StorageFormat.IndexHeaderBytes) / StorageFormat.IndexEntryFixedBytes)
        {
            error = "entry count out of range";
            return null;
        }

        var entries = new List<SegmentIndexEntry>((int)count);
        var at = StorageFormat.IndexHeaderBytes;
        for (var i = 0; i < count; i++)
        {
            if (end - at < StorageFormat.IndexEntryFixedBytes)
            {
                error = "entries run past the end";
                return null;
            }

            var entrySpan = bytes[at..];
            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(entrySpan);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(entrySpan[8..]);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(entrySpan[16..]);
            var flags = (RecordFlags)entrySpan[20];
            int bucketLength = BinaryPrimitives.ReadUInt16LittleEndian(entrySpan[21..]);
            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(entrySpan[23..]);
            at += StorageFormat.IndexEntryFixedBytes;
            if (bucketLength > Limits.StorageBucketBytesMax || keyLength > Limits.StorageKeyBytesMax
                || end - at < bucketLength + keyLength || (flags & ~RecordFlags.Known) != 0
                || size < StorageFormat.RecordHeaderBytes || offset < StorageFormat.SegmentHeaderBytes
                || offset > (ulong)segmentLength || size > (ulong)segmentLength - offset)
            {
                error = $"entry {i} is out of range";
                return null;
            }

            var bucket = bytes.Slice(at, bucketLength).ToArray();
            var key = bytes.Slice(at + bucketLength, keyLength).ToArray();
            at += bucketLength + keyLength;
            entries.Add(new SegmentIndexEntry(sequence, (long)offset, (int)size, flags, bucket, key));
        }

        if (at != end)
        {
            error = "bytes follow the last entry";
            return null;
        }

        return entries;
    }

    private static string? Check(ReadOnlySpan<byte> bytes, ulong segmentId, long segmentLength)
    {
        if (bytes.Length < StorageFormat.IndexHeaderBytes + 4)
        {
            return "shorter than a header";
        }

        var end = bytes.Length - 4;
        return Crc32C.Compute(bytes[..end]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[end..]) ? "checksum mismatch"
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes) != StorageFormat.IndexMagic ? "bad magic"
            : BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]) != StorageFormat.FormatVersion ? "unknown version"
            : BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]) != 0 ? "reserved bits set"
            : BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]) != segmentId ? "segment id does not match"
            : BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]) != (ulong)segmentLength ? "segment length does not match"
            : null;
    }
}
