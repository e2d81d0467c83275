namespace Dynamo.Tests.Shared;

/// <summary>What a program's command line did when run in the test's process: its exit code, output and errors.</summary>
/// <param name="ExitCode">The exit code the program would exit with.</param>
/// <param name="Output">Everything written to its standard output.</param>
/// <param name="Error">Everything written to its standard error.</param>
public sealed record CapturedRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <paramref name="invoke"/> with an output and an error writer of its own, and captures both.</summary>
    public static async Task<CapturedRun> RunAsync(Func<TextWriter, TextWriter, Task<int>> invoke)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await invoke(output, error);
        return new CapturedRun(code, output.ToString(), error.ToString());
    }
}
