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
