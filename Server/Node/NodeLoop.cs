using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Dynamo.Server.Options;
using Dynamo.Server.Peers;
using Dynamo.Server.Storage;
using Dynamo.Server.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dynamo.Server.Node;

/// <summary>
/// The one thread of execution that drives the <see cref="NodeCore"/>. Connections, peer links and the ticker post
/// inputs to a bounded queue; the loop feeds a batch of them to the core, then drains the core's effects and carries
/// them out: a <see cref="Reply"/> goes to the connection its request came on (by reply token), a <see cref="Send"/>
/// to the peer link of its node. A send the link refuses (down, or full) is answered at once with a
/// <see cref="PeerFailure"/>, in the same turn, so the core learns of a dead peer without waiting for a deadline.
/// </summary>
/// <remarks>
/// Group commit: in <see cref="DurabilityMode.Always"/> the loop fsyncs the store once after each batch that wrote,
/// before it carries out any of the batch's effects, so no acknowledgement (a client reply, a replica ack) and no
/// replica write that depends on a write leaves the node before that write is on disk, and concurrent writes share
/// one fsync. When that fsync fails nothing of the batch leaves: replies become StorageFailed errors and sends are
/// answered with a <see cref="PeerFailure"/>.
/// </remarks>
internal sealed class NodeLoop
{
    /// <summary>Inputs handled before the effects are drained; bounds the latency one busy turn adds.</summary>
    private const int InputsPerTurnMax = 256;

    private readonly NodeCore _core;
    private readonly IReplicaStore _store;
    private readonly NodeStorage _storage;
    private readonly PeerLinks _links;
    private readonly NodeStatus _status;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly Channel<NodeInput> _inputs;
    private readonly Dictionary<ulong, ReplyRoute> _routes = [];
    private readonly List<NodeEffect> _effects = [];
    private readonly List<PeerResponse> _failures = [];
    private readonly IReadOnlyDictionary<NodeId, string> _staticAddresses;
    private readonly ILogger _logger;
    private ulong _nextToken;
    private int _tickQueued;
    private long _lastSweepMs;
    private long _lastMembershipCheckMs = -ServerLimits.MembershipCheckIntervalMs;
    private Engine.Placement.Ring? _publishedRing;
    private Dictionary<NodeId, string>? _publishedAddresses;

    public NodeLoop(
        NodeCore core,
        NodeStorage storage,
        PeerLinks links,
        NodeStatus status,
        TimeProvider time,
        IReadOnlyDictionary<NodeId, string>? staticAddresses = null,
        ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _staticAddresses = staticAddresses ?? new Dictionary<NodeId, string>();
        _core = core;
        _storage = storage;
        _store = storage.Store;
        _links = links;
        _status = status;
        _time = time;
        _start = time.GetTimestamp();
        _inputs = Channel.CreateBounded<NodeInput>(new BoundedChannelOptions(ServerLimits.NodeInputsQueuedMax)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>Milliseconds since the loop was created, from the monotonic clock.</summary>
    public long NowMs => (long)_time.GetElapsedTime(_start).TotalMilliseconds;

    /// <summary>Requests the core has not answered yet (for tests and Info).</summary>
    public int PendingReplies => Volatile.Read(ref _pendingReplies);

    private int _pendingReplies;

    /// <summary>Queues an input without waiting; false when the queue is full.</summary>
    public bool TryPost(in NodeInput input) => _inputs.Writer.TryWrite(input);

    /// <summary>Queues an input, waiting while the queue is full (backpressure on the caller's socket).</summary>
    public ValueTask PostAsync(NodeInput input, CancellationToken cancellationToken) =>
        _inputs.Writer.WriteAsync(input, cancellationToken);

    /// <summary>Queues a tick unless one is already waiting, so a slow loop never piles them up.</summary>
    public void PostTick()
    {
        if (Interlocked.Exchange(ref _tickQueued, 1) == 0 && !_inputs.Writer.TryWrite(NodeInput.Tick))
        {
            Volatile.Write(ref _tickQueued, 0);
        }
    }

    /// <summary>Runs until cancelled. An exception from the core is a broken invariant: it ends the loop.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _inputs.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var now = NowMs;
            for (var handled = 0; handled < InputsPerTurnMax && reader.TryRead(out var input); handled++)
            {
                Handle(input, now);
            }

            Dispatch(now);
        }
    }

    /// <summary>Runs the loop on a thread of its own, so the core never shares one with socket work.</summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () => RunAsync(cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default).Unwrap();

