using System.Buffers.Binary;

namespace Dynamo.Engine.Storage;

/// <summary>Record flag bits (docs/STORAGE.md). Bits 3 to 7 are reserved and must be zero.</summary>
[Flags]
internal enum RecordFlags : byte
{
    None = 0,

    /// <summary>Every sibling of the stored set is a tombstone.</summary>
    Tombstone = 0x01,

    /// <summary>The stored set is compressed with the injected block compressor.</summary>
    Compressed = 0x02,

    /// <summary>
    /// A loss marker: the key's latest record was found corrupt, so the key reads as absent and older records of it
    /// must not come back. Carries no value.
    /// </summary>
    Lost = 0x04,

    /// <summary>Every bit a record may set.</summary>
    Known = Tombstone | Compressed | Lost,
}

/// <summary>The parsed fixed header of a record.</summary>
internal readonly record struct RecordHeader(
    int Length, uint Crc, ulong Sequence, RecordFlags Flags, int BucketLength, int KeyLength, int ValueLength)
{
    /// <summary>The whole record's size: the length field and what it counts.</summary>
    public int Size => Length + 4;

    /// <summary>Stored value bytes (compressed or not).</summary>
    public int StoredLength => Length - (StorageFormat.RecordHeaderBytes - 4) - BucketLength - KeyLength;
}

/// <summary>
/// The on-disk layouts (little-endian). docs/STORAGE.md has the diagrams; golden-bytes tests pin them.
/// <code>
/// segment header (20 bytes):
///   [u32 magic "DYSG"][u16 version=1][u16 reserved=0][u64 segment id][u32 CRC32C of the 16 bytes before]
/// record (25 bytes + bucket + key + stored value):
///   [u32 length: bytes after this field][u32 CRC32C of the bytes after this field]
///   [u64 sequence][u8 flags][u16 bucket length][u16 key length][u32 value length (decoded)]
///   [bucket][key][stored value: the encoded sibling set, maybe compressed]
/// segment index file (its magic keeps the letters of the file's former name, "hint file"):
///   [u32 magic "DYHT"][u16 version=1][u16 reserved=0][u64 segment id][u64 segment length][u32 entry count]
///   entry count × ([u64 sequence][u64 offset][u32 record size][u8 flags][u16 bucket length][u16 key length][bucket][key])
///   [u32 CRC32C of every byte before]
/// </code>
/// </summary>
internal static class StorageFormat
{
    public const uint SegmentMagic = 0x47535944; // "DYSG" read little-endian
    public const uint IndexMagic = 0x54485944;    // "DYHT" read little-endian
    public const ushort FormatVersion = 1;
    public const int SegmentHeaderBytes = 20;
    public const int RecordHeaderBytes = 25;
    public const int IndexHeaderBytes = 28;
    public const int IndexEntryFixedBytes = 25;
    public const string SegmentSuffix = ".seg";
    public const string IndexSuffix = ".idx";

    /// <summary>
    /// The former name of segment index files. Recovery renames any it finds to <see cref="IndexSuffix"/>; nothing
    /// writes it any more.
    /// </summary>
    public const string LegacyIndexSuffix = ".hint";
    public const string TemporarySuffix = ".tmp";

    /// <summary>The smallest plausible value of a record's length field.</summary>
    public const int RecordLengthMin = RecordHeaderBytes - 4;

    public static string SegmentName(ulong id) => id.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + SegmentSuffix;

    public static string IndexName(ulong id) => id.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + IndexSuffix;

    public static string LegacyIndexName(ulong id) => id.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + LegacyIndexSuffix;

    public static bool TryParseId(string name, string suffix, out ulong id)
    {
        id = 0;
        return name.Length == 20 + suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(0, 20), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);
    }

    public static void WriteSegmentHeader(Span<byte> destination, ulong id)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, SegmentMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], id);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Crc32C.Compute(destination[..16]));
    }

    /// <summary>Checks a segment header; returns null when valid, else why not.</summary>
    public static string? CheckSegmentHeader(ReadOnlySpan<byte> header, ulong expectedId)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != SegmentMagic)
        {
            return "bad segment magic";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[16..]) != Crc32C.Compute(header[..16]))
        {
            return "segment header checksum mismatch";
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FormatVersion)
        {
            throw new StorageFormatException($"Segment {expectedId} has format version {version}; this build reads version {FormatVersion}.");
        }

        return BinaryPrimitives.ReadUInt16LittleEndian(header[6..]) != 0 ? "reserved header bits set"
            : BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) != expectedId ? "segment id does not match the file name"
            : null;
    }

    /// <summary>Writes a record header and bucket and key; the caller writes the stored value after them and then seals the CRC.</summary>
    public static int WriteRecordPrefix(
        Span<byte> destination, ulong sequence, RecordFlags flags, ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key,
        int valueLength, int storedLength)
    {
        var size = RecordHeaderBytes + bucket.Length + key.Length + storedLength;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(size - 4));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], sequence);
        destination[16] = (byte)flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[17..], (ushort)bucket.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[19..], (ushort)key.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[21..], (uint)valueLength);
        bucket.CopyTo(destination[RecordHeaderBytes..]);
        key.CopyTo(destination[(RecordHeaderBytes + bucket.Length)..]);
        return size;
    }

    /// <summary>Computes and writes the CRC of a complete record.</summary>
    public static void SealRecord(Span<byte> record) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32C.Compute(record[8..]));

    /// <summary>Reads the fixed header; false when the length field is not plausible (the rest cannot be trusted).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> bytes, out RecordHeader header)
    {
        header = default;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (length < RecordLengthMin || length > Limits.StorageRecordBytesMax - 4)
        {
            return false;
        }

        header = new RecordHeader(
            (int)length,
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            (RecordFlags)bytes[16],
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[17..]),
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[19..]),
            (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes[21..]), int.MaxValue));
        return true;
    }

    /// <summary>True when the bucket and key of a plausible header fit inside the record and the limits.</summary>
    public static bool KeyIsReadable(in RecordHeader header) =>
        header.BucketLength <= Limits.StorageBucketBytesMax && header.KeyLength <= Limits.StorageKeyBytesMax
        && header.StoredLength >= 0;

    /// <summary>Checks a whole record (exactly <c>header.Size</c> bytes); null when valid, else why not.</summary>
    public static string? CheckRecord(ReadOnlySpan<byte> record, in RecordHeader header)
    {
        if (Crc32C.Compute(record[8..header.Size]) != header.Crc)
        {
            return "checksum mismatch";
        }

        if ((header.Flags & ~RecordFlags.Known) != 0)
        {
            return "reserved flag bits set";
        }

        if (!KeyIsReadable(header))
        {
            return "bucket or key length out of range";
        }

        if ((header.Flags & RecordFlags.Lost) != 0)
        {
            return header.StoredLength == 0 && header.ValueLength == 0 && header.Flags == RecordFlags.Lost ? null : "loss marker with a value";
        }

        if (header.ValueLength > Limits.StorageRecordBytesMax)
        {
            return "value length out of range";
        }

        return (header.Flags & RecordFlags.Compressed) == 0 && header.StoredLength != header.ValueLength
            ? "value length does not match the record length"
            : null;
    }
}
