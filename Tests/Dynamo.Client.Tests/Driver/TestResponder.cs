using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Dynamo.Protocol;

namespace Dynamo.Client.Tests.Driver;

/// <summary>
/// A stand-in node for driver tests: it listens on a loopback port chosen by the system and speaks the real
/// protocol (FrameReader, FrameWriter and the message codecs). Each request goes to <see cref="Handler"/>, which
/// answers at once, later, or never; by default the responder answers like an empty node.
/// </summary>
internal sealed class TestResponder : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Task _acceptLoop;
    private readonly List<ResponderConnection> _connections = [];
    private readonly Lock _lock = new();
    private readonly Dictionary<Opcode, int> _received = [];

    public TestResponder(string nodeId = "n1")
    {
        NodeId = nodeId;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Endpoint = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}";
        ClusterInfo = ClusterInfoPayload(1, 1, 1, 1, [(nodeId, Endpoint)], new ushort[8]);
        _acceptLoop = AcceptLoopAsync();
    }

    public string NodeId { get; }

    public string Endpoint { get; }

    /// <summary>The payload the responder answers ClusterInfo with.</summary>
    public byte[] ClusterInfo { get; set; }

    /// <summary>Called on the connection's reader loop for each request, with the payload copied.</summary>
    public Action<ReceivedRequest> Handler { get; set; } = request => request.ReplyAsEmptyNode();

    public int ConnectionsAccepted
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Accepted connections that the client has not closed (nor the responder dropped).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count(connection => !connection.Completion.IsCompleted);
            }
        }
    }

    /// <summary>Requests received so far, by opcode (counted before the handler runs).</summary>
    public int Received(Opcode opcode)
    {
        lock (_received)
        {
            return _received.GetValueOrDefault(opcode);
        }
    }

    public static byte[] ClusterInfoPayload(
        ulong fingerprint, byte n, byte r, byte w, (string NodeId, string Endpoint)[] members, ushort[] owners, BucketInfo[]? buckets = null)
    {
        var list = members.Select(member => new ClusterMember(member.NodeId, member.Endpoint)).ToArray();
        return Encode(new ClusterInfoReply(fingerprint, n, r, w, list, owners, buckets));
    }

    public static byte[] Encode<T>(in T message)
        where T : IPayload, allows ref struct
    {
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        return bytes;
    }

    /// <summary>Closes every accepted connection abruptly.</summary>
    public void DropConnections()
    {
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                connection.Drop();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        DropConnections();
        ResponderConnection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            await connection.Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Count(Opcode opcode)
    {
        lock (_received)
        {
            _received[opcode] = _received.GetValueOrDefault(opcode) + 1;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_lock)
            {
                _connections.Add(new ResponderConnection(this, socket));
            }
        }
    }

    /// <summary>One accepted connection: a reader loop handing requests out and a writer loop batching replies.</summary>
    internal sealed class ResponderConnection
    {
        private readonly TestResponder _owner;
        private readonly Socket _socket;
        private readonly PipeReader _input;
        private readonly PipeWriter _output;
        private readonly Channel<(Opcode Opcode, ulong RequestId, byte[] Payload)> _replies =
            Channel.CreateUnbounded<(Opcode, ulong, byte[])>(new UnboundedChannelOptions { SingleReader = true });

        public ResponderConnection(TestResponder owner, Socket socket)
        {
            _owner = owner;
            _socket = socket;
            var stream = new NetworkStream(socket, ownsSocket: true);
            _input = PipeReader.Create(stream);
            _output = PipeWriter.Create(stream);
            Completion = Task.WhenAll(Task.Run(ReadLoopAsync), Task.Run(WriteLoopAsync));
        }

        public Task Completion { get; }

        public void Reply(Opcode opcode, ulong requestId, byte[] payload) => _replies.Writer.TryWrite((opcode, requestId, payload));

        public void Drop()
        {
            _replies.Writer.TryComplete();
            _socket.Dispose();
        }

        private async Task ReadLoopAsync()
        {
            try
            {
                while (true)
                {
                    var result = await _input.ReadAsync();
                    var buffer = result.Buffer;
                    try
                    {
                        while (FrameReader.TryReadFrame(ref buffer, out var header, out var payload))
                        {
                            using var lease = FramePayload.Open(header, payload);
                            _owner.Count(header.Opcode);
                            _owner.Handler(new ReceivedRequest(this, _owner, header.Opcode, header.RequestId, lease.Span.ToArray()));
                        }

                        if (result.IsCompleted)
                        {
                            return;
                        }
                    }
                    finally
                    {
                        _input.AdvanceTo(buffer.Start, buffer.End);
                    }
                }
            }
            catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
            {
                // Dropped by the test.
            }
            finally
            {
                _replies.Writer.TryComplete();
            }
        }

        private async Task WriteLoopAsync()
        {
            try
            {
                while (await _replies.Reader.WaitToReadAsync())
                {
                    while (_replies.Reader.TryRead(out var reply))
                    {
                        FrameWriter.Write(_output, reply.Opcode, reply.RequestId, reply.Payload);
                    }

                    await _output.FlushAsync();
                }
            }
            catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
            {
                // Dropped by the test.
            }
        }
    }
}

