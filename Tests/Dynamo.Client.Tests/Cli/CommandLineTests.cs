using System.Text;
using Dynamo.Cli;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Cli;

/// <summary>
/// <c>dynamo-cli [options] [COMMAND ARGS...]</c>: help and usage errors end before any connection, options come
/// before the command, and the command's words are taken as they are.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [TestCase("--help")]
    [TestCase("-?")]
    [TestCase("-p", "7102", "--help")]
    [TestCase("--help", "--no-such-option")]
    public async Task Help_prints_the_usage_and_exits_0_without_connecting(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.That((run.Code, run.Connects), Is.EqualTo((0, 0)), run.ToString());
        Assert.That(run.Output, Does.StartWith("usage: dynamo-cli [options] [COMMAND [ARGS...]]"));
        Assert.That(run.Output, Does.Contain("-h, --host <host>").And.Contain("-p, --port <port>").And.Contain("-?, --help").And.Contain("--version"));
        Assert.That(run.Output, Does.Contain("SET key value [W=n] [CTX=ctx | BLIND] [STRICT]").And.Contain("WITHCTX"));
        Assert.That(run.Output, Does.Not.Contain("-h, --help").And.Not.Contain("/?"));
        Assert.That(run.Error, Is.Empty);
    }

    [Test]
    public async Task Version_prints_the_version_and_exits_0_without_connecting()
    {
        var run = await RunAsync("--version");

        Assert.That((run.Code, run.Connects), Is.EqualTo((0, 0)), run.ToString());
        Assert.That(run.Output, Does.Match(@"^dynamo-cli \d+\.\d+\.\d+\.\d+\n$"));
    }

    [Test]
    public async Task Options_before_the_command_choose_the_node_and_the_command_takes_the_rest_as_it_is()
    {
        var run = await RunAsync("-p", "7102", "-h", "::1", "SET", "k", "-1");
        var spelled = await RunAsync("--port=7103", "--host", "node-2", "SET", "k", "\"x y\"");
        var joined = await RunAsync("-p:7104", "-hlocalhost", "PING");

        Assert.That((run.Code, run.Endpoint), Is.EqualTo((0, "[::1]:7102")), run.ToString());
        Assert.That(run.Client.Calls.Last(), Is.EqualTo("PUT k 2D31 W= CTX="), "the value is \"-1\"");
        Assert.That((spelled.Code, spelled.Endpoint), Is.EqualTo((0, "node-2:7103")), spelled.ToString());
        Assert.That(spelled.Client.Calls.Last(), Is.EqualTo($"PUT k {Convert.ToHexString(Encoding.UTF8.GetBytes("\"x y\""))} W= CTX="), "no quote processing");
        Assert.That((joined.Code, joined.Endpoint, joined.Output), Is.EqualTo((0, "localhost:7104", "PONG\n")), joined.ToString());
    }

    [Test]
    public async Task Words_after_the_command_that_look_like_options_belong_to_the_command()
    {
        var help = await RunAsync("SET", "k", "--help");
        var port = await RunAsync("SET", "k", "-p");
        var dashes = await RunAsync("-p", "7102", "--", "-weird-command");

        Assert.That((help.Code, help.Connects), Is.EqualTo((0, 1)), help.ToString());
        Assert.That(help.Client.Calls.Last(), Is.EqualTo($"PUT k {Convert.ToHexString("--help"u8)} W= CTX="));
        Assert.That(port.Client.Calls.Last(), Is.EqualTo($"PUT k {Convert.ToHexString("-p"u8)} W= CTX="));
        Assert.That(port.Endpoint, Is.EqualTo("127.0.0.1:7101"));
        Assert.That((dashes.Code, dashes.Output), Is.EqualTo((2, "(error) unknown command '-weird-command', try HELP\n")), "after -- the command starts");
    }

    [Test]
    public async Task Without_a_command_it_connects_to_the_default_node_and_runs_the_prompt_or_the_pipe()
    {
        var run = await RunAsync();

        Assert.That((run.Code, run.Connects, run.Endpoint, run.WithoutCommand), Is.EqualTo((0, 1, "127.0.0.1:7101", 1)), run.ToString());
    }

    [Test]
    public async Task A_mistyped_option_exits_2_with_a_suggestion_without_connecting()
    {
        var run = await RunAsync("--prot", "7101", "PING");

        Assert.That((run.Code, run.Connects), Is.EqualTo((2, 0)), run.ToString());
        Assert.That(run.Error, Does.Contain("dynamo-cli: Unrecognized command or argument '--prot'."));
        Assert.That(run.Error, Does.Contain("'--prot' was not matched. Did you mean one of the following? --port"));
        Assert.That(run.Error, Does.EndWith("Try 'dynamo-cli --help' for the options and the commands.\n"));
        Assert.That(run.Output, Is.Empty);
    }

    [TestCase(new[] { "-p", "http", "PING" }, "the port must be a number from 1 to 65535, not 'http'")]
    [TestCase(new[] { "-p", "0" }, "the port must be a number from 1 to 65535, not '0'")]
    [TestCase(new[] { "-p", "65536", "PING" }, "the port must be a number from 1 to 65535, not '65536'")]
    [TestCase(new[] { "-p" }, "'-p'")]
    [TestCase(new[] { "-h" }, "'-h'")]
    [TestCase(new[] { "-h", "", "PING" }, "the host must be a name or an address")]
    [TestCase(new[] { "-x", "PING" }, "'-x'")]
    public async Task Bad_options_exit_2_with_the_reason_without_connecting(string[] args, string reason)
    {
        var run = await RunAsync(args);

        Assert.That((run.Code, run.Connects), Is.EqualTo((2, 0)), run.ToString());
        Assert.That(run.Error, Does.StartWith("dynamo-cli: ").And.Contain(reason));
    }

    [Test]
    public async Task A_node_that_cannot_be_reached_is_an_error_with_exit_1()
    {
        var run = await RunAsync(["-p", "7102", "PING"], connect: (_, _) => throw new UnavailableException("no node is reachable"));

        Assert.That((run.Code, run.Output), Is.EqualTo((1, "(error) could not connect to 127.0.0.1:7102: no node is reachable\n")));
    }

    [Test]
    public async Task Help_as_the_command_prints_the_commands_without_connecting()
    {
        var run = await RunAsync("help");

        Assert.That((run.Code, run.Connects), Is.EqualTo((0, 0)));
        Assert.That(run.Output, Does.StartWith("Commands (names and options ignore case):"));
    }

    [TestCase(new string[0], 0)]
    [TestCase(new[] { "PING" }, 0)]
    [TestCase(new[] { "-p", "1", "PING" }, 2)]
    [TestCase(new[] { "-p", "-1", "PING" }, 2)]
    [TestCase(new[] { "-p:1", "--host=h", "PING", "-p" }, 2)]
    [TestCase(new[] { "--unknown", "value", "PING" }, 1)]
    [TestCase(new[] { "-p", "1", "--", "-p" }, 3)]
    [TestCase(new[] { "-p", "1" }, 2)]
    [TestCase(new[] { "-" }, 0)]
    public void The_command_starts_at_the_first_word_that_is_not_an_option_or_its_value(string[] args, int start)
    {
        Assert.That(CommandLine.CommandStart(args), Is.EqualTo(start));
    }

    private static Task<CliRun> RunAsync(params string[] args) => RunAsync(args, connect: null);

    private static async Task<CliRun> RunAsync(string[] args, Func<string, CancellationToken, Task<IDynamoClient>>? connect)
    {
        var client = new FakeClient();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var connects = 0;
        var withoutCommand = 0;
        string? endpoint = null;
        var code = await Program.RunAsync(
            args,
            output,
            error,
            (target, cancellationToken) =>
            {
                connects++;
                endpoint = target;
                return connect?.Invoke(target, cancellationToken) ?? Task.FromResult<IDynamoClient>(client);
            },
            (_, _) =>
            {
                withoutCommand++;
                return Task.FromResult(Runner.ExitOk);
            }).WaitAsync(s_wait);
        return new CliRun(code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"), connects, endpoint, withoutCommand, client);
    }

    private sealed record CliRun(int Code, string Output, string Error, int Connects, string? Endpoint, int WithoutCommand, FakeClient Client)
    {
        public override string ToString() => $"exit {Code}; connects {Connects}; stdout: {Output}; stderr: {Error}";
    }
}
