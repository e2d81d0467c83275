using System.Buffers;
using System.Runtime.CompilerServices;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Storage;

/// <summary>
/// The durable replica store: Bitcask's model (append-only segments, an in-memory key directory, a segment index file
/// per sealed segment where Bitcask has hint files, incremental compaction) with checksummed records, torn-tail
/// recovery and fail-stop on I/O errors.
/// docs/STORAGE.md specifies the format and the recovery rules. Only the node loop touches it: not thread-safe.
/// </summary>
public sealed partial class LogStore : IReplicaStore, IDisposable
{
    private readonly IStorageMedium _medium;
    private readonly LogStoreOptions _options;
    private readonly IBlockCompressor? _compressor;
    private readonly KeyDirectory _keys = new();
    private readonly SortedDictionary<ulong, Segment> _segments = [];
    private readonly ArrayBufferWriter<byte> _encoded = new();
    private byte[] _recordBuffer = new byte[256];
    private byte[] _readBuffer = new byte[256];
    private byte[] _valueBuffer = new byte[256];
    private Segment _active = null!;
    private ulong _nextSegmentId = 1;
    private ulong _nextSequence = 1;
    private long _corruptRecords;
    private long _compactions;
    private long _bytesCompacted;
    private CompactionRun? _compaction;
    private bool _disposed;

    private LogStore(IStorageMedium medium, LogStoreOptions options, IBlockCompressor? compressor)
    {
        _medium = medium;
        _options = options;
        _compressor = compressor;
    }

    /// <summary>What opening found: segments, records, torn bytes truncated, corrupt records.</summary>
    public RecoveryReport Recovery { get; } = new();

    /// <summary>Keys held (a key whose record was found corrupt reads as absent and is not counted).</summary>
    public long KeyCount => _keys.PresentKeys;

    /// <summary>Null while healthy; the reason once an append or fsync failed (writes are then refused).</summary>
    public string? Failure { get; private set; }

    /// <summary>True when records were appended since the last <see cref="Sync"/>.</summary>
    public bool HasUnsyncedWrites { get; private set; }

    /// <summary>True between the first and the last step of a compaction.</summary>
    public bool IsCompacting => _compaction is not null;

    /// <summary>A snapshot of the counters.</summary>
    public StorageStats Stats
    {
        get
        {
            long live = 0, garbage = 0;
            foreach (var segment in _segments.Values)
            {
                live += segment.LiveBytes;
                garbage += segment.GarbageBytes;
            }

            return new StorageStats
            {
                Segments = _segments.Count,
                LiveBytes = live,
                GarbageBytes = garbage,
                Keys = KeyCount,
                CorruptRecords = _corruptRecords,
                TornBytesTruncated = Recovery.TornBytesTruncated,
                Compactions = _compactions,
                BytesCompacted = _bytesCompacted,
            };
        }
    }

    /// <summary>
    /// Opens the store on <paramref name="medium"/>, recovering from what is durable: index files for sealed segments,
    /// a scan of the others with torn tails truncated; then starts a new active segment. See <see cref="Recovery"/>.
    /// </summary>
    /// <exception cref="StorageIOException">The medium failed.</exception>
    /// <exception cref="StorageFormatException">A segment was written by an unknown format version.</exception>
    public static LogStore Open(IStorageMedium medium, LogStoreOptions options, IBlockCompressor? compressor)
    {
        ArgumentNullException.ThrowIfNull(medium);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = new LogStore(medium, options, compressor);
        try
        {
            store.Recover();
            store._active = store.CreateSegment();
        }
        catch
        {
            store.Dispose();
            throw;
        }

        return store;
    }

    /// <summary>
    /// The stored set of a key, or null. A record failing its checksum is never served: the key reads as absent,
    /// is counted in <see cref="Stats"/> and reported through <see cref="LogStoreOptions.CorruptRecordObserved"/>,
    /// and stays absent until a write (a repair from another replica) replaces it.
    /// </summary>
    public SiblingSet? Read(byte[] bucket, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ref var entry = ref _keys.Find(bucket, key);
        if (Unsafe.IsNullRef(ref entry) || entry.IsAbsent)
        {
            return null;
        }

        var set = TryReadValue(entry, out var reason);
        if (set is null)
        {
            MarkCorrupt(ref entry, reason!);
        }

        return set;
    }