/// <summary>A request as the responder received it, with ways to answer it.</summary>
internal sealed class ReceivedRequest(
    TestResponder.ResponderConnection connection, TestResponder responder, Opcode opcode, ulong requestId, byte[] payload)
{
    public Opcode Opcode { get; } = opcode;

    public ulong RequestId { get; } = requestId;

    public byte[] Payload { get; } = payload;

    public TestResponder Responder { get; } = responder;

    /// <summary>The key of a Get, Put or Delete, as text.</summary>
    public string Key => Opcode switch
    {
        Opcode.Get => System.Text.Encoding.UTF8.GetString(GetRequest.Read(Payload).Key),
        Opcode.Put => System.Text.Encoding.UTF8.GetString(PutRequest.Read(Payload).Key),
        Opcode.Delete => System.Text.Encoding.UTF8.GetString(DeleteRequest.Read(Payload).Key),
        _ => throw new InvalidOperationException($"{Opcode} has no key"),
    };

    public void Reply(Opcode opcode, byte[] payload) => connection.Reply(opcode, RequestId, payload);

    public void ReplyValues(ReadOnlySpan<byte> context, params SiblingValue[] siblings) =>
        Reply(Opcode.GetReply, TestResponder.Encode(new GetReply(context, siblings)));

    public void ReplyError(ErrorCode code, byte required = 0, byte received = 0, uint retryAfterMs = 0, string message = "") =>
        Reply(Opcode.Error, TestResponder.Encode(
            new ErrorReply(code, System.Text.Encoding.UTF8.GetBytes(message), required, received, retryAfterMs)));

    /// <summary>Answers as a node holding no data: pong, its cluster information, not found, acknowledged.</summary>
    public void ReplyAsEmptyNode()
    {
        switch (Opcode)
        {
            case Opcode.Ping:
                Reply(Opcode.Pong, []);
                break;
            case Opcode.ClusterInfo:
                Reply(Opcode.ClusterInfoReply, Responder.ClusterInfo);
                break;
            case Opcode.Info:
                Reply(Opcode.InfoReply, TestResponder.Encode(new InfoReply("node:"u8.ToArray().Concat(System.Text.Encoding.UTF8.GetBytes(Responder.NodeId + "\n")).ToArray())));
                break;
            case Opcode.Get:
                ReplyValues([]);
                break;
            case Opcode.Put:
                Reply(Opcode.PutReply, TestResponder.Encode(new PutReply([])));
                break;
            case Opcode.Delete:
                Reply(Opcode.DeleteReply, []);
                break;
            default:
                ReplyError(ErrorCode.UnknownOpcode);
                break;
        }
    }
}
