using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;
using Dynamo.Server.Options;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Storage;

/// <summary>
/// A node's replica store with its durability policy: opens it (choosing the epoch), syncs it when the mode says
/// so, drives compaction in the background, reports it in Info, and closes it with a clean-shutdown marker. Only the
/// node loop calls it while the node runs (the store is not thread-safe); <see cref="Close"/> runs after the loop
/// stopped.
/// </summary>
/// <remarks>
/// The epoch rule (docs/SERVER.md, "Epoch"): a node must take a new epoch whenever it may have lost a version it
/// minted and let out, because its next write to that key would mint the same dot again with a different value,
/// and replicas that hold the old one would treat the two as the same version (Riak's KV679). It keeps its epoch
/// only when nothing can have been lost: the store was closed cleanly (final fsync, then a durable marker), or the
/// mode is <see cref="DurabilityMode.Always"/> (no acknowledgement or replica write leaves before its fsync), and in
/// both cases recovery found no torn or corrupt record.
/// </remarks>
internal sealed class NodeStorage
{
    /// <summary>The marker a clean stop leaves in the data directory, after the final fsync.</summary>
    public const string CleanShutdownFileName = "clean-shutdown";

    /// <summary>The store's folder inside the data directory.</summary>
    public const string StoreFolderName = "store";

    /// <summary>The hint store's folder inside the data directory.</summary>
    public const string HintsFolderName = "hints";

    private readonly LogStore? _log;
    private LogHintStore? _hintLog;
    private readonly string _dataDirectory;
    private string? _lastSyncError;
    private long _lastSyncMs;
    private long _lastCompactionMs;
    private bool _closed;

    private NodeStorage(IReplicaStore store, LogStore? log, ServerOptions options, string dataDirectory, ILogger logger)
    {
        Store = store;
        _log = log;
        _dataDirectory = dataDirectory;
        Logger = logger;
        Durability = options.Durability;
        SyncIntervalMs = options.SyncIntervalMs;
        CompactionBytesPerSecond = options.CompactionBytesPerSecond;
    }

    /// <summary>The cluster state kept in the data directory when the node started (<see cref="RingFile"/>), or null.</summary>
    public KeptClusterState? StoredState { get; private set; }

    /// <summary>Where storage events are logged; the host swaps in its own logger once it is built.</summary>
    public ILogger Logger { get; set; }

    /// <summary>The store the core writes to.</summary>
    public IReplicaStore Store { get; }

    /// <summary>Where this node keeps hints for nodes believed down: durable with the log store, else in memory.</summary>
    public IHintStore Hints { get; private set; } = null!;

    /// <summary>The durable hint store, or null for the memory store.</summary>
    public LogHintStore? HintLog => _hintLog;

    /// <summary>The log store, or null for the memory store.</summary>
    public LogStore? Log => _log;

    /// <summary>The durability mode.</summary>
    public DurabilityMode Durability { get; }

    /// <summary>The fsync period in interval mode.</summary>
    public int SyncIntervalMs { get; }

    /// <summary>The compaction rate; 0 is off.</summary>
    public long CompactionBytesPerSecond { get; }

    /// <summary>The epoch this start runs with.</summary>
    public uint Epoch { get; private set; }

    /// <summary>Why the epoch was kept or advanced, for the start-up log.</summary>
    public string EpochReason { get; private set; } = string.Empty;

    /// <summary>How long opening the store took.</summary>
    public long RecoveryMs { get; private set; }

