using System.Globalization;
using System.Runtime.InteropServices;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>POSIX signals and process liveness by pid, for processes this test did not start itself.</summary>
internal static partial class Signals
{
    /// <summary>SIGINT, what Ctrl-C sends.</summary>
    public const int Interrupt = 2;

    /// <summary>SIGTERM.</summary>
    public const int Terminate = 15;

    /// <summary>Sends a signal; false when it could not be delivered.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>
    /// True when the process ignores <paramref name="signal"/> (the SigIgn mask in /proc/&lt;pid&gt;/status): a shell
    /// starts background jobs with SIGINT ignored, and children inherit that.
    /// </summary>
    public static bool Ignores(int pid, int signal)
    {
        var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status")
            .FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null
            && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (signal - 1))) != 0;
    }

    /// <summary>
    /// True while a process with this id exists and has not exited: a zombie (exited, not yet reaped) counts as
    /// exited. Reads /proc/&lt;pid&gt;/stat, whose third field is the state.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }

        // "pid (comm) S ...": the command may hold spaces and parentheses, so look after the last ')'.
        var state = stat[(stat.LastIndexOf(')') + 2)..];
        return state.Length > 0 && state[0] is not ('Z' or 'X');
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
