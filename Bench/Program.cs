using BenchmarkDotNet.Running;
using Dynamo.Bench.Load;
using Dynamo.CommandLineConventions;

namespace Dynamo.Bench;

/// <summary>
/// <c>dynamo-bench</c>: <c>micro</c> runs the BenchmarkDotNet micro-benchmarks, <c>run</c> and <c>load</c> the load
/// harness. Exit codes: 0 when done, 1 when a target cannot be reached or the report cannot be written, 2 for a bad
/// command line.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var load = new LoadCommand(
            TargetFactory.Create, Console.Out, Console.Error, new StopwatchClock(), errorIsTerminal: !Console.IsErrorRedirected);
        var commandLine = new BenchCommandLine(load.RunAsync, RunMicro, GeneratedHelp.WidthOfConsole());
        return await commandLine.InvokeAsync(args, Console.Out, Console.Error, cancel.Token).ConfigureAwait(false);
    }

    /// <summary>Hands <paramref name="args"/> to BenchmarkDotNet as they are.</summary>
    private static int RunMicro(IReadOnlyList<string> args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args]);
        return 0;
    }
}
