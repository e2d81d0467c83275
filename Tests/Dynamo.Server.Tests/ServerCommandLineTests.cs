using Dynamo.Engine;
using Dynamo.Server.Addresses;
using Dynamo.Server.Dev;
using Dynamo.Server.Options;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Tests.Shared.GeneratedHelpText;

namespace Dynamo.Server.Tests;

/// <summary>
/// <c>dynamo-server</c>'s command line as a user meets it: exit codes, messages, generated help, <c>dev</c> and its
/// <c>-- &lt;node options&gt;</c>, run through <see cref="ServerCommandLine"/> with the node and the cluster replaced
/// by recorders, so nothing starts.
/// </summary>
public sealed class ServerCommandLineTests
{
    /// <summary>Every node option as <c>--help</c> shows it, with the default it shows (null: none shown).</summary>
    private static readonly (string Option, string? Default)[] s_nodeOptions =
    [
        ("--node <id>", null),
        ("--peers <id@host:port,...>", null),
        ("--seeds <host:port,...>", null),
        ("--listen <host:port>", "this node's endpoint in --peers"),
        ("--data <dir>", "a new temporary directory"),
        ("--partitions <Q>", "1024"),
        ("--n <N>", "3"),
        ("--r <R>", "2"),
        ("--w <W>", "2"),
        ("--timeout-ms <ms>", "5000"),
        ("--bucket <name:n=3,r=2,w=2,timeout-ms=5000>", null),
        ("--store <log|memory>", "log with --data, else memory"),
        ("--durability <always|interval|none>", "always"),
        ("--sync-interval-ms <ms>", "10"),
        ("--segment-mb <MiB>", "64"),
        ("--compaction-garbage-ratio <ratio>", "0.5"),
        ("--compaction-mb-per-s <MiB/s>", "16"),
        ("--anti-entropy <on|off>", "on"),
        ("--ae-interval-ms <ms>", "10000"),
        ("--ae-concurrency <n>", "1"),
        ("--ae-keys-per-s <n>", "5000"),
        ("--gossip-interval-ms <ms>", "1000"),
        ("--member-down-after-ms <ms>", "5000, or 5 gossip intervals when that is more"),
        ("--phi-threshold <phi>", "8"),
        ("--hints-per-target-max <n>", "100000"),
        ("--hints-per-second <n>", "1000"),
        ("--log-level <level>", "information"),
        ("--parent-pid <pid>", null),
        ("-?, -h, --help", null),
        ("--version", null),
    ];

    /// <summary>Every option of <c>dev</c> as <c>dev --help</c> shows it, with its default.</summary>
    private static readonly (string Option, string? Default)[] s_devOptions =
    [
        ("--nodes <n>", "3"),
        ("--base-port <port>", "7101"),
        ("--data <dir>", "a new directory dynamo-dev-<yyyyMMdd-HHmmss> in the temporary folder"),
        ("--partitions <Q>", "64"),
        ("--log-level <level>", "information"),
        ("-?, -h, --help", null),
    ];

    private readonly List<ServerOptions> _nodesRun = [];
    private readonly List<DevSettings> _clustersRun = [];
    private int _exitCodeOfRun;

    [SetUp]
    public void Forget()
    {
        _nodesRun.Clear();
        _clustersRun.Clear();
        _exitCodeOfRun = 0;
    }

