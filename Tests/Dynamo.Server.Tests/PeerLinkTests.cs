using System.Net;
using System.Net.Sockets;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Dynamo.Server.Addresses;
using Dynamo.Server.Hosting;
using Dynamo.Server.Options;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// Two whole nodes in this process (N = R = W = 2): a request is never failed because a peer link is still connecting
/// or backing off from a peer that is back, and <c>ready</c> in Info says when quorum requests can be served.
/// </summary>
[NonParallelizable]
public sealed class PeerLinkTests
{
    private readonly List<NodeHost> _hosts = [];
    private string _data = null!;
    private MemberAddress[] _members = null!;

    [SetUp]
    public void ReservePorts()
    {
        _data = Directory.CreateTempSubdirectory("dynamo-peer-link-test-").FullName;
        _members = [Member("n1", FreePort()), Member("n2", FreePort())];
    }

    [TearDown]
    public async Task StopNodes()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        _hosts.Clear();
        Directory.Delete(_data, recursive: true);
    }

    [Test]
    public async Task A_node_whose_peer_is_not_listening_yet_is_not_ready_and_becomes_ready_when_it_is()
    {
        var n1 = await StartAsync(0);
        using var client = await TestClient.ConnectAsync(n1.EndPoint);
        Assert.That((await client.InfoAsync(1))["ready"], Is.EqualTo("0"), "N = 2 with the second node not running");

        await StartAsync(1);

        await WaitForAsync(async () => (await client.InfoAsync(2))["ready"] == "1", "n1 to report ready:1");
    }

    [Test]
    public async Task A_write_right_after_a_peer_restarts_waits_for_the_link_instead_of_failing()
    {
        var n1 = await StartAsync(0);
        var n2 = await StartAsync(1);
        using var client = await TestClient.ConnectAsync(n1.EndPoint);
        await WaitForAsync(async () => (await client.InfoAsync(1))["ready"] == "1", "both nodes up");

        await n2.DisposeAsync();
        _hosts.Remove(n2);
        await WaitForAsync(async () => (await client.InfoAsync(2))["member.n2"].Contains(" down ", StringComparison.Ordinal), "n1 to believe n2 down");

        await StartAsync(1);

        // n1 still believes n2 down and its link to n2 backs off: the write needs n2 (W = 2 of N = 2), so n1 asks it
        // anyway, the link connects at once, and the write succeeds instead of failing with QuorumNotMet.
        await client.SendAsync(TestClient.Frame(10, new PutRequest("b"u8, "after-restart"u8, "v"u8, [], w: 2)));
        var (header, payload) = await client.ReadFrameAsync();
        Assert.That(header.Opcode, Is.EqualTo(Opcode.PutReply), () => header.Opcode == Opcode.Error ? ErrorReply.Read(payload).MessageText : "");
        Assert.That((await client.InfoAsync(11))["member.n2"], Does.Contain(" up "), "n2's answer is taken as news that it is up");
    }

    private static MemberAddress Member(string id, int port) => new(NodeId.Parse(id), new HostPort("127.0.0.1", port));

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.That(deadline.IsCancellationRequested, Is.False, $"expected {what} within 30 s");
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task<NodeHost> StartAsync(int index)
    {
        var member = _members[index];
        var options = new ServerOptions
        {
            Node = member.Id,
            Listen = member.Endpoint,
            Members = _members,
            DataDirectory = Path.Combine(_data, member.Id.Value),
            Partitions = 8,
            Defaults = new BucketProps(2, 2, 2, 5000),
            AntiEntropy = AntiEntropySettings.Default with { Enabled = false },
        };
        var host = await NodeHost.StartAsync(options, configureLogging: _ => { });
        _hosts.Add(host);
        return host;
    }
}
