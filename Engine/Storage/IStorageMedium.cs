namespace Dynamo.Engine.Storage;

/// <summary>
/// One directory of files, as the storage engine sees it. The engine never touches the file system itself: the
/// server injects the real medium (<c>FileMedium</c>), tests inject <see cref="MemoryMedium"/> or
/// <see cref="FaultInjectingMedium"/>. Every failure surfaces as <see cref="StorageIOException"/>.
/// </summary>
public interface IStorageMedium
{
    /// <summary>The names of the files in the directory, sorted ordinally.</summary>
    IReadOnlyList<string> List();

    /// <summary>Creates a new empty file; throws <see cref="StorageIOException"/> if it exists.</summary>
    IStorageFile Create(string name);

    /// <summary>Opens an existing file for reading and appending.</summary>
    IStorageFile Open(string name);

    /// <summary>Deletes a file (durable only after <see cref="SyncDirectory"/>).</summary>
    void Delete(string name);

    /// <summary>Renames a file atomically, replacing <paramref name="to"/> if it exists.</summary>
    void Rename(string from, string to);

    /// <summary>Makes earlier creates, renames and deletes durable (fsync of the directory).</summary>
    void SyncDirectory();
}

/// <summary>One open file of an <see cref="IStorageMedium"/>. Not thread-safe.</summary>
public interface IStorageFile : IDisposable
{
    /// <summary>The current length of the file, in bytes, including appends not yet synced.</summary>
    long Length { get; }

    /// <summary>Appends bytes at the end of the file. They are not durable until <see cref="Sync"/>.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Reads from <paramref name="offset"/>; returns the bytes read (fewer only at the end of the file).</summary>
    int Read(long offset, Span<byte> destination);

    /// <summary>Makes every earlier append and truncation durable (fsync); throws <see cref="StorageIOException"/> on failure.</summary>
    void Sync();

    /// <summary>Cuts the file to <paramref name="length"/> bytes (durable after <see cref="Sync"/>).</summary>
    void Truncate(long length);
}

/// <summary>
/// A block compressor the shell injects (LZ4 lives in Protocol, which Engine may not reference).
/// </summary>
public interface IBlockCompressor
{
    /// <summary>The largest output <see cref="Compress"/> may produce for <paramref name="length"/> input bytes.</summary>
    int MaxCompressedLength(int length);

    /// <summary>Compresses <paramref name="source"/>; returns the bytes written, or 0 when it did not fit or is not smaller.</summary>
    int Compress(ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>Decompresses <paramref name="source"/>; false when the input is not valid or does not fit.</summary>
    bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written);
}
