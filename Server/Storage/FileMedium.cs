using Dynamo.Engine.Storage;
using Microsoft.Win32.SafeHandles;

namespace Dynamo.Server.Storage;

/// <summary>
/// The real <see cref="IStorageMedium"/>: one directory on disk. Files are opened with
/// <see cref="File.OpenHandle"/> and used through <see cref="RandomAccess"/> (positional reads; appends at the
/// length this handle tracks), <see cref="IStorageFile.Sync"/> is fsync (<see cref="RandomAccess.FlushToDisk"/>),
/// and <see cref="SyncDirectory"/> fsyncs the directory through libc, the one way to make a create, rename or delete
/// survive a power loss (RELIABILITY.md, ".NET traps"). Every failure is a <see cref="StorageIOException"/> naming
/// the file.
/// </summary>
internal sealed class FileMedium : IStorageMedium
{
    /// <summary>Opens (creating it when missing) the directory <paramref name="directory"/>.</summary>
    /// <exception cref="StorageIOException">The directory cannot be created.</exception>
    public FileMedium(string directory)
    {
        Directory = Path.GetFullPath(directory);
        Wrap(Directory, () => System.IO.Directory.CreateDirectory(Directory));
    }

    /// <summary>The directory's full path.</summary>
    public string Directory { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> List() => Wrap(Directory, () =>
    {
        var names = System.IO.Directory.EnumerateFiles(Directory).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return (IReadOnlyList<string>)names;
    });

    /// <inheritdoc/>
    public IStorageFile Create(string name) =>
        Wrap(name, () => new DiskFile(name, File.OpenHandle(PathOf(name), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete)));

    /// <inheritdoc/>
    public IStorageFile Open(string name) =>
        Wrap(name, () => new DiskFile(name, File.OpenHandle(PathOf(name), FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete)));

    /// <inheritdoc/>
    public void Delete(string name) => Wrap(name, () => File.Delete(PathOf(name)));

    /// <inheritdoc/>
    public void Rename(string from, string to) => Wrap(from, () => File.Move(PathOf(from), PathOf(to), overwrite: true));

    /// <inheritdoc/>
    public void SyncDirectory() => Wrap(Directory, () => Libc.FsyncDirectory(Directory));

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a file name inside the store directory.", nameof(name));
        }

        return Path.Combine(Directory, name);
    }

    private static void Wrap(string name, Action action) => Wrap(name, () =>
    {
        action();
        return 0;
    });

    private static T Wrap<T>(string name, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception error) when (error is IOException and not StorageIOException or UnauthorizedAccessException)
        {
            throw new StorageIOException(name, $"{name}: {error.Message}", error);
        }
    }

    /// <summary>An open file; appends go at the length this handle tracks (the store is the only writer).</summary>
    private sealed class DiskFile : IStorageFile
    {
        private readonly string _name;
        private readonly SafeFileHandle _handle;

        public DiskFile(string name, SafeFileHandle handle)
        {
            _name = name;
            _handle = handle;
            Length = Wrap(name, () => RandomAccess.GetLength(handle));
        }

        public long Length { get; private set; }

        public void Append(ReadOnlySpan<byte> data)
        {
            try
            {
                RandomAccess.Write(_handle, data, Length);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // The file may now hold part of the data past Length; the next append overwrites it, and recovery
                // treats whatever a crash leaves there as a torn tail.
                throw new StorageIOException(_name, $"{_name}: append of {data.Length} bytes at {Length} failed: {error.Message}", error);
            }

            Length += data.Length;
        }

        public int Read(long offset, Span<byte> destination)
        {
            try
            {
                var total = 0;
                while (total < destination.Length)
                {
                    var read = RandomAccess.Read(_handle, destination[total..], offset + total);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }

                return total;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new StorageIOException(_name, $"{_name}: read of {destination.Length} bytes at {offset} failed: {error.Message}", error);
            }
        }

        public void Sync() => Wrap(_name, () => RandomAccess.FlushToDisk(_handle));

        public void Truncate(long length)
        {
            Wrap(_name, () => RandomAccess.SetLength(_handle, length));
            Length = length;
        }

        public void Dispose() => _handle.Dispose();
    }
}
