using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// Runs the .NET SDK (<c>dotnet pack</c>, <c>dotnet build</c>) or a built program as a child process, as a developer
/// would from a shell: without the build servers (so nothing outlives the command) and without the MSBuild variables
/// of the test run, with a deadline.
/// </summary>
internal static class DotnetCommand
{
    /// <summary>The repository's root (the folder holding Dynamo.sln), found by walking up from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The configuration this test assembly was built in (Release in CI), which its projects share.</summary>
    public static string Configuration { get; } =
        typeof(DotnetCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>
    /// Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="directory"/> with <paramref name="environment"/>
    /// added; kills it when <paramref name="timeout"/> passes.
    /// </summary>
    public static async Task<CommandRun> RunAsync(
        IEnumerable<string> arguments, string directory, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Executables.DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = directory,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await Deadline.ExitAsync(process, timeout, $"dotnet {string.Join(' ', start.ArgumentList)}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new CommandRun(string.Join(' ', start.ArgumentList), process.ExitCode, await output, await error, clock.Elapsed);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dynamo.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Dynamo.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>What one command printed, how it exited and how long it took.</summary>
internal sealed record CommandRun(string Command, int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    /// <summary>The printed lines, without the trailing empty one.</summary>
    public string[] Lines => Output.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    public override string ToString() =>
        $"dotnet {Command}: exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s{Environment.NewLine}stdout:{Environment.NewLine}{Output.TrimEnd()}{Environment.NewLine}stderr:{Environment.NewLine}{Error.TrimEnd()}";
}
