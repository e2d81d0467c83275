using System.Diagnostics;
using Dynamo.Protocol;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>
/// What the driver logs through <see cref="DynamoClientOptions.LoggerFactory"/>: connections opened and lost, nodes
/// marked down and back, cluster changes, retries and failovers, each as its own event with structured fields.
/// </summary>
public sealed class LoggingTests
{
    [Test]
    public async Task A_test_logger_sees_connections_nodes_down_and_back_failovers_retries_and_cluster_changes()
    {
        await using var a = new TestResponder("a");
        var b = new TestResponder("b");
        await using var bMoved = new TestResponder("b");
        a.ClusterInfo = Info(a, b);
        var overloadedOnce = 0;
        a.Handler = request =>
        {
            if (request.Opcode == Opcode.Get && Interlocked.Increment(ref overloadedOnce) == 1)
            {
                request.ReplyError(ErrorCode.Overloaded, retryAfterMs: 20);
                return;
            }

            request.ReplyAsEmptyNode();
        };
        var logs = new RecordingLoggerFactory();
        await using var client = await DriverKit.ConnectAsync(a, options => options.LoggerFactory = logs);
        var keyOnB = DriverKit.KeyFirstOn(client.Cluster, "b");
        var bEndpoint = b.Endpoint;
        await b.DisposeAsync();

        // b cannot be reached: marked down, and the put goes to a, the next node of the key's preference list.
        await client.PutAsync(keyOnB, "v").WaitAsync(DriverKit.Wait);
        // a answers the first get Overloaded: retried after its retry-after.
        await client.GetAsync("any").WaitAsync(DriverKit.Wait);
        // b is back on another port.
        a.ClusterInfo = bMoved.ClusterInfo = Info(a, bMoved);
        await client.RefreshAsync().WaitAsync(DriverKit.Wait);
        // a's connection drops; the next request after its back-off reconnects.
        a.DropConnections();
        await DriverKit.UntilAsync(() => logs.Named("ConnectionLost").Count == 1, "the lost connection to be logged");
        await PingUntilAnsweredAsync(client, a.Endpoint);

        Assert.That(Fields(logs, "ConnectionOpened", "Endpoint"), Is.EqualTo(new[] { a.Endpoint, a.Endpoint }), Dump(logs));
        Assert.That(Fields(logs, "NodeMarkedDown", "Endpoint"), Is.EqualTo(new[] { bEndpoint, a.Endpoint }), Dump(logs));
        Assert.That(Fields(logs, "ConnectionLost", "Endpoint"), Is.EqualTo(new[] { a.Endpoint }));
        Assert.That(Fields(logs, "NodeBack", "Endpoint"), Is.EqualTo(new[] { a.Endpoint }));
        var failover = logs.Named("Failover").Single();
        Assert.That(
            (failover["Opcode"], failover["Endpoint"], failover["Position"], failover["Skipped"]),
            Is.EqualTo(((object)Opcode.Put, (object)a.Endpoint, (object)2, (object)bEndpoint)));
        var retry = logs.Named("Retrying").Single();
        Assert.That((retry["Opcode"], retry["Attempt"], retry["DelayMs"], retry["Reason"]), Is.EqualTo(((object)Opcode.Get, (object)1, (object)20L, (object)"answered Overloaded")));
        var changed = logs.Named("ClusterChanged").Single();
        Assert.That(changed["Changes"], Is.EqualTo($"b moved from {bEndpoint} to {bMoved.Endpoint}"));
        Assert.That(logs.Named("NodeMarkedDown").Select(entry => entry.Level), Is.All.EqualTo(LogLevel.Warning));
        Assert.That(logs.Entries.Select(entry => entry.Category).Distinct(), Is.EqualTo(new[] { "Dynamo.Client.DynamoClient" }));
    }

    [Test]
    public async Task Without_a_logger_factory_the_client_logs_nothing_and_works()
    {
        await using var node = new TestResponder();
        await using var client = await DriverKit.ConnectAsync(node, options => options.LoggerFactory = null);

        Assert.That((await client.GetAsync("k").WaitAsync(DriverKit.Wait)).Found, Is.False);
    }

    private static byte[] Info(TestResponder a, TestResponder b) =>
        TestResponder.ClusterInfoPayload(5, 2, 1, 1, [("a", a.Endpoint), ("b", b.Endpoint)], DriverKit.AlternatingOwners);

    private static IEnumerable<object?> Fields(RecordingLoggerFactory logs, string eventName, string field) =>
        logs.Named(eventName).Select(entry => entry[field]);

    private static string Dump(RecordingLoggerFactory logs) => string.Join("\n", logs.Entries);

    /// <summary>Pings <paramref name="endpoint"/> until it answers: refused while it is marked down after the drop.</summary>
    private static async Task PingUntilAnsweredAsync(DynamoClient client, string endpoint)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.PingAsync(endpoint).WaitAsync(DriverKit.Wait);
                return;
            }
            catch (UnavailableException) when (clock.Elapsed < DriverKit.Wait)
            {
                await Task.Delay(20);
            }
        }
    }
}
