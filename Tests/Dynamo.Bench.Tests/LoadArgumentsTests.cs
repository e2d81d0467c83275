using Dynamo.Bench.Load;
using NUnit.Framework;

namespace Dynamo.Bench.Tests;

public sealed class LoadArgumentsTests
{
    [Test]
    public void A_full_run_command_line_sets_every_option()
    {
        var ok = LoadArguments.TryParse(
            ["run", "--workload", "d", "--records", "1000", "--value-size", "64", "--clients", "8", "--pipeline", "4",
             "--duration", "2m", "--target", "dynamo://127.0.0.1:7101,127.0.0.1:7102", "--target", "redis://127.0.0.1:6379",
             "--rate", "5000", "--r", "2", "--w", "2", "--n", "3", "--json", "out.json", "--warmup", "500ms",
             "--distribution", "uniform", "--rounds", "3", "--no-load", "--seed", "42", "--timeout", "2s"],
            out var options,
            out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(options, Is.Not.Null);
        Assert.That(options!.Workload, Is.SameAs(Workload.D));
        Assert.That(options.Targets, Is.EqualTo(new[] { "dynamo://127.0.0.1:7101,127.0.0.1:7102", "redis://127.0.0.1:6379" }));
        Assert.That((options.Records, options.ValueSize, options.Clients, options.Pipeline), Is.EqualTo((1000L, 64, 8, 4)));
        Assert.That((options.Duration, options.Warmup, options.Timeout),
            Is.EqualTo((TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2))));
        Assert.That(options.Rate, Is.EqualTo(5000));
        Assert.That(options.TargetSettings, Is.EqualTo(new TargetSettings(8, 4, TimeSpan.FromSeconds(2), 2, 2, 3)));
        Assert.That((options.JsonPath, options.Rounds, options.NoLoad, options.Seed), Is.EqualTo(("out.json", 3, true, 42UL)));
        Assert.That(options.EffectiveDistribution, Is.EqualTo(KeyDistribution.Uniform));
    }

    [Test]
    public void Defaults_follow_the_documented_values_and_draw_a_seed()
    {
        Assert.That(LoadArguments.TryParse(["run", "--target", "redis://h:1"], out var options, out _), Is.True);
        Assert.That(options!.Workload, Is.SameAs(Workload.A));
        Assert.That((options.Records, options.ValueSize, options.Clients, options.Pipeline, options.Rounds),
            Is.EqualTo((100_000L, 100, 50, 1, 1)));
        Assert.That((options.Duration, options.Warmup), Is.EqualTo((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5))));
        Assert.That((options.Rate, options.Operations, options.JsonPath, options.NoLoad), Is.EqualTo(((double?)null, (long?)null, (string?)null, false)));
        Assert.That(options.EffectiveDistribution, Is.EqualTo(KeyDistribution.Zipfian));
        Assert.That(options.SeedGiven, Is.False);
        Assert.That(options.Seed, Is.Not.Zero);
    }

    [Test]
    public void Workload_D_defaults_to_the_latest_distribution()
    {
        Assert.That(LoadArguments.TryParse(["run", "--workload", "D", "--target", "redis://h:1"], out var options, out _), Is.True);
        Assert.That(options!.EffectiveDistribution, Is.EqualTo(KeyDistribution.Latest));
    }

    [TestCase(new[] { "run" }, "--target")]
    [TestCase(new[] { "bench" }, "unknown command")]
    [TestCase(new string[0], "load or run")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--frobnicate", "1" }, "unknown option --frobnicate")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--clients" }, "--clients needs a value")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--clients", "0" }, "--clients '0'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--clients", "many" }, "--clients 'many'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--pipeline", "5000" }, "--pipeline '5000'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--workload", "E" }, "--workload 'E'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--distribution", "normal" }, "--distribution 'normal'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--distribution", "1" }, "--distribution '1'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--duration", "0s" }, "--duration '0s'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--duration", "soon" }, "--duration 'soon'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--rate", "-3" }, "--rate '-3'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--seed", "-1" }, "--seed '-1'")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "--rounds", "2", "--rounds", "3" }, "--rounds is given twice")]
    [TestCase(new[] { "run", "--target", "localhost:6379" }, "is not a URL")]
    [TestCase(new[] { "run", "--target", "redis://h:1", "stray" }, "unexpected argument 'stray'")]
    [TestCase(new[] { "load", "--target", "redis://h:1", "--rate", "100" }, "--rate applies to run only")]
    public void A_bad_command_line_is_refused_with_a_clear_message(string[] args, string expected)
    {
        Assert.That(LoadArguments.TryParse(args, out var options, out var error), Is.False);
        Assert.That(options, Is.Null);
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public void Help_parses_without_options()
    {
        Assert.That(LoadArguments.TryParse(["run", "--help"], out var options, out var error), Is.True);
        Assert.That((options, error), Is.EqualTo(((LoadOptions?)null, (string?)null)));
    }

    [TestCase("500ms", 0.5)]
    [TestCase("30s", 30)]
    [TestCase("2m", 120)]
    [TestCase("1h", 3600)]
    [TestCase("1.5", 1.5)]
    public void Durations_take_a_unit(string text, double seconds)
    {
        Assert.That(LoadArguments.TryParseDuration(text, out var duration), Is.True);
        Assert.That(duration, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [Test]
    public async Task A_bad_command_line_exits_with_code_2_and_prints_the_usage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new LoadCommand(url => new MemoryTarget(url), output, error, new VirtualClock(), errorIsTerminal: false);

        var code = await command.RunAsync(["run", "--clients", "x", "--target", "mem://a"], CancellationToken.None);

        Assert.That(code, Is.EqualTo(LoadCommand.ExitUsage));
        Assert.That(error.ToString(), Does.Contain("dynamo-bench: --clients 'x': expected a whole number from 1 to 10000"));
        Assert.That(error.ToString(), Does.Contain("Usage:").And.Contain("dynamo-bench run --target URL [--target URL ...] [options]"));
    }

    [Test]
    public async Task A_target_url_the_factory_refuses_exits_with_code_2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new LoadCommand(
            url => throw new ArgumentException("unknown scheme"), output, error, new VirtualClock(), errorIsTerminal: false);

        var code = await command.RunAsync(["load", "--target", "http://x:1"], CancellationToken.None);

        Assert.That(code, Is.EqualTo(LoadCommand.ExitUsage));
        Assert.That(error.ToString(), Does.Contain("--target http://x:1: unknown scheme"));
    }

    [Test]
    public async Task Help_prints_the_usage_and_exits_with_code_0()
    {
        using var output = new StringWriter();
        var command = new LoadCommand(url => new MemoryTarget(url), output, TextWriter.Null, new VirtualClock(), errorIsTerminal: false);

        Assert.That(await command.RunAsync(["run", "--help"], CancellationToken.None), Is.Zero);
        Assert.That(output.ToString(), Does.Contain("--workload <A|B|C|D|F>"));
    }
}
