using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// The real <c>dynamo-cli</c> prompt in a real pseudo-terminal (tmux) against a one-node cluster: how it draws in a
/// narrow terminal, Ctrl-C, Ctrl-D, QUIT and EXIT, and the history file.
/// </summary>
public sealed class CliPromptTests : ClusterTestBase
{
    private const int Columns = 60;

    internal override ClusterSettings Settings => new(Nodes: 1, N: 1, R: 1, W: 1);

    private int Port => Cluster[0].Port;

    private string Prompt => CliTerminal.PromptFor(Port);

    [Test]
    public async Task A_line_longer_than_a_narrow_terminal_shows_the_prompt_once_and_runs()
    {
        var value = string.Concat(Enumerable.Range(0, 10).Select(i => $"value-{i}-"));
        var line = "SET tty-long-key " + value;
        await using var terminal = await CliTerminal.StartAsync(Port, Columns, rows: 20);
        Assert.That(line, Has.Length.GreaterThan(Columns + Prompt.Length));

        await terminal.TypeAsync(line);
        var typed = await terminal.WaitForScreenAsync(
            screen => string.Concat(screen).Contains(value[^12..], StringComparison.Ordinal), "the end of the long line on the screen");

        Assert.That(typed.Count(row => row.Contains(Prompt, StringComparison.Ordinal)), Is.EqualTo(1), "screen:\n" + string.Join('\n', typed));
        await terminal.PressAsync("Enter");
        var ran = await terminal.WaitForScreenAsync(
            screen => screen.SkipWhile(row => row != "OK").Skip(1).Any(row => row == Prompt), "OK and a new prompt");
        Assert.That(ran.Count(row => row.StartsWith(Prompt, StringComparison.Ordinal)), Is.EqualTo(2), "screen:\n" + string.Join('\n', ran));
        var get = await CliProcess.RunAsync(Port, ["GET", "tty-long-key"]);
        Assert.That(get.Output, Is.EqualTo(value + "\n"), "the whole line ran");
    }

    [Test]
    public async Task Ctrl_C_drops_the_line_and_Ctrl_D_on_an_empty_line_leaves()
    {
        await using var terminal = await CliTerminal.StartAsync(Port, Columns, rows: 20);

        await terminal.TypeAsync("SET tty-dropped x");
        await terminal.WaitForScreenAsync(screen => screen.Any(row => row.EndsWith("SET tty-dropped x", StringComparison.Ordinal)), "the typed line");
        await terminal.PressAsync("C-c");
        await terminal.WaitForScreenAsync(screen => screen.Count(row => row == Prompt) == 2, "two empty prompts: the dropped line and a new one");
        await terminal.TypeAsync("GET tty-dropped");
        await terminal.PressAsync("Enter");
        await terminal.WaitForScreenAsync(screen => screen.Contains("(nil)"), "(nil): the dropped SET did not run");
        await terminal.PressAsync("C-d");

        Assert.That(await terminal.WaitForExitAsync(), Is.Zero);
    }

    [TestCase("QUIT")]
    [TestCase("exit")]
    public async Task Quit_and_exit_leave_and_the_history_is_kept_in_the_home_directory(string command)
    {
        await using var terminal = await CliTerminal.StartAsync(Port, Columns, rows: 20);

        await terminal.TypeAsync("PING");
        await terminal.PressAsync("Enter");
        await terminal.WaitForScreenAsync(screen => screen.Contains("PONG"), "PONG");
        await terminal.TypeAsync(command);
        await terminal.PressAsync("Enter");

        Assert.That(await terminal.WaitForExitAsync(), Is.Zero);
        Assert.That(
            await File.ReadAllLinesAsync(Path.Combine(terminal.Home, ".dynamo_cli_history")),
            Is.EqualTo(new[] { "PING", command }));
    }

    [Test]
    public async Task Up_recalls_the_previous_command_and_Tab_completes_a_command_name()
    {
        await using var terminal = await CliTerminal.StartAsync(Port, Columns, rows: 20);

        await terminal.TypeAsync("SET tty-history v1");
        await terminal.PressAsync("Enter");
        await terminal.WaitForScreenAsync(screen => screen.Contains("OK"), "OK");
        await terminal.PressAsync("Up");
        await terminal.WaitForScreenAsync(
            screen => screen.Last(row => row.StartsWith(Prompt, StringComparison.Ordinal)) == Prompt + " SET tty-history v1", "the line recalled at the prompt");
        await terminal.PressAsync("C-u");
        await terminal.TypeAsync("ge");
        await terminal.PressAsync("Tab");
        await terminal.TypeAsync(" tty-history");
        await terminal.PressAsync("Enter");

        await terminal.WaitForScreenAsync(screen => screen.Contains("v1"), "the value read by the completed GET");
    }
}
