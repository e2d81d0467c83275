using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>The real <c>dynamo-cli</c> process against a running three-node cluster (N = 3): replies and exit codes.</summary>
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

    [Test]
    public async Task Sets_one_after_another_replace_the_value_instead_of_piling_up_siblings()
    {
        foreach (var value in new[] { "1", "1", "2" })
        {
            var set = await CliProcess.RunAsync(Port, ["SET", "rmw-key", value]);
            Assert.That((set.ExitCode, set.Output), Is.EqualTo((0, "OK\n")), set.ToString());
        }

        var get = await CliProcess.RunAsync(Cluster[2].Port, ["GET", "rmw-key"]);

        Assert.That((get.ExitCode, get.Output), Is.EqualTo((0, "2\n")), get.ToString());
    }

    [Test]
    public async Task Set_blind_writes_beside_the_value_there_and_makes_siblings()
    {
        await CliProcess.RunAsync(Port, ["SET", "blind-key", "first"]);
        var blind = await CliProcess.RunAsync(Port, ["SET", "blind-key", "second", "BLIND"]);
        var get = await CliProcess.RunAsync(Port, ["GET", "blind-key"]);

        Assert.That((blind.ExitCode, blind.Output), Is.EqualTo((0, "OK\n")), blind.ToString());
        Assert.That(get.Lines, Has.Length.EqualTo(3), get.ToString());
        Assert.That(get.Lines[..2], Is.EquivalentTo(new[] { "1) first", "2) second" }), get.ToString());
        Assert.That(get.Lines[2], Does.Match("^\\(context\\) [A-Za-z0-9_-]+$"), get.ToString());
    }

    [Test]
    public async Task Get_with_ctx_prints_the_context_of_a_single_value_which_a_set_can_write_back()
    {
        await CliProcess.RunAsync(Port, ["SET", "ctx-key", "v1"]);

        var get = await CliProcess.RunAsync(Port, ["GET", "ctx-key", "WITHCTX"]);
        var plain = await CliProcess.RunAsync(Port, ["GET", "ctx-key"]);

        Assert.That(get.ExitCode, Is.Zero, get.ToString());
        Assert.That(get.Lines, Has.Length.EqualTo(2), get.ToString());
        Assert.That(get.Lines[0], Is.EqualTo("v1"), get.ToString());
        Assert.That(get.Lines[1], Does.Match("^\\(context\\) [A-Za-z0-9_-]+$"), get.ToString());
        Assert.That(plain.Output, Is.EqualTo("v1\n"), "plain GET prints the value alone");
        var context = get.Lines[1]["(context) ".Length..];
        var replace = await CliProcess.RunAsync(Port, ["SET", "ctx-key", "v2", "CTX=" + context]);
        var after = await CliProcess.RunAsync(Port, ["GET", "ctx-key"]);
        Assert.That((replace.Output, after.Output), Is.EqualTo(("OK\n", "v2\n")), after.ToString());
    }

    [Test]
    public async Task Get_with_ctx_of_a_deleted_key_prints_nil_and_the_context_of_its_tombstone()
    {
        await CliProcess.RunAsync(Port, ["SET", "tomb-key", "v"]);
        await CliProcess.RunAsync(Port, ["DEL", "tomb-key"]);

        var get = await CliProcess.RunAsync(Port, ["GET", "tomb-key", "WITHCTX"]);

        Assert.That(get.ExitCode, Is.Zero, get.ToString());
        Assert.That(get.Lines[0], Is.EqualTo("(nil)"), get.ToString());
        Assert.That(get.Lines[1], Does.Match("^\\(context\\) [A-Za-z0-9_-]+$"), get.ToString());
    }

    [Test]
    public async Task An_R_over_N_prints_the_driver_message_alone()
    {
        var run = await CliProcess.RunAsync(Port, ["GET", "k", "R=9"]);

        Assert.That((run.ExitCode, run.Output), Is.EqualTo((1, "(error) R must be from 1 to N = 3; it is 9.\n")), run.ToString());
    }

    [Test]
    public async Task Help_prints_the_usage_and_exits_0_with_no_node_listening()
    {
        var nobody = FreePorts.Take(1)[0];

        var run = await CliProcess.RunAsync(nobody, ["--help"]);

        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Output, Does.StartWith("usage: dynamo-cli [options] [COMMAND [ARGS...]]"), run.ToString());
        Assert.That(run.Output, Does.Contain("-?, --help").And.Contain("-h, --host <host>").And.Not.Contain("(error)"), run.ToString());
    }

    [Test]
    public async Task A_mistyped_option_exits_2_with_a_suggestion()
    {
        var run = await CliProcess.RunAsync(Port, ["--prot", "7101", "PING"]);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain("'--prot'").And.Contain("--port"), run.ToString());
        Assert.That(run.Output, Is.Empty, run.ToString());
    }

    [Test]
    public async Task A_pipe_of_sets_and_a_get_on_one_key_prints_the_last_value()
    {
        var run = await CliProcess.RunAsync(Port, [], "SET piped-rmw 1\nSET piped-rmw 2\nGET piped-rmw\n");

        Assert.That((run.ExitCode, run.Lines), Is.EqualTo((0, new[] { "OK", "OK", "2" })), run.ToString());
    }
}
