using Dynamo.Bench.Load;
using Dynamo.Tests.Shared;
using NUnit.Framework;
using static Dynamo.Tests.Shared.GeneratedHelpText;

namespace Dynamo.Bench.Tests;

/// <summary>
/// <c>dynamo-bench</c>'s command line as a user meets it: verbs, exit codes, messages and generated help, run through
/// <see cref="BenchCommandLine"/> with the load harness and BenchmarkDotNet replaced by recorders.
/// </summary>
public sealed class BenchCommandLineTests
{
    /// <summary>Every option of <c>run</c> as its help shows it, with the default it shows (null: none shown).</summary>
    private static readonly (string Option, string? Default)[] s_runOptions =
    [
        ("--target <URL>", null),
        ("--workload <A|B|C|D|F>", "A"),
        ("--records <N>", "100000"),
        ("--value-size <BYTES>", "100"),
        ("--clients <N>", "50"),
        ("--pipeline <N>", "1"),
        ("--distribution <uniform|zipfian|latest>", "zipfian; latest for D"),
        ("--duration <T>", "30s"),
        ("--operations <N>", null),
        ("--warmup <T>", "5s"),
        ("--rate <N>", "closed loop"),
        ("--rounds <N>", "1"),
        ("--no-load", null),
        ("--timeout <T>", "5s"),
        ("--r <N>", "the cluster's"),
        ("--w <N>", "the cluster's"),
        ("--n <N>", "the cluster's"),
        ("--seed <S>", "random, printed"),
        ("--json <FILE>", null),
        ("-?, -h, --help", null),
    ];

    /// <summary>Every option of <c>load</c>: the ones of <c>run</c> that are not about the measured rounds.</summary>
    private static readonly (string Option, string? Default)[] s_loadOptions =
        [.. s_runOptions.Where(o => !LoadOptionSet.RunOnly.Contains(o.Option.Split(' ')[0]))];

    private readonly List<LoadOptions> _loadsRun = [];
    private readonly List<IReadOnlyList<string>> _microRuns = [];

    [SetUp]
    public void Forget()
    {
        _loadsRun.Clear();
        _microRuns.Clear();
    }

