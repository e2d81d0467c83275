using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Dynamo.Server.Storage;

/// <summary>
/// The node's epoch, kept in <c>&lt;data&gt;/epoch</c> as one decimal line. Every start takes a new epoch and
/// makes it durable before the node serves anything: the store is in memory for now, so each start is a node that
/// lost its data, and an actor (node, epoch) must never be reused after that (Riak's KV679: a wiped replica that
/// reused its counters silently dropped acknowledged writes).
/// </summary>
/// <remarks>
/// The write is atomic and durable: a temporary file is written and fsynced, renamed over the old one, and the
/// directory is fsynced so that the rename itself survives a power loss. A file that cannot be read is an error,
/// never a guess: starting with an epoch that might have been used before is exactly what this file prevents.
/// </remarks>
internal static class EpochFile
{
    /// <summary>The epoch file's name inside the data directory.</summary>
    public const string FileName = "epoch";

    private const string TemporaryName = "epoch.tmp";

    /// <summary>The longest epoch file accepted (a u32 in decimal and a newline, with room to spare).</summary>
    private const int FileBytesMax = 64;

    /// <summary>
    /// Takes the next epoch: the stored one plus one, or, when <paramref name="directory"/> holds no epoch yet, the
    /// current Unix time in seconds. Stores it durably and returns it. Creates the directory when missing.
    /// </summary>
    /// <remarks>
    /// A node whose data directory was wiped has lost its epoch file with its data, so it cannot simply count from 1
    /// again: it would reuse the actors of its earlier life. Starting a fresh directory at the current time in seconds
    /// puts the new epochs above every earlier one unless the node restarted, on average, more than once a second for
    /// its whole life before the wipe.
    /// </remarks>
    /// <exception cref="EpochFileException">The file is unreadable or corrupt, or the epoch is exhausted.</exception>
    /// <exception cref="IOException">The directory or the file could not be written or synced.</exception>
    public static uint Advance(string directory, DateTimeOffset now)
    {
        Directory.CreateDirectory(directory);
        var previous = Read(directory);
        if (previous == uint.MaxValue)
        {
            throw new EpochFileException($"The epoch in {Path.Combine(directory, FileName)} is at its maximum; the node needs a new id.");
        }

        var next = previous == 0 ? (uint)Math.Clamp(now.ToUnixTimeSeconds(), 1, uint.MaxValue - 1) : previous + 1;
        Write(directory, next);
        return next;
    }

    /// <summary>The stored epoch, or 0 when there is no epoch file yet.</summary>
    /// <exception cref="EpochFileException">The file exists but does not hold exactly one decimal epoch.</exception>
    public static uint Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return 0;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var length = RandomAccess.GetLength(handle);
        if (length > FileBytesMax)
        {
            throw new EpochFileException($"{path} is {length} bytes long; an epoch file holds one number.");
        }

        var bytes = new byte[length];
        var read = RandomAccess.Read(handle, bytes, 0);
        var text = Encoding.ASCII.GetString(bytes, 0, read);
        if (!text.EndsWith('\n')
            || !uint.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            throw new EpochFileException($"{path} is corrupt: expected one decimal epoch and a newline. Refusing to guess an epoch.");
        }

        return epoch;
    }

    /// <summary>Writes <paramref name="epoch"/> atomically and durably: temp file, fsync, rename, fsync directory.</summary>
    public static void Write(string directory, uint epoch)
    {
        var temporary = Path.Combine(directory, TemporaryName);
        var bytes = Encoding.ASCII.GetBytes(epoch.ToString(CultureInfo.InvariantCulture) + "\n");
        using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temporary, Path.Combine(directory, FileName), overwrite: true);
        Libc.FsyncDirectory(directory);
    }
}

/// <summary>The epoch file cannot be trusted; the node must not start.</summary>
internal sealed class EpochFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EpochFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public EpochFileException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public EpochFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
