using System.Runtime.InteropServices;

namespace Dynamo.Server.Storage;

/// <summary>
/// The few libc calls the runtime has no managed API for: fsync of a directory, so that a file created or renamed
/// in it survives a power loss (RELIABILITY.md, ".NET traps"), and kill(2) for the dev cluster.
/// </summary>
internal static partial class Libc
{
    private const string Library = "libc";

    /// <summary>O_RDONLY.</summary>
    public const int OpenReadOnly = 0;

    /// <summary>O_DIRECTORY on Linux (x86-64 and arm64 differ; see <see cref="OpenDirectoryFlag"/>).</summary>
    public static int OpenDirectoryFlag => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm
        ? 0x4000
        : 0x10000;

    /// <summary>O_CLOEXEC.</summary>
    public const int OpenCloseOnExec = 0x80000;

    /// <summary>SIGTERM.</summary>
    public const int SignalTerminate = 15;

    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport(Library, EntryPoint = "getppid")]
    private static partial int GetParentProcessId();

    /// <summary>This process's parent: it changes when the parent dies and the process is adopted.</summary>
    public static int ParentProcessId() => GetParentProcessId();

    /// <summary>Flushes a directory's entries to disk: open(O_RDONLY | O_DIRECTORY), fsync, close.</summary>
    /// <exception cref="IOException">A call failed; the message names it and the errno.</exception>
    public static void FsyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsFreeBSD() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(path, OpenReadOnly | OpenDirectoryFlag | OpenCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"open(\"{path}\") for fsync failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory \"{path}\" failed: errno {Marshal.GetLastPInvokeError()}.");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Sends SIGTERM to a process; false when it failed (for instance, the process is gone).</summary>
    public static bool Terminate(int pid) => Kill(pid, SignalTerminate) == 0;

    /// <summary>True while a process with this id exists (kill with signal 0 probes without sending anything).</summary>
    public static bool ProcessExists(int pid) => Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1;
}
