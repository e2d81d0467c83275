using System.Net;
using System.Net.Sockets;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// Ports for the test's own processes: bound to port 0 (the system picks a free one) and released. Another process
/// may take one before the node binds it; the callers retry a start that fails that way.
/// </summary>
internal static class FreePorts
{
    /// <summary><paramref name="count"/> distinct free ports on 127.0.0.1 (all held at once while choosing).</summary>
    public static int[] Take(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }

    /// <summary>A base port with <paramref name="count"/> consecutive free ports after it (for <c>dev</c>).</summary>
    public static int TakeConsecutive(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = Take(1)[0];
            if (start + count - 1 <= 65535 && Enumerable.Range(start, count).All(IsFree))
            {
                return start;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found on 127.0.0.1 in 50 attempts.");
    }

    /// <summary>True when nothing listens on the port now.</summary>
    public static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
            listener.Dispose();
        }
    }
}