    /// <summary>
    /// Opens the node's store (the log store over <paramref name="medium"/>, by default a <see cref="FileMedium"/>
    /// in <c>&lt;data&gt;/store</c>, or the memory store) and takes the epoch by the rule above. Deletes the
    /// clean-shutdown marker durably before returning, so a crash from now on is seen as one.
    /// </summary>
    /// <exception cref="StorageIOException">The store's files cannot be read or written.</exception>
    /// <exception cref="StorageFormatException">A file of the store has an unknown format version.</exception>
    /// <exception cref="EpochFileException">The epoch file cannot be trusted.</exception>
    /// <exception cref="RingFileException">The ring file cannot be trusted.</exception>
    public static NodeStorage Open(
        ServerOptions options, string dataDirectory, IStorageMedium? medium, ILogger logger, IStorageMedium? hintMedium = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var now = TimeProvider.System.GetUtcNow();
        var storedRing = RingFile.Read(dataDirectory);
        if (options.EffectiveStore == StoreKind.Memory)
        {
            var memory = new NodeStorage(new InMemoryReplicaStore(), null, options, dataDirectory, logger)
            {
                Hints = new InMemoryHintStore(options.HintsPerTargetMax),
                StoredState = storedRing,
            };
            memory.Epoch = EpochFile.Advance(dataDirectory, now);
            memory.EpochReason = "the memory store starts empty";
            return memory;
        }

        medium ??= new FileMedium(Path.Combine(dataDirectory, StoreFolderName));
        var marker = Path.Combine(dataDirectory, CleanShutdownFileName);
        var clean = File.Exists(marker);
        var existed = medium.List().Count > 0;
        var clock = Stopwatch.StartNew();
        NodeStorage? self = null;
        var log = LogStore.Open(
            medium,
            new LogStoreOptions
            {
                SegmentBytesMax = options.SegmentBytes,
                CompactionGarbageRatioMin = options.CompactionGarbageRatio,
                CorruptRecordObserved = record => Server.Log.CorruptRecord(
                    self?.Logger ?? logger, record.SegmentId, record.Offset, Printable(record.Bucket), Printable(record.Key), record.Reason),
            },
            Lz4BlockCompressor.Instance);
        LogHintStore hints;
        try
        {
            hints = LogHintStore.Open(
                hintMedium ?? new FileMedium(Path.Combine(dataDirectory, HintsFolderName)),
                new LogStoreOptions
                {
                    SegmentBytesMax = options.SegmentBytes,
                    CompactionGarbageRatioMin = options.CompactionGarbageRatio,
                    CorruptRecordObserved = record => Server.Log.CorruptRecord(
                        self?.Logger ?? logger, record.SegmentId, record.Offset, "(hint) " + Printable(record.Bucket), Printable(record.Key), record.Reason),
                },
                Lz4BlockCompressor.Instance,
                options.HintsPerTargetMax);
        }
        catch
        {
            log.Dispose();
            throw;
        }

        var storage = new NodeStorage(log, log, options, dataDirectory, logger)
        {
            StoredState = storedRing,
            RecoveryMs = clock.ElapsedMilliseconds,
            Hints = hints,
            _hintLog = hints,
        };
        self = storage;
        var recovery = log.Recovery;
        Server.Log.StoreRecovered(
            logger, recovery.SegmentsRead, recovery.SegmentsFromIndex, recovery.SegmentsScanned, recovery.IndexFilesRenamed,
            recovery.Records, recovery.TornBytesTruncated, recovery.CorruptRecords.Count, storage.RecoveryMs);

        var stored = EpochFile.Read(dataDirectory);
        var lost = recovery.TornBytesTruncated > 0 || recovery.CorruptRecords.Count > 0;

        // After a crash, a hint this node kept of its own write may have outlived the write itself in the replica
        // store (the two logs are separate files): minting on would reuse that write's dot.
        var hintsAhead = stored != 0 && existed && !lost && !clean
            && hints.NamesVersionsUnknownTo(log, new Actor(options.Node, stored), out _);
        (var keep, storage.EpochReason) = (stored, existed, lost || hintsAhead, clean, options.Durability) switch
        {
            (0, _, _, _, _) => (false, "no epoch yet"),
            (_, false, _, _, _) => (false, "no store yet"),
            (_, _, true, _, _) when hintsAhead => (false, "the hint store holds a version of this node that the replica store lost"),
            (_, _, true, _, _) => (false, "recovery truncated torn bytes or skipped corrupt records"),
            (_, _, _, true, _) => (true, "the store was closed cleanly"),
            (_, _, _, _, DurabilityMode.Always) => (true, "in always mode nothing left the node before its fsync"),
            _ => (false, $"a crash in {options.Durability} mode may have lost acknowledged writes"),
        };
        storage.Epoch = keep ? stored : EpochFile.Advance(dataDirectory, now);
        if (clean)
        {
            File.Delete(marker);
            Libc.FsyncDirectory(dataDirectory);
        }

        return storage;
    }

    /// <summary>
    /// Keeps the ring in force and the bucket table in the ring file; false, with the reason, when the file could not
    /// be written (the node goes on: the cluster still holds both, and gossip brings them back after a restart).
    /// </summary>
    public bool KeepClusterState(RingState ring, System.Collections.Immutable.ImmutableArray<BucketEntry> buckets, out string? failure)
    {
        failure = null;
        try
        {
            RingFile.Write(_dataDirectory, ring, buckets);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = e.Message;
            return false;
        }
    }

    /// <summary>
    /// The group-commit point of <see cref="DurabilityMode.Always"/>: fsyncs once when the batch wrote anything.
    /// False when the fsync failed: the caller must not let the batch's acknowledgements out.
    /// </summary>
    public bool SyncBatch(long nowMs)
    {
        if (Durability != DurabilityMode.Always || !HasUnsyncedWrites)
        {
            return true;
        }

        return TrySync(nowMs);
    }

    /// <summary>Whether the replica store or the hint store wrote since the last fsync.</summary>
    private bool HasUnsyncedWrites =>
        _log is { HasUnsyncedWrites: true, Failure: null } || _hintLog is { HasUnsyncedWrites: true, Failure: null };