    [Test]
    public async Task An_unknown_option_is_refused_with_exit_code_2_and_the_closest_option_suggested()
    {
        var run = await InvokeAsync("run", "--clientz", "4", "--target", "redis://127.0.0.1:6379");

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.StartWith("dynamo-bench: unknown option --clientz; did you mean --clients? (see dynamo-bench run --help)"));
        Assert.That(_loadsRun, Is.Empty);
    }

    [TestCase(new[] { "run", "--target", "redis://h:1", "--workload", "E" }, "--workload 'E': expected A, B, C, D or F")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--duration", "0s" }, "--duration '0s': expected a positive duration like 500ms, 30s, 2m")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--no-load", "--no-load" }, "--no-load is given twice")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--json" }, "--json needs a value")]
    [TestCase(new[] { "load", "--target", "redis://h:1", "--rounds", "2" }, "--rounds applies to run only")]
    [TestCase(new[] { "load", "--taget", "redis://h:1" }, "unknown option --taget; did you mean --target?")]
    [TestCase(new[] { "rnu", "--target", "redis://h:1" }, "unknown command 'rnu': expected micro, run or load; did you mean run?")]
    [TestCase(new[] { "--target", "redis://h:1" }, "unknown option --target: a command comes first: micro, run or load")]
    [TestCase(new string[0], "a command is needed: micro, run or load")]
    public async Task A_bad_command_line_exits_with_code_2_with_the_reason_then_the_help(string[] args, string expected)
    {
        var run = await InvokeAsync(args);

        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Error, Does.StartWith("dynamo-bench: " + expected));
        Assert.That(run.Error, Does.Contain("Usage:"));
        Assert.That(run.Output, Is.Empty);
        Assert.That(_loadsRun.Concat<object>(_microRuns), Is.Empty, "nothing runs");
    }

    [Test]
    public async Task A_good_run_command_line_runs_the_load_harness_with_its_options_and_exits_with_its_code()
    {
        var run = await InvokeAsync("run", "--workload", "C", "--target", "dynamo://127.0.0.1:7101", "--target", "redis://127.0.0.1:6379", "--rounds", "2");

        Assert.That(run.ExitCode, Is.EqualTo(3), "the harness's exit code is the process's");
        var options = _loadsRun.Single();
        Assert.That(options.Command, Is.EqualTo(LoadCommandKind.Run));
        Assert.That(options.Workload, Is.SameAs(Workload.C));
        Assert.That(options.Targets, Is.EqualTo(new[] { "dynamo://127.0.0.1:7101", "redis://127.0.0.1:6379" }));
        Assert.That(options.Rounds, Is.EqualTo(2));
    }

    [Test]
    public async Task Micro_hands_every_word_after_it_to_BenchmarkDotNet_as_it_is()
    {
        var run = await InvokeAsync("micro", "--filter", "*Frame*", "--list", "flat", "-j", "short", "--runtimes", "net10.0");
        var passed = await InvokeAsync("micro", "--", "--help");

        Assert.That((run.ExitCode, passed.ExitCode), Is.EqualTo((0, 0)));
        Assert.That(_microRuns[0], Is.EqualTo(new[] { "--filter", "*Frame*", "--list", "flat", "-j", "short", "--runtimes", "net10.0" }));
        Assert.That(_microRuns[1], Is.EqualTo(new[] { "--help" }), "after --, BenchmarkDotNet's own --help");
    }

    [Test]
    public async Task Help_lists_the_verbs()
    {
        var run = await InvokeAsync("--help");

        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(HelpRows(run.Output, "Commands:").Keys, Is.EqualTo(new[] { "micro <benchmarkdotnet-arguments>", "run", "load" }));
        Assert.That(run.Output, Does.Contain("dynamo-bench run --target URL [--target URL ...] [options]"));
    }

    [TestCase("run", "--help")]
    [TestCase("run", "-h")]
    [TestCase("load", "-?")]
    public async Task Help_of_run_and_load_lists_every_option_with_its_description_and_default(string verb, string ask)
    {
        var run = await InvokeAsync(verb, ask);

        Assert.That(run.ExitCode, Is.Zero);
        AssertListsExactly(HelpRows(run.Output, "Options:"), verb == "run" ? s_runOptions : s_loadOptions);
        Assert.That(run.Output, Does.Contain("T is a number with a unit: 500ms, 30s, 2m, 1h"));
        Assert.That(_loadsRun, Is.Empty);
    }

    [Test]
    public async Task Help_of_micro_is_this_program_s_and_says_how_to_reach_BenchmarkDotNet_s()
    {
        var run = await InvokeAsync("micro", "--help");

        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(HelpRows(run.Output, "Arguments:")["<benchmarkdotnet-arguments>"], Does.Contain("micro -- --help"));
        Assert.That(_microRuns, Is.Empty);
    }

    /// <summary>The command lines of <c>.ci/bench-smoke</c>, <c>Bench/side-by-side.sh</c> and <c>Bench/anti-entropy.sh</c>.</summary>
    [Test]
    public void The_scripts_command_lines_parse_to_what_they_mean()
    {
        Assert.That(LoadArguments.TryParse(
            ["run", "--workload", "A", "--records", "1000", "--clients", "4", "--duration", "3s", "--warmup", "1s",
             "--target", "dynamo://127.0.0.1:20001", "--target", "redis://127.0.0.1:20002", "--json", "/tmp/smoke.json"],
            out var smoke,
            out var error), Is.True, error);
        Assert.That((smoke!.Records, smoke.Clients, smoke.Duration, smoke.Warmup, smoke.JsonPath, smoke.Targets.Count),
            Is.EqualTo((1000L, 4, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), "/tmp/smoke.json", 2)));

        Assert.That(LoadArguments.TryParse(
            ["run", "--workload", "C", "--records", "100000", "--clients", "50", "--pipeline", "16", "--duration", "8s", "--warmup", "2s",
             "--rounds", "2", "--no-load", "--target", "dynamo://127.0.0.1:7401",
             "--target", "dynamo://127.0.0.1:7411,127.0.0.1:7412,127.0.0.1:7413", "--target", "redis://127.0.0.1:7421", "--json", "C-c50-p16.json"],
            out var sideBySide,
            out error), Is.True, error);
        Assert.That((sideBySide!.Workload, sideBySide.Pipeline, sideBySide.Rounds, sideBySide.NoLoad, sideBySide.Targets.Count),
            Is.EqualTo((Workload.C, 16, 2, true, 3)));

        Assert.That(LoadArguments.TryParse(
            ["load", "--records", "100000", "--w", "3", "--seed", "1", "--target", "dynamo://127.0.0.1:7511,127.0.0.1:7512,127.0.0.1:7513"],
            out var antiEntropy,
            out error), Is.True, error);
        Assert.That((antiEntropy!.Command, antiEntropy.W, antiEntropy.Seed, antiEntropy.SeedGiven), Is.EqualTo((LoadCommandKind.Load, (int?)3, 1UL, true)));
    }

    [Test]
    public async Task Docs_BENCHMARKS_md_lists_every_option_of_run_with_the_name_and_default_the_help_prints()
    {
        var docs = await ReadDocsAsync("BENCHMARKS.md");

        foreach (var (option, text) in HelpRows((await InvokeAsync("run", "--help")).Output, "Options:"))
        {
            Assert.That(docs, Has.Some.StartsWith(DocsRow(option, text)), $"docs/BENCHMARKS.md has the row of {option}");
        }
    }

    private Task<CapturedRun> InvokeAsync(params string[] args)
    {
        var commandLine = new BenchCommandLine(
            (options, _) =>
            {
                _loadsRun.Add(options);
                return Task.FromResult(3);
            },
            words =>
            {
                _microRuns.Add(words);
                return 0;
            });
        return CapturedRun.RunAsync((output, error) => commandLine.InvokeAsync(args, output, error, CancellationToken.None));
    }
}
