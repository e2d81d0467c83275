using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;
using Dynamo.Server.Addresses;
using Dynamo.Server.Hosting;
using Dynamo.Server.Options;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>A whole node in this process, on a port of its own (port 0), a cluster of itself with N = 1.</summary>
public sealed class SingleNodeServerTests
{
    private const int Partitions = 8;
    private NodeHost _host = null!;
    private string _data = null!;

    [OneTimeSetUp]
    public async Task StartNode()
    {
        _data = Directory.CreateTempSubdirectory("dynamo-server-test-").FullName;
        var options = new ServerOptions
        {
            Node = NodeId.Parse("n1"),
            Listen = new HostPort("127.0.0.1", 0),
            Members = [new MemberAddress(NodeId.Parse("n1"), new HostPort("127.0.0.1", 7999))],
            DataDirectory = _data,
            Partitions = Partitions,
            Defaults = new BucketProps(1, 1, 1, 2000),
            PhiThreshold = 9.5,
        };
        _host = await NodeHost.StartAsync(options, configureLogging: _ => { });
    }

    [OneTimeTearDown]
    public async Task StopNode()
    {
        await _host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private Task<TestClient> ConnectAsync(Action<Socket>? configure = null) => TestClient.ConnectAsync(_host.EndPoint, configure);

    [Test]
    public void The_node_binds_a_real_port_and_takes_its_first_epoch()
    {
        Assert.That(_host.EndPoint.Port, Is.Not.Zero);
        Assert.That(_host.Epoch, Is.EqualTo(Storage.EpochFile.Read(_host.DataDirectory)), "the epoch in use is the stored one");
        Assert.That(_host.Epoch, Is.GreaterThan(1_700_000_000u), "a fresh data directory starts at the current Unix second");
    }

    [Test]
    public async Task Ping_is_answered_with_pong_and_the_same_request_id()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame(Opcode.Ping, 0xABCDEF, []));

        var (header, payload) = await client.ReadFrameAsync();