    /// <summary>Time passes: the interval-mode fsync, and a step of compaction within its byte budget.</summary>
    public void OnTick(long nowMs)
    {
        if (_log is null || _log.Failure is not null)
        {
            return;
        }

        if (Durability == DurabilityMode.Interval && HasUnsyncedWrites && nowMs - _lastSyncMs >= SyncIntervalMs)
        {
            TrySync(nowMs);
        }

        if (CompactionBytesPerSecond > 0)
        {
            var elapsed = Math.Clamp(nowMs - _lastCompactionMs, 0, ServerLimits.CompactionStepMaxMs);
            _lastCompactionMs = nowMs;
            var budget = CompactionBytesPerSecond * elapsed / 1000;
            if (budget > 0)
            {
                Compact(budget);
            }
        }
    }

    /// <summary>The message of the failure that stopped writes; null while healthy.</summary>
    public string? Failure => _log?.Failure ?? _hintLog?.Failure ?? _lastSyncError;

    /// <summary>Appends the storage fields of the Info reply.</summary>
    public void AppendInfo(StringBuilder text)
    {
        var stats = _log?.Stats;
        void Line(string field, long value) => text.Append(field).Append(':').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("durability:").Append(Durability switch
        {
            DurabilityMode.Always => "always",
            DurabilityMode.Interval => "interval",
            _ => "none",
        }).Append('\n');
        text.Append("store:").Append(_log is null ? "memory" : "log").Append('\n');
        Line("segments", stats?.Segments ?? 0);
        Line("store_bytes", (stats?.LiveBytes ?? 0) + (stats?.GarbageBytes ?? 0));
        Line("garbage_bytes", stats?.GarbageBytes ?? 0);
        Line("corrupt_records", stats?.CorruptRecords ?? 0);
        Line("torn_bytes_truncated", stats?.TornBytesTruncated ?? 0);
        Line("compactions", stats?.Compactions ?? 0);
        Line("bytes_compacted", stats?.BytesCompacted ?? 0);
        text.Append("last_sync_error:").Append(OneLine(Failure) ?? "ok").Append('\n');
        Line("recovery_ms", RecoveryMs);
        Line("recovered_from_index", _log?.Recovery.SegmentsFromIndex ?? 0);
        text.Append("hint_store:").Append(_hintLog is null ? "memory" : "log").Append('\n');
        Line("hint_store_bytes", _hintLog is null ? 0 : _hintLog.Log.Stats.LiveBytes + _hintLog.Log.Stats.GarbageBytes);
    }

    /// <summary>
    /// A clean stop, after the node loop has stopped: the final fsync, then the clean-shutdown marker made durable
    /// (file fsync, directory fsync). No marker when the store has failed or the fsync fails.
    /// </summary>
    public void Close()
    {
        if (_closed || _log is null)
        {
            return;
        }

        _closed = true;
        try
        {
            if (_hintLog is { Failure: null })
            {
                _hintLog.Sync();
            }

            if (_log.Failure is null && _hintLog?.Failure is null)
            {
                _log.Sync();
                var marker = Path.Combine(_dataDirectory, CleanShutdownFileName);
                using (var handle = File.OpenHandle(marker, FileMode.Create, FileAccess.Write))
                {
                    RandomAccess.FlushToDisk(handle);
                }

                Libc.FsyncDirectory(_dataDirectory);
            }
        }
        catch (Exception error) when (error is StorageFailedException or IOException or UnauthorizedAccessException)
        {
            Server.Log.CloseFailed(Logger, error.Message);
        }
        finally
        {
            _hintLog?.Dispose();
            _log.Dispose();
        }
    }

    private bool TrySync(long nowMs)
    {
        _lastSyncMs = nowMs;
        try
        {
            // Hints first: a replica ack and a hint ack of the same batch both wait for this one group commit.
            _hintLog?.Sync();
            _log!.Sync();
            return true;
        }
        catch (StorageFailedException error)
        {
            _lastSyncError = _log!.Failure ?? _hintLog?.Failure ?? error.Message;
            Server.Log.StorageFailed(Logger, _lastSyncError);
            return false;
        }
    }

    private void Compact(long budget)
    {
        try
        {
            if (_log!.CompactionStep(budget) == CompactionProgress.Completed)
            {
                Server.Log.CompactionCompleted(Logger, _log.Stats.Compactions);
            }

            if (_hintLog is { Failure: null } && !_log.IsCompacting)
            {
                _hintLog.CompactionStep(budget);
            }
        }
        catch (StorageFailedException error)
        {
            _lastSyncError = _log!.Failure ?? error.Message;
            Server.Log.StorageFailed(Logger, _lastSyncError);
        }
    }

    private static string? OneLine(string? text) => text?.Replace('\n', ' ').Replace('\r', ' ');

    private static string Printable(byte[]? bytes) => bytes is null ? "(unreadable)" : Encoding.UTF8.GetString(bytes);
}
