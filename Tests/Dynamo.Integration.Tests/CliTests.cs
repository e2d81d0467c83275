using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>The real <c>dynamo-cli</c> process against a running three-node cluster: replies and exit codes.</summary>
public sealed class CliTests : ClusterTestBase
{
    private int Port => Cluster[0].Port;

    [Test]
    public async Task Ping_prints_PONG_and_exits_0()
    {
        var run = await CliProcess.RunAsync(Port, ["PING"]);

        Assert.That((run.ExitCode, run.Output), Is.EqualTo((0, "PONG\n")), run.ToString());
    }

    [Test]
    public async Task Set_get_and_del_print_OK_the_value_and_nil_with_exit_0()
    {
        var set = await CliProcess.RunAsync(Port, ["SET", "cli-key", "a b"]);
        var get = await CliProcess.RunAsync(Cluster[1].Port, ["GET", "cli-key"]);
        var del = await CliProcess.RunAsync(Port, ["DEL", "cli-key"]);
        var gone = await CliProcess.RunAsync(Port, ["GET", "cli-key"]);

        Assert.That((set.ExitCode, set.Output), Is.EqualTo((0, "OK\n")), set.ToString());
        Assert.That((get.ExitCode, get.Output), Is.EqualTo((0, "a b\n")), get.ToString());
        Assert.That((del.ExitCode, del.Output), Is.EqualTo((0, "OK\n")), del.ToString());
        Assert.That((gone.ExitCode, gone.Output), Is.EqualTo((0, "(nil)\n")), gone.ToString());
    }

    [Test]
    public async Task Get_of_a_missing_key_prints_nil_and_exits_0()
    {
        var run = await CliProcess.RunAsync(Port, ["GET", "never-written"]);

        Assert.That((run.ExitCode, run.Output), Is.EqualTo((0, "(nil)\n")), run.ToString());
    }

    [Test]
    public async Task An_unknown_command_prints_an_error_and_exits_2()
    {
        var run = await CliProcess.RunAsync(Port, ["FROB", "x"]);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Output, Does.StartWith("(error) unknown command 'FROB'"), run.ToString());
    }

    [Test]
    public async Task An_unreachable_port_prints_an_error_and_exits_non_zero()
    {
        var nobody = FreePorts.Take(1)[0];

        var run = await CliProcess.RunAsync(nobody, ["PING"]);

        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.Output, Does.StartWith("(error) ").And.Contain($"127.0.0.1:{nobody}"), run.ToString());
    }

    [Test]
    public async Task Commands_piped_on_stdin_get_one_reply_per_line_in_order()
    {
        const string Input = "SET piped-1 one\nSET piped-2 \"two words\"\nGET piped-1\n\nGET piped-2\nGET piped-none\nPING\nDEL piped-1\nGET piped-1\n";

        var run = await CliProcess.RunAsync(Port, [], Input);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Lines, Is.EqualTo(new[] { "OK", "OK", "one", "two words", "(nil)", "PONG", "OK", "(nil)" }), run.ToString());
    }
}