    private void Handle(in NodeInput input, long now)
    {
        switch (input.Kind)
        {
            case NodeInputKind.Request:
                var token = ++_nextToken;
                _routes.Add(token, new ReplyRoute(input.Sink!, input.RequestId, input.Opcode, input.Request is ClientCommand { ReturnContext: true }));
                _pendingReplies = _routes.Count;
                _core.OnRequest(token, input.Request!, now);
                break;
            case NodeInputKind.Response:
                _core.OnResponse(input.From, input.OperationId, input.Response!, now);
                break;
            case NodeInputKind.Info:
                input.Sink!.Enqueue(new OutboundReply(input.RequestId, ReplyKind.Payload, Opcode.Info, Payload: InfoPayload()));
                break;
            default:
                Volatile.Write(ref _tickQueued, 0);
                _core.OnTick(now);
                _storage.OnTick(now);
                if (now - _lastSweepMs >= ServerLimits.PeerSweepIntervalMs)
                {
                    _lastSweepMs = now;
                    _links.CollectOverdue(now, _failures);
                }

                if (now - _lastMembershipCheckMs >= ServerLimits.MembershipCheckIntervalMs)
                {
                    _lastMembershipCheckMs = now;
                    FollowMembership();
                }

                break;
        }
    }

    /// <summary>Carries out the core's effects until it has none left (a refused send is answered in the same turn).</summary>
    private void Dispatch(long now)
    {
        while (true)
        {
            foreach (var failure in _failures)
            {
                _core.OnResponse(failure.From, failure.OperationId, failure.Response, now);
            }

            _failures.Clear();
            _core.DrainEffects(_effects);
            if (_effects.Count == 0)
            {
                return;
            }

            if (!_storage.SyncBatch(now))
            {
                WithholdBatch(_storage.Failure ?? "the fsync failed");
            }

            foreach (var effect in _effects)
            {
                Carry(effect, now);
            }

            _effects.Clear();
        }
    }

    /// <summary>
    /// The batch's fsync failed: none of its effects may leave. Replies become StorageFailed errors (a replica write
    /// answered so is a failed replica for its coordinator) and sends fail at once, as an unreachable peer would.
    /// </summary>
    private void WithholdBatch(string reason)
    {
        var message = "The node's storage failed: " + reason;
        for (var i = 0; i < _effects.Count; i++)
        {
            switch (_effects[i])
            {
                case Reply reply:
                    _effects[i] = reply with
                    {
                        Response = new ClientResult(ClientStatus.StorageFailed, null, Engine.Versions.CausalContext.Empty, 0, 0, message),
                    };
                    break;
                case Send send:
                    _failures.Add(new PeerResponse(send.To, send.OperationId, new PeerFailure("Not sent: " + message)));
                    _effects.RemoveAt(i--);
                    break;
                case SendToAddress send:
                    _failures.Add(new PeerResponse(default, send.OperationId, new PeerFailure("Not sent: " + message)));
                    _effects.RemoveAt(i--);
                    break;
            }
        }
    }

    private void Carry(NodeEffect effect, long now)
    {
        switch (effect)
        {
            case Reply reply:
                if (_routes.Remove(reply.ReplyToken, out var route))
                {
                    _pendingReplies = _routes.Count;
                    if (reply.Response is ClientResult { Status: ClientStatus.TooLarge, Message: { } refusal })
                    {
                        Log.RefusedTooLarge(_logger, route.Opcode, refusal);
                    }

                    route.Sink.Enqueue(new OutboundReply(
                        route.RequestId, ReplyKind.Response, route.Opcode, route.ReturnContext, reply.Response));
                }

                break;
            case Send send:
                var deadline = now + DeadlineMs(send.Request) + ServerLimits.PeerDeadlineSlackMs;
                if (!_links.TrySend(send.To, send.OperationId, send.Request, deadline, out var reason))
                {
                    _failures.Add(new PeerResponse(send.To, send.OperationId, new PeerFailure(reason)));
                }

                break;
            case SendToAddress send:
                var seedDeadline = now + DeadlineMs(send.Request) + ServerLimits.PeerDeadlineSlackMs;
                if (!_links.TrySendToAddress(send.Address, send.OperationId, send.Request, seedDeadline, out var why))
                {
                    _failures.Add(new PeerResponse(default, send.OperationId, new PeerFailure(why)));
                }

                break;
        }
    }

