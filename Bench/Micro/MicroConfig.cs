using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Dynamo.Bench.Micro;

/// <summary>
/// The job every micro-benchmark runs under: 3 warm-up and 10 measured iterations, so a full run stays within
/// minutes on a shared 2-core machine. Fewer iterations than BenchmarkDotNet's default widen the error bars a
/// little; allocation figures are exact regardless, and they are what the hot paths are held to.
/// </summary>
/// <remarks>
/// The benchmarks run in the <c>dynamo-bench</c> process itself (in-process toolchain). BenchmarkDotNet 0.14's
/// default toolchain rebuilds the benchmark project by finding a project file named after the assembly, and this
/// one is <c>Dynamo.Bench.csproj</c> building <c>dynamo-bench</c>; it also does not know .NET 10 by name. The
/// process is started with <c>-c Release</c>, so the code measured is the optimized build either way.
/// </remarks>
public sealed class MicroConfig : ManualConfig
{
    /// <summary>Builds the configuration.</summary>
    public MicroConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("Micro"));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
