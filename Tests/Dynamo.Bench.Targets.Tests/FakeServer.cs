using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dynamo.Bench.Targets.Tests;

/// <summary>A TCP listener on a free loopback port whose connections the test reads and answers byte by byte.</summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener;

    private FakeServer(TcpListener listener) => _listener = listener;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static Task<FakeServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new FakeServer(listener));
    }

    public async Task<Peer> AcceptAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return new Peer(await _listener.AcceptTcpClientAsync(deadline.Token));
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One accepted connection.</summary>
    internal sealed class Peer(TcpClient client) : IAsyncDisposable
    {
        private readonly NetworkStream _stream = client.GetStream();

        /// <summary>Reads exactly the bytes of <paramref name="expected"/> (10 s deadline) and says whether they match.</summary>
        public async Task<bool> ReadAsync(string expected)
        {
            var bytes = new byte[Encoding.UTF8.GetByteCount(expected)];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _stream.ReadExactlyAsync(bytes, deadline.Token);
            return Encoding.UTF8.GetString(bytes) == expected;
        }

        public async Task WriteAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
