using System.Text;
using Dynamo.Cli;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Cli;

public sealed class CliTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [TestCase("GET key", new[] { "GET", "key" })]
    [TestCase("  set   a  b  ", new[] { "set", "a", "b" })]
    [TestCase("SET \"a key\" \"a value\"", new[] { "SET", "a key", "a value" })]
    [TestCase("SET k 'it''s'", null)]
    [TestCase("SET k 'single \\' quote'", new[] { "SET", "k", "single ' quote" })]
    [TestCase("SET k 'no \\n escapes'", new[] { "SET", "k", "no \\n escapes" })]
    [TestCase("SET k \"quote \\\" and backslash \\\\\"", new[] { "SET", "k", "quote \" and backslash \\" })]
    [TestCase("SET k \"line\\nbreak\\ttab\"", new[] { "SET", "k", "line\nbreak\ttab" })]
    [TestCase("SET k \"\"", new[] { "SET", "k", "" })]
    [TestCase("SET k ab\"c d\"", new[] { "SET", "k", "abc d" })]
    [TestCase("SET k \"é ✓\"", new[] { "SET", "k", "é ✓" })]
    [TestCase("", new string[0])]
    public void The_tokenizer_splits_like_redis_cli(string line, string[]? expected)
    {
        var ok = Tokenizer.TryTokenize(line, out var arguments, out var error);

        if (expected is null)
        {
            Assert.That(ok, Is.False);
            Assert.That(error, Is.Not.Empty);
            return;
        }

        Assert.That(ok, Is.True, error);
        Assert.That(arguments!.Select(a => Encoding.UTF8.GetString(a)), Is.EqualTo(expected));
    }

    [Test]
    public void Hex_escapes_write_any_byte()
    {
        Assert.That(Tokenizer.TryTokenize("SET k \"\\x00\\xff\\x41z\"", out var arguments, out _), Is.True);
        Assert.That(arguments![2], Is.EqualTo(new byte[] { 0x00, 0xFF, 0x41, (byte)'z' }));
    }

    [TestCase("GET \"open")]
    [TestCase("GET 'open")]
    [TestCase("GET \"trailing\\")]
    public void An_unbalanced_quote_is_an_error_not_a_crash(string line)
    {
        Assert.That(Tokenizer.TryTokenize(line, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo("unbalanced quotes"));
    }

    [Test]
    public void Options_parse_case_insensitively_after_the_key_and_value()
    {
        var context = DynamoContext.FromBytes([1, 2, 3]);
        var get = Parse("get k r=2");
        Assert.That((get.Kind, get.Key, get.Quorum, get.Context), Is.EqualTo((CommandKind.Get, Bytes("k"), (int?)2, (DynamoContext?)null)));
        var set = Parse($"PUT k v W=3 ctx={context}");
        Assert.That((set.Kind, set.Quorum, set.Context), Is.EqualTo((CommandKind.Set, (int?)3, context)));
        Assert.That(set.Value, Is.EqualTo(Bytes("v")));
        var del = Parse($"del k CTX={context}");
        Assert.That((del.Kind, del.Quorum, del.Context), Is.EqualTo((CommandKind.Delete, (int?)null, context)));
        Assert.That(Parse("RING k").Key, Is.EqualTo(Bytes("k")));
        Assert.That(Parse("ring").Key, Is.Null);
    }

    [Test]
    public void Strict_is_a_bare_option_of_get_set_and_del_and_members_takes_no_argument()
    {
        Assert.That(Parse("get k strict").Strict, Is.True);
        Assert.That(Parse("GET k").Strict, Is.False);
        var set = Parse("SET k v W=2 STRICT");
        Assert.That((set.Strict, set.Quorum), Is.EqualTo((true, (int?)2)));
        Assert.That(Parse("DEL k Strict").Strict, Is.True);
        Assert.That(Parse("members").Kind, Is.EqualTo(CommandKind.Members));
    }

    [Test]
    public void Members_lists_the_member_lines_of_info_and_counts_those_up()
    {
        const string Info = "node:n1\nmembers:3\nmember.n1:127.0.0.1:7101 up 5 40\nmember.n2:127.0.0.1:7102 down 5 12\nmember.n3:127.0.0.1:7103 up 6 39\nhints_pending:4\n";
        var text = Output.FormatMembers(Info);
        Assert.That(text, Does.Contain("1) n1  127.0.0.1:7101  up    epoch 5  heartbeat 40"));
        Assert.That(text, Does.Contain("2) n2  127.0.0.1:7102  down  epoch 5  heartbeat 12"));
        Assert.That(text, Does.EndWith("2 of 3 members up"));
        Assert.That(Output.FormatMembers("node:n1\n"), Does.Contain("no member list"));
    }

    [Test]
    public void Bucket_commands_parse_any_subset_of_n_r_w_and_timeout_and_keyed_commands_take_a_bucket()
    {
        var set = Parse("bucket set b n=2 R=1 w=1");
        Assert.That((set.Kind, set.Bucket, set.Change), Is.EqualTo((CommandKind.BucketSet, "b", new BucketArguments(2, 1, 1, null))));
        Assert.That(Parse("BUCKET SET carts timeout=900").Change, Is.EqualTo(new BucketArguments(null, null, null, 900)));
        Assert.That(Parse("BUCKET SET carts w=3").Change, Is.EqualTo(new BucketArguments(null, null, 3, null)), "W alone: the node checks it against the bucket's N");
        var get = Parse("BUCKET GET carts");
        Assert.That((get.Kind, get.Bucket), Is.EqualTo((CommandKind.BucketGet, "carts")));
        Assert.That(Parse("GET k BUCKET=carts R=1").Bucket, Is.EqualTo("carts"));
        Assert.That(Parse("SET k v bucket=carts").Bucket, Is.EqualTo("carts"));
        Assert.That(Parse("DEL k BUCKET=carts").Bucket, Is.EqualTo("carts"));
        Assert.That(Parse("GET k").Bucket, Is.Null);
    }

    [Test]
    public async Task Bucket_set_prints_the_new_settings_and_bucket_get_the_table_or_the_defaults()
    {
        var client = new FakeClient();
        Assert.That((await Line("BUCKET SET b n=2 r=1 w=1", client)).Text, Is.EqualTo("bucket b: n=2 r=1 w=1 timeout=5000ms (version 1 by a)"));
        Assert.That(client.Calls, Does.Contain("BUCKET SET b n=2 r=1 w=1 timeout="));
        Assert.That((await Line("BUCKET GET b", client)).Text, Is.EqualTo("bucket b: n=3 r=2 w=2 (the defaults: no properties set)"));
        client.Cluster = new ClusterInfo(
            client.Cluster.Fingerprint, client.Cluster.Ring, 3, 2, 2, ["h:1", "h:2", "h:3"], [new BucketSettings("b", 2, 1, 1, 5000, 1, "a")]);
        Assert.That((await Line("BUCKET GET b", client)).Text, Is.EqualTo("bucket b: n=2 r=1 w=1 timeout=5000ms (version 1 by a)"));
        await Line("GET k BUCKET=b", client);
        Assert.That(client.Calls, Does.Contain("GET k R= BUCKET=b"));
    }

    [TestCase("BUCKET SET b n=3 r=4", "r=4 is more than n=3: R and W must be from 1 to N")]
    [TestCase("BUCKET SET b w=5 n=2", "w=5 is more than n=2")]
    [TestCase("BUCKET SET b", "nothing to change")]
    [TestCase("BUCKET SET b n=0", "n must be a number from 1 to 16, not '0'")]
    [TestCase("BUCKET SET b n=17", "n must be a number from 1 to 16")]
    [TestCase("BUCKET SET b timeout=0", "timeout must be a number from 1 to 3600000 (milliseconds)")]
    [TestCase("BUCKET SET b n=2 n=3", "unknown or repeated option 'n=3'")]
    [TestCase("BUCKET SET b x=1", "unknown or repeated option 'x=1'")]
    [TestCase("BUCKET GET b n=2", "wrong number of arguments")]
    [TestCase("BUCKET DROP b", "wrong arguments")]
    [TestCase("BUCKET GET", "wrong arguments")]
    [TestCase("GET k BUCKET=a BUCKET=b", "unknown or repeated option")]
    [TestCase("GET", "wrong number of arguments")]
    [TestCase("GET k STRICT STRICT", "unknown or repeated option")]
    [TestCase("MEMBERS n1", "wrong number of arguments")]
    [TestCase("SET k", "wrong number of arguments")]
    [TestCase("PING now", "wrong number of arguments")]
    [TestCase("GET k W=2", "unknown or repeated option")]
    [TestCase("GET k R=2 R=3", "unknown or repeated option")]
    [TestCase("GET k R=0", "R must be a number from 1 to 16")]
    [TestCase("GET k R=x", "R must be a number from 1 to 16")]
    [TestCase("SET k v W=17", "W must be a number from 1 to 16")]
    [TestCase("SET k v CTX=***", "CTX must be a context")]
    [TestCase("GET k CTX=AQID", "unknown or repeated option")]
    [TestCase("FLUSHALL", "unknown command 'FLUSHALL'")]
    public void Bad_commands_are_refused_with_the_reason(string line, string reason)
    {
        Assert.That(Tokenizer.TryTokenize(line, out var arguments, out _), Is.True);
        Assert.That(CommandParser.TryParse(arguments!, out _, out var error), Is.False);
        Assert.That(error, Does.StartWith(reason));
    }

    [Test]
    public void Values_print_as_text_with_control_and_non_UTF8_bytes_escaped()
    {
        Assert.That(Output.FormatValue("plain value é"u8), Is.EqualTo("plain value é"));
        Assert.That(Output.FormatValue([0x61, 0xFF, 0x0A, 0x62, 0xC3]), Is.EqualTo("a\\xff\\x0ab\\xc3"));
        Assert.That(Output.FormatValue([]), Is.Empty);
    }

    [Test]
    public void Get_replies_print_nil_a_value_or_numbered_siblings_with_the_context()
    {
        var context = DynamoContext.FromBytes([0xFB, 0xEF]);
        Assert.That(Output.FormatGet(new GetResult([], 0, DynamoContext.Empty)), Is.EqualTo("(nil)"));
        Assert.That(Output.FormatGet(new GetResult([], 1, context)), Is.EqualTo("(nil)"), "only a tombstone");
        Assert.That(Output.FormatGet(new GetResult([Bytes("v")], 1, context)), Is.EqualTo("v"));
        Assert.That(
            Output.FormatGet(new GetResult([Bytes("v1"), Bytes("v2")], 3, context)),
            Is.EqualTo($"1) v1\n2) v2\n(context) {context}"));
    }

    [Test]
    public async Task Each_reply_kind_prints_as_documented()
    {
        var client = new FakeClient();
        client.Values["k"] = new GetResult([Bytes("v")], 1, DynamoContext.Empty);
        client.Failures["q"] = new QuorumNotMetException(2, 1);

        Assert.That(await Line("PING", client), Is.EqualTo(new Reply("PONG", false)));
        Assert.That(await Line("GET k R=1", client), Is.EqualTo(new Reply("v", false)));
        Assert.That(await Line("GET missing", client), Is.EqualTo(new Reply("(nil)", false)));
        Assert.That(await Line("SET k \"a b\" W=2", client), Is.EqualTo(new Reply("OK", false)));
        Assert.That(await Line("DEL k", client), Is.EqualTo(new Reply("OK", false)));
        Assert.That(await Line("INFO", client), Is.EqualTo(new Reply("node:a\nuptime_s:5", false)));
        Assert.That(await Line("SET q v BLIND", client), Is.EqualTo(new Reply("(error) quorum not met: required 2, received 1", true)));
        Assert.That(await Line("GET \"open", client), Is.EqualTo(new Reply("(error) unbalanced quotes", true)));
        Assert.That((await Line("HELP", client)).Text, Does.Contain("\\xHH"));
        Assert.That(client.Calls, Does.Contain("GET k R=1").And.Contain("PUT k 612062 W=2 CTX="));
    }

    [Test]
    public async Task Repair_prints_what_the_node_repaired_and_passes_its_timeout()
    {
        var client = new FakeClient { Repair = new RepairResult(false, 4, 2, 130, 129, "n3 is unreachable") };

        Assert.That(
            await Line("repair timeout=1500", client),
            Is.EqualTo(new Reply(
                "completed: no\nexchanges: 4\nexchanges_failed: 2\ndifferences: 130\nkeys_repaired: 129\nmessage: n3 is unreachable", false)));
        Assert.That(client.Calls, Does.Contain("REPAIR  1500"));
        client.Repair = new RepairResult(true, 6, 0, 0, 0, null);
        Assert.That((await Line("REPAIR", client)).Text, Does.StartWith("completed: yes\nexchanges: 6").And.Not.Contain("message"));
        Assert.That((await Line("REPAIR TIMEOUT=0", client)).IsError, Is.True);
        Assert.That((await Line("REPAIR now", client)).IsError, Is.True);
        Assert.That(Output.Help, Does.Contain("REPAIR [TIMEOUT=ms]"));
    }

    [Test]
    public async Task Del_without_a_context_deletes_what_a_read_finds_and_with_one_only_what_it_names()
    {
        var client = new FakeClient();
        var read = DynamoContext.FromBytes([0x01, 0x02]);
        var given = DynamoContext.FromBytes([0x03]);
        client.Values["k"] = new GetResult([Bytes("v")], 1, read);

        Assert.That(await Line("DEL k W=3", client), Is.EqualTo(new Reply("OK", false)));
        Assert.That(await Line($"DEL k CTX={given}", client), Is.EqualTo(new Reply("OK", false)));

        Assert.That(client.Calls, Is.EqualTo(new[] { "GET k R=", $"DEL k W=3 CTX={read}", $"DEL k W= CTX={given}" }));
    }

    [Test]
    public async Task Ring_prints_members_with_their_partitions_and_a_key_with_its_preference_list()
    {
        var client = new FakeClient();

        var ring = (await Line("RING", client)).Text;
        var placement = client.Cluster.GetPlacement("user:1");
        var key = (await Line("RING user:1", client)).Text;

        Assert.That(ring, Does.StartWith("partitions: 8\nfingerprint: 0000000000abcdef\ndefaults: N=3 R=2 W=2\nmembers: 3\n"));
        Assert.That(ring, Does.Contain("1) a h:1 partitions=3").And.Contain("3) c h:3 partitions=2"));
        Assert.That(key, Does.Contain($"partition: {placement.Partition} of 8"));
        Assert.That(key, Does.Contain("primaries: " + string.Join(", ", placement.Primaries.Select(n => $"{n.NodeId} {n.Endpoint}"))));
        Assert.That(key, Does.EndWith("fallbacks: (none)"));
    }

    [TestCase(new[] { "PING" }, 0, "PONG")]
    [TestCase(new[] { "get", "missing" }, 0, "(nil)")]
    [TestCase(new[] { "SET", "fail", "v" }, 1, "(error) unavailable")]
    [TestCase(new[] { "SET", "k" }, 2, "(error) wrong number of arguments")]
    [TestCase(new[] { "NOPE" }, 2, "(error) unknown command")]
    public async Task One_shot_mode_exits_0_on_success_1_on_failure_and_2_on_bad_usage(string[] args, int exit, string printed)
    {
        var client = new FakeClient();
        client.Failures["fail"] = new UnavailableException("unavailable");
        using var output = new StringWriter();

        var code = await Runner.RunOneShotAsync(args, client, output, CancellationToken.None).WaitAsync(s_wait);

        Assert.That(code, Is.EqualTo(exit));
        Assert.That(output.ToString(), Does.StartWith(printed));
    }

    [Test]
    public async Task Piped_commands_run_pipelined_and_print_replies_in_command_order()
    {
        const int Count = 2000;
        var client = new FakeClient();
        var gates = new TaskCompletionSource[Count];
        for (var i = 0; i < Count; i++)
        {
            gates[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Values[$"k{i}"] = new GetResult([Bytes($"v{i}")], 1, DynamoContext.Empty);
        }

        var waiting = 0;
        var enoughWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Gate = (key, _) =>
        {
            if (Interlocked.Increment(ref waiting) == CliLimits.PipelineCommandsMax)
            {
                enoughWaiting.TrySetResult();
            }

            return gates[int.Parse(key[1..], System.Globalization.CultureInfo.InvariantCulture)].Task;
        };
        var input = new StringReader(string.Join("\n", Enumerable.Range(0, Count).Select(i => $"GET k{i}")) + "\n\nGET \"bad\n");
        using var output = new StringWriter();

        var run = Runner.RunPipeAsync(input, client, output, CancellationToken.None);
        await enoughWaiting.Task.WaitAsync(s_wait);
        Assert.That(run.IsCompleted, Is.False);
        for (var i = Count - 1; i >= 0; i--)
        {
            gates[i].SetResult();
        }

        var code = await run.WaitAsync(s_wait);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Take(Count), Is.EqualTo(Enumerable.Range(0, Count).Select(i => $"v{i}")));
        Assert.That(lines[Count], Is.EqualTo("(error) unbalanced quotes"));
        Assert.That(code, Is.EqualTo(Runner.ExitFailed), "one command failed");
    }

    [Test]
    public async Task Piped_commands_on_one_key_run_in_their_order_while_the_first_still_waits()
    {
        var client = new FakeClient();
        var read = DynamoContext.FromBytes([0x07]);
        client.Values["k"] = new GetResult([Bytes("v")], 1, read);
        var input = new EndSignallingReader("DEL k\nGET k\nPING\n");
        var gets = 0;
        client.Gate = (_, _) => Interlocked.Increment(ref gets) == 1 ? input.Ended : Task.CompletedTask;
        using var output = new StringWriter();

        var code = await Runner.RunPipeAsync(input, client, output, CancellationToken.None).WaitAsync(s_wait);

        Assert.That(client.Calls, Is.EqualTo(new[] { "GET k R=", $"DEL k W= CTX={read}", "GET k R=" }), "the GET waits for the DEL before it");
        Assert.That(output.ToString().ReplaceLineEndings("\n"), Is.EqualTo("OK\nv\nPONG\n"));
        Assert.That(code, Is.EqualTo(Runner.ExitOk));
    }

    [Test]
    public async Task Piped_commands_that_all_succeed_exit_0()
    {
        using var output = new StringWriter();

        var code = await Runner.RunPipeAsync(new StringReader("PING\nSET k v\nquit\nPING\n"), new FakeClient(), output, CancellationToken.None).WaitAsync(s_wait);

        Assert.That(code, Is.EqualTo(Runner.ExitOk));
        Assert.That(output.ToString().ReplaceLineEndings("\n"), Is.EqualTo("PONG\nOK\n"));
    }

    [Test]
    public async Task Piped_commands_run_through_the_real_driver_against_a_responder()
    {
        await using var node = new Driver.TestResponder();
        node.Handler = request =>
        {
            if (request.Opcode == Protocol.Opcode.Get && request.Key == "k")
            {
                request.ReplyValues([9], new Protocol.SiblingValue("x"u8.ToArray()), new Protocol.SiblingValue(new byte[] { 0xFF }));
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await DynamoClient.ConnectAsync(new DynamoClientOptions(node.Endpoint)).WaitAsync(s_wait);
        using var output = new StringWriter();
        var input = string.Join("\n", Enumerable.Range(0, 500).Select(i => $"SET key{i} value{i}")) + "\nGET k\nGET none\nPING\nINFO\n";

        var code = await Runner.RunPipeAsync(new StringReader(input), client, output, CancellationToken.None).WaitAsync(s_wait);

        var expected = Enumerable.Repeat("OK", 500).Concat(["1) x", "2) \\xff", "(context) CQ", "(nil)", "PONG", "node:n1"]);
        Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(expected));
        Assert.That(code, Is.EqualTo(Runner.ExitOk));
    }

    private static Task<Reply> Line(string line, FakeClient client) =>
        Executor.RunLineAsync(line, client, CancellationToken.None).WaitAsync(s_wait);

    private static Command Parse(string line)
    {
        Assert.That(Tokenizer.TryTokenize(line, out var arguments, out var error), Is.True, error);
        Assert.That(CommandParser.TryParse(arguments!, out var command, out error), Is.True, error);
        return command!;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
