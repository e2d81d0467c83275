using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Dynamo.Protocol;

namespace Dynamo.Server.Dev;

/// <summary>A minimal one-request client: asks a node for a Pong or its Info text. Used by <c>dev</c> to wait for nodes.</summary>
internal static class NodeProbe
{
    /// <summary>Sends Ping and waits for Pong.</summary>
    public static async Task PingAsync(string host, int port, CancellationToken cancellationToken) =>
        _ = await AskAsync(host, port, Opcode.Ping, Opcode.Pong, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends Info and returns its <c>field:value</c> lines as a dictionary.</summary>
    public static async Task<Dictionary<string, string>> InfoAsync(string host, int port, CancellationToken cancellationToken)
    {
        var payload = await AskAsync(host, port, Opcode.Info, Opcode.InfoReply, cancellationToken).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(InfoReply.Read(payload).Text);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    private static async Task<byte[]> AskAsync(string host, int port, Opcode request, Opcode expected, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var frame = new ArrayBufferWriter<byte>(ProtocolLimits.FrameHeaderBytes);
        FrameWriter.Write(frame, request, 1, ReadOnlySpan<byte>.Empty);
        await stream.WriteAsync(frame.WrittenMemory, cancellationToken).ConfigureAwait(false);

        var header = new byte[ProtocolLimits.FrameHeaderBytes];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > ProtocolLimits.InfoBytesMax + 16)
        {
            throw new IOException($"The node answered with a {length}-byte payload.");
        }

        var whole = new byte[ProtocolLimits.FrameHeaderBytes + length];
        header.CopyTo(whole, 0);
        await stream.ReadExactlyAsync(whole.AsMemory(ProtocolLimits.FrameHeaderBytes), cancellationToken).ConfigureAwait(false);
        var buffer = new ReadOnlySequence<byte>(whole);
        if (!FrameReader.TryReadFrame(ref buffer, out var parsed, out var body) || parsed.Opcode != expected)
        {
            throw new IOException($"The node answered {request} with {parsed.Opcode}.");
        }

        using var lease = FramePayload.Open(parsed, body);
        return lease.Span.ToArray();
    }
}
