namespace Dynamo.Engine.Storage;

/// <summary>
/// Compaction (Bitcask's merge) as an incremental state machine: plan, copy within a byte budget per step, then
/// seal the outputs, switch the key directory and delete the sources (docs/STORAGE.md, "Compaction").
/// </summary>
public sealed partial class LogStore
{
    /// <summary>
    /// Does up to about <paramref name="bytesBudget"/> bytes of compaction work (at least one record). Reads and
    /// writes may interleave freely between steps. Records keep their sequence numbers when copied, so a copy never
    /// wins over a later write of the same key, before or after a restart.
    /// </summary>
    /// <exception cref="StorageFailedException">The store has failed, or the medium failed during this step.</exception>
    public CompactionProgress CompactionStep(long bytesBudget)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        try
        {
            _compaction ??= PlanCompaction();
            if (_compaction is null)
            {
                return CompactionProgress.Idle;
            }

            var run = _compaction;
            do
            {
                if (run.Next == run.Items.Count)
                {
                    FinishCompaction(run);
                    _compaction = null;
                    return CompactionProgress.Completed;
                }

                bytesBudget -= CopyOne(run, run.Items[run.Next++]);
            }
            while (bytesBudget > 0);

            return CompactionProgress.Working;
        }
        catch (StorageIOException e)
        {
            throw Fail(e);
        }
    }

    private CompactionRun? PlanCompaction()
    {
        var sources = new Dictionary<ulong, Segment>();
        foreach (var segment in _segments.Values)
        {
            var recordBytes = segment.Length - StorageFormat.SegmentHeaderBytes;
            if (segment.Sealed && recordBytes > 0
                && segment.GarbageBytes >= _options.CompactionGarbageRatioMin * recordBytes)
            {
                sources.Add(segment.Id, segment);
            }
        }

        if (sources.Count == 0)
        {
            return null;
        }

        // Copy in sequence order, so every segment's sequences rise with the offset (recovery relies on it to
        // bound a corrupt record's sequence).
        var items = _keys.Entries().Where(e => sources.ContainsKey(e.SegmentId)).OrderBy(e => e.Sequence).ToList();
        return new CompactionRun([.. sources.Values], items);
    }

    /// <summary>Copies one record (or writes a loss marker for a corrupt one); returns the bytes it cost.</summary>
    private long CopyOne(CompactionRun run, KeyEntry item)
    {
        ref var entry = ref _keys.Find(item.Bucket, item.Key);
        if (IsNull(ref entry) || entry.SegmentId != item.SegmentId || entry.Offset != item.Offset)
        {
            return 1; // overwritten since the plan: the old record is garbage.
        }

        var error = ReadRecord(item, out var header);
        ReadOnlySpan<byte> record;
        RecordFlags flags;
        if (error is null)
        {
            record = _readBuffer.AsSpan(0, header.Size);
            flags = header.Flags;
        }
        else
        {
            if (!entry.IsAbsent)
            {
                MarkCorrupt(ref entry, error);
            }

            var size = StorageFormat.RecordHeaderBytes + item.Bucket.Length + item.Key.Length;
            EnsureCapacity(ref _recordBuffer, size);
            var marker = _recordBuffer.AsSpan(0, size);
            StorageFormat.WriteRecordPrefix(marker, item.Sequence, RecordFlags.Lost, item.Bucket, item.Key, 0, 0);
            StorageFormat.SealRecord(marker);
            record = marker;
            flags = RecordFlags.Lost;
        }

        var output = run.Output;
        if (output is null || (output.Length > StorageFormat.SegmentHeaderBytes && output.Length + record.Length > _options.SegmentBytesMax))
        {
            if (output is not null)
            {
                Seal(output);
            }

            output = run.Output = CreateSegment();
            run.Outputs.Add(output);
        }

        var offset = output.Length;
        output.File.Append(record);
        output.Length += record.Length;
        output.Pending!.Add(new SegmentIndexEntry(item.Sequence, offset, record.Length, flags, item.Bucket, item.Key));
        run.Moves.Add(new Move(item, output.Id, offset, record.Length, flags));
        _bytesCompacted += record.Length;
        return record.Length;
    }

    /// <summary>
    /// Makes the copies durable (segments, their index files, directory), then points the key directory at every copy whose
    /// source is still the key's latest record, then deletes the sources.
    /// </summary>
    private void FinishCompaction(CompactionRun run)
    {
        if (run.Output is not null)
        {
            Seal(run.Output);
        }

        // A source may hold the only durable record of a key whose later write sits unsynced in the active segment
        // (so the plan did not copy it). Deleting the source before that write is durable would lose both on a crash.
        if (HasUnsyncedWrites)
        {
            _active.File.Sync();
            HasUnsyncedWrites = false;
        }

        _medium.SyncDirectory();
        foreach (var move in run.Moves)
        {
            ref var entry = ref _keys.Find(move.From.Bucket, move.From.Key);
            if (IsNull(ref entry) || entry.SegmentId != move.From.SegmentId || entry.Offset != move.From.Offset)
            {
                continue;
            }

            Release(entry);
            var corrupt = entry.CorruptOnRead && (move.Flags & RecordFlags.Lost) == 0;
            Point(ref entry, entry.Sequence, move.ToSegment, move.ToOffset, move.Size, move.Flags, corrupt);
        }

        foreach (var source in run.Sources)
        {
            Invariant.Check(source.LiveBytes == 0);
            source.File.Dispose();
            _segments.Remove(source.Id);
            _medium.Delete(StorageFormat.SegmentName(source.Id));
            _medium.Delete(StorageFormat.IndexName(source.Id));
        }

        _medium.SyncDirectory();
        _compactions++;
    }

    private readonly record struct Move(KeyEntry From, ulong ToSegment, long ToOffset, int Size, RecordFlags Flags);

    private sealed class CompactionRun(List<Segment> sources, List<KeyEntry> items)
    {
        public List<Segment> Sources { get; } = sources;

        public List<KeyEntry> Items { get; } = items;

        public int Next { get; set; }

        public Segment? Output { get; set; }

        public List<Segment> Outputs { get; } = [];

        public List<Move> Moves { get; } = [];
    }
}
