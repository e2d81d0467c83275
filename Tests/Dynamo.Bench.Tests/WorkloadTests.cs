using Dynamo.Bench.Load;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Bench.Tests;

public sealed class WorkloadTests
{
    [TestCase("A")]
    [TestCase("B")]
    [TestCase("C")]
    [TestCase("D")]
    [TestCase("F")]
    public void Operation_mixes_match_the_workload_within_tolerance(string name)
    {
        Assert.That(Workload.TryParse(name, out var workload), Is.True);
        var random = new SeededRandom(TestSeed.Next());
        const int Draws = 200_000;
        var counts = new int[Workload.OperationTypes.Length];
        for (var i = 0; i < Draws; i++)
        {
            counts[(int)workload.Choose(random)]++;
        }

        foreach (var type in Workload.OperationTypes)
        {
            var share = counts[(int)type] / (double)Draws;
            Assert.That(share, Is.EqualTo(workload.ShareOf(type)).Within(0.005), $"{workload.Name} {type}");
            if (workload.ShareOf(type) == 0)
            {
                Assert.That(counts[(int)type], Is.Zero, $"{workload.Name} never issues {type}");
            }
        }
    }

    [Test]
    public void The_workloads_are_the_YCSB_core_mixes()
    {
        Assert.That(Workload.A.Describe(), Is.EqualTo("50% read, 50% update"));
        Assert.That(Workload.B.Describe(), Is.EqualTo("95% read, 5% update"));
        Assert.That(Workload.C.Describe(), Is.EqualTo("100% read"));
        Assert.That(Workload.D.Describe(), Is.EqualTo("95% read, 5% insert"));
        Assert.That(Workload.F.Describe(), Is.EqualTo("50% read, 50% rmw"));
    }

    [Test]
    public void Keys_are_user_and_a_zero_padded_number()
    {
        var key = new byte[KeyFormat.KeyBytes];
        KeyFormat.Write(42, key);
        Assert.That(System.Text.Encoding.ASCII.GetString(key), Is.EqualTo("user000000000042"));
        KeyFormat.Write(LoadLimits.RecordsMax - 1, key);
        Assert.That(System.Text.Encoding.ASCII.GetString(key), Is.EqualTo("user099999999999"));
    }

    [Test]
    public void Choosing_operations_and_keys_does_not_allocate()
    {
        var random = new SeededRandom(TestSeed.Next());
        var keys = new KeySpace(1000);
        var choosers = new[] { KeyDistribution.Uniform, KeyDistribution.Zipfian, KeyDistribution.Latest }
            .Select(d => new KeyChooser(d, random, keys.Records, keys.InitialZeta)).ToArray();
        var key = new byte[KeyFormat.KeyBytes];
        long sum = 0;
        for (var i = 0; i < 10; i++)
        {
            foreach (var chooser in choosers)
            {
                sum += chooser.Next(keys.Count);
            }
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            sum += (int)Workload.D.Choose(random);
            KeyFormat.Write(choosers[i % 3].Next(keys.Count), key);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(sum, Is.Positive);
    }
}
