using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>Runs the real <c>dynamo-cli</c> as a process and collects what it printed and its exit code.</summary>
internal static class CliProcess
{
    /// <summary>
    /// Runs <c>dynamo-cli -p <paramref name="port"/> <paramref name="command"/>...</c>; with
    /// <paramref name="stdin"/>, writes it to the CLI's input and closes it (the pipe mode).
    /// </summary>
    public static async Task<CliRun> RunAsync(int port, IEnumerable<string> command, string? stdin = null)
    {
        string[] arguments = ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), .. command];
        var start = Executables.StartInfo(Executables.Cli, arguments, redirectInput: true);
        start.StandardOutputEncoding = Encoding.UTF8;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dynamo-cli did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            await Deadline.ExitAsync(process, Deadline.Step, $"dynamo-cli {string.Join(' ', arguments)}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new CliRun(process.ExitCode, await output, await error);
    }
}

/// <summary>What one CLI run printed and how it exited.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>The printed lines, without the trailing empty one.</summary>
    public string[] Lines => Output.TrimEnd('\n').Split('\n');

    public override string ToString() =>
        $"exit {ExitCode}; stdout: {Output.TrimEnd()}; stderr: {Error.TrimEnd()}";
}

/// <summary>
/// The real <c>dynamo-cli</c> at its prompt in a real pseudo-terminal: a tmux session of a given size on a tmux server
/// of its own (its socket, its configuration and the CLI's home directory in a temporary directory of its own), typed
/// into with <c>send-keys</c> and read with <c>capture-pane</c>. Disposing stops that tmux server, the CLI with it,
/// and deletes the directory.
/// </summary>
internal sealed class CliTerminal : IAsyncDisposable
{
    private const string Session = "cli";
    private const string ExitMark = "dynamo-cli exited with ";
    private readonly string _directory;
    private readonly string _socket;

    private CliTerminal(string directory)
    {
        _directory = directory;
        _socket = Path.Combine(directory, "tmux.sock");
    }

    /// <summary>The CLI's home directory (where it keeps <c>.dynamo_cli_history</c>).</summary>
    public string Home => Path.Combine(_directory, "home");

    /// <summary>The prompt the CLI shows for a node on 127.0.0.1.</summary>
    public static string PromptFor(int port) => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}>";

    /// <summary>
    /// Starts <c>dynamo-cli -h 127.0.0.1 -p <paramref name="port"/></c> in a detached terminal of
    /// <paramref name="columns"/> by <paramref name="rows"/> (no status line), and waits for its prompt.
    /// </summary>
    public static async Task<CliTerminal> StartAsync(int port, int columns, int rows)
    {
        var terminal = new CliTerminal(Directory.CreateTempSubdirectory("dynamo-cli-tty-").FullName);
        try
        {
            Directory.CreateDirectory(terminal.Home);
            var configuration = Path.Combine(terminal._directory, "tmux.conf");
            await File.WriteAllTextAsync(configuration, "set -g status off\nset -g remain-on-exit on\n");
            var start = Executables.StartInfo(Executables.Cli, ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)]);
            // The shell prints the exit code after the CLI: tmux's own record of it (pane_dead_status) is not kept
            // when the terminal closes before the process is reaped.
            var command = string.Join(' ', new[] { start.FileName }.Concat(start.ArgumentList).Select(Quote)) + $"; echo \"{ExitMark}$?\"";
            await terminal.TmuxAsync(
                "-f", configuration, "new-session", "-d", "-s", Session,
                "-x", columns.ToString(CultureInfo.InvariantCulture), "-y", rows.ToString(CultureInfo.InvariantCulture),
                "-e", "HOME=" + terminal.Home, "-e", "NO_COLOR=1", command);
            await terminal.WaitForScreenAsync(screen => screen.Any(line => line.StartsWith(PromptFor(port), StringComparison.Ordinal)), "the prompt");
            return terminal;
        }
        catch
        {
            await terminal.DisposeAsync();
            throw;
        }
    }

    /// <summary>Types <paramref name="text"/> as it is (no key names).</summary>
    public Task TypeAsync(string text) => TmuxAsync("send-keys", "-t", Session, "-l", "--", text);

    /// <summary>Presses keys by their tmux names: <c>Enter</c>, <c>C-c</c>, <c>C-d</c>, <c>Up</c>.</summary>
    public Task PressAsync(params string[] keys) => TmuxAsync(["send-keys", "-t", Session, .. keys]);

    /// <summary>The visible screen, one string per row, trailing blanks removed.</summary>
    public async Task<string[]> ScreenAsync() =>
        (await TmuxAsync("capture-pane", "-p", "-t", Session)).TrimEnd('\n').Split('\n').Select(line => line.TrimEnd()).ToArray();

    /// <summary>Waits until the screen satisfies <paramref name="condition"/>; returns that screen.</summary>
    public async Task<string[]> WaitForScreenAsync(Func<string[], bool> condition, string expected)
    {
        string[] screen = [];
        await Deadline.UntilAsync(
            async _ =>
            {
                screen = await ScreenAsync();
                return (condition(screen), "screen:\n" + string.Join('\n', screen));
            },
            Deadline.Step,
            expected);
        return screen;
    }

    /// <summary>Waits until the CLI has exited and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        var screen = await WaitForScreenAsync(rows => rows.Any(row => row.StartsWith(ExitMark, StringComparison.Ordinal)), "dynamo-cli to exit");
        return int.Parse(screen.First(row => row.StartsWith(ExitMark, StringComparison.Ordinal))[ExitMark.Length..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(_socket))
            {
                await TmuxAsync("kill-server");
            }
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Runs one tmux command against this terminal's own server; throws with its error when it fails.</summary>
    private async Task<string> TmuxAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("tmux")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-S");
        start.ArgumentList.Add(_socket);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("tmux did not start.");
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            throw new InvalidOperationException("tmux is needed to drive the prompt in a terminal: run .ci/install-deps.", missing);
        }

        using var started = process;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await Deadline.ExitAsync(process, Deadline.Step, "tmux " + string.Join(' ', arguments));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }
}
