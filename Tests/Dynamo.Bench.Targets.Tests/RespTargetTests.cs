using System.Net;
using System.Net.Sockets;
using System.Text;
using Dynamo.Bench.Load;
using NUnit.Framework;

namespace Dynamo.Bench.Targets.Tests;

[TestFixture]
public sealed class RespTargetTests
{
    private static readonly TargetSettings s_settings = new(Clients: 2, Pipeline: 64, Timeout: TimeSpan.FromSeconds(5));

    private static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Test]
    public async Task Against_redis_server_get_set_and_read_modify_write_round_trip()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var target = TargetFactory.Create($"redis://127.0.0.1:{redis.Port}");
        await target.ConnectAsync(s_settings, CancellationToken.None);

        Assert.That(await target.ReadAsync(0, Bytes("k1"), CancellationToken.None), Is.EqualTo(OperationOutcome.NotFound));
        Assert.That(await target.UpdateAsync(0, Bytes("k1"), Bytes("v1"), CancellationToken.None), Is.EqualTo(OperationOutcome.Ok));
        Assert.That(await target.ReadAsync(1, Bytes("k1"), CancellationToken.None), Is.EqualTo(OperationOutcome.Ok));
        Assert.That(
            await target.ReadModifyWriteAsync(1, Bytes("k2"), Bytes("v2"), CancellationToken.None), Is.EqualTo(OperationOutcome.Ok));
        Assert.That(await target.ReadAsync(0, Bytes("k2"), CancellationToken.None), Is.EqualTo(OperationOutcome.Ok));
    }

    [Test]
    public async Task Against_redis_server_many_pipelined_requests_each_get_their_own_reply()
    {
        await using var redis = await RedisServer.StartAsync();
        var target = (RespTarget)TargetFactory.Create($"redis://127.0.0.1:{redis.Port}");
        await using var _ = target;
        await target.ConnectAsync(s_settings with { Clients = 1 }, CancellationToken.None);

        // Even keys exist, odd keys do not: a reply matched to the wrong request would show as the wrong outcome.
        for (var i = 0; i < 500; i += 2)
        {
            await target.UpdateAsync(0, Bytes($"key{i}"), Bytes("x"), CancellationToken.None);
        }

        var reads = Enumerable.Range(0, 500).Select(i => target.ReadAsync(0, Bytes($"key{i}"), CancellationToken.None).AsTask()).ToArray();
        var outcomes = await Task.WhenAll(reads);
        for (var i = 0; i < outcomes.Length; i++)
        {
            Assert.That(outcomes[i], Is.EqualTo(i % 2 == 0 ? OperationOutcome.Ok : OperationOutcome.NotFound), $"key{i}");
        }
    }

    [Test]
    public async Task A_server_error_reply_is_an_error_outcome_and_the_connection_goes_on()
    {
        await using var server = await FakeServer.StartAsync();
        await using var connection = await RespConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
        await using var peer = await server.AcceptAsync();

        var get = connection.GetAsync("a"u8);
        var set = connection.SetAsync("b"u8, "1"u8);
        Assert.That(await peer.ReadAsync("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n"), Is.True);
        await peer.WriteAsync("-LOADING Redis is loading\r\n+OK\r\n");

        Assert.That(await get, Is.EqualTo(RespResult.Failed("unavailable")));
        Assert.That(await set, Is.EqualTo(new RespResult(RespKind.SimpleString)));
        Assert.That(connection.FirstErrorMessage, Is.EqualTo("LOADING Redis is loading"));
    }

    [Test]
    public async Task A_request_past_its_deadline_times_out_and_its_late_reply_goes_to_no_one_else()
    {
        await using var server = await FakeServer.StartAsync();
        await using var connection = await RespConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
        await using var peer = await server.AcceptAsync();

        var late = connection.GetAsync("a"u8);
        Assert.That(await peer.ReadAsync("*2\r\n$3\r\nGET\r\n$1\r\na\r\n"), Is.True);
        connection.SweepDeadlines(long.MaxValue);
        Assert.That(await late, Is.EqualTo(RespResult.Failed("timeout")));

        var next = connection.GetAsync("b"u8);
        Assert.That(await peer.ReadAsync("*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"), Is.True);
        await peer.WriteAsync("$1\r\nA\r\n$-1\r\n");
        Assert.That(await next, Is.EqualTo(new RespResult(RespKind.NullBulkString)), "b gets its own reply, not a's");
    }

    [Test]
    public async Task A_malformed_reply_fails_pending_and_later_requests_as_protocol_errors()
    {
        await using var server = await FakeServer.StartAsync();
        await using var connection = await RespConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
        await using var peer = await server.AcceptAsync();

        var first = connection.GetAsync("a"u8);
        var second = connection.GetAsync("b"u8);
        Assert.That(await peer.ReadAsync("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"), Is.True);
        await peer.WriteAsync("$-7\r\n");

        Assert.That(await first, Is.EqualTo(RespResult.Failed("protocol")));
        Assert.That(await second, Is.EqualTo(RespResult.Failed("protocol")));
        Assert.That(await connection.GetAsync("c"u8), Is.EqualTo(RespResult.Failed("protocol")));
        Assert.That(connection.FirstErrorMessage, Does.Contain("bulk string length -7"));
    }

    [Test]
    public async Task A_server_that_closes_the_connection_fails_its_requests_as_connection_errors()
    {
        await using var server = await FakeServer.StartAsync();
        await using var connection = await RespConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
        var peer = await server.AcceptAsync();

        var pending = connection.GetAsync("a"u8);
        Assert.That(await peer.ReadAsync("*2\r\n$3\r\nGET\r\n$1\r\na\r\n"), Is.True);
        await peer.DisposeAsync();

        Assert.That(await pending, Is.EqualTo(RespResult.Failed("connection")));
        Assert.That(connection.Failure, Is.EqualTo("connection"));
    }

    [Test]
    public async Task Connecting_to_a_port_nobody_listens_on_says_which_target_and_endpoint()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var target = TargetFactory.Create($"redis://127.0.0.1:{port}");
        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await target.ConnectAsync(s_settings, CancellationToken.None));
        Assert.That(error!.Message, Does.Contain($"cannot connect to 127.0.0.1:{port}"));
    }

    [Test]
    public async Task The_steady_state_of_a_connection_does_not_allocate()
    {
        await using var server = await FakeServer.StartAsync();
        await using var connection = await RespConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
        await using var peer = await server.AcceptAsync();
        var request = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n";

        async Task<long> RoundTripsAsync(int count)
        {
            long allocated = 0;
            for (var i = 0; i < count; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var reply = connection.GetAsync("a"u8);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.That(await peer.ReadAsync(request), Is.True);
                await peer.WriteAsync("$1\r\nx\r\n");
                Assert.That((await reply).Kind, Is.EqualTo(RespKind.BulkString));
            }

            return allocated;
        }

        await RoundTripsAsync(20);
        Assert.That(await RoundTripsAsync(200), Is.Zero, "bytes allocated while sending 200 requests after a warm-up");
    }
}
