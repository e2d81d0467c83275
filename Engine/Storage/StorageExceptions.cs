namespace Dynamo.Engine.Storage;

/// <summary>A failure of the storage medium (I/O error, failed fsync, missing file), naming the file.</summary>
public sealed class StorageIOException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StorageIOException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StorageIOException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying exception.</summary>
    public StorageIOException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failure on <paramref name="fileName"/>.</summary>
    public StorageIOException(string fileName, string message, Exception? innerException = null)
        : base($"{fileName}: {message}", innerException)
    {
        FileName = fileName;
    }

    /// <summary>The file the failure concerns, when there is one.</summary>
    public string? FileName { get; }
}

/// <summary>
/// The store has failed (an append or fsync failed earlier, see <see cref="LogStore.Failure"/>) and refuses writes.
/// Reads still work. Only a restart, which recovers from what is durable, clears it (as PostgreSQL does after a
/// failed fsync: the state of unsynced data is unknown).
/// </summary>
public sealed class StorageFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StorageFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying exception.</summary>
    public StorageFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A storage file is not in the format this version reads (bad magic, unknown version), so opening stops.</summary>
public sealed class StorageFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StorageFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying exception.</summary>
    public StorageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
