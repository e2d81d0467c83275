namespace Dynamo.Engine.Storage;

/// <summary>
/// An in-memory medium that simulates power loss and disk faults, deterministically from a random source the caller
/// passes in: the <c>Next(int)</c> method of a seeded <c>System.Random</c> (Engine never creates or names one). It
/// tracks, for every file, the content made durable by the last <see cref="IStorageFile.Sync"/>, and for the
/// directory, the names made durable by the last <see cref="SyncDirectory"/>. <see cref="Crash"/> then keeps, drops or
/// tears what was not synced. Not thread-safe.
/// </summary>
public sealed class FaultInjectingMedium : IStorageMedium
{
    private readonly Func<int, int> _next;
    private readonly List<(long Offset, int Bit, Inode File)> _readFlips = [];
    private Dictionary<string, Inode> _names = new(StringComparer.Ordinal);
    private Dictionary<string, Inode> _durableNames = new(StringComparer.Ordinal);
    private List<DirectoryOperation> _unsyncedOperations = [];
    private int _generation;
    private bool _failNextSync;
    private int _operationsUntilPowerCut = -1;

    /// <summary>
    /// Creates an empty medium drawing every fault decision from <paramref name="next"/>, which returns a number in
    /// [0, n) for n: pass <c>seededRandom.Next</c>.
    /// </summary>
    public FaultInjectingMedium(Func<int, int> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        _next = next;
    }

    /// <summary>When set, every file and directory sync fails with <see cref="StorageIOException"/>.</summary>
    public bool FailAllSyncs { get; set; }

    /// <summary>Chance (0 to 1) that a read returns its data with one random bit flipped.</summary>
    public double ReadCorruptionProbability { get; set; }

    /// <summary>Crashes simulated so far.</summary>
    public int Crashes { get; private set; }

    /// <summary>Unsynced bytes torn (partly kept, maybe with garbage) or dropped by crashes so far.</summary>
    public long UnsyncedBytesLost { get; private set; }

    /// <summary>
    /// Cuts the power after <paramref name="operations"/> more changes (create, delete, rename, append, truncate,
    /// sync): from then on every change throws <see cref="StorageIOException"/> until <see cref="Crash"/>. This lands a
    /// crash in the middle of a store operation (a segment roll, a compaction switch, a recovery).
    /// </summary>
    public void CutPowerAfter(int operations) => _operationsUntilPowerCut = operations;

    /// <summary>The next file sync fails with <see cref="StorageIOException"/> and makes nothing durable.</summary>
    public void FailNextSync() => _failNextSync = true;

    /// <summary>Every later read of byte <paramref name="offset"/> of the file named <paramref name="name"/> sees bit <paramref name="bit"/> flipped.</summary>
    public void FlipBitOnRead(string name, long offset, int bit = 0) => _readFlips.Add((offset, bit & 7, Find(name)));

    /// <summary>The current bytes of a file.</summary>
    public byte[] GetBytes(string name)
    {
        var file = Find(name);
        return file.Current.Bytes.AsSpan(0, (int)file.Current.Length).ToArray();
    }

    /// <summary>Replaces the bytes of a file, durably (for tests that damage files).</summary>
    public void SetBytes(string name, ReadOnlySpan<byte> bytes)
    {
        var file = Find(name);
        file.Current.Length = 0;
        file.Current.Append(bytes);
        file.Durable = bytes.ToArray();
    }

    /// <summary>
    /// Simulates a power loss. Handles opened before it stop working. The directory comes back as of its last sync,
    /// with each later create, rename and delete replayed or lost at random (in order, skipping any that no longer
    /// applies). Each surviving file comes back with its synced content, and its unsynced appends kept, dropped, or
    /// torn: a random prefix kept, sometimes followed by garbage.
    /// </summary>
    public void Crash()
    {
        Crashes++;
        _generation++;
        _operationsUntilPowerCut = -1;
        var names = new Dictionary<string, Inode>(_durableNames, StringComparer.Ordinal);
        foreach (var operation in _unsyncedOperations)
        {
            if (_next(2) == 0)
            {
                continue;
            }

            switch (operation.Kind)
            {
                case DirectoryOperationKind.Create:
                    names.TryAdd(operation.Name, operation.File!);
                    break;
                case DirectoryOperationKind.Delete:
                    if (names.TryGetValue(operation.Name, out var deleted) && deleted == operation.File)
                    {
                        names.Remove(operation.Name);
                    }

                    break;
                default:
                    if (names.TryGetValue(operation.Name, out var moved) && moved == operation.File)
                    {
                        names.Remove(operation.Name);
                        names[operation.To!] = moved;
                    }

                    break;
            }
        }

        foreach (var file in names.Values.Distinct())
        {
            CrashContent(file);
        }

        _names = names;
        _durableNames = new Dictionary<string, Inode>(names, StringComparer.Ordinal);
        _unsyncedOperations = [];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> List() => [.. _names.Keys.Order(StringComparer.Ordinal)];

    /// <inheritdoc/>
    public IStorageFile Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Change(name);
        if (_names.ContainsKey(name))
        {
            throw new StorageIOException(name, "The file already exists.");
        }

        var file = new Inode();
        _names.Add(name, file);
        _unsyncedOperations.Add(new DirectoryOperation(DirectoryOperationKind.Create, name, null, file));
        return new Handle(this, name, file, _generation);
    }

