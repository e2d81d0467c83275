using Dynamo.Bench.Load;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Bench.Tests;

public sealed class KeyDistributionTests
{
    private const int Items = 1000;
    private const int Draws = 200_000;

    [Test]
    public void Uniform_keys_are_spread_evenly_over_the_key_space()
    {
        var counts = Draw(KeyDistribution.Uniform, new KeySpace(Items));
        Assert.That(counts.Max() / (double)Draws, Is.LessThan(0.002), "no key is hot (uniform share 0.1%)");
        Assert.That(counts.Min(), Is.Positive, "every key is drawn");
    }

    [Test]
    public void Zipfian_keys_are_skewed_toward_a_few_hot_keys_scattered_over_the_key_space()
    {
        var counts = Draw(KeyDistribution.Zipfian, new KeySpace(Items));
        var sorted = counts.OrderDescending().ToArray();
        // YCSB's scrambled zipfian sends 1/ζ(10^10) ≈ 3.8% of draws to its hottest item.
        Assert.That(sorted[0] / (double)Draws, Is.GreaterThan(0.02), "the hottest key");
        Assert.That(sorted.Take(Items / 10).Sum() / (double)Draws, Is.GreaterThan(0.2), "the hottest 10% of keys");
        var hottest = Array.IndexOf(counts, sorted[0]);
        Assert.That(hottest, Is.Not.EqualTo(0), "scrambled: the hottest key is not simply the first");
    }

    [Test]
    public void Latest_keys_are_skewed_toward_the_newest_keys()
    {
        var counts = Draw(KeyDistribution.Latest, new KeySpace(Items));
        Assert.That(Array.IndexOf(counts, counts.Max()), Is.EqualTo(Items - 1), "the newest key is the hottest");
        var newestTenth = counts.Skip(Items - (Items / 10)).Sum() / (double)Draws;
        Assert.That(newestTenth, Is.GreaterThan(0.5), "the newest 10% of keys");
    }

    [Test]
    public void Latest_follows_inserted_keys()
    {
        var keys = new KeySpace(Items);
        var chooser = new KeyChooser(KeyDistribution.Latest, new SeededRandom(TestSeed.Next()), keys.Records, keys.InitialZeta);
        for (var i = 0; i < 100; i++)
        {
            keys.Acknowledge(keys.NextInsert());
        }

        Assert.That(keys.Count, Is.EqualTo(Items + 100));
        var newest = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var key = chooser.Next(keys.Count);
            Assert.That(key, Is.InRange(0, keys.Count - 1));
            newest += key >= Items ? 1 : 0;
        }

        Assert.That(newest, Is.GreaterThan(5_000), "most reads go to the 100 inserted keys");
    }

    [Test]
    public void The_zipfian_generator_favours_low_items_as_YCSB_does()
    {
        var zipfian = new ZipfianGenerator(Items, ZipfianGenerator.Zeta(0, Items, 0));
        var random = new SeededRandom(TestSeed.Next());
        var counts = new int[Items];
        for (var i = 0; i < Draws; i++)
        {
            counts[zipfian.Next(random, Items)]++;
        }

        // Item 0 has weight 1/ζ(1000) ≈ 13%; item 1 about half of that.
        Assert.That(counts[0] / (double)Draws, Is.EqualTo(1 / ZipfianGenerator.Zeta(0, Items, 0)).Within(0.01));
        Assert.That(counts[1] / (double)counts[0], Is.EqualTo(Math.Pow(0.5, ZipfianGenerator.Theta)).Within(0.05));
    }

    private static int[] Draw(KeyDistribution distribution, KeySpace keys)
    {
        var chooser = new KeyChooser(distribution, new SeededRandom(TestSeed.Next()), keys.Records, keys.InitialZeta);
        var counts = new int[keys.Count];
        for (var i = 0; i < Draws; i++)
        {
            counts[chooser.Next(keys.Count)]++;
        }

        return counts;
    }
}
