using System.Diagnostics;
using System.Text;
using Dynamo.Engine.Placement;

namespace Dynamo.Client.Tests.Driver;

/// <summary>What the driver tests share: connecting to a responder, picking keys by owner, waiting on a condition.</summary>
internal static class DriverKit
{
    /// <summary>How long any one step of a driver test may take before it counts as hung.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Every other partition (Q = 8) owned by the first member, the rest by the second.</summary>
    public static readonly ushort[] AlternatingOwners = [0, 1, 0, 1, 0, 1, 0, 1];

    /// <summary>A client seeded with <paramref name="node"/>, without the periodic refresh unless asked.</summary>
    public static Task<DynamoClient> ConnectAsync(TestResponder node, Action<DynamoClientOptions>? configure = null)
    {
        var options = new DynamoClientOptions(node.Endpoint) { RingRefreshInterval = TimeSpan.Zero };
        configure?.Invoke(options);
        return DynamoClient.ConnectAsync(options).WaitAsync(Wait);
    }

    /// <summary>A key (in the empty bucket) whose preference list starts with <paramref name="nodeId"/>.</summary>
    public static string KeyFirstOn(ClusterInfo cluster, string nodeId, string prefix = "key-") =>
        Enumerable.Range(0, 1000).Select(i => prefix + i).First(key => cluster.GetPlacement(key).Primaries[0].NodeId == nodeId);

    /// <summary>The partition of a key of the empty bucket on a ring of 8 partitions (the hash's top 3 bits).</summary>
    public static int PartitionOf(string key) => (int)(KeyHash.Of([], Encoding.UTF8.GetBytes(key)) >> 61);

    /// <summary>
    /// Checks <paramref name="condition"/> until it holds, for at most <see cref="Wait"/>; then fails saying what was
    /// expected. For state that nothing can be awaited on (a socket closed by the other side).
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string expected)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Wait)
            {
                throw new TimeoutException($"Expected {expected} within {Wait.TotalSeconds:0} s.");
            }

            await Task.Delay(10);
        }
    }
}