    /// <inheritdoc/>
    public IStorageFile Open(string name) => new Handle(this, name, Find(name), _generation);

    /// <inheritdoc/>
    public void Delete(string name)
    {
        Change(name);
        var file = Find(name);
        _names.Remove(name);
        _unsyncedOperations.Add(new DirectoryOperation(DirectoryOperationKind.Delete, name, null, file));
    }

    /// <inheritdoc/>
    public void Rename(string from, string to)
    {
        Change(from);
        var file = Find(from);
        _names.Remove(from);
        _names[to] = file;
        _unsyncedOperations.Add(new DirectoryOperation(DirectoryOperationKind.Rename, from, to, file));
    }

    /// <inheritdoc/>
    public void SyncDirectory()
    {
        Change(".");
        if (FailAllSyncs)
        {
            throw new StorageIOException(".", "Injected directory fsync failure.");
        }

        _durableNames = new Dictionary<string, Inode>(_names, StringComparer.Ordinal);
        _unsyncedOperations = [];
    }

    private void Change(string name)
    {
        if (_operationsUntilPowerCut == 0)
        {
            throw new StorageIOException(name, "Injected power cut: the medium is gone.");
        }

        if (_operationsUntilPowerCut > 0)
        {
            _operationsUntilPowerCut--;
        }
    }

    private Inode Find(string name) =>
        _names.TryGetValue(name, out var file) ? file : throw new StorageIOException(name, "The file does not exist.");

    private void CrashContent(Inode file)
    {
        var current = file.Current.Bytes.AsSpan(0, (int)file.Current.Length);
        var durable = file.Durable;
        byte[] result;
        if (current.Length >= durable.Length && current[..durable.Length].SequenceEqual(durable))
        {
            var unsynced = current[durable.Length..];
            var kept = _next(3) switch
            {
                0 => unsynced.Length,
                1 => 0,
                _ => _next(unsynced.Length + 1),
            };
            var garbage = kept < unsynced.Length && _next(2) == 0 ? 1 + _next(unsynced.Length - kept) : 0;
            result = new byte[durable.Length + kept + garbage];
            current[..(durable.Length + kept)].CopyTo(result);
            foreach (ref var b in result.AsSpan(durable.Length + kept))
            {
                b = (byte)_next(256);
            }
            UnsyncedBytesLost += unsynced.Length - kept;
        }
        else
        {
            // Truncated since the last sync: either the truncation reached the disk or it did not.
            result = _next(2) == 0 ? durable.ToArray() : current.ToArray();
        }

        file.Current = new MemoryFileData();
        file.Current.Append(result);
        file.Durable = result.ToArray();
    }

    private void Sync(string name, Inode file)
    {
        Change(name);
        if (FailAllSyncs || _failNextSync)
        {
            _failNextSync = false;
            throw new StorageIOException(name, "Injected fsync failure (EIO).");
        }

        file.Durable = file.Current.Bytes.AsSpan(0, (int)file.Current.Length).ToArray();
    }

    private int Read(Inode file, long offset, Span<byte> destination)
    {
        var read = file.Current.Read(offset, destination);
        foreach (var (flipOffset, bit, flipped) in _readFlips)
        {
            if (flipped == file && flipOffset >= offset && flipOffset < offset + read)
            {
                destination[(int)(flipOffset - offset)] ^= (byte)(1 << bit);
            }
        }

        if (read > 0 && ReadCorruptionProbability > 0 && _next(1 << 24) < ReadCorruptionProbability * (1 << 24))
        {
            destination[_next(read)] ^= (byte)(1 << _next(8));
        }

        return read;
    }

    private enum DirectoryOperationKind
    {
        Create,
        Delete,
        Rename,
    }

    private sealed record DirectoryOperation(DirectoryOperationKind Kind, string Name, string? To, Inode? File);

    /// <summary>A file's content, independent of its names.</summary>
    private sealed class Inode
    {
        public MemoryFileData Current { get; set; } = new();

        public byte[] Durable { get; set; } = [];
    }

    private sealed class Handle(FaultInjectingMedium medium, string name, Inode file, int generation) : IStorageFile
    {
        private bool _disposed;

        public long Length
        {
            get
            {
                Check();
                return file.Current.Length;
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            Check();
            medium.Change(name);
            file.Current.Append(data);
        }

        public int Read(long offset, Span<byte> destination)
        {
            Check();
            return medium.Read(file, offset, destination);
        }

        public void Sync()
        {
            Check();
            medium.Sync(name, file);
        }

        public void Truncate(long length)
        {
            Check();
            medium.Change(name);
            file.Current.Truncate(length);
        }

        public void Dispose() => _disposed = true;

        private void Check()
        {
            if (_disposed || generation != medium._generation)
            {
                throw new StorageIOException(name, "The file handle is closed (or the medium crashed since it was opened).");
            }
        }
    }
}