    /// <inheritdoc/>
    public IEnumerable<(byte[] Bucket, byte[] Key)> Keys()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _keys.PresentKeyNames();
    }

    /// <summary>Appends a record for the key to the active segment. Not durable until <see cref="Sync"/>.</summary>
    /// <exception cref="StorageFailedException">The store has failed, or this append failed.</exception>
    /// <exception cref="ArgumentException">The bucket, key or encoded set is over the storage limits.</exception>
    public void Write(byte[] bucket, byte[] key, SiblingSet set)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(set);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        CheckName(bucket.Length, key.Length);
        _encoded.ResetWrittenCount();
        SiblingSetCodec.Encode(set, _encoded);
        var value = _encoded.WrittenSpan;
        var flags = IsAllTombstones(set) ? RecordFlags.Tombstone : RecordFlags.None;
        var stored = Compress(value, ref flags);
        long size = StorageFormat.RecordHeaderBytes + bucket.Length + key.Length + stored.Length;
        if (size > Limits.StorageRecordBytesMax)
        {
            throw new ArgumentException(
                $"The record would be {size} bytes; the limit (StorageRecordBytesMax) is {Limits.StorageRecordBytesMax}.", nameof(set));
        }

        EnsureCapacity(ref _recordBuffer, (int)size);
        var record = _recordBuffer.AsSpan(0, (int)size);
        var sequence = _nextSequence++;
        var at = StorageFormat.WriteRecordPrefix(record, sequence, flags, bucket, key, value.Length, stored.Length) - stored.Length;
        stored.CopyTo(record[at..]);
        Append(record, bucket, key, sequence, flags);
    }

    /// <summary>
    /// Removes a key: appends a removal record (a loss marker with a fresh sequence, docs/STORAGE.md § Removal) so the
    /// key reads as absent from now on and no older record of it comes back after a restart or a compaction. Does
    /// nothing for a key that is absent already. Not durable until <see cref="Sync"/>.
    /// </summary>
    /// <exception cref="StorageFailedException">The store has failed, or this append failed.</exception>
    /// <exception cref="ArgumentException">The bucket or key is over the storage limits.</exception>
    public void Remove(byte[] bucket, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        CheckName(bucket.Length, key.Length);
        ref var found = ref _keys.Find(bucket, key);
        if (Unsafe.IsNullRef(ref found) || found.IsAbsent)
        {
            return;
        }

        var size = StorageFormat.RecordHeaderBytes + bucket.Length + key.Length;
        EnsureCapacity(ref _recordBuffer, size);
        var record = _recordBuffer.AsSpan(0, size);
        var sequence = _nextSequence++;
        StorageFormat.WriteRecordPrefix(record, sequence, RecordFlags.Lost, bucket, key, 0, 0);
        Append(record, bucket, key, sequence, RecordFlags.Lost);
    }

    /// <summary>
    /// Seals a record written up to its value, appends it to the active segment and points the key's entry at it (the
    /// key's latest record from now on); a failed append fails the store.
    /// </summary>
    private void Append(Span<byte> record, byte[] bucket, byte[] key, ulong sequence, RecordFlags flags)
    {
        StorageFormat.SealRecord(record);
        long offset;
        try
        {
            offset = AppendToActive(record);
        }
        catch (StorageIOException e)
        {
            throw Fail(e);
        }

        // Looked up after the append: a roll inside it may not move the entry, but nothing is trusted across it.
        ref var entry = ref _keys.FindOrAdd(bucket, key, out var added);
        if (!added)
        {
            Release(entry);
        }

        Point(ref entry, sequence, _active.Id, offset, record.Length, flags, corruptOnRead: false);
        _active.Pending!.Add(new SegmentIndexEntry(sequence, offset, record.Length, flags, entry.Bucket, entry.Key));
        HasUnsyncedWrites = true;
    }

    /// <summary>
    /// The keys present (not removed, not lost) with the sequence of their latest record, in no particular order: what
    /// a component built on the store (the hint store) reads to rebuild its own index at start.
    /// </summary>
    public IEnumerable<(byte[] Bucket, byte[] Key, ulong Sequence)> PresentKeys()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var entry in _keys.Entries())
        {
            if (!entry.IsAbsent)
            {
                yield return (entry.Bucket, entry.Key, entry.Sequence);
            }
        }
    }

    /// <summary>
    /// Makes every earlier write durable (fsync of the active segment): the group-commit point the shell calls before
    /// sending the acknowledgements of a batch.
    /// </summary>
    /// <exception cref="StorageFailedException">
    /// The fsync failed, now or earlier (<see cref="Failure"/> says why; the inner exception is the medium's
    /// <see cref="StorageIOException"/>). What the failed fsync left on disk is unknown, so the store stays failed.
    /// </exception>
    public void Sync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        if (!HasUnsyncedWrites)
        {
            return;
        }

        try
        {
            _active.File.Sync();
        }
        catch (StorageIOException e)
        {
            throw Fail(e);
        }

        HasUnsyncedWrites = false;
    }

    /// <summary>Closes the files. Unsynced writes are not synced.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var segment in _segments.Values)
        {
            segment.File.Dispose();
        }
    }

    /// <summary>Every key directory entry as (bucket, key, sequence, absent): for tests comparing recoveries.</summary>
    internal IEnumerable<(byte[] Bucket, byte[] Key, ulong Sequence, bool Absent)> KeyDirectorySnapshot() =>
        _keys.Entries().Select(e => (e.Bucket, e.Key, e.Sequence, e.IsAbsent));

    private static bool IsAllTombstones(SiblingSet set)
    {
        if (set.Count == 0)
        {
            return false;
        }

        foreach (var sibling in set.Siblings)
        {
            if (!sibling.IsTombstone)
            {
                return false;
            }
        }

        return true;
    }

    private static void CheckName(int bucketLength, int keyLength)
    {
        if (bucketLength > Limits.StorageBucketBytesMax)
        {
            throw new ArgumentException($"The bucket is {bucketLength} bytes; the limit (StorageBucketBytesMax) is {Limits.StorageBucketBytesMax}.");
        }

        if (keyLength > Limits.StorageKeyBytesMax)
        {
            throw new ArgumentException($"The key is {keyLength} bytes; the limit (StorageKeyBytesMax) is {Limits.StorageKeyBytesMax}.");
        }
    }

    private static void EnsureCapacity(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            buffer = new byte[Math.Max(size, Math.Min(Limits.StorageRecordBytesMax, buffer.Length * 2))];
        }
    }

    private ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> value, ref RecordFlags flags)
    {
        if (_compressor is null || value.Length <= _options.StorageCompressionThresholdBytes)
        {
            return value;
        }

        EnsureCapacity(ref _valueBuffer, _compressor.MaxCompressedLength(value.Length));
        var written = _compressor.Compress(value, _valueBuffer);
        if (written <= 0 || written >= value.Length)
        {
            return value;
        }

        flags |= RecordFlags.Compressed;
        return _valueBuffer.AsSpan(0, written);
    }

    private void ThrowIfFailed()
    {
        if (Failure is not null)
        {
            throw new StorageFailedException(Failure);
        }
    }

    private StorageFailedException Fail(StorageIOException e)
    {
        Failure ??= "A storage operation failed; writes are refused until the node restarts: " + e.Message;
        return new StorageFailedException(Failure, e);
    }

    /// <summary>Appends a complete record to the active segment, rolling to a new segment first when it would not fit.</summary>
    private long AppendToActive(ReadOnlySpan<byte> record)
    {
        if (_active.Length > StorageFormat.SegmentHeaderBytes && _active.Length + record.Length > _options.SegmentBytesMax)
        {
            Seal(_active);
            HasUnsyncedWrites = false;
            _active = CreateSegment();
        }

        var offset = _active.Length;
        _active.File.Append(record);
        _active.Length += record.Length;
        return offset;
    }

    /// <summary>Creates a segment with its header, durable (file and directory synced) before any record goes in.</summary>
    private Segment CreateSegment()
    {
        var id = _nextSegmentId++;
        var file = _medium.Create(StorageFormat.SegmentName(id));
        var segment = new Segment(id, file, StorageFormat.SegmentHeaderBytes) { Pending = [] };
        _segments.Add(id, segment);
        Span<byte> header = stackalloc byte[StorageFormat.SegmentHeaderBytes];
        StorageFormat.WriteSegmentHeader(header, id);
        file.Append(header);
        file.Sync();
        _medium.SyncDirectory();
        return segment;
    }

    /// <summary>
    /// Seals a writable segment: fsyncs it, then writes its index file under a temporary name, fsyncs it and renames
    /// it into place. The caller syncs the directory (creating the next segment does).
    /// </summary>
    private void Seal(Segment segment)
    {
        segment.File.Sync();
        WriteIndex(segment, segment.Pending!);
        segment.Pending = null;
        segment.Sealed = true;
    }

    private void WriteIndex(Segment segment, List<SegmentIndexEntry> entries)
    {
        var bytes = SegmentIndexFile.Encode(segment.Id, segment.Length, entries);
        var name = StorageFormat.IndexName(segment.Id);
        var temporary = name + StorageFormat.TemporarySuffix;
        using (var file = _medium.Create(temporary))
        {
            file.Append(bytes);
            file.Sync();
        }

        _medium.Rename(temporary, name);
    }

    /// <summary>
    /// Points a key's entry at a record and counts the record live (<see cref="Hold"/>); what the entry pointed at before,
    /// if anything, was released by the caller.
    /// </summary>
    private void Point(ref KeyEntry entry, ulong sequence, ulong segmentId, long offset, int size, RecordFlags flags, bool corruptOnRead)
    {
        entry.Sequence = sequence;
        entry.SegmentId = segmentId;
        entry.Offset = offset;
        entry.Size = size;
        entry.Flags = flags;
        entry.CorruptOnRead = corruptOnRead;
        Hold(entry);
    }

    /// <summary>Removes an entry's record from its segment's live bytes and the entry from the key count.</summary>
    private void Release(in KeyEntry entry)
    {
        _segments[entry.SegmentId].LiveBytes -= entry.Size;
        if (!entry.IsAbsent)
        {
            _keys.PresentKeys--;
        }
    }

    private void Hold(in KeyEntry entry)
    {
        _segments[entry.SegmentId].LiveBytes += entry.Size;
        if (!entry.IsAbsent)
        {
            _keys.PresentKeys++;
        }
    }

    private void MarkCorrupt(ref KeyEntry entry, string reason)
    {
        Invariant.Check(!entry.IsAbsent);
        entry.CorruptOnRead = true;
        _keys.PresentKeys--;
        Report(new CorruptRecord(entry.SegmentId, entry.Offset, entry.Bucket, entry.Key, reason));
    }

    private void Report(CorruptRecord record)
    {
        _corruptRecords++;
        _options.CorruptRecordObserved?.Invoke(record);
    }

    /// <summary>Reads the record of <paramref name="entry"/> into the read buffer and checks it; null when valid, else why not.</summary>
    private string? ReadRecord(in KeyEntry entry, out RecordHeader header)
    {
        header = default;
        EnsureCapacity(ref _readBuffer, entry.Size);
        var record = _readBuffer.AsSpan(0, entry.Size);
        int read;
        try
        {
            read = _segments[entry.SegmentId].File.Read(entry.Offset, record);
        }
        catch (StorageIOException e)
        {
            return "read failed: " + e.Message;
        }

        if (read < entry.Size)
        {
            return "record cut short";
        }

        if (!StorageFormat.TryReadHeader(record, out header) || header.Size != entry.Size)
        {
            return "record length does not match the key directory";
        }

        var error = StorageFormat.CheckRecord(record, header);
        if (error is not null)
        {
            return error;
        }

        var names = record[StorageFormat.RecordHeaderBytes..];
        return header.Sequence != entry.Sequence ? "sequence does not match the key directory"
            : !names[..header.BucketLength].SequenceEqual(entry.Bucket)
                || !names.Slice(header.BucketLength, header.KeyLength).SequenceEqual(entry.Key) ? "bucket or key does not match the key directory"
            : null;
    }

    private SiblingSet? TryReadValue(in KeyEntry entry, out string? reason)
    {
        reason = ReadRecord(entry, out var header);
        if (reason is not null)
        {
            return null;
        }

        var stored = _readBuffer.AsSpan(StorageFormat.RecordHeaderBytes + header.BucketLength + header.KeyLength, header.StoredLength);
        var value = stored;
        if ((header.Flags & RecordFlags.Compressed) != 0)
        {
            if (_compressor is null)
            {
                reason = "the record is compressed and no compressor is configured";
                return null;
            }

            EnsureCapacity(ref _valueBuffer, header.ValueLength);
            if (!_compressor.TryDecompress(stored, _valueBuffer.AsSpan(0, header.ValueLength), out var written)
                || written != header.ValueLength)
            {
                reason = "the value does not decompress";
                return null;
            }

            value = _valueBuffer.AsSpan(0, written);
        }

        if (!SiblingSetCodec.TryDecode(value, out var set, out var error))
        {
            reason = "the sibling set does not decode: " + error;
            return null;
        }

        return set;
    }
}
