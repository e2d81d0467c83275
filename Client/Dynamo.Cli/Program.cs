namespace Dynamo.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "--version" or "version")
        {
            Console.WriteLine("dynamo-cli " + typeof(Program).Assembly.GetName().Version);
            return 0;
        }

        Console.Error.WriteLine("dynamo-cli: no cluster commands are available yet; only --version is supported.");
        return 2;
    }
}
