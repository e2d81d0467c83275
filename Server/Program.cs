namespace Dynamo.Server;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "--version" or "version")
        {
            Console.WriteLine("dynamo-server " + typeof(Program).Assembly.GetName().Version);
            return 0;
        }

        Console.Error.WriteLine("dynamo-server: the node is not available yet; only --version is supported.");
        return 2;
    }
}
