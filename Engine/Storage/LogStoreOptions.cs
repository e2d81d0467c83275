namespace Dynamo.Engine.Storage;

/// <summary>Settings of a <see cref="LogStore"/>. The defaults suit a server; tests shrink the sizes.</summary>
public sealed class LogStoreOptions
{
    /// <summary>
    /// A segment is sealed and a new one started once appending a record would take it past this size (a single
    /// larger record still gets a segment of its own). Between <see cref="Limits.StorageSegmentBytesMin"/> and
    /// <see cref="Limits.StorageSegmentBytesMax"/>.
    /// </summary>
    public long SegmentBytesMax { get; init; } = Limits.StorageSegmentBytesDefault;

    /// <summary>
    /// Encoded sibling sets longer than this are compressed through the injected <see cref="IBlockCompressor"/>
    /// (kept only when smaller). No compressor: never compressed.
    /// </summary>
    public int StorageCompressionThresholdBytes { get; init; } = Limits.StorageCompressionThresholdBytesDefault;

    /// <summary>A sealed segment is compacted once its garbage bytes reach this share of its record bytes (0 to 1).</summary>
    public double CompactionGarbageRatioMin { get; init; } = 0.5;

    /// <summary>
    /// Called for every record that fails its checksum (during recovery, on a read, or in compaction), so the shell
    /// can log it. The key stays absent until a replica repairs it.
    /// </summary>
    public Action<CorruptRecord>? CorruptRecordObserved { get; init; }

    internal void Validate()
    {
        if (SegmentBytesMax < Limits.StorageSegmentBytesMin || SegmentBytesMax > Limits.StorageSegmentBytesMax)
        {
            throw new ArgumentOutOfRangeException(
                nameof(SegmentBytesMax), SegmentBytesMax,
                $"Must be between {Limits.StorageSegmentBytesMin} and {Limits.StorageSegmentBytesMax}.");
        }

        if (StorageCompressionThresholdBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(StorageCompressionThresholdBytes), StorageCompressionThresholdBytes, "Must not be negative.");
        }

        if (!(CompactionGarbageRatioMin > 0 && CompactionGarbageRatioMin <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(CompactionGarbageRatioMin), CompactionGarbageRatioMin, "Must be in (0, 1].");
        }
    }
}

/// <summary>
/// A record that failed its checksum. <see cref="Bucket"/> and <see cref="Key"/> are read from the damaged record
/// when its header is plausible, so they may themselves be damaged; null when they could not be read.
/// </summary>
/// <param name="SegmentId">The segment holding the record.</param>
/// <param name="Offset">The record's offset in the segment file.</param>
/// <param name="Bucket">The bucket, when it could be read.</param>
/// <param name="Key">The key, when it could be read.</param>
/// <param name="Reason">What was wrong.</param>
public sealed record CorruptRecord(ulong SegmentId, long Offset, byte[]? Bucket, byte[]? Key, string Reason);

/// <summary>What <see cref="LogStore.Open"/> found and did.</summary>
public sealed class RecoveryReport
{
    /// <summary>Segments read (from their index file or by scanning).</summary>
    public int SegmentsRead { get; internal set; }

    /// <summary>Segments whose key directory entries came from a valid segment index file.</summary>
    public int SegmentsFromIndex { get; internal set; }

    /// <summary>Segments scanned record by record (the last one, and any whose index file was missing or bad).</summary>
    public int SegmentsScanned { get; internal set; }

    /// <summary>Segment index files that failed their checksum or format check and were ignored.</summary>
    public int BadIndexFiles { get; internal set; }

    /// <summary>
    /// Segment index files found under their former name (<c>*.hint</c>, written by earlier versions) and renamed to
    /// <c>*.idx</c> before they were read.
    /// </summary>
    public int IndexFilesRenamed { get; internal set; }

    /// <summary>Records (or segment index entries) read.</summary>
    public long Records { get; internal set; }

    /// <summary>Bytes cut from the tails of unsealed segments: torn or partial records written before a crash.</summary>
    public long TornBytesTruncated { get; internal set; }

    /// <summary>Records that failed their checksum outside a torn tail.</summary>
    public IReadOnlyList<CorruptRecord> CorruptRecords => _corrupt;

    /// <summary>Unfinished files removed: temporary index files and empty segments without a complete header.</summary>
    public int IncompleteFilesRemoved { get; internal set; }

    private readonly List<CorruptRecord> _corrupt = [];

    internal void AddCorrupt(CorruptRecord record) => _corrupt.Add(record);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{SegmentsRead} segments ({SegmentsFromIndex} from their index, {SegmentsScanned} scanned, {BadIndexFiles} bad index files, "
        + $"{IndexFilesRenamed} index files renamed from *.hint), "
        + $"{Records} records, {TornBytesTruncated} torn bytes truncated, {_corrupt.Count} corrupt records";
}

/// <summary>A snapshot of a <see cref="LogStore"/>'s counters, for INFO and tests.</summary>
public sealed record StorageStats
{
    /// <summary>Segment files, the active one included.</summary>
    public int Segments { get; init; }

    /// <summary>Bytes of records the key directory points at.</summary>
    public long LiveBytes { get; init; }

    /// <summary>Bytes of records superseded by later ones (reclaimed by compaction).</summary>
    public long GarbageBytes { get; init; }

    /// <summary>Keys held (keys whose record was found corrupt are not counted).</summary>
    public long Keys { get; init; }

    /// <summary>Records found failing their checksum since the store was opened (recovery, reads and compaction).</summary>
    public long CorruptRecords { get; init; }

    /// <summary>Bytes cut from torn segment tails when the store was opened.</summary>
    public long TornBytesTruncated { get; init; }

    /// <summary>Compactions finished since the store was opened.</summary>
    public long Compactions { get; init; }

    /// <summary>Record bytes copied by compactions since the store was opened.</summary>
    public long BytesCompacted { get; init; }
}

/// <summary>What one <see cref="LogStore.CompactionStep"/> did.</summary>
public enum CompactionProgress
{
    /// <summary>No sealed segment passes the garbage threshold: nothing to do.</summary>
    Idle,

    /// <summary>A compaction is under way: call again.</summary>
    Working,

    /// <summary>This step finished a compaction: the key directory switched and the old segments were deleted.</summary>
    Completed,
}
