using System.Collections.Concurrent;
using System.Text;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

public sealed class DriverTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Ten_thousand_concurrent_requests_on_one_connection_answered_out_of_order_get_their_own_replies()
    {
        const int Count = 10_000;
        var random = TestSeed.NewRandom();
        await using var node = new TestResponder();
        var held = new List<ReceivedRequest>();
        node.Handler = request =>
        {
            if (request.Opcode != Opcode.Get)
            {
                request.ReplyAsEmptyNode();
                return;
            }

            held.Add(request);
            if (held.Count == Count)
            {
                foreach (var answer in held.OrderBy(_ => random.Next()))
                {
                    answer.ReplyValues([7], new SiblingValue(Encoding.UTF8.GetBytes("value-of-" + answer.Key)));
                }
            }
        };
        await using var client = await Connect(node, maxInFlight: Count);

        var reads = Enumerable.Range(0, Count).Select(i => client.GetAsync($"key-{i}")).ToArray();
        var results = await Task.WhenAll(reads).WaitAsync(s_wait);

        for (var i = 0; i < Count; i++)
        {
            Assert.That(results[i].GetString(), Is.EqualTo($"value-of-key-{i}"), $"request {i}");
        }

        Assert.That(node.ConnectionsAccepted, Is.EqualTo(1));
        Assert.That(client.PendingRequestCount, Is.Zero);
    }

    [Test]
    public async Task Strict_sets_the_strict_quorum_flag_on_gets_puts_and_deletes_and_a_quorum_error_is_typed()
    {
        await using var node = new TestResponder();
        var flags = new List<(Opcode, bool)>();
        node.Handler = request =>
        {
            switch (request.Opcode)
            {
                case Opcode.Get:
                    lock (flags)
                    {
                        flags.Add((Opcode.Get, GetRequest.Read(request.Payload).Strict));
                    }

                    request.ReplyValues([7], new SiblingValue("v"u8.ToArray()));
                    break;
                case Opcode.Put:
                    var put = PutRequest.Read(request.Payload);
                    lock (flags)
                    {
                        flags.Add((Opcode.Put, put.Strict));
                    }

                    if (put.Strict)
                    {
                        request.ReplyError(ErrorCode.QuorumNotMet, required: 2, received: 1, message: "primaries down");
                    }
                    else
                    {
                        request.Reply(Opcode.PutReply, TestResponder.Encode(new PutReply([])));
                    }

                    break;
                case Opcode.Delete:
                    lock (flags)
                    {
                        flags.Add((Opcode.Delete, DeleteRequest.Read(request.Payload).Strict));
                    }

                    request.Reply(Opcode.DeleteReply, []);
                    break;
                default:
                    request.ReplyAsEmptyNode();
                    break;
            }
        };
        await using var client = await Connect(node);

        await client.GetAsync("k", new GetOptions { Strict = true }).WaitAsync(s_wait);
        await client.GetAsync("k").WaitAsync(s_wait);
        await client.PutAsync("k", "v").WaitAsync(s_wait);
        var error = Assert.ThrowsAsync<QuorumNotMetException>(() => client.PutAsync("k", "v", options: new PutOptions { Strict = true }).WaitAsync(s_wait));
        Assert.That((error!.Required, error.Received), Is.EqualTo((2, 1)));
        await client.DeleteAsync("k", DynamoContext.FromBytes([7]), new DeleteOptions { Strict = true }).WaitAsync(s_wait);

        Assert.That(flags, Is.EqualTo(new[]
        {
            (Opcode.Get, true), (Opcode.Get, false), (Opcode.Put, false), (Opcode.Put, true), (Opcode.Delete, true),
        }));
    }

    [Test]
    public async Task Requests_beyond_MaxInFlight_wait_for_a_slot_and_all_complete()
    {
        const int MaxInFlight = 8;
        await using var node = new TestResponder();
        var outstanding = new List<ReceivedRequest>();
        var mostOutstanding = 0;
        node.Handler = request =>
        {
            if (request.Opcode != Opcode.Put)
            {
                request.ReplyAsEmptyNode();
                return;
            }

            outstanding.Add(request);
            mostOutstanding = Math.Max(mostOutstanding, outstanding.Count);
            if (outstanding.Count == MaxInFlight)
            {
                outstanding.Reverse();
                outstanding.ForEach(answer => answer.ReplyAsEmptyNode());
                outstanding.Clear();
            }
        };
        await using var client = await Connect(node, maxInFlight: MaxInFlight);

        await Task.WhenAll(Enumerable.Range(0, 25 * MaxInFlight).Select(i => client.PutAsync($"k{i}", "v"))).WaitAsync(s_wait);

        Assert.That(mostOutstanding, Is.EqualTo(MaxInFlight));
        Assert.That(client.PendingRequestCount, Is.Zero);
    }

    [Test]
    public async Task A_request_the_node_never_answers_times_out_at_its_deadline_and_leaves_no_pending_entry()
    {
        await using var node = new TestResponder();
        node.Handler = request =>
        {
            if (request.Opcode != Opcode.Get)
            {
                request.ReplyAsEmptyNode();
            }
        };
        await using var client = await Connect(node);
        var timeout = TimeSpan.FromMilliseconds(200);
        var started = TimeProvider.System.GetTimestamp();

        var read = client.GetAsync("k", new GetOptions { Timeout = timeout });

        Assert.That(async () => await read.WaitAsync(s_wait), Throws.TypeOf<DynamoTimeoutException>());
        Assert.That(TimeProvider.System.GetElapsedTime(started), Is.GreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20)));
        Assert.That(client.PendingRequestCount, Is.Zero);
        Assert.That(await client.PingAsync().WaitAsync(s_wait), Is.GreaterThan(TimeSpan.Zero), "the connection stays usable");
    }

    [Test]
    public async Task Cancelling_a_request_completes_it_promptly_and_its_late_reply_is_ignored()
    {
        await using var node = new TestResponder();
        var held = new TaskCompletionSource<ReceivedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.Get && request.Key == "held")
            {
                held.TrySetResult(request);
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await Connect(node);
        using var cancel = new CancellationTokenSource();

        var read = client.GetAsync("held", new GetOptions { Timeout = TimeSpan.FromMinutes(5) }, cancel.Token);
        var request = await held.Task.WaitAsync(s_wait);
        await cancel.CancelAsync();

        Assert.That(async () => await read.WaitAsync(s_wait), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(client.PendingRequestCount, Is.Zero);

        request.ReplyValues([], new SiblingValue("late"u8.ToArray()));
        var after = await client.GetAsync("other").WaitAsync(s_wait);
        Assert.That(after.Found, Is.False, "the late reply must not complete another request");
        Assert.That(client.PendingRequestCount, Is.Zero);
    }

    [Test]
    public async Task A_dropped_connection_fails_every_pending_request_with_a_typed_exception()
    {
        const int Count = 100;
        await using var node = new TestResponder();
        var received = 0;
        node.Handler = request =>
        {
            if (request.Opcode != Opcode.Get)
            {
                request.ReplyAsEmptyNode();
            }
            else if (++received == Count)
            {
                request.Responder.DropConnections();
            }
        };
        await using var client = await Connect(node);

        var reads = Enumerable.Range(0, Count).Select(i => client.GetAsync($"k{i}")).ToArray();

        foreach (var read in reads)
        {
            var error = Assert.ThrowsAsync<DynamoConnectionException>(async () => await read.WaitAsync(s_wait));
            Assert.That(error!.RequestSent, Is.True, "the node may have applied it: its outcome is unknown");
            Assert.That(error.Endpoint, Is.EqualTo(node.Endpoint));
        }

        Assert.That(client.PendingRequestCount, Is.Zero);
    }

    [Test]
    public async Task Error_replies_become_typed_exceptions_with_their_details()
    {
        await using var node = new TestResponder();
        node.Handler = request =>
        {
            if (request.Opcode != Opcode.Put)
            {
                request.ReplyAsEmptyNode();
                return;
            }

            switch (request.Key)
            {
                case "quorum":
                    request.ReplyError(ErrorCode.QuorumNotMet, required: 2, received: 1);
                    break;
                case "overloaded":
                    request.ReplyError(ErrorCode.Overloaded, retryAfterMs: 250);
                    break;
                case "siblings":
                    request.ReplyError(ErrorCode.VersionLimit, message: "101 siblings");
                    break;
                case "unavailable":
                    request.ReplyError(ErrorCode.Unavailable);
                    break;
                case "timeout":
                    request.ReplyError(ErrorCode.Timeout);
                    break;
                default:
                    request.ReplyError(ErrorCode.BadRequest, message: "no");
                    break;
            }
        };
        await using var client = await Connect(node);

        var quorum = Assert.ThrowsAsync<QuorumNotMetException>(() => client.PutAsync("quorum", "v").WaitAsync(s_wait));
        Assert.That((quorum!.Required, quorum.Received), Is.EqualTo((2, 1)));
        Assert.That(quorum.Message, Is.EqualTo("quorum not met: required 2, received 1"));
        var overloaded = Assert.ThrowsAsync<OverloadedException>(() => client.PutAsync("overloaded", "v").WaitAsync(s_wait));
        Assert.That(overloaded!.RetryAfter, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        var siblings = Assert.ThrowsAsync<SiblingLimitException>(() => client.PutAsync("siblings", "v").WaitAsync(s_wait));
        Assert.That(siblings!.Message, Does.Contain("101 siblings"));
        Assert.ThrowsAsync<UnavailableException>(() => client.PutAsync("unavailable", "v").WaitAsync(s_wait));
        Assert.ThrowsAsync<DynamoTimeoutException>(() => client.PutAsync("timeout", "v").WaitAsync(s_wait));
        var bad = Assert.ThrowsAsync<DynamoProtocolException>(() => client.PutAsync("bad", "v").WaitAsync(s_wait));
        Assert.That(bad!.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(client.PendingRequestCount, Is.Zero);
    }

    [Test]
    public async Task A_get_returns_live_values_counts_tombstones_and_carries_the_context()
    {
        await using var node = new TestResponder();
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.Get)
            {
                request.ReplyValues([0xC1, 0xC2], new SiblingValue("a"u8.ToArray()), SiblingValue.Tombstone, new SiblingValue("b"u8.ToArray()));
            }
            else if (request.Opcode == Opcode.Put)
            {
                var put = PutRequest.Read(request.Payload);
                Assert.That(put.Context.ToArray(), Is.EqualTo(new byte[] { 0xC1, 0xC2 }));
                Assert.That((put.W, put.ReturnContext), Is.EqualTo(((byte)2, true)));
                Assert.That(put.TimeoutMs, Is.InRange(1u, 5000u));
                request.Reply(Opcode.PutReply, TestResponder.Encode(new PutReply([0xC3])));
            }
            else
            {
                request.ReplyAsEmptyNode();
            }
        };
        await using var client = await Connect(node);

        var read = await client.GetAsync("k").WaitAsync(s_wait);
        Assert.That(read.Found, Is.True);
        Assert.That(read.SiblingCount, Is.EqualTo(3));
        Assert.That(read.Values.Select(v => Encoding.UTF8.GetString(v.Span)), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(read.Context.Bytes.ToArray(), Is.EqualTo(new byte[] { 0xC1, 0xC2 }));

        var written = await client.PutAsync("k", "ab", read.Context, new PutOptions { N = 3, W = 2, ReturnContext = true }).WaitAsync(s_wait);
        Assert.That(written.Context!.Bytes.ToArray(), Is.EqualTo(new byte[] { 0xC3 }));
        Assert.That(await client.GetInfoAsync().WaitAsync(s_wait), Is.EqualTo("node:n1\n"));
    }

    [Test]
    public async Task Repair_sends_its_deadline_to_the_node_and_returns_the_typed_result()
    {
        await using var node = new TestResponder();
        uint sentTimeout = 0;
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.Repair)
            {
                sentTimeout = RepairRequest.Read(request.Payload).TimeoutMs;
                request.Reply(Opcode.RepairReply, TestResponder.Encode(new RepairReply(false, 5, 1, 12, 11, "n3: connection refused"u8)));
            }
            else
            {
                request.ReplyAsEmptyNode();
            }
        };
        await using var client = await Connect(node);

        var result = await client.RepairAsync(node.Endpoint, TimeSpan.FromSeconds(3)).WaitAsync(s_wait);
        Assert.That(sentTimeout, Is.InRange(2000u, 3000u), "the repair deadline, less what the send already took");
        Assert.That(
            (result.Completed, result.Exchanges, result.ExchangesFailed, result.Differences, result.KeysRepaired, result.Message),
            Is.EqualTo((false, 5, 1, 12L, 11L, "n3: connection refused")));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.RepairAsync(null, TimeSpan.Zero));
    }

    [Test]
    public async Task A_delete_without_a_context_reads_first_and_supersedes_what_the_read_saw()
    {
        await using var node = new TestResponder();
        var deletes = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.Get && request.Key == "present")
            {
                request.ReplyValues([0xD1, 0xD2], new SiblingValue("a"u8.ToArray()), new SiblingValue("b"u8.ToArray()));
            }
            else if (request.Opcode == Opcode.Delete)
            {
                deletes.Enqueue(DeleteRequest.Read(request.Payload).Context.ToArray());
                request.Reply(Opcode.DeleteReply, []);
            }
            else
            {
                request.ReplyAsEmptyNode();
            }
        };
        await using var client = await Connect(node);

        await client.DeleteAsync("present").WaitAsync(s_wait);
        await client.DeleteAsync("absent").WaitAsync(s_wait);
        await client.DeleteAsync("given", DynamoContext.FromBytes([0xE1])).WaitAsync(s_wait);

        Assert.That(deletes, Is.EqualTo(new[] { new byte[] { 0xD1, 0xD2 }, new byte[] { 0xE1 } }), "the absent key is not written");
    }

    [Test]
    public async Task Locally_invalid_input_is_an_ArgumentException_before_anything_is_sent()
    {
        await using var node = new TestResponder();
        var keyed = 0;
        node.Handler = request =>
        {
            keyed += request.Opcode is Opcode.Get or Opcode.Put or Opcode.Delete ? 1 : 0;
            request.ReplyAsEmptyNode();
        };
        node.ClusterInfo = TestResponder.ClusterInfoPayload(1, 3, 2, 2, [("a", node.Endpoint), ("b", node.Endpoint), ("c", node.Endpoint)], [0, 1, 2, 0, 1, 2, 0, 1]);
        await using var client = await Connect(node);

        Assert.Throws<ArgumentException>(() => client.GetAsync(new byte[ProtocolLimits.KeyBytesMax + 1]));
        Assert.Throws<ArgumentException>(() => client.PutAsync("k"u8.ToArray(), new byte[ProtocolLimits.ValueBytesMax + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.GetAsync("k", new GetOptions { R = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.GetAsync("k", new GetOptions { R = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.PutAsync("k", "v", options: new PutOptions { W = 2, N = 1 }));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.DeleteAsync("k", options: new DeleteOptions { W = 9 }));
        Assert.Throws<ArgumentException>(() => client.GetAsync("k", new GetOptions { Bucket = new string('b', 256) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.GetAsync("k", new GetOptions { Timeout = TimeSpan.Zero }));
        Assert.That(keyed, Is.Zero);
    }

    [Test]
    public async Task Each_key_goes_to_the_first_primary_of_its_preference_list()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        ushort[] owners = [0, 1, 1, 0, 0, 1, 0, 1];
        var info = TestResponder.ClusterInfoPayload(42, 1, 1, 1, [("a", a.Endpoint), ("b", b.Endpoint)], owners);
        a.ClusterInfo = b.ClusterInfo = info;
        var seen = new ConcurrentDictionary<string, string>();
        foreach (var node in new[] { a, b })
        {
            node.Handler = request =>
            {
                if (request.Opcode == Opcode.Get)
                {
                    seen[request.Key] = request.Responder.NodeId;
                }

                request.ReplyAsEmptyNode();
            };
        }

        await using var client = await Connect(a);
        var keys = Enumerable.Range(0, 200).Select(i => $"key-{i}").ToArray();
        await Task.WhenAll(keys.Select(key => client.GetAsync(key))).WaitAsync(s_wait);

        foreach (var key in keys)
        {
            // Q = 8: the partition is the hash's top 3 bits, and the owners table names its first primary.
            var partition = (int)(KeyHash.Of([], Encoding.UTF8.GetBytes(key)) >> 61);
            Assert.That(seen[key], Is.EqualTo(owners[partition] == 0 ? "a" : "b"), key);
        }

        Assert.That(seen.Values.Distinct().Count(), Is.EqualTo(2), "both nodes own keys");
        Assert.That(client.Cluster.Fingerprint, Is.EqualTo(42UL));
        Assert.That(client.Cluster.Members.Select(m => (m.NodeId, m.Endpoint, m.PartitionCount)), Is.EqualTo(new[] { ("a", a.Endpoint, 4), ("b", b.Endpoint, 4) }));
    }

    [Test]
    public async Task A_primary_that_cannot_be_reached_is_marked_down_and_the_request_goes_to_the_next_primary()
    {
        var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        var info = TestResponder.ClusterInfoPayload(1, 2, 1, 1, [("a", a.Endpoint), ("b", b.Endpoint)], [0, 1, 0, 1, 0, 1, 0, 1]);
        a.ClusterInfo = b.ClusterInfo = info;
        var servedByB = new ConcurrentBag<string>();
        b.Handler = request =>
        {
            if (request.Opcode == Opcode.Put)
            {
                servedByB.Add(request.Key);
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await Connect(b);
        await a.DisposeAsync();

        var keys = Enumerable.Range(0, 50).Select(i => $"key-{i}").ToArray();
        foreach (var key in keys)
        {
            await client.PutAsync(key, "v").WaitAsync(s_wait);
        }

        Assert.That(servedByB, Is.EquivalentTo(keys));
        Assert.That(client.Cluster.GetPlacement("key-0").Primaries, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_request_lost_after_it_was_sent_is_not_retried_on_another_node()
    {
        await using var a = new TestResponder("a");
        await using var b = new TestResponder("b");
        var info = TestResponder.ClusterInfoPayload(1, 2, 1, 1, [("a", a.Endpoint), ("b", b.Endpoint)], [0, 1, 0, 1, 0, 1, 0, 1]);
        a.ClusterInfo = b.ClusterInfo = info;
        var writesOnB = 0;
        a.Handler = request =>
        {
            if (request.Opcode == Opcode.Put)
            {
                request.Responder.DropConnections();
                return;
            }

            request.ReplyAsEmptyNode();
        };
        b.Handler = request =>
        {
            writesOnB += request.Opcode == Opcode.Put ? 1 : 0;
            request.ReplyAsEmptyNode();
        };
        await using var client = await Connect(a);

        var key = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => client.Cluster.GetPlacement(k).Primaries[0].NodeId == "a");

        var error = Assert.ThrowsAsync<DynamoConnectionException>(() => client.PutAsync(key, "v").WaitAsync(s_wait));

        Assert.That(error!.RequestSent, Is.True);
        Assert.That(writesOnB, Is.Zero);
    }

    [Test]
    public async Task Refresh_notices_a_changed_ring_by_its_fingerprint()
    {
        await using var node = new TestResponder();
        await using var client = await Connect(node);
        Assert.That(await client.RefreshAsync().WaitAsync(s_wait), Is.False);

        node.ClusterInfo = TestResponder.ClusterInfoPayload(2, 1, 1, 1, [("n1", node.Endpoint)], new ushort[16]);
        Assert.That(await client.RefreshAsync().WaitAsync(s_wait), Is.True);
        Assert.That(client.Cluster.PartitionCount, Is.EqualTo(16));
        Assert.That(client.Cluster.Fingerprint, Is.EqualTo(2UL));
    }

    [Test]
    public async Task Connecting_to_no_reachable_endpoint_is_Unavailable()
    {
        var gone = new TestResponder();
        var endpoint = gone.Endpoint;
        await gone.DisposeAsync();

        Assert.ThrowsAsync<UnavailableException>(() => DynamoClient.ConnectAsync(new DynamoClientOptions(endpoint)).WaitAsync(s_wait));
    }

    [Test]
    public async Task Cluster_information_describing_no_valid_ring_is_a_protocol_error_not_a_hang()
    {
        await using var node = new TestResponder();
        node.ClusterInfo = TestResponder.ClusterInfoPayload(1, 1, 1, 1, [("a", node.Endpoint), ("b", node.Endpoint)], new ushort[8]);

        var error = Assert.ThrowsAsync<DynamoProtocolException>(() => Connect(node));

        Assert.That(error!.Message, Does.Contain("'b' owns no partition"));
    }

    [Test]
    public void Contexts_round_trip_through_base64url()
    {
        var context = DynamoContext.FromBytes([0xFB, 0xFF, 0x00, 0x3E]);
        var text = context.ToString();

        Assert.That(text, Does.Not.Contain('+').And.Not.Contain('/').And.Not.Contain('='));
        Assert.That(DynamoContext.Parse(text), Is.EqualTo(context));
        Assert.That(DynamoContext.TryParse("not base64!", out _), Is.False);
        Assert.That(DynamoContext.Parse(string.Empty).IsEmpty, Is.True);
    }

    private static Task<DynamoClient> Connect(TestResponder node, int maxInFlight = ClientLimits.InFlightRequestsDefault) =>
        DynamoClient.ConnectAsync(new DynamoClientOptions(node.Endpoint)
        {
            MaxInFlightPerConnection = maxInFlight,
            RingRefreshInterval = TimeSpan.Zero,
        }).WaitAsync(s_wait);
}
