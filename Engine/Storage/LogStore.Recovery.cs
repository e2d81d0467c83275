using System.Runtime.CompilerServices;

namespace Dynamo.Engine.Storage;

/// <summary>Recovery: rebuilding the key directory from segment index files and segment scans (docs/STORAGE.md, "Recovery").</summary>
public sealed partial class LogStore
{
    /// <summary>
    /// The highest sequence of a valid record seen so far in recovery. A corrupt record's own sequence cannot be
    /// trusted, so its loss marker takes this one: higher than every older record of the key, in any earlier segment.
    /// </summary>
    private ulong _recoveryFloor;

    private void Recover()
    {
        var names = _medium.List();
        var segmentIds = new List<ulong>();
        var indexIds = new HashSet<ulong>();
        ulong maxId = 0;
        foreach (var name in names)
        {
            if (name.EndsWith(StorageFormat.TemporarySuffix, StringComparison.Ordinal))
            {
                _medium.Delete(name);
                Recovery.IncompleteFilesRemoved++;
            }
            else if (StorageFormat.TryParseId(name, StorageFormat.SegmentSuffix, out var id))
            {
                segmentIds.Add(id);
                maxId = Math.Max(maxId, id);
            }
            else if (StorageFormat.TryParseId(name, StorageFormat.IndexSuffix, out id))
            {
                indexIds.Add(id);
                maxId = Math.Max(maxId, id);
            }
            else if (StorageFormat.TryParseId(name, StorageFormat.LegacyIndexSuffix, out id))
            {
                RenameLegacyIndex(id);
                indexIds.Add(id);
                maxId = Math.Max(maxId, id);
            }
        }

        _nextSegmentId = maxId + 1;
        segmentIds.Sort();
        var scanned = new List<(Segment Segment, List<SegmentIndexEntry> Entries)>();
        foreach (var id in segmentIds)
        {
            var segment = OpenSegment(id);
            if (segment is null)
            {
                continue;
            }

            Recovery.SegmentsRead++;
            if (indexIds.Contains(id) && TryLoadIndex(segment))
            {
                Recovery.SegmentsFromIndex++;
                segment.Sealed = true;
            }
            else
            {
                Recovery.SegmentsScanned++;
                scanned.Add((segment, Scan(segment)));
            }
        }

        foreach (var id in indexIds)
        {
            if (!_segments.ContainsKey(id))
            {
                _medium.Delete(StorageFormat.IndexName(id));
                Recovery.IncompleteFilesRemoved++;
            }
        }

        foreach (var (segment, entries) in scanned)
        {
            SealScanned(segment, entries);
        }

        _nextSequence = _recoveryFloor + 1;
        _medium.SyncDirectory();
    }

    /// <summary>
    /// Gives a segment index file written under the former name (<c>*.hint</c>) its name, so that it is read like any
    /// other and everything after recovery knows one name. The rename replaces an <c>*.idx</c> of the same segment: this
    /// version renames every <c>*.hint</c> it finds, so one beside an <c>*.idx</c> was written later, by an earlier
    /// version run on the directory since. The file is checked when it is read, as any index file is; the directory
    /// is synced at the end of recovery, and a crash before that leaves one of the two names, both of which are read.
    /// </summary>
    private void RenameLegacyIndex(ulong id)
    {
        _medium.Rename(StorageFormat.LegacyIndexName(id), StorageFormat.IndexName(id));
        Recovery.IndexFilesRenamed++;
    }

