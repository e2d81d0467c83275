using System.Diagnostics;
using System.Text;
using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>
/// The retry policy: an Overloaded answer is retried after the node's retry-after (never sooner, never past the
/// deadline, a bounded number of times); a read lost in flight is sent once more to the next node of the preference
/// list; a write lost in flight is never repeated.
/// </summary>
public sealed class RetryPolicyTests
{
    private const uint RetryAfterMs = 200;

    [TestCase(Opcode.Get)]
    [TestCase(Opcode.Put)]
    [TestCase(Opcode.Delete)]
    public async Task An_Overloaded_answer_is_retried_after_the_nodes_retry_after_and_never_sooner(Opcode opcode)
    {
        await using var node = new TestResponder();
        var arrivals = new List<long>();
        node.Handler = request =>
        {
            if (request.Opcode == opcode)
            {
                lock (arrivals)
                {
                    arrivals.Add(Stopwatch.GetTimestamp());
                    if (arrivals.Count <= 2)
                    {
                        request.ReplyError(ErrorCode.Overloaded, retryAfterMs: RetryAfterMs, message: "too many operations");
                        return;
                    }
                }
            }

            request.ReplyAsEmptyNode();
        };
        var logs = new RecordingLoggerFactory();
        await using var client = await DriverKit.ConnectAsync(node, options => options.LoggerFactory = logs);

        var send = opcode switch
        {
            Opcode.Get => client.GetAsync("k", new GetOptions { Timeout = TimeSpan.FromSeconds(10) }),
            Opcode.Put => client.PutAsync("k", "v", options: new PutOptions { Timeout = TimeSpan.FromSeconds(10) }),
            _ => client.DeleteAsync("k", DynamoContext.FromBytes([1]), new DeleteOptions { Timeout = TimeSpan.FromSeconds(10) }),
        };
        await send.WaitAsync(DriverKit.Wait);

        Assert.That(arrivals, Has.Count.EqualTo(3), "two Overloaded answers, then the reply");
        for (var i = 1; i < arrivals.Count; i++)
        {
            var gap = Stopwatch.GetElapsedTime(arrivals[i - 1], arrivals[i]);
            Assert.That(gap, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(RetryAfterMs)), $"retry {i} came {gap.TotalMilliseconds:0} ms after the refusal");
        }

