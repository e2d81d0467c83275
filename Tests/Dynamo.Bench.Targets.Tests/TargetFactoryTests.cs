using Dynamo.Bench.Load;
using NUnit.Framework;

namespace Dynamo.Bench.Targets.Tests;

[TestFixture]
public sealed class TargetFactoryTests
{
    [Test]
    public void A_dynamo_url_gives_a_Dynamo_target_seeded_with_every_endpoint()
    {
        var target = TargetFactory.Create("dynamo://127.0.0.1:7101,node2:7102,[::1]:7103");
        Assert.That(target, Is.InstanceOf<DynamoTarget>());
        Assert.That(((DynamoTarget)target).Endpoints, Is.EqualTo(new[] { "127.0.0.1:7101", "node2:7102", "[::1]:7103" }));
        Assert.That(target.Name, Is.EqualTo("dynamo://127.0.0.1:7101,node2:7102,[::1]:7103"));
    }

    [Test]
    public void A_redis_url_gives_a_RESP_target_for_its_host_and_port()
    {
        var target = (RespTarget)TargetFactory.Create("redis://localhost:6379");
        Assert.That((target.Host, target.Port), Is.EqualTo(("localhost", 6379)));
    }

    [TestCase("")]
    [TestCase("http://127.0.0.1:80")]
    [TestCase("dynamo://")]
    [TestCase("dynamo://127.0.0.1")]
    [TestCase("dynamo://127.0.0.1:0")]
    [TestCase("dynamo://127.0.0.1:65536")]
    [TestCase("dynamo://127.0.0.1:7101,")]
    [TestCase("dynamo://::1:7101")]
    [TestCase("redis://127.0.0.1:6379,127.0.0.1:6380")]
    [TestCase("redis://127.0.0.1:port")]
    public void A_malformed_url_is_an_argument_error_naming_it(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => TargetFactory.Create(url));
        Assert.That(error!.Message, Does.Contain($"'{url}'"));
    }
}