        Assert.That((header.Opcode, header.RequestId, payload.Length), Is.EqualTo((Opcode.Pong, 0xABCDEFUL, 0)));
    }

    [Test]
    public async Task Put_then_get_returns_the_value_and_a_put_with_its_context_supersedes_it()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame(1, new PutRequest("b"u8, "key-1"u8, "hello"u8, [], returnContext: true)));
        var (putHeader, putPayload) = await client.ReadFrameAsync();
        Assert.That(putHeader.Opcode, Is.EqualTo(Opcode.PutReply), () => Describe(putHeader, putPayload));
        var putContext = PutReply.Read(putPayload).Context.ToArray();
        Assert.That(putContext, Is.Not.Empty, "the put asked for its context");

        var first = await GetAsync(client, "key-1", 2);
        Assert.That(first.Values, Is.EqualTo(new[] { "hello" }));
        Assert.That(ContextCodec.Decode(first.Context), Is.EqualTo(ContextCodec.Decode(putContext)));

        await client.SendAsync(TestClient.Frame(3, new PutRequest("b"u8, "key-1"u8, "again"u8, first.Context)));
        Assert.That((await client.ReadFrameAsync()).Header.Opcode, Is.EqualTo(Opcode.PutReply));
        Assert.That((await GetAsync(client, "key-1", 4)).Values, Is.EqualTo(new[] { "again" }));
    }

    [Test]
    public async Task A_deleted_key_is_not_found_but_its_context_is_kept()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame(1, new PutRequest("b"u8, "doomed"u8, "x"u8, [])));
        Assert.That((await client.ReadFrameAsync()).Header.Opcode, Is.EqualTo(Opcode.PutReply));
        var read = await GetAsync(client, "doomed", 2);

        await client.SendAsync(TestClient.Frame(3, new DeleteRequest("b"u8, "doomed"u8, read.Context)));
        Assert.That((await client.ReadFrameAsync()).Header.Opcode, Is.EqualTo(Opcode.DeleteReply));

        var after = await GetAsync(client, "doomed", 4);
        Assert.That(after.Values, Is.Empty);
        Assert.That(after.Context, Is.Not.Empty, "a later put must supersede the tombstone");
    }

    [Test]
    public async Task A_get_with_r_above_n_is_a_bad_request()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame(6, new GetRequest("b"u8, "k"u8, r: 2)));

        var (header, payload) = await client.ReadFrameAsync();

        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.Error, 6UL)));
        Assert.That(ErrorReply.Read(payload).Code, Is.EqualTo(ErrorCode.BadRequest));
    }

    [Test]
    public async Task Info_lists_the_node_its_epoch_and_counters()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame(1, new PutRequest("b"u8, "counted"u8, "x"u8, [])));
        _ = await client.ReadFrameAsync();
        await client.SendAsync(TestClient.Frame(Opcode.Info, 8, []));

        var (header, payload) = await client.ReadFrameAsync();

        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.InfoReply, 8UL)));
        var fields = Encoding.UTF8.GetString(InfoReply.Read(payload).Text)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
        Assert.That(fields["node"], Is.EqualTo("n1"));
        Assert.That(fields["address"], Is.EqualTo("127.0.0.1:7999"));
        Assert.That(fields["epoch"], Is.EqualTo(_host.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(fields["members"], Is.EqualTo("1"));
        Assert.That(fields["phi_threshold"], Is.EqualTo("9.5"), "the option reaches the node's failure detector");
        Assert.That(fields["member.n1"], Does.StartWith("127.0.0.1:7999 up ").And.EndWith(" 0.00"), "a node's phi of itself is 0");
        Assert.That(fields["partitions_owned"], Is.EqualTo(Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(long.Parse(fields["keys"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1));
        Assert.That(long.Parse(fields["puts"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1));
        Assert.That(int.Parse(fields["clients"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1));
        Assert.That(fields.Keys, Is.SupersetOf(new[] { "read_repairs", "gets", "deletes", "quorum_failures", "timeouts", "peers_connected" }));
    }

    [Test]
    public async Task Cluster_info_gives_the_ring_fingerprint_defaults_members_and_owners()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame(Opcode.ClusterInfo, 4, []));

        var (header, payload) = await client.ReadFrameAsync();

        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.ClusterInfoReply, 4UL)));
        var info = ClusterInfoReply.Read(payload);
        Assert.That(info.RingFingerprint, Is.EqualTo(Ring.Create([NodeId.Parse("n1")], Partitions).Fingerprint));
        Assert.That((info.PartitionCount, info.DefaultN, info.DefaultR, info.DefaultW), Is.EqualTo((Partitions, (byte)1, (byte)1, (byte)1)));
        var members = new List<(string, string)>();
        foreach (var member in info.Members)
        {
            members.Add((member.NodeIdText, member.EndpointText));
        }

        Assert.That(members, Is.EqualTo(new[] { ("n1", "127.0.0.1:7999") }));
        var owners = new int[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            owners[p] = info.GetOwner(p);
        }

        Assert.That(owners, Is.All.EqualTo(0));
    }

    [Test]
    public async Task An_unknown_opcode_is_answered_with_an_error_and_the_connection_stays()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(TestClient.Frame((Opcode)0x2A, 11, "?"u8));

        var (header, payload) = await client.ReadFrameAsync();
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.Error, 11UL)));
        Assert.That(ErrorReply.Read(payload).Code, Is.EqualTo(ErrorCode.UnknownOpcode));

        await AssertStillServesAsync(client);
    }

    [Test]
    public async Task A_payload_checksum_error_is_answered_for_its_request_and_the_connection_stays()
    {
        using var client = await ConnectAsync();
        var frame = TestClient.Frame(12, new GetRequest("b"u8, "k"u8));
        frame[^1] ^= 0x40;
        await client.SendAsync(frame);

        var (header, payload) = await client.ReadFrameAsync();
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.Error, 12UL)));
        Assert.That(ErrorReply.Read(payload).Code, Is.EqualTo(ErrorCode.ChecksumMismatch));

        await AssertStillServesAsync(client);
    }

    [Test]
    public async Task A_corrupt_header_is_answered_with_an_error_then_the_connection_closes()
    {
        using var client = await ConnectAsync();
        var frame = TestClient.Frame(Opcode.Ping, 13, []);
        frame[9] ^= 0x01;
        await client.SendAsync(frame);

        var (header, payload) = await client.ReadFrameAsync();
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.Error, 0UL)), "the request id of a corrupt header is not believed");
        Assert.That(ErrorReply.Read(payload).Code, Is.EqualTo(ErrorCode.CorruptFrame));
        Assert.That(await client.IsClosedByServerAsync(), Is.True);
    }

    [Test]
    public async Task A_declared_length_of_2_pow_31_minus_1_closes_the_connection_without_reserving_memory()
    {
        using var client = await ConnectAsync();
        var header = TestClient.Frame(Opcode.Put, 14, []);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), int.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), Crc32C.Compute(header.AsSpan(0, 20)));
        var before = GC.GetTotalAllocatedBytes(precise: true);

        await client.SendAsync(header);
        var (reply, payload) = await client.ReadFrameAsync();
        var closed = await client.IsClosedByServerAsync();

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That((reply.Opcode, reply.RequestId), Is.EqualTo((Opcode.Error, 14UL)));
        Assert.That(ErrorReply.Read(payload).Code, Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(closed, Is.True);
        Assert.That(allocated, Is.LessThan(1024 * 1024), "bytes allocated in the whole process while refusing the frame");
    }

    [Test]
    public async Task Many_pipelined_requests_on_one_connection_are_each_answered_with_their_request_id()
    {
        const int Requests = 2000;
        using var client = await ConnectAsync();
        var batch = new List<byte>();
        for (var id = 1UL; id <= Requests; id++)
        {
            batch.AddRange(id % 3 == 0
                ? TestClient.Frame(id, new GetRequest("b"u8, Encoding.UTF8.GetBytes($"pipelined-{id % 50}")))
                : id % 3 == 1
                    ? TestClient.Frame(Opcode.Ping, id, [])
                    : TestClient.Frame(id, new PutRequest("b"u8, Encoding.UTF8.GetBytes($"pipelined-{id % 50}"), "v"u8, [])));
        }

        await client.SendAsync([.. batch]);
        var answered = new Dictionary<ulong, Opcode>();
        for (var i = 0; i < Requests; i++)
        {
            var (header, _) = await client.ReadFrameAsync();
            Assert.That(answered.TryAdd(header.RequestId, header.Opcode), Is.True, $"request {header.RequestId} answered twice");
        }

        Assert.That(answered.Keys, Is.EquivalentTo(Enumerable.Range(1, Requests).Select(i => (ulong)i)));
        Assert.That(answered.Where(p => p.Value != (p.Key % 3 == 0 ? Opcode.GetReply : p.Key % 3 == 1 ? Opcode.Pong : Opcode.PutReply)), Is.Empty);
    }

    [Test]
    public async Task A_client_that_sends_without_reading_is_stopped_by_backpressure_not_buffered()
    {
        const int ChunkFrames = 2048;
        const long SentBytesBound = 256L * 1024 * 1024;
        using var client = await ConnectAsync(socket =>
        {
            socket.ReceiveBufferSize = 16 * 1024;
            socket.SendBufferSize = 16 * 1024;
        });
        var chunk = new byte[ChunkFrames * ProtocolLimits.FrameHeaderBytes];
        for (var i = 0; i < ChunkFrames; i++)
        {
            TestClient.Frame(Opcode.Ping, 1, []).CopyTo(chunk, i * ProtocolLimits.FrameHeaderBytes);
        }

        client.Socket.Blocking = false;
        long sent = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var stalled = false;
        while (!stalled && sent < SentBytesBound && DateTime.UtcNow < deadline)
        {
            var offset = (int)(sent % chunk.Length);
            var written = client.Socket.Send(chunk, offset, chunk.Length - offset, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                // The socket is full: wait for room rather than spin (the server needs the CPU to drain it). It only
                // stays full if the server stopped reading.
                stalled = !client.Socket.Poll(100_000, SelectMode.SelectWrite) && ServerConnectionAtItsBound();
                continue;
            }

            Assert.That(error, Is.EqualTo(SocketError.Success));
            sent += written;
        }

        Assert.That(stalled, Is.True, $"the server kept reading: {sent} bytes sent");
        Assert.That(sent, Is.LessThan(SentBytesBound));
        Assert.That(_host.Connections.Open.Max(c => c.Outstanding), Is.EqualTo(ServerLimits.InFlightRequestsMax));

        // Reading again drains every reply, and the connection goes on serving.
        client.Socket.Blocking = true;
        var partial = (int)(sent % ProtocolLimits.FrameHeaderBytes);
        var frames = (sent / ProtocolLimits.FrameHeaderBytes) + (partial == 0 ? 0 : 1);
        var drained = DrainAsync(client, frames * ProtocolLimits.FrameHeaderBytes);
        if (partial != 0)
        {
            await client.SendAsync(chunk[partial..ProtocolLimits.FrameHeaderBytes]);
        }

        await drained;
        await AssertStillServesAsync(client);
    }

    private bool ServerConnectionAtItsBound() =>
        _host.Connections.Open.Any(c => c.Outstanding >= ServerLimits.InFlightRequestsMax);

    private static async Task DrainAsync(TestClient client, long bytes)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = new NetworkStream(client.Socket, ownsSocket: false);
        while (bytes > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes)), timeout.Token);
            Assert.That(read, Is.Positive, "the connection closed before every reply arrived");
            bytes -= read;
        }
    }

    private static async Task AssertStillServesAsync(TestClient client)
    {
        await client.SendAsync(TestClient.Frame(Opcode.Ping, 999_999, []));
        var (header, _) = await client.ReadFrameAsync();
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.Pong, 999_999UL)));
    }

    private static async Task<(List<string> Values, byte[] Context)> GetAsync(TestClient client, string key, ulong id)
    {
        await client.SendAsync(TestClient.Frame(id, new GetRequest("b"u8, Encoding.UTF8.GetBytes(key))));
        var (header, payload) = await client.ReadFrameAsync();
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.GetReply, id)), () => Describe(header, payload));
        var reply = GetReply.Read(payload);
        var values = new List<string>();
        foreach (var sibling in reply.Siblings)
        {
            values.Add(Encoding.UTF8.GetString(sibling.Value));
        }

        return (values, reply.Context.ToArray());
    }

    private static string Describe(FrameHeader header, byte[] payload) =>
        header.Opcode == Opcode.Error ? $"error {ErrorReply.Read(payload).Code}: {ErrorReply.Read(payload).MessageText}" : header.Opcode.ToString();
}
