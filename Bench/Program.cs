using BenchmarkDotNet.Running;

namespace Dynamo.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "micro")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return 0;
        }

        Console.Error.WriteLine("usage: dynamo-bench micro [BenchmarkDotNet options, e.g. --filter *Frame*]");
        return 2;
    }
}