        var retries = logs.Named("Retrying");
        Assert.That(retries.Select(entry => (entry["Attempt"], entry["Attempts"], entry["DelayMs"], entry["Reason"])), Is.EqualTo(new[]
        {
            ((object?)1, (object?)ClientLimits.OverloadedRetriesDefault, (object?)(long)RetryAfterMs, (object?)"answered Overloaded"),
            (2, ClientLimits.OverloadedRetriesDefault, (long)RetryAfterMs, "answered Overloaded"),
        }));
    }

    [Test]
    public async Task A_retry_after_that_does_not_fit_in_the_deadline_fails_at_once_with_the_Overloaded_error()
    {
        await using var node = new TestResponder();
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.Put)
            {
                request.ReplyError(ErrorCode.Overloaded, retryAfterMs: 5000);
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await DriverKit.ConnectAsync(node);
        var started = Stopwatch.GetTimestamp();

        var error = Assert.ThrowsAsync<OverloadedException>(() => client.PutAsync("k", "v", options: new PutOptions { Timeout = TimeSpan.FromSeconds(2) }).WaitAsync(DriverKit.Wait));

        Assert.That(error!.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(Stopwatch.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(2)), "no waiting for a deadline the retry could not meet");
        Assert.That(node.Received(Opcode.Put), Is.EqualTo(1));
    }

    [TestCase(2, 3)]
    [TestCase(0, 1)]
    public async Task Overloaded_retries_stop_at_the_policys_maximum(int retries, int sends)
    {
        await using var node = new TestResponder();
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.Get)
            {
                request.ReplyError(ErrorCode.Overloaded, retryAfterMs: 1);
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await DriverKit.ConnectAsync(node, options => options.RetryPolicy.MaxOverloadedRetries = retries);

        Assert.ThrowsAsync<OverloadedException>(() => client.GetAsync("k").WaitAsync(DriverKit.Wait));

        Assert.That(node.Received(Opcode.Get), Is.EqualTo(sends));
    }

    [Test]
    public async Task A_read_lost_in_flight_is_sent_once_more_to_the_next_node_of_the_preference_list()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        a.ClusterInfo = b.ClusterInfo = TwoNodes(a, b);
        a.Handler = DropOn(Opcode.Get);
        b.Handler = request =>
        {
            if (request.Opcode == Opcode.Get)
            {
                request.ReplyValues([9], new SiblingValue("from b"u8.ToArray()));
                return;
            }

            request.ReplyAsEmptyNode();
        };
        var logs = new RecordingLoggerFactory();
        await using var client = await DriverKit.ConnectAsync(b, options => options.LoggerFactory = logs);
        var key = DriverKit.KeyFirstOn(client.Cluster, "a");

        var read = await client.GetAsync(key).WaitAsync(DriverKit.Wait);

        Assert.That(read.GetString(), Is.EqualTo("from b"));
        Assert.That((a.Received(Opcode.Get), b.Received(Opcode.Get)), Is.EqualTo((1, 1)));
        var retry = logs.Named("Retrying").Single();
        Assert.That((retry["Endpoint"], retry["Target"], retry["Reason"]), Is.EqualTo((a.Endpoint, "the next node of the preference list", "lost it in flight")));
    }

    [Test]
    public async Task A_read_lost_in_flight_twice_fails_with_its_outcome_unknown_and_is_not_sent_a_third_time()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        await using var c = new TestResponder("c");
        var info = TestResponder.ClusterInfoPayload(1, 3, 1, 1, [("a", a.Endpoint), ("b", b.Endpoint), ("c", c.Endpoint)], [0, 1, 2, 0, 1, 2, 0, 1]);
        foreach (var node in new[] { a, b, c })
        {
            node.ClusterInfo = info;
            node.Handler = DropOn(Opcode.Get);
        }

        await using var client = await DriverKit.ConnectAsync(a);
        var placement = client.Cluster.GetPlacement(DriverKit.KeyFirstOn(client.Cluster, "a"));

        var error = Assert.ThrowsAsync<DynamoConnectionException>(() => client.GetAsync(DriverKit.KeyFirstOn(client.Cluster, "a")).WaitAsync(DriverKit.Wait));

        Assert.That(error!.RequestSent, Is.True);
        Assert.That(error.Endpoint, Is.EqualTo(placement.Primaries[1].Endpoint), "the second node lost it too");
        var third = new[] { a, b, c }.Single(node => node.NodeId == placement.Primaries[2].NodeId);
        Assert.That(third.Received(Opcode.Get), Is.Zero, "a read is repeated once, not more");
    }

    [Test]
    public async Task Without_RetryLostReads_a_read_lost_in_flight_fails_and_goes_nowhere_else()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        a.ClusterInfo = b.ClusterInfo = TwoNodes(a, b);
        a.Handler = DropOn(Opcode.Get);
        await using var client = await DriverKit.ConnectAsync(b, options => options.RetryPolicy = DynamoRetryPolicy.None);

        var error = Assert.ThrowsAsync<DynamoConnectionException>(() => client.GetAsync(DriverKit.KeyFirstOn(client.Cluster, "a")).WaitAsync(DriverKit.Wait));

        Assert.That((error!.RequestSent, error.Endpoint), Is.EqualTo((true, a.Endpoint)));
        Assert.That(b.Received(Opcode.Get), Is.Zero);
    }

    [TestCase(Opcode.Put)]
    [TestCase(Opcode.Delete)]
    public async Task A_write_lost_in_flight_is_never_repeated_the_second_node_never_sees_it(Opcode opcode)
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        a.ClusterInfo = b.ClusterInfo = TwoNodes(a, b);
        a.Handler = DropOn(opcode);
        await using var client = await DriverKit.ConnectAsync(b, options => options.RetryPolicy = new DynamoRetryPolicy { MaxOverloadedRetries = 5, RetryLostReads = true });
        var key = Encoding.UTF8.GetBytes(DriverKit.KeyFirstOn(client.Cluster, "a"));

        var error = Assert.ThrowsAsync<DynamoConnectionException>(() => (opcode == Opcode.Put
            ? client.PutAsync(key, "v"u8.ToArray())
            : client.DeleteAsync(key, DynamoContext.FromBytes([7]))).WaitAsync(DriverKit.Wait));

        Assert.That((error!.RequestSent, error.Endpoint), Is.EqualTo((true, a.Endpoint)), error.Message);
        Assert.That(error.Message, Does.Contain("its outcome is unknown"));
        Assert.That((a.Received(opcode), b.Received(opcode)), Is.EqualTo((1, 0)), "sent once, to the first node only");
    }

    private static byte[] TwoNodes(TestResponder a, TestResponder b) =>
        TestResponder.ClusterInfoPayload(1, 2, 1, 1, [("a", a.Endpoint), ("b", b.Endpoint)], DriverKit.AlternatingOwners);

    /// <summary>A handler that drops the connection when a request of <paramref name="opcode"/> arrives, unanswered.</summary>
    private static Action<ReceivedRequest> DropOn(Opcode opcode) => request =>
    {
        if (request.Opcode == opcode)
        {
            request.Responder.DropConnections();
            return;
        }

        request.ReplyAsEmptyNode();
    };
}