    /// <summary>The longest the core can wait for this request: its own timeout, or its bucket's.</summary>
    private int DeadlineMs(NodeRequest request)
    {
        if (request is TreeCompare or KeysCompare)
        {
            return ServerLimits.AntiEntropyPeerTimeoutMs;
        }

        var options = _core.Options;
        var bucket = request switch
        {
            ClientCommand command => command.Bucket,
            ReplicaRead read => read.Bucket,
            ReplicaWrite write => write.Bucket,
            HintedWrite hinted => hinted.Bucket,
            _ => [],
        };
        var props = options.Buckets.Count > 0 && options.Buckets.TryGetValue(Encoding.UTF8.GetString(bucket), out var named)
            ? named
            : options.Defaults;
        return request switch
        {
            ClientCommand { TimeoutMs: > 0 } c => Math.Max(c.TimeoutMs, props.TimeoutMs),
            Gossip => options.GossipIntervalMs,
            _ => props.TimeoutMs,
        };
    }

    /// <summary>
    /// Follows the core's member list: a link for every member whose address is known, and a new ClusterInfo reply
    /// when the core's ring changed (members learned by gossip) or a member's address did (a node back on another
    /// port), so drivers route by the ring the nodes use, to the addresses they listen on now.
    /// </summary>
    private void FollowMembership()
    {
        var members = _core.Members;
        var addresses = new Dictionary<NodeId, string>(_staticAddresses);
        foreach (var member in members)
        {
            if (member.Address.Length == 0)
            {
                continue;
            }

            addresses[member.Node] = member.Address;
            if (member.Node != _core.Options.Self
                && Options.OptionsParser.TryParseEndpoint(member.Address, allowAnyPort: false, out var endpoint, out _))
            {
                _links.Ensure(member.Node, endpoint);
            }
        }

        var ring = _core.Ring;
        if (ReferenceEquals(ring, _publishedRing) && SameAddresses(addresses, _publishedAddresses))
        {
            return;
        }

        var payload = Hosting.NodeHost.ClusterInfoPayload(_core.Options.Defaults, ring, addresses);
        if (payload is not null)
        {
            _status.PublishClusterInfo(payload);
            _publishedRing = ring;
            _publishedAddresses = addresses;
        }
    }

