using System.CommandLine;
using System.CommandLine.Invocation;

// Compiled into dynamo-server and dynamo-cli (the CLI links it from here; neither references the other's assembly).
namespace Dynamo.CommandLineConventions;

/// <summary>
/// An option's or a command's action that prints one text (a version line, a usage) and exits with 0. Like help, it
/// clears the parse errors System.CommandLine found itself (<c>dynamo-cli --version --bogus</c> prints the version).
/// </summary>
/// <param name="text">Makes the text when the action runs.</param>
internal sealed class PrintLineAction(Func<string> text) : SynchronousCommandLineAction
{
    /// <inheritdoc/>
    public override bool ClearsParseErrors => true;

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(text());
        return 0;
    }
}
