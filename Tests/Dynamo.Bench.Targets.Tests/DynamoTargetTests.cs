using System.Text;
using Dynamo.Bench.Load;
using Dynamo.Client;
using Dynamo.Protocol;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Bench.Targets.Tests;

[TestFixture]
public sealed class DynamoTargetTests
{
    private static DynamoContext Context(byte b) => DynamoContext.FromBytes([b, 1, 2]);

    [Test]
    public void The_context_cache_keeps_the_latest_context_per_key_and_ignores_empty_ones()
    {
        var cache = new ContextCache(capacity: 10);
        cache.Set("a"u8, Context(1));
        cache.Set("a"u8, Context(2));
        cache.Set("b"u8, DynamoContext.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(cache.Get("a"u8), Is.EqualTo(Context(2)));
            Assert.That(cache.Get("b"u8), Is.Null);
            Assert.That(cache.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void The_context_cache_never_holds_more_than_its_capacity_under_concurrent_writers()
    {
        var cache = new ContextCache(capacity: 100);
        var seed = TestSeed.Next();
        Parallel.For(0, 4, worker =>
        {
            var random = new Random((int)(seed % int.MaxValue) + worker);
            for (var i = 0; i < 5000; i++)
            {
                cache.Set(Encoding.UTF8.GetBytes($"key{random.Next(1000)}"), Context((byte)worker));
                Assert.That(cache.Count, Is.LessThanOrEqualTo(100));
            }
        });

        Assert.That(cache.Count, Is.InRange(1, 100));
    }

    [Test]
    public void Driver_errors_map_to_the_report_kinds()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DynamoTarget.KindOf(new DynamoTimeoutException()), Is.EqualTo("timeout"));
            Assert.That(DynamoTarget.KindOf(new QuorumNotMetException(2, 1)), Is.EqualTo("quorum"));
            Assert.That(DynamoTarget.KindOf(new UnavailableException()), Is.EqualTo("unavailable"));
            Assert.That(DynamoTarget.KindOf(new OverloadedException(TimeSpan.FromMilliseconds(5))), Is.EqualTo("overloaded"));
            Assert.That(DynamoTarget.KindOf(new DynamoConnectionException("n1:1", true, "lost")), Is.EqualTo("connection"));
            Assert.That(DynamoTarget.KindOf(new DynamoProtocolException(ErrorCode.CorruptFrame, "bad")), Is.EqualTo("protocol"));
            Assert.That(DynamoTarget.KindOf(new SiblingLimitException()), Is.EqualTo("sibling-limit"));
            Assert.That(DynamoTarget.KindOf(new DynamoException("x")), Is.EqualTo("other"));
        });
    }
}
