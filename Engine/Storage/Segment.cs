namespace Dynamo.Engine.Storage;

/// <summary>One segment file and its bookkeeping.</summary>
internal sealed class Segment(ulong id, IStorageFile file, long length)
{
    public ulong Id { get; } = id;

    public IStorageFile File { get; } = file;

    /// <summary>Bytes in the file: header and records.</summary>
    public long Length { get; set; } = length;

    /// <summary>Bytes of records the key directory points at.</summary>
    public long LiveBytes { get; set; }

    /// <summary>A sealed segment is complete, synced and has a segment index file; it never grows again.</summary>
    public bool Sealed { get; set; }

    /// <summary>Records appended while the segment is writable, for its segment index file.</summary>
    public List<SegmentIndexEntry>? Pending { get; set; }

    /// <summary>Record bytes no longer pointed at.</summary>
    public long GarbageBytes => Length - StorageFormat.SegmentHeaderBytes - LiveBytes;
}

/// <summary>One entry of a segment index: where a record of a segment lives, without its value.</summary>
internal readonly record struct SegmentIndexEntry(ulong Sequence, long Offset, int Size, RecordFlags Flags, byte[] Bucket, byte[] Key);
