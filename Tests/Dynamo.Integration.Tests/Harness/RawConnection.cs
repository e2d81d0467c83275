using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dynamo.Protocol;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// One TCP connection to one node speaking raw frames (FrameWriter / FrameReader): for probes, for requests that
/// must be coordinated by a chosen node, and for pipelining without a driver in between.
/// </summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _input;
    private ulong _nextRequestId;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _input = new BufferedStream(_stream, 64 * 1024);
    }

    public static async Task<RawConnection> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return new RawConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>One frame's bytes.</summary>
    public static byte[] Frame<T>(ulong requestId, in T message)
        where T : IMessage<T>, allows ref struct
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, T.Opcode, requestId, message);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>One frame with no payload.</summary>
    public static byte[] Frame(Opcode opcode, ulong requestId)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, opcode, requestId, ReadOnlySpan<byte>.Empty);
        return writer.WrittenSpan.ToArray();
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>Reads one whole frame: its header and its (decompressed) payload.</summary>
    public async Task<(FrameHeader Header, byte[] Payload)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var header = new byte[ProtocolLimits.FrameHeaderBytes];
        await _input.ReadExactlyAsync(header, cancellationToken);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > ProtocolLimits.FrameBytesMax)
        {
            throw new IOException($"The node sent a frame header declaring {length} payload bytes.");
        }

        var whole = new byte[header.Length + (int)length];
        header.CopyTo(whole, 0);
        await _input.ReadExactlyAsync(whole.AsMemory(header.Length), cancellationToken);
        var buffer = new ReadOnlySequence<byte>(whole);
        if (!FrameReader.TryReadFrame(ref buffer, out var parsed, out var payload))
        {
            throw new IOException("A whole frame did not parse.");
        }

        using var lease = FramePayload.Open(parsed, payload);
        return (parsed, lease.Span.ToArray());
    }

    /// <summary>Sends one request frame and reads its reply, checking the request id.</summary>
    public async Task<(Opcode Opcode, byte[] Payload)> AskAsync(Func<ulong, byte[]> frame, CancellationToken cancellationToken)
    {
        var id = ++_nextRequestId;
        await SendAsync(frame(id), cancellationToken);
        var (header, payload) = await ReadFrameAsync(cancellationToken);
        if (header.RequestId != id)
        {
            throw new IOException($"Asked with request id {id}, answered for {header.RequestId}.");
        }

        return (header.Opcode, payload);
    }

    /// <summary>Ping; true when the node answered Pong.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken) =>
        (await AskAsync(id => Frame(Opcode.Ping, id), cancellationToken)).Opcode == Opcode.Pong;

    /// <summary>The node's Info fields.</summary>
    public async Task<Dictionary<string, string>> InfoAsync(CancellationToken cancellationToken)
    {
        var (opcode, payload) = await AskAsync(id => Frame(Opcode.Info, id), cancellationToken);
        if (opcode != Opcode.InfoReply)
        {
            throw new IOException($"Info was answered with {opcode}.");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(InfoReply.Read(payload).Text).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    /// <summary>A Get at <paramref name="r"/> coordinated by this node: the live values as text, or the error.</summary>
    public async Task<GetOutcome> GetAsync(string key, byte r, CancellationToken cancellationToken)
    {
        var (opcode, payload) = await AskAsync(
            id => Frame(id, new GetRequest([], Encoding.UTF8.GetBytes(key), r)), cancellationToken);
        return GetOutcome.From(opcode, payload);
    }

    /// <summary>A blind Put (empty context) at <paramref name="w"/> coordinated by this node; the reply's opcode.</summary>
    public async Task<Opcode> PutAsync(string key, string value, byte w, CancellationToken cancellationToken) =>
        (await AskAsync(
            id => Frame(id, new PutRequest([], Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), [], w)),
            cancellationToken)).Opcode;

    public async ValueTask DisposeAsync()
    {
        await _input.DisposeAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}

/// <summary>What a raw Get returned: the reply's opcode, and for a GetReply the live values and sibling count.</summary>
internal sealed record GetOutcome(Opcode Opcode, string[] Values, int SiblingCount, string Error)
{
    public static GetOutcome From(Opcode opcode, byte[] payload)
    {
        if (opcode == Opcode.Error)
        {
            var error = ErrorReply.Read(payload);
            return new GetOutcome(opcode, [], 0, $"{error.Code}: {error.MessageText}");
        }

        if (opcode != Opcode.GetReply)
        {
            return new GetOutcome(opcode, [], 0, $"unexpected {opcode}");
        }

        var reply = GetReply.Read(payload);
        var values = new List<string>();
        foreach (var sibling in reply.Siblings)
        {
            if (!sibling.IsTombstone)
            {
                values.Add(Encoding.UTF8.GetString(sibling.Value));
            }
        }

        return new GetOutcome(opcode, [.. values], reply.SiblingCount, string.Empty);
    }

    public override string ToString() =>
        Opcode == Opcode.GetReply ? $"GetReply [{string.Join(", ", Values)}] ({SiblingCount} siblings)" : Error;
}