    /// <summary>Opens a segment and checks its header; null when it was removed (incomplete) or skipped (corrupt header).</summary>
    private Segment? OpenSegment(ulong id)
    {
        var name = StorageFormat.SegmentName(id);
        var file = _medium.Open(name);
        var length = file.Length;
        if (length <= StorageFormat.SegmentHeaderBytes)
        {
            // No room for a record. Either empty, or created and cut by a crash before its header was synced (a torn
            // header may be garbage): CreateSegment syncs the header before any record is appended.
            file.Dispose();
            _medium.Delete(name);
            Recovery.IncompleteFilesRemoved++;
            return null;
        }

        Span<byte> header = stackalloc byte[StorageFormat.SegmentHeaderBytes];
        file.Read(0, header);
        string? error;
        try
        {
            error = StorageFormat.CheckSegmentHeader(header, id);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        if (error is not null)
        {
            file.Dispose();
            AddRecoveryCorrupt(new CorruptRecord(id, 0, null, null, error + "; the segment is skipped"));
            return null;
        }

        var segment = new Segment(id, file, length);
        _segments.Add(id, segment);
        return segment;
    }

    private bool TryLoadIndex(Segment segment)
    {
        var name = StorageFormat.IndexName(segment.Id);
        List<SegmentIndexEntry>? entries = null;
        using (var file = _medium.Open(name))
        {
            if (file.Length <= Limits.StorageIndexFileBytesMax)
            {
                var bytes = new byte[file.Length];
                var read = file.Read(0, bytes);
                entries = read == bytes.Length ? SegmentIndexFile.TryDecode(bytes, segment.Id, segment.Length, out _) : null;
            }
        }

        if (entries is null)
        {
            Recovery.BadIndexFiles++;
            return false;
        }

        foreach (var entry in entries)
        {
            Recovery.Records++;
            Apply(segment, entry);
            if ((entry.Flags & RecordFlags.Lost) == 0 || entry.Sequence > _recoveryFloor)
            {
                _recoveryFloor = Math.Max(_recoveryFloor, entry.Sequence);
            }
        }

        return true;
    }

    /// <summary>
    /// Reads a segment record by record. Bad records followed by a valid one are corrupt (counted, reported, their
    /// keys marked lost); bad bytes after the last valid record are a torn tail and are cut off.
    /// </summary>
    private List<SegmentIndexEntry> Scan(Segment segment)
    {
        var entries = new List<SegmentIndexEntry>();
        var suspects = new List<(long Offset, RecordHeader Header, byte[]? Bucket, byte[]? Key, string Reason)>();
        var position = (long)StorageFormat.SegmentHeaderBytes;
        var lastGoodEnd = position;
        Span<byte> headerBytes = stackalloc byte[StorageFormat.RecordHeaderBytes];
        while (segment.Length - position >= StorageFormat.RecordHeaderBytes)
        {
            segment.File.Read(position, headerBytes);
            if (!StorageFormat.TryReadHeader(headerBytes, out var header) || header.Size > segment.Length - position)
            {
                break;
            }

            EnsureCapacity(ref _readBuffer, header.Size);
            var record = _readBuffer.AsSpan(0, header.Size);
            segment.File.Read(position, record);
            var error = StorageFormat.CheckRecord(record, header);
            var (bucket, key) = StorageFormat.KeyIsReadable(header)
                ? (record.Slice(StorageFormat.RecordHeaderBytes, header.BucketLength).ToArray(),
                   record.Slice(StorageFormat.RecordHeaderBytes + header.BucketLength, header.KeyLength).ToArray())
                : ((byte[]?)null, (byte[]?)null);
            if (error is not null)
            {
                suspects.Add((position, header, bucket, key, error));
                position += header.Size;
                continue;
            }

            FlushSuspects(segment, suspects, entries);
            var entry = new SegmentIndexEntry(header.Sequence, position, header.Size, header.Flags, bucket!, key!);
            entries.Add(entry);
            Recovery.Records++;
            Apply(segment, entry);
            _recoveryFloor = Math.Max(_recoveryFloor, header.Sequence);
            position += header.Size;
            lastGoodEnd = position;
        }

        var torn = segment.Length - lastGoodEnd;
        if (torn > 0)
        {
            segment.File.Truncate(lastGoodEnd);
            segment.File.Sync();
            segment.Length = lastGoodEnd;
            Recovery.TornBytesTruncated += torn;
        }

        return entries;
    }

    /// <summary>Reports bad records that a later valid record proves are not a torn tail, and marks their keys lost.</summary>
    private void FlushSuspects(
        Segment segment, List<(long Offset, RecordHeader Header, byte[]? Bucket, byte[]? Key, string Reason)> suspects,
        List<SegmentIndexEntry> entries)
    {
        foreach (var (offset, header, bucket, key, reason) in suspects)
        {
            AddRecoveryCorrupt(new CorruptRecord(segment.Id, offset, bucket, key, reason));
            if (bucket is not null && key is not null)
            {
                var lost = new SegmentIndexEntry(_recoveryFloor, offset, header.Size, RecordFlags.Lost, bucket, key);
                entries.Add(lost);
                Apply(segment, lost);
            }
        }

        suspects.Clear();
    }

    private void AddRecoveryCorrupt(CorruptRecord record)
    {
        Recovery.AddCorrupt(record);
        Report(record);
    }

    /// <summary>
    /// Puts a record found in recovery into the key directory when it is the key's latest: the higher sequence wins;
    /// on a tie (a compaction copy of the same record) a loss marker wins, else the first seen stays.
    /// </summary>
    private void Apply(Segment segment, in SegmentIndexEntry found)
    {
        ref var entry = ref _keys.FindOrAdd(found.Bucket.AsSpan(), found.Key.AsSpan(), out var added);
        if (!added)
        {
            var newer = found.Sequence > entry.Sequence
                || (found.Sequence == entry.Sequence && (found.Flags & RecordFlags.Lost) != 0 && (entry.Flags & RecordFlags.Lost) == 0);
            if (!newer)
            {
                return;
            }

            Release(entry);
        }

        Point(ref entry, found.Sequence, segment.Id, found.Offset, found.Size, found.Flags, corruptOnRead: false);
    }

    /// <summary>Gives a scanned segment an index file (so the next start reads it from there), or removes it when empty.</summary>
    private void SealScanned(Segment segment, List<SegmentIndexEntry> entries)
    {
        if (entries.Count == 0 && segment.Length == StorageFormat.SegmentHeaderBytes)
        {
            Invariant.Check(segment.LiveBytes == 0);
            segment.File.Dispose();
            _segments.Remove(segment.Id);
            _medium.Delete(StorageFormat.SegmentName(segment.Id));
            DeleteIndexIfPresent(segment.Id);
            return;
        }

        WriteIndex(segment, entries);
        segment.Sealed = true;
    }

    private void DeleteIndexIfPresent(ulong id)
    {
        var name = StorageFormat.IndexName(id);
        if (_medium.List().Contains(name, StringComparer.Ordinal))
        {
            _medium.Delete(name);
        }
    }

    private static bool IsNull(ref KeyEntry entry) => Unsafe.IsNullRef(ref entry);
}
