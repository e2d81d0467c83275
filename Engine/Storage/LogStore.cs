using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Storage;

/// <summary>
/// The durable replica store: Bitcask's model (append-only segments, an in-memory key directory, hint files,
/// incremental compaction) with checksummed records, torn-tail recovery and fail-stop on I/O errors.
/// docs/STORAGE.md specifies the format. Only the node loop touches it: not thread-safe.
/// </summary>
public sealed class LogStore : IReplicaStore, IDisposable
{
    private LogStore()
    {
    }

    /// <summary>What opening found: segments, records, torn bytes truncated, corrupt records.</summary>
    public RecoveryReport Recovery { get; } = new();

    /// <inheritdoc/>
    public long KeyCount => throw new NotImplementedException();

    /// <summary>Null while healthy; the reason once an append or fsync failed (writes are then refused).</summary>
    public string? Failure { get; private set; }

    /// <summary>True when records were appended since the last <see cref="Sync"/>.</summary>
    public bool HasUnsyncedWrites { get; private set; }

    /// <summary>
    /// Opens the store on <paramref name="medium"/>, recovering from what is durable: hint files for sealed segments,
    /// a scan of unsealed ones, torn tails truncated. See <see cref="Recovery"/>.
    /// </summary>
    /// <exception cref="StorageIOException">The medium failed.</exception>
    /// <exception cref="StorageFormatException">A segment was written by an unknown format version.</exception>
    public static LogStore Open(IStorageMedium medium, LogStoreOptions options, IBlockCompressor? compressor)
    {
        ArgumentNullException.ThrowIfNull(medium);
        ArgumentNullException.ThrowIfNull(options);
        throw new NotImplementedException();
    }

    /// <summary>
    /// The stored set of a key, or null. A record failing its checksum is never served: the key reads as absent,
    /// is counted in <see cref="Stats"/> and reported through <see cref="LogStoreOptions.CorruptRecordObserved"/>.
    /// </summary>
    public SiblingSet? Read(byte[] bucket, byte[] key) => throw new NotImplementedException();

    /// <summary>Appends a record for the key to the active segment. Not durable until <see cref="Sync"/>.</summary>
    /// <exception cref="StorageFailedException">The store has failed, or this append failed.</exception>
    public void Write(byte[] bucket, byte[] key, SiblingSet set) => throw new NotImplementedException();

    /// <summary>
    /// Makes every earlier write durable (fsync of the active segment): the group-commit point the shell calls before
    /// sending the acknowledgements of a batch.
    /// </summary>
    /// <exception cref="StorageFailedException">The fsync failed (now or earlier); <see cref="Failure"/> says why.</exception>
    public void Sync() => throw new NotImplementedException();

    /// <summary>
    /// Does up to about <paramref name="bytesBudget"/> bytes of compaction work. Reads and writes may interleave
    /// freely between steps.
    /// </summary>
    public CompactionProgress CompactionStep(long bytesBudget) => throw new NotImplementedException();

    /// <summary>A snapshot of the counters.</summary>
    public StorageStats Stats => throw new NotImplementedException();

    /// <summary>Closes the files. Unsynced writes are not synced.</summary>
    public void Dispose()
    {
    }
}
