using BenchmarkDotNet.Running;
using Dynamo.Bench.Load;

namespace Dynamo.Bench;

internal static class Program
{
    private const string Usage = """
        usage: dynamo-bench micro [BenchmarkDotNet options, e.g. --filter *Frame*]
               dynamo-bench run  --target URL [--target URL ...] [options]   (see dynamo-bench run --help)
               dynamo-bench load --target URL [--target URL ...] [options]
        """;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "micro")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return 0;
        }

        if (args.Length > 0 && args[0] is "run" or "load")
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            var command = new LoadCommand(
                TargetFactory.Create, Console.Out, Console.Error, new StopwatchClock(), errorIsTerminal: !Console.IsErrorRedirected);
            return await command.RunAsync(args, cancel.Token).ConfigureAwait(false);
        }

        await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
        return 2;
    }
}
