using System.Threading.Channels;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Dynamo.Server.Addresses;
using Dynamo.Server.Options;
using Dynamo.Server.Peers;
using Dynamo.Server.Storage;
using Dynamo.Server.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dynamo.Server.Node;

/// <summary>
/// The one thread of execution that drives the <see cref="NodeCore"/>, and the server's side of its
/// <see cref="NodeTurn"/>. Connections, peer links and the ticker post inputs to a bounded queue; the loop feeds a
/// batch of them to the core, then completes the turn: the core's <see cref="Persist"/> is the group commit (in
/// <see cref="DurabilityMode.Always"/> one fsync for the batch, before any of its effects leaves), a
/// <see cref="Reply"/> goes to the connection its request came on (by reply token), a <see cref="Send"/> to the peer
/// link of its node. What the turn does when the fsync fails, or a link refuses a send, is the turn's, shared with
/// every simulation (Engine/Cluster/NodeTurn.cs).
/// </summary>
internal sealed class NodeLoop : INodeShell, IPeerInbox
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
    private readonly List<PeerResponse> _overdue = [];
    private readonly NodeTurn _turn;
    private readonly NodeInfo _info;
    private readonly IReadOnlyDictionary<NodeId, string> _staticAddresses;
    private readonly ILogger _logger;
    private ulong _nextToken;
    private int _tickQueued;
    private long _lastSweepMs;
    private long _nowMs;
    private long _lastMembershipCheckMs = -ServerLimits.MembershipCheckIntervalMs;
    private Engine.Placement.Ring? _publishedRing;
    private Engine.Membership.RingState? _keptRing;
    private long _keptBuckets = -1;
    private Dictionary<NodeId, string>? _publishedAddresses;
    private long _publishedBuckets = -1;

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
        _turn = new NodeTurn(core, this);
        _info = new NodeInfo(core, storage, links, status, time, _staticAddresses);
    }

    /// <summary>Milliseconds since the loop was created, from the monotonic clock.</summary>
    public long NowMs => (long)_time.GetElapsedTime(_start).TotalMilliseconds;

    /// <inheritdoc/>
    bool IPeerInbox.TryPost(in PeerResponse response) =>
        _inputs.Writer.TryWrite(NodeInput.ForResponse(response.From, response.OperationId, response.Response));

    /// <inheritdoc/>
    ValueTask IPeerInbox.PostAsync(PeerResponse response, CancellationToken cancellationToken) =>
        _inputs.Writer.WriteAsync(NodeInput.ForResponse(response.From, response.OperationId, response.Response), cancellationToken);

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
            var now = _nowMs = NowMs;
            for (var handled = 0; handled < InputsPerTurnMax && reader.TryRead(out var input); handled++)
            {
                Handle(input, now);
            }

            _turn.Complete(now);
            KeepRing();
        }
    }

    /// <summary>
    /// When the ring in force (logged) or the bucket table changed in this turn: both are kept in the data directory.
    /// </summary>
    private void KeepRing()
    {
        var state = _core.RingState;
        var buckets = _core.BucketsRevision;
        if (ReferenceEquals(state, _keptRing) && buckets == _keptBuckets)
        {
            return;
        }

        if (!ReferenceEquals(state, _keptRing))
        {
            Log.RingChanged(_logger, state.ToString(), Claimant(state.Ring));
        }

        _keptRing = state;
        _keptBuckets = buckets;
        if (!_storage.KeepClusterState(state, _core.Buckets, out var failure))
        {
            Log.RingFileFailed(_logger, failure ?? "unknown");
        }
    }

    private string Claimant(Engine.Placement.Ring ring)
    {
        foreach (var member in ring.Members)
        {
            if (_core.IsUp(member))
            {
                return member.Value;
            }
        }

        return "none";
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
                _core.OnRequest(token, input.Request!, now);
                break;
            case NodeInputKind.Response:
                _core.OnResponse(input.From, input.OperationId, input.Response!, now);
                break;
            case NodeInputKind.Info:
                input.Sink!.Enqueue(new OutboundReply(input.RequestId, ReplyKind.Payload, Opcode.Info, Payload: _info.Payload(now)));
                break;
            default:
                Volatile.Write(ref _tickQueued, 0);
                _core.OnTick(now);
                _storage.OnTick(now);
                if (now - _lastSweepMs >= ServerLimits.PeerSweepIntervalMs)
                {
                    _lastSweepMs = now;
                    _links.CollectOverdue(now, _overdue);
                    foreach (var overdue in _overdue)
                    {
                        _core.OnResponse(overdue.From, overdue.OperationId, overdue.Response, now);
                    }

                    _overdue.Clear();
                }

                if (now - _lastMembershipCheckMs >= ServerLimits.MembershipCheckIntervalMs)
                {
                    _lastMembershipCheckMs = now;
                    FollowMembership();
                }

                break;
        }
    }

    /// <inheritdoc/>
    PersistOutcome INodeShell.Persist(PersistStores stores, out string? reason)
    {
        if (_storage.SyncBatch(_nowMs))
        {
            reason = null;
            return PersistOutcome.Done;
        }

        reason = _storage.Failure ?? "the fsync failed";
        return PersistOutcome.Failed;
    }

    /// <inheritdoc/>
    bool INodeShell.TrySend(Send send, out string reason) =>
        _links.TrySend(send.To, send.OperationId, send.Request, send.DeadlineMs + ServerLimits.PeerDeadlineSlackMs, out reason);

    /// <inheritdoc/>
    bool INodeShell.TrySend(SendToAddress send, out string reason) =>
        _links.TrySendToAddress(send.Address, send.OperationId, send.Request, send.DeadlineMs + ServerLimits.PeerDeadlineSlackMs, out reason);

    /// <inheritdoc/>
    void INodeShell.Reply(Reply reply)
    {
        if (!_routes.Remove(reply.ReplyToken, out var route))
        {
            return;
        }

        if (reply.Response is ClientResult { Status: ClientStatus.TooLarge, Message: { } refusal })
        {
            Log.RefusedTooLarge(_logger, route.Opcode, refusal);
        }

        route.Sink.Enqueue(new OutboundReply(route.RequestId, ReplyKind.Response, route.Opcode, route.ReturnContext, reply.Response));
    }

    /// <summary>
    /// Follows the core's member list: a link for every member whose address is known, and a new ClusterInfo reply
    /// when the core's ring changed (members learned by gossip), a member's address did (a node back on another
    /// port) or the bucket table did, so drivers route by the ring and bucket N the nodes use, to the addresses they
    /// listen on now.
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
                && HostPort.TryParse(member.Address, allowAnyPort: false, out var endpoint, out _))
            {
                _links.Ensure(member.Node, endpoint);
            }
        }

        var ring = _core.Ring;
        var buckets = _core.BucketsRevision;
        if (ReferenceEquals(ring, _publishedRing) && SameAddresses(addresses, _publishedAddresses) && buckets == _publishedBuckets)
        {
            return;
        }

        var payload = ClusterInfoWire.Payload(_core.Options.Defaults, ring, addresses, _core.Buckets);
        if (payload is not null)
        {
            _status.PublishClusterInfo(payload);
            _publishedRing = ring;
            _publishedAddresses = addresses;
            _publishedBuckets = buckets;
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

    private readonly record struct ReplyRoute(IReplySink Sink, ulong RequestId, Opcode Opcode, bool ReturnContext);
}
