using System.Text;
using Dynamo.Cli;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Cli;

/// <summary>SET reads before it writes unless told otherwise (BLIND, CTX=), GET WITHCTX, and values left out.</summary>
public sealed class ReadModifyWriteTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private static readonly DynamoContext s_read = DynamoContext.FromBytes([0x01, 0x02]);

    [Test]
    public void Blind_and_WithCtx_are_bare_options_of_SET_and_GET_only()
    {
        Assert.That(Parse("set k v blind").Blind, Is.True);
        Assert.That(Parse("PUT k v W=2 BLIND STRICT") is { Blind: true, Strict: true, Quorum: 2 }, Is.True);
        Assert.That(Parse("SET k v").Blind, Is.False);
        Assert.That(Parse("get k withctx").WithContext, Is.True);
        Assert.That(Parse("GET k R=1 WITHCTX STRICT") is { WithContext: true, Strict: true, Quorum: 1 }, Is.True);
        Assert.That(Parse("GET k").WithContext, Is.False);
    }

    [TestCase("GET k BLIND", "unknown or repeated option 'BLIND'")]
    [TestCase("SET k v WITHCTX", "unknown or repeated option 'WITHCTX'")]
    [TestCase("DEL k BLIND", "unknown or repeated option 'BLIND'")]
    [TestCase("DEL k WITHCTX", "unknown or repeated option 'WITHCTX'")]
    [TestCase("SET k v BLIND blind", "unknown or repeated option 'blind'")]
    [TestCase("GET k WITHCTX WITHCTX", "unknown or repeated option 'WITHCTX'")]
    [TestCase("SET k v CTX=AQID BLIND", "CTX and BLIND cannot be combined")]
    [TestCase("SET k v BLIND CTX=AQID", "CTX and BLIND cannot be combined")]
    public void Blind_and_WithCtx_where_they_do_not_belong_are_refused(string line, string reason)
    {
        Assert.That(Executor.TryParseLine(line, out _, out var error), Is.False);
        Assert.That(error, Does.StartWith(reason));
    }

    [Test]
    public async Task Set_without_a_context_reads_the_key_then_writes_with_the_context_of_that_read()
    {
        var client = new FakeClient();
        client.Values["k"] = new GetResult([Bytes("old")], 1, s_read);

        Assert.That(await Line("SET k new W=3", client), Is.EqualTo(new Reply("OK", false)));
        Assert.That(await Line("SET k new STRICT", client), Is.EqualTo(new Reply("OK", false)));

        Assert.That(client.Calls, Is.EqualTo(new[]
        {
            "GET k R=", $"PUT k 6E6577 W=3 CTX={s_read}",
            "GET k R= STRICT", $"PUT k 6E6577 W= CTX={s_read} STRICT",
        }));
    }

    [Test]
    public async Task Set_blind_writes_without_reading_and_without_a_context()
    {
        var client = new FakeClient();
        client.Values["k"] = new GetResult([Bytes("old")], 1, s_read);

        Assert.That(await Line("SET k new BLIND", client), Is.EqualTo(new Reply("OK", false)));

        Assert.That(client.Calls, Is.EqualTo(new[] { "PUT k 6E6577 W= CTX=" }));
    }

    [Test]
    public async Task Set_with_a_context_writes_with_that_context_without_reading()
    {
        var client = new FakeClient();
        var given = DynamoContext.FromBytes([0x09]);
        client.Values["k"] = new GetResult([Bytes("old")], 1, s_read);

        Assert.That(await Line($"SET k new CTX={given}", client), Is.EqualTo(new Reply("OK", false)));

        Assert.That(client.Calls, Is.EqualTo(new[] { $"PUT k 6E6577 W= CTX={given}" }));
    }

    [Test]
    public async Task Set_of_a_missing_key_writes_with_the_empty_context_of_its_read()
    {
        var client = new FakeClient();

        Assert.That(await Line("SET fresh v", client), Is.EqualTo(new Reply("OK", false)));

        Assert.That(client.Calls, Is.EqualTo(new[] { "GET fresh R=", "PUT fresh 76 W= CTX=" }));
    }

    [Test]
    public async Task Set_whose_read_fails_writes_nothing_and_says_the_read_failed()
    {
        var client = new FakeClient();
        client.Failures["k"] = new QuorumNotMetException(2, 1);

        var reply = await Line("SET k v", client);

        Assert.That(reply.IsError, Is.True);
        Assert.That(reply.Text, Does.StartWith("(error) quorum not met: required 2, received 1 (while reading the key before writing it"));
        Assert.That(reply.Text, Does.Contain("BLIND"));
        Assert.That(client.Calls, Is.EqualTo(new[] { "GET k R=" }), "no write after a failed read");
    }

    [Test]
    public async Task Set_of_a_key_whose_values_were_left_out_writes_with_the_context_of_the_read()
    {
        var client = new FakeClient();
        client.Values["big"] = GetResult.WithValuesOmitted([9_000_000, 8_000_000], 2, s_read);

        Assert.That(await Line("SET big small", client), Is.EqualTo(new Reply("OK", false)));

        Assert.That(client.Calls, Is.EqualTo(new[] { "GET big R=", $"PUT big 736D616C6C W= CTX={s_read}" }));
    }

    [Test]
    public async Task Writes_one_after_another_replace_each_other_and_blind_ones_become_siblings()
    {
        var client = new FakeClient { KeepsWrites = true };

        foreach (var line in new[] { "SET a 1", "SET a 1", "SET a 2" })
        {
            Assert.That(await Line(line, client), Is.EqualTo(new Reply("OK", false)));
        }

        Assert.That((await Line("GET a", client)).Text, Is.EqualTo("2"));
        await Line("SET a 3 BLIND", client);
        Assert.That((await Line("GET a", client)).Text, Does.StartWith("1) 2\n2) 3\n(context) "));
        await Line("SET a 4", client);
        Assert.That((await Line("GET a", client)).Text, Is.EqualTo("4"), "a plain SET replaces every sibling its read saw");
    }

    [Test]
    public async Task A_pipe_of_sets_and_a_get_on_one_key_prints_the_last_value_even_when_the_first_read_is_slow()
    {
        var client = new FakeClient { KeepsWrites = true };
        var input = new EndSignallingReader("SET a 1\nSET a 2\nGET a\n");
        var gets = 0;
        client.Gate = (_, _) => Interlocked.Increment(ref gets) == 1 ? input.Ended : Task.CompletedTask;
        using var output = new StringWriter();

        var code = await Runner.RunPipeAsync(input, client, output, CancellationToken.None).WaitAsync(s_wait);

        Assert.That(output.ToString().ReplaceLineEndings("\n"), Is.EqualTo("OK\nOK\n2\n"));
        Assert.That(code, Is.EqualTo(Runner.ExitOk));
        Assert.That(client.Calls.Where(call => call.StartsWith("PUT", StringComparison.Ordinal)), Has.Exactly(2).Items);
    }

    [Test]
    public void Get_with_ctx_prints_the_context_after_a_single_value_and_after_nil_when_tombstones_remain()
    {
        var context = DynamoContext.FromBytes([0xFB, 0xEF]);

        Assert.That(Output.FormatGet(new GetResult([Bytes("v")], 1, context), withContext: true), Is.EqualTo($"v\n(context) {context}"));
        Assert.That(
            Output.FormatGet(new GetResult([Bytes("v1"), Bytes("v2")], 2, context), withContext: true),
            Is.EqualTo($"1) v1\n2) v2\n(context) {context}"));
        Assert.That(Output.FormatGet(new GetResult([], 1, context), withContext: true), Is.EqualTo($"(nil)\n(context) {context}"));
        Assert.That(Output.FormatGet(new GetResult([], 0, DynamoContext.Empty), withContext: true), Is.EqualTo("(nil)"), "never written");
    }

    [Test]
    public void Plain_get_prints_as_it_always_did()
    {
        var context = DynamoContext.FromBytes([0xFB, 0xEF]);

        Assert.That(Output.FormatGet(new GetResult([Bytes("v")], 1, context)), Is.EqualTo("v"));
        Assert.That(Output.FormatGet(new GetResult([], 1, context)), Is.EqualTo("(nil)"));
        Assert.That(Output.FormatGet(new GetResult([Bytes("v1"), Bytes("v2")], 2, context)), Is.EqualTo($"1) v1\n2) v2\n(context) {context}"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Values_left_out_print_their_sizes_how_to_resolve_them_and_the_context(bool withContext)
    {
        var result = GetResult.WithValuesOmitted([5_000_000, 12_000_000], 3, s_read);

        Assert.That(Output.FormatGet(result, withContext), Is.EqualTo(
            "1) (value omitted: 5000000 bytes)\n"
            + "2) (value omitted: 12000000 bytes)\n"
            + "(values omitted: together 17000000 bytes, they pass the object bound of 16711680 bytes; SET key value CTX=<context> replaces them, DEL key deletes them)\n"
            + $"(context) {s_read}"));
    }

    [Test]
    public async Task Get_through_the_executor_prints_left_out_values_and_the_context_with_or_without_WithCtx()
    {
        var client = new FakeClient();
        client.Values["big"] = GetResult.WithValuesOmitted([9_000_000, 8_000_000], 2, s_read);

        var plain = await Line("GET big", client);
        var withContext = await Line("GET big WITHCTX", client);

        Assert.That(plain, Is.EqualTo(withContext));
        Assert.That(plain.Text, Does.StartWith("1) (value omitted: 9000000 bytes)\n2) (value omitted: 8000000 bytes)\n"));
        Assert.That(plain.Text, Does.EndWith($"\n(context) {s_read}"));
        Assert.That(plain.IsError, Is.False);
    }

    private static Task<Reply> Line(string line, FakeClient client) =>
        Executor.RunLineAsync(line, client, CancellationToken.None).WaitAsync(s_wait);

    private static Command Parse(string line)
    {
        Assert.That(Executor.TryParseLine(line, out var command, out var error), Is.True, error);
        return command!;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
