using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;

namespace Dynamo.Bench.Targets.Tests;

/// <summary>
/// A redis-server process of the test's own: a free port (bound to 0 and released), a temporary directory, no
/// persistence. Disposing kills it and deletes the directory.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan s_startDeadline = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts redis-server and waits until it accepts connections; fails the test when it is not installed.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var path = FindOnPath("redis-server");
        if (path is null)
        {
            Assert.Fail("redis-server is not installed: run .ci/install-deps (it installs the Debian package redis-server).");
        }

        var directory = Directory.CreateTempSubdirectory("dynamo-redis-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(path!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty,
            "--appendonly", "no", "--dir", directory,
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, directory, port);
        try
        {
            await server.WaitUntilListeningAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string? FindOnPath(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/bin").Append("/usr/sbin");
        return directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.That(_process.HasExited, Is.False, $"redis-server exited with code {(_process.HasExited ? _process.ExitCode : 0)}");
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < s_startDeadline)
            {
                // Not listening yet: wait on the process for a moment, then connect again.
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMilliseconds(20)).Token)
                    .ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