    [Test]
    public async Task An_unknown_option_is_refused_with_exit_code_2_and_the_closest_option_suggested()
    {
        var run = await InvokeAsync("--node", "n4", "--listen", "127.0.0.1:7104", "--seed", "127.0.0.1:7101");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("dynamo-server: Unknown option '--seed'. Did you mean '--seeds'?"));
        Assert.That(run.Error, Does.Contain("Run 'dynamo-server --help' for the options."));
        Assert.That(_nodesRun, Is.Empty, "no node starts");
    }

    [TestCase("--partition", "'--partitions'")]
    [TestCase("--gossip-interval", "'--gossip-interval-ms'")]
    [TestCase("--durabilty", "'--durability'")]
    [TestCase("--x", "'--n', '--r' or '--w'")]
    public async Task A_misspelt_option_gets_the_closest_ones_suggested(string misspelt, string suggested)
    {
        var run = await InvokeAsync("--node", "n1", "--peers", "n1@h:1", misspelt, "1");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain($"Unknown option '{misspelt}'. Did you mean {suggested}?"));
    }

    [Test]
    public async Task An_unknown_option_far_from_every_option_gets_no_suggestion()
    {
        var run = await InvokeAsync("--node", "n1", "--peers", "n1@h:1", "--bogus", "1");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain("Unknown option '--bogus'.").And.Not.Contain("Did you mean"));
    }

    [TestCase(new[] { "--node", "n1", "--peers", "n1@h:1", "--data" }, "Option --data needs a value.")]
    [TestCase(new[] { "--node", "n1", "--node", "n2", "--peers", "n1@h:1" }, "Option --node is given twice.")]
    [TestCase(new[] { "--node", "n1", "--peers", "n1@h:1", "stray" }, "Unexpected argument 'stray'.")]
    [TestCase(new[] { "--node", "n1", "--peers", "n1@h:1", "--partitions", "100" }, "--partitions: 100 must be a power of two")]
    [TestCase(new[] { "--peers", "n1@h:1" }, "--node is required.")]
    [TestCase(new[] { "dve" }, "Unexpected argument 'dve'. Did you mean 'dev'?")]
    [TestCase(new[] { "--version", "--node", "n1" }, "--version")]
    public async Task A_bad_command_line_exits_with_code_2_and_names_the_option_and_the_reason(string[] args, string expected)
    {
        var run = await InvokeAsync(args);

        Assert.That(run.ExitCode, Is.EqualTo(2), run.Error);
        Assert.That(run.Error, Does.Contain(expected));
        Assert.That(run.Output, Is.Empty);
        Assert.That(_nodesRun, Is.Empty);
    }

    [Test]
    public async Task A_good_command_line_runs_the_node_with_its_options_and_exits_with_the_node_s_code()
    {
        _exitCodeOfRun = 1;

        var run = await InvokeAsync(
            "--node", "n2", "--peers", "n1@127.0.0.1:7101,n2@127.0.0.1:7102", "--bucket", "a:n=1,r=1,w=1", "--bucket=b:timeout-ms=9",
            "--durability", "interval", "--ae-keys-per-s", "20000");

        Assert.That(run.ExitCode, Is.EqualTo(1), "the node's exit code is the process's");
        var options = _nodesRun.Single();
        Assert.That(options.Node, Is.EqualTo(NodeId.Parse("n2")));
        Assert.That(options.Listen, Is.EqualTo(new HostPort("127.0.0.1", 7102)));
        Assert.That(options.Buckets.Keys, Is.EquivalentTo(new[] { "a", "b" }));
        Assert.That(options.Durability, Is.EqualTo(DurabilityMode.Interval));
        Assert.That(options.AntiEntropy.KeysPerSecond, Is.EqualTo(20_000));
    }

    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("-?")]
    [TestCase("help")]
    public async Task Help_lists_every_option_with_its_description_and_default_and_exits_0(string ask)
    {
        var run = await InvokeAsync(ask);

        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Output, Does.Contain("dynamo-server --node <id> --peers <id@host:port,...> [options]"));
        Assert.That(run.Output, Does.Contain("dynamo-server dev [options] [-- <node options>...]"));
        AssertListsExactly(HelpRows(run.Output, "Options:"), s_nodeOptions);
        Assert.That(HelpRows(run.Output, "Commands:").Keys, Is.EqualTo(new[] { "dev <node-options>", "version" }));
    }

    [Test]
    public async Task Help_wins_over_mistakes_on_the_same_command_line()
    {
        var run = await InvokeAsync("--seed", "x", "--help");

        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Output, Does.Contain("--seeds <host:port,...>"));
    }

    [Test]
    public async Task Without_arguments_the_help_is_printed_and_the_exit_code_is_2()
    {
        var run = await InvokeAsync();

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Output, Does.Contain("--peers <id@host:port,...>"));
    }

    [TestCase("--help")]
    [TestCase("-h")]
    public async Task Dev_help_lists_its_own_options_with_defaults_and_says_where_node_options_go(string ask)
    {
        var run = await InvokeAsync("dev", ask);

        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Output, Does.Contain("dynamo-server dev [options] [-- <node options>...]"));
        AssertListsExactly(HelpRows(run.Output, "Options:"), s_devOptions);
        var nodeOptions = HelpRows(run.Output, "Arguments:")["<node-options>"];
        Assert.That(nodeOptions, Does.Contain("After --").And.Contain("checked before any node starts"));
        Assert.That(nodeOptions, Does.Contain(string.Join(", ", DevOptionSet.OptionsSetByDev.SkipLast(1)) + " and --parent-pid"));
        Assert.That(_clustersRun, Is.Empty);
    }

    [TestCase("--version")]
    [TestCase("version")]
    public async Task The_version_is_printed_with_the_program_name(string ask)
    {
        var run = await InvokeAsync(ask);

        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Output, Does.Match(@"^dynamo-server \d+\.\d+\.\d+\.\d+\r?\n$"));
    }

    [Test]
    public async Task Dev_takes_its_own_options_and_hands_the_options_after_the_double_dash_to_every_node()
    {
        var run = await InvokeAsync(
            "dev", "--nodes", "5", "--base-port", "7201", "--data", "cluster", "--partitions", "128", "--log-level", "debug",
            "--", "--durability", "interval", "--ae-interval-ms", "2000", "--phi-threshold", "10");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var settings = _clustersRun.Single();
        Assert.That((settings.Nodes, settings.BasePort, settings.Partitions, settings.LogLevel), Is.EqualTo((5, 7201, 128, "debug")));
        Assert.That(settings.DataDirectory, Is.EqualTo(Path.GetFullPath("cluster")));
        Assert.That(settings.NodeArguments, Is.EqualTo(new[] { "--durability", "interval", "--ae-interval-ms", "2000", "--phi-threshold", "10" }));
    }

    [Test]
    public async Task Dev_without_options_takes_the_documented_defaults()
    {
        var run = await InvokeAsync("dev");

        Assert.That(run.ExitCode, Is.Zero, run.Error);
        var settings = _clustersRun.Single();
        Assert.That((settings.Nodes, settings.BasePort, settings.Partitions, settings.LogLevel), Is.EqualTo((3, 7101, 64, "information")));
        Assert.That(settings.NodeArguments, Is.Empty);
        Assert.That(Path.GetFileName(settings.DataDirectory), Does.Match(@"^dynamo-dev-\d{8}-\d{6}$"));
        Assert.That(Path.GetDirectoryName(settings.DataDirectory), Is.EqualTo(Path.GetTempPath().TrimEnd('/')));
    }

    [TestCase(new[] { "dev", "--", "--bogus" }, "dynamo-server dev: node options after --: Unknown option '--bogus'.")]
    [TestCase(new[] { "dev", "--", "--seed", "h:1" }, "node options after --: Unknown option '--seed'. Did you mean '--seeds'?")]
    [TestCase(new[] { "dev", "--", "--durability", "sometimes" }, "node options after --: --durability: 'sometimes' is not always, interval or none.")]
    [TestCase(new[] { "dev", "--", "--phi-threshold", "20" }, "node options after --: --phi-threshold: '20' is not a number from 1 to 16.")]
    [TestCase(new[] { "dev", "--", "--data", "/tmp/x" }, "node options after --: --data is set by dev itself for every node; give dev's own --data before --.")]
    [TestCase(new[] { "dev", "--", "--node", "n9" }, "node options after --: --node is set by dev itself for every node.")]
    [TestCase(new[] { "dev", "--", "--r=1" }, "node options after --: --r is set by dev itself for every node.")]
    [TestCase(new[] { "dev", "--durability", "interval" }, "--durability is a node option; give it to every node after --")]
    [TestCase(new[] { "--durability", "interval", "dev" }, "--durability is a node option; dev gives node options to every node after --")]
    [TestCase(new[] { "dev", "--nodse", "3" }, "dynamo-server dev: Unknown option '--nodse'. Did you mean '--nodes'?")]
    [TestCase(new[] { "dev", "--nodes", "17" }, "--nodes: 17 is out of range; expected 1 to 16.")]
    [TestCase(new[] { "dev", "--base-port", "65534" }, "--base-port 65534 leaves no room for 3 ports.")]
    [TestCase(new[] { "dev", "--partitions", "100" }, "--partitions: 100 must be a power of two from 8 to 65536")]
    [TestCase(new[] { "dev", "--log-level", "loud" }, "--log-level: 'loud' is not one of trace, debug")]
    [TestCase(new[] { "dev", "stray", "--" }, "Unexpected argument 'stray'.")]
    public async Task Dev_refuses_bad_options_with_exit_code_2_before_any_node_starts(string[] args, string expected)
    {
        var run = await InvokeAsync(args);

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.Contain(expected));
        Assert.That(run.Error, Does.Contain("Run 'dynamo-server dev --help' for the options."));
        Assert.That(_clustersRun, Is.Empty, "no cluster is started");
    }

    [Test]
    public async Task Docs_SERVER_md_lists_every_option_with_the_name_and_default_the_help_prints()
    {
        var docs = await ReadDocsAsync("SERVER.md");
        var node = HelpRows((await InvokeAsync("--help")).Output, "Options:");
        var dev = HelpRows((await InvokeAsync("dev", "--help")).Output, "Options:");

        foreach (var (option, text) in node.Concat(dev))
        {
            Assert.That(docs, Has.Some.StartsWith(DocsRow(option, text)), $"docs/SERVER.md has the row of {option}");
        }
    }

    private Task<CapturedRun> InvokeAsync(params string[] args)
    {
        var commandLine = new ServerCommandLine(
            (options, _) =>
            {
                _nodesRun.Add(options);
                return Task.FromResult(_exitCodeOfRun);
            },
            (settings, _) =>
            {
                _clustersRun.Add(settings);
                return Task.FromResult(_exitCodeOfRun);
            });
        return CapturedRun.RunAsync((output, error) => commandLine.InvokeAsync(args, output, error, CancellationToken.None));
    }
}