    private static bool SameAddresses(Dictionary<NodeId, string> current, Dictionary<NodeId, string>? published)
    {
        if (published is null || published.Count != current.Count)
        {
            return false;
        }

        foreach (var (node, address) in current)
        {
            if (!published.TryGetValue(node, out var before) || !string.Equals(before, address, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The Info reply: one <c>field:value</c> per line (docs/SERVER.md lists the fields).</summary>
    private byte[] InfoPayload()
    {
        var stats = _core.Stats;
        var options = _core.Options;
        var text = new StringBuilder(512);
        void Line<T>(string field, T value)
            where T : IFormattable =>
            text.Append(field).Append(':').Append(value.ToString(null, CultureInfo.InvariantCulture)).Append('\n');
        text.Append("node:").Append(options.Self.Value).Append('\n');
        text.Append("address:").Append(_status.Address).Append('\n');
        text.Append("ready:").Append(IsReady() ? '1' : '0').Append('\n');
        Line("epoch", options.Epoch);
        Line("partitions", _core.Ring.PartitionCount);
        Line("partitions_owned", _core.Ring.CountOwnedBy(options.Self));
        Line("keys", _store.KeyCount);
        _storage.AppendInfo(text);
        Line("clients", _status.OpenConnections);
        Line("peers_connected", _links.ConnectedCount);
        Line("gets", stats.Gets);
        Line("puts", stats.Puts);
        Line("deletes", stats.Deletes);
        Line("forwarded", stats.Forwarded);
        Line("read_repairs", stats.ReadRepairs);
        Line("quorum_failures", stats.QuorumFailures);
        Line("timeouts", stats.Timeouts);
        Line("overloads", stats.Overloads);
        Line("writes_refused_too_large", stats.WritesRefusedTooLarge);
        Line("merges_refused_too_large", stats.MergesRefusedTooLarge);
        Line("repairs_skipped_too_large", stats.RepairsSkippedTooLarge);
        Line("operations_in_flight", stats.OperationsInFlight);
        AppendAntiEntropyInfo(Line, stats);
        AppendMembership(text);
        Line("uptime_ms", NowMs);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var reply = new InfoReply(bytes.Length <= ProtocolLimits.InfoBytesMax ? bytes : bytes[..ProtocolLimits.InfoBytesMax]);
        var payload = new byte[reply.Length];
        reply.WriteTo(payload);
        return payload;
    }

    /// <summary>
    /// Whether the node can serve quorum requests now (Info's <c>ready</c>): for the default bucket and every named
    /// one, each partition's preference list holds at least max(R, W) nodes the node can reach among the first N it
    /// would use (primaries, then fallbacks for those believed down, as sloppy quorum picks them). Reachable: the node
    /// itself, and a peer whose link is connected and whom the failure detector believes up. A ring with fewer members
    /// than N is not ready.
    /// </summary>
    private bool IsReady()
    {
        var ring = _core.Ring;
        var options = _core.Options;
        var shift = 64 - System.Numerics.BitOperations.Log2((uint)ring.PartitionCount);
        foreach (var props in options.Buckets.Values.Prepend(options.Defaults))
        {
            var need = Math.Max(props.R, props.W);
            for (var partition = 0; partition < ring.PartitionCount; partition++)
            {
                if (!ring.TryGetPreferenceList((ulong)partition << shift, props.N, out var list)
                    || Reachable(list.Primaries, list.Fallbacks, props.N) < need)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>How many of the first <paramref name="n"/> live nodes of a preference list this node can reach.</summary>
    private int Reachable(ReadOnlySpan<NodeId> primaries, ReadOnlySpan<NodeId> fallbacks, int n)
    {
        var reachable = 0;
        var missing = 0;
        foreach (var node in primaries)
        {
            if (CanReach(node))
            {
                reachable++;
            }
            else
            {
                missing++;
            }
        }

        for (var i = 0; i < fallbacks.Length && missing > 0; i++)
        {
            if (CanReach(fallbacks[i]))
            {
                reachable++;
                missing--;
            }
        }

        return Math.Min(reachable, n);
    }

    private bool CanReach(NodeId node) =>
        node == _core.Options.Self || (_core.IsUp(node) && _links.Links.TryGetValue(node, out var link) && link.IsConnected);

    /// <summary>
    /// The anti-entropy lines of Info. The core keeps the time of the last exchange on its monotonic clock (-1 before
    /// any); operators want wall-clock time, so it is shifted by the distance between the two clocks now.
    /// </summary>
    private void AppendAntiEntropyInfo(Action<string, long> line, NodeStats stats)
    {
        line("ae_exchanges", stats.AntiEntropyExchanges);
        line("ae_exchanges_failed", stats.AntiEntropyExchangesFailed);
        line("ae_differences", stats.AntiEntropyDifferences);
        line("ae_keys_repaired", stats.AntiEntropyKeysRepaired);
        var last = stats.AntiEntropyLastExchangeMs;
        line("ae_last_exchange_unix_ms", last < 0 ? 0 : _time.GetUtcNow().ToUnixTimeMilliseconds() - (NowMs - last));
    }

    /// <summary>
    /// The membership and hint fields of the Info reply: the member counts, one <c>member.&lt;id&gt;</c> line per member
    /// (<c>address up|down epoch heartbeat</c>), the hints pending in total and per target, and the hint counters.
    /// </summary>
    private void AppendMembership(StringBuilder text)
    {
        var stats = _core.Stats;
        var members = _core.Members;
        void Line(string field, long value) =>
            text.Append(field).Append(':').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Line("members", members.Length);
        Line("members_up", stats.MembersUp);
        Line("members_down", stats.MembersDown);
        foreach (var member in members)
        {
            var up = member.Node == _core.Options.Self || _core.IsUp(member.Node);
            text.Append("member.").Append(member.Node.Value).Append(':')
                .Append(member.Address.Length > 0 ? member.Address : _staticAddresses.GetValueOrDefault(member.Node, "-"))
                .Append(up ? " up " : " down ")
                .Append(member.Epoch.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(member.Heartbeat.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var hints = _storage.Hints;
        long pending = 0;
        foreach (var target in hints.Targets)
        {
            pending += hints.PendingFor(target);
        }

        Line("hints_pending", pending);
        foreach (var target in hints.Targets.OrderBy(t => t))
        {
            Line("hints_pending." + target.Value, hints.PendingFor(target));
        }

        Line("hints_stored", stats.HintsStored);
        Line("hints_kept_by_coordinator", stats.HintsKeptByCoordinator);
        Line("hints_delivered", stats.HintsDelivered);
        Line("hints_refused", stats.HintsRefused);
        Line("hint_delivery_failures", stats.HintDeliveryFailures);
        Line("gossip_rounds", stats.GossipRounds);
    }

    private readonly record struct ReplyRoute(IReplySink Sink, ulong RequestId, Opcode Opcode, bool ReturnContext);
}

/// <summary>A response for the core from a peer (or the shell's failure in its name).</summary>
internal readonly record struct PeerResponse(NodeId From, ulong OperationId, NodeResponse Response);
