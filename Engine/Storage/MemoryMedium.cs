namespace Dynamo.Engine.Storage;

/// <summary>
/// A medium held in memory: every operation is durable at once, nothing ever fails. For tests and for a node run
/// without a data directory. Not thread-safe.
/// </summary>
public sealed class MemoryMedium : IStorageMedium
{
    private readonly SortedDictionary<string, MemoryFileData> _files = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public IReadOnlyList<string> List() => [.. _files.Keys];

    /// <inheritdoc/>
    public IStorageFile Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_files.ContainsKey(name))
        {
            throw new StorageIOException(name, "The file already exists.");
        }

        var data = new MemoryFileData();
        _files.Add(name, data);
        return new MemoryFile(name, data);
    }

    /// <inheritdoc/>
    public IStorageFile Open(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _files.TryGetValue(name, out var data)
            ? new MemoryFile(name, data)
            : throw new StorageIOException(name, "The file does not exist.");
    }

    /// <inheritdoc/>
    public void Delete(string name)
    {
        if (!_files.Remove(name))
        {
            throw new StorageIOException(name, "The file does not exist.");
        }
    }

    /// <inheritdoc/>
    public void Rename(string from, string to)
    {
        if (!_files.Remove(from, out var data))
        {
            throw new StorageIOException(from, "The file does not exist.");
        }

        _files[to] = data;
    }

    /// <inheritdoc/>
    public void SyncDirectory()
    {
    }

    /// <summary>The bytes of a file, for tests that damage or inspect it.</summary>
    public byte[] GetBytes(string name) => _files[name].Bytes.AsSpan(0, (int)_files[name].Length).ToArray();

    /// <summary>Sets the bytes of a file, creating it when missing (for tests).</summary>
    public void SetBytesOrCreate(string name, ReadOnlySpan<byte> bytes)
    {
        if (!_files.ContainsKey(name))
        {
            _files.Add(name, new MemoryFileData());
        }

        SetBytes(name, bytes);
    }

    /// <summary>Replaces the bytes of a file, for tests that damage it.</summary>
    public void SetBytes(string name, ReadOnlySpan<byte> bytes)
    {
        var data = _files[name];
        data.Length = 0;
        data.Append(bytes);
    }
}

/// <summary>The growable contents of one in-memory file.</summary>
internal sealed class MemoryFileData
{
    public byte[] Bytes { get; private set; } = [];

    public long Length { get; set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        var needed = Length + data.Length;
        if (needed > Bytes.Length)
        {
            var grown = new byte[Math.Max(needed, Math.Max(256, (long)Bytes.Length * 2))];
            Bytes.AsSpan(0, (int)Length).CopyTo(grown);
            Bytes = grown;
        }

        data.CopyTo(Bytes.AsSpan((int)Length));
        Length = needed;
    }

    public int Read(long offset, Span<byte> destination)
    {
        if (offset >= Length)
        {
            return 0;
        }

        var count = (int)Math.Min(destination.Length, Length - offset);
        Bytes.AsSpan((int)offset, count).CopyTo(destination);
        return count;
    }

    public void Truncate(long length)
    {
        if (length < Length)
        {
            Length = length;
        }
    }
}

/// <summary>A handle on an in-memory file.</summary>
internal sealed class MemoryFile(string name, MemoryFileData data) : IStorageFile
{
    private bool _disposed;

    public long Length => data.Length;

    public void Append(ReadOnlySpan<byte> data1)
    {
        CheckOpen();
        data.Append(data1);
    }

    public int Read(long offset, Span<byte> destination)
    {
        CheckOpen();
        return data.Read(offset, destination);
    }

    public void Sync() => CheckOpen();

    public void Truncate(long length)
    {
        CheckOpen();
        data.Truncate(length);
    }

    public void Dispose() => _disposed = true;

    private void CheckOpen()
    {
        if (_disposed)
        {
            throw new StorageIOException(name, "The file handle is closed.");
        }
    }
}
