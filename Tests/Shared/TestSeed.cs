using FsCheck;
using NUnit.Framework;

namespace Dynamo.Tests.Shared;

/// <summary>
/// Seeds for randomized tests. Each run draws a fresh seed unless <c>DYNAMO_TEST_SEED</c> is set, and every
/// randomized test prints the seed it used so that a failure can be replayed with
/// <c>DYNAMO_TEST_SEED=&lt;seed&gt; dotnet test --filter &lt;test&gt;</c>.
/// </summary>
public static class TestSeed
{
    /// <summary>The environment variable that fixes the seed of every randomized test.</summary>
    public const string EnvironmentVariable = "DYNAMO_TEST_SEED";

    /// <summary>Returns the seed for the current test and prints it to the test output.</summary>
    public static ulong Next()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var seed = string.IsNullOrEmpty(text)
            ? (ulong)System.Random.Shared.NextInt64(1, long.MaxValue)
            : ulong.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"seed {seed} (replay: {EnvironmentVariable}={seed})");
        return seed;
    }

    /// <summary>A seeded <see cref="System.Random"/> for hand-written generators; the seed is printed.</summary>
    public static System.Random NewRandom() => new((int)(Next() % int.MaxValue));

    /// <summary>
    /// An FsCheck configuration that runs <paramref name="cases"/> cases from a printed seed and throws on the
    /// first falsified case (FsCheck's message also carries the replay seed).
    /// </summary>
    public static Config Property(int cases = 1000) =>
        Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithQuietOnSuccess(true)
            .WithReplay(Next(), 0x9E3779B97F4A7C15UL);
}
