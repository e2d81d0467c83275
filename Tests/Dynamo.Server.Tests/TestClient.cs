using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Dynamo.Protocol;

namespace Dynamo.Server.Tests;

/// <summary>A raw frame client for tests: sends frames or arbitrary bytes, reads frames with a deadline.</summary>
internal sealed class TestClient : IDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private TestClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    public Socket Socket => _socket;

    public static async Task<TestClient> ConnectAsync(IPEndPoint endPoint, Action<Socket>? configure = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        configure?.Invoke(socket);
        using var timeout = new CancellationTokenSource(Deadline);
        await socket.ConnectAsync(endPoint, timeout.Token);
        return new TestClient(socket);
    }

    public static byte[] Frame(Opcode opcode, ulong requestId, ReadOnlySpan<byte> payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, opcode, requestId, payload, allowCompression: false);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Frame<T>(ulong requestId, in T message)
        where T : IMessage<T>, allows ref struct
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, T.Opcode, requestId, message);
        return writer.WrittenSpan.ToArray();
    }

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        await _stream.WriteAsync(bytes, timeout.Token);
    }

    /// <summary>Asks for the node's Info and returns its <c>field:value</c> lines.</summary>
    public async Task<Dictionary<string, string>> InfoAsync(ulong requestId)
    {
        await SendAsync(Frame(Opcode.Info, requestId, []));
        var (_, payload) = await ReadFrameAsync();
        return System.Text.Encoding.UTF8.GetString(InfoReply.Read(payload).Text)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }

    /// <summary>Reads one whole frame; fails the test if none arrives in time or the connection closes first.</summary>
    public async Task<(FrameHeader Header, byte[] Payload)> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var header = new byte[ProtocolLimits.FrameHeaderBytes];
        await _stream.ReadExactlyAsync(header, timeout.Token);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
        var whole = new byte[header.Length + length];
        header.CopyTo(whole, 0);
        await _stream.ReadExactlyAsync(whole.AsMemory(header.Length), timeout.Token);
        var buffer = new ReadOnlySequence<byte>(whole);
        if (!FrameReader.TryReadFrame(ref buffer, out var parsed, out var payload))
        {
            throw new InvalidOperationException("A whole frame did not parse.");
        }

        using var lease = FramePayload.Open(parsed, payload);
        return (parsed, lease.Span.ToArray());
    }

    /// <summary>True when the server closed the connection (a read returns end of stream) within the deadline.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var scratch = new byte[256];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(scratch, timeout.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
