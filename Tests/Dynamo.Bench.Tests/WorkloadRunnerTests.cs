using Dynamo.Bench.Load;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Bench.Tests;

public sealed class WorkloadRunnerTests
{
    private const long Millisecond = 1_000_000;

    [Test]
    public async Task Open_loop_latency_runs_from_the_intended_start_so_one_stall_delays_every_later_operation()
    {
        // 1 000 op/s, one operation in flight: the first operation stalls 20 ms, so operations 1 to 19, due every
        // millisecond, start only at 20 ms and each waited 20 − i ms.
        var clock = new VirtualClock();
        var target = new MemoryTarget("mem://stall")
        {
            BeforeOperation = sequence =>
            {
                if (sequence == 0)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(20));
                }
            },
        };
        var result = await RunAsync(target, clock, Options(rate: 1000, operations: 50));

        var latencies = result.All;
        Assert.That(latencies.TotalCount, Is.EqualTo(50));
        Assert.That(latencies.Max, Is.EqualTo(20 * Millisecond));
        // Sorted: 30 operations at 0, then 1, 2, ..., 20 ms. The 45th is 15 ms.
        Assert.That(latencies.ValueAtPercentile(90), Is.EqualTo(15 * Millisecond).Within((long)(15 * Millisecond * LatencyHistogram.RelativeErrorMax)));
        Assert.That(latencies.ValueAtPercentile(60), Is.Zero);
        Assert.That(result.Dropped, Is.Zero);
    }

    [Test]
    public async Task Closed_loop_latency_shows_the_stall_only_in_the_operation_that_stalled()
    {
        var clock = new VirtualClock();
        var target = new MemoryTarget("mem://stall")
        {
            BeforeOperation = sequence =>
            {
                if (sequence == 0)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(20));
                }
            },
        };
        var result = await RunAsync(target, clock, Options(rate: null, operations: 50));

        Assert.That(result.All.TotalCount, Is.EqualTo(50));
        Assert.That(result.All.Max, Is.EqualTo(20 * Millisecond));
        Assert.That(result.All.ValueAtPercentile(98), Is.Zero);
    }

    [Test]
    public async Task Open_loop_drops_and_reports_operations_past_the_backlog_bound_when_the_schedule_cannot_be_kept()
    {
        // A 200 s stall at 1 000 op/s puts 200 000 operations behind; the backlog keeps 100 000 of them.
        var clock = new VirtualClock();
        var target = new MemoryTarget("mem://stall")
        {
            BeforeOperation = sequence =>
            {
                if (sequence == 0)
                {
                    clock.Advance(TimeSpan.FromSeconds(200));
                }
            },
        };
        var result = await RunAsync(target, clock, Options(rate: 1000, operations: 200_001));

        Assert.That(result.Dropped, Is.EqualTo(LoadLimits.ScheduleBacklogOpsMax - 1));
        Assert.That(result.All.TotalCount, Is.EqualTo(200_001 - result.Dropped));
        Assert.That(result.All.Max, Is.EqualTo(200_000 * Millisecond));

        using var text = new StringWriter();
        var options = Options(rate: 1000, operations: 200_001);
        LoadReport.WriteText(text, options, [new TargetSummary(target.Name, [result])], []);
        Assert.That(text.ToString(), Does.Contain("SCHEDULE NOT KEPT: 99,999 scheduled operations dropped"));
    }

    [Test]
    public async Task Warm_up_operations_are_not_recorded()
    {
        // Each operation takes 1 ms of virtual time; the first 10 ms are warm-up.
        var clock = new VirtualClock();
        var target = new MemoryTarget("mem://slow") { BeforeOperation = _ => clock.Advance(TimeSpan.FromMilliseconds(1)) };
        var result = await RunAsync(target, clock, Options(rate: null, operations: 30) with { Warmup = TimeSpan.FromMilliseconds(10) });

        Assert.That(result.All.TotalCount, Is.EqualTo(30));
        Assert.That(result.Operations, Is.EqualTo(30));
        Assert.That(result.Seconds, Is.EqualTo(0.030).Within(1e-9));
        Assert.That(result.Throughput, Is.EqualTo(1000).Within(1e-6));
    }

    [Test]
    public async Task Failed_operations_are_counted_by_kind_and_left_out_of_latency_and_throughput()
    {
        var target = new MemoryTarget("mem://flaky") { FailEvery = 10 };
        var result = await RunAsync(target, new VirtualClock(), Options(rate: null, operations: 1000));

        Assert.That(result.Errors, Is.EqualTo(new Dictionary<string, long> { ["timeout"] = 100 }));
        Assert.That(result.All.TotalCount, Is.EqualTo(900));
    }

    [Test]
    public async Task Workload_D_inserts_new_keys_that_later_reads_find()
    {
        var target = new MemoryTarget("mem://d");
        var options = Options(rate: null, operations: 4000) with { Workload = Workload.D, Records = 200 };
        var keys = new KeySpace(options.Records);
        var runner = new WorkloadRunner(target, keys, options, new VirtualClock());
        await runner.LoadAsync(CancellationToken.None);
        var result = await runner.RunRoundAsync(1, CancellationToken.None);

        var inserts = result.ByOperation[OperationType.Insert].Histogram.TotalCount;
        Assert.That(inserts, Is.EqualTo(200).Within(60), "about 5% of 4 000");
        Assert.That(target.Count, Is.EqualTo(200 + inserts));
        Assert.That(keys.Count, Is.EqualTo(200 + inserts));
        Assert.That(result.ByOperation[OperationType.Read].NotFound, Is.Zero);
    }

    [Test]
    public async Task Workload_F_issues_read_modify_writes()
    {
        var target = new MemoryTarget("mem://f");
        var result = await RunAsync(target, new VirtualClock(), Options(rate: null, operations: 2000) with { Workload = Workload.F });

        Assert.That(result.ByOperation[OperationType.ReadModifyWrite].Histogram.TotalCount, Is.EqualTo(target.ReadModifyWrites));
        Assert.That(target.ReadModifyWrites, Is.EqualTo(1000).Within(150));
    }

    private static LoadOptions Options(double? rate, long operations) => new()
    {
        Targets = ["mem://x"],
        Workload = Workload.C,
        Records = 100,
        Clients = 1,
        Pipeline = 1,
        Rate = rate,
        Operations = operations,
        Warmup = TimeSpan.Zero,
        Seed = TestSeed.Next(),
        SeedGiven = true,
    };

    private static Task<RoundResult> RunAsync(MemoryTarget target, ILoadClock clock, LoadOptions options) =>
        new WorkloadRunner(target, new KeySpace(options.Records), options, clock).RunRoundAsync(1, CancellationToken.None);
}
