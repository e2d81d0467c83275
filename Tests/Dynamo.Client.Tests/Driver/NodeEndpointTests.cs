using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

public sealed class NodeEndpointTests
{
    [TestCase("127.0.0.1:7101", "127.0.0.1", 7101)]
    [TestCase("localhost:1", "localhost", 1)]
    [TestCase("[::1]:65535", "::1", 65535)]
    public void A_host_and_port_parse(string text, string host, int port)
    {
        Assert.That(NodeEndpoint.Parse(text), Is.EqualTo(new NodeEndpoint(host, port)));
    }

    [TestCase("")]
    [TestCase("7101")]
    [TestCase(":7101")]
    [TestCase("host:")]
    [TestCase("host:0")]
    [TestCase("host:65536")]
    [TestCase("::1:7101")]
    [TestCase("a/b:7101")]
    [TestCase("a b:7101")]
    [TestCase("[]:7101")]
    public void Anything_else_is_refused_with_the_reason(string text)
    {
        Assert.That(NodeEndpoint.TryParse(text, out _), Is.False);
        Assert.That(() => NodeEndpoint.Parse(text), Throws.ArgumentException.With.Message.Contains("host:port"));
    }
}
