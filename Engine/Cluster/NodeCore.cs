using System.Collections.Immutable;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Coordination;
using Dynamo.Engine.Handoff;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Replicas;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// The request logic of one node as a deterministic state machine (the etcd raft <c>Ready</c> shape, Riak's
/// <c>*_core</c> modules): the shell feeds it requests, responses and ticks, and carries out the effects it drains,
/// through <see cref="NodeTurn"/>. No clock, randomness, threads or I/O; not thread-safe (one node loop drives it).
/// </summary>
/// <remarks>
/// The core is a router over features, each a state machine in its own folder with its state, messages and rules:
/// <see cref="Coordinator"/> (gets, puts, deletes: <c>Engine/Coordination</c>), <see cref="AntiEntropyService"/>
/// (<c>Engine/AntiEntropy</c>), <see cref="HintedHandoff"/> (<c>Engine/Handoff</c>) and <see cref="ClusterMembership"/>
/// (<c>Engine/Membership</c>), over this node's own copies (<see cref="LocalReplica"/>, <c>Engine/Replicas</c>). A
/// request goes to the feature its type belongs to; a response goes to the feature whose tag its operation id carries
/// (<see cref="OperationId"/>). A new feature is a new folder, a tag, and a line in each switch below.
/// </remarks>
public sealed class NodeCore
{
    private readonly NodeContext _context;
    private readonly LocalReplica _replica;
    private readonly ClusterMembership _membership;
    private readonly Coordinator _coordinator;
    private readonly AntiEntropyService _antiEntropy;
    private readonly HintedHandoff _handoff;

    /// <summary>Creates the core of a node that keeps hints in memory (an <see cref="InMemoryHintStore"/>).</summary>
    /// <exception cref="ArgumentException">The options are incomplete or out of range.</exception>
    public NodeCore(NodeOptions options, IReplicaStore store)
        : this(options, store, new InMemoryHintStore())
    {
    }

    /// <summary>Creates the core of a node.</summary>
    /// <param name="options">The node's configuration.</param>
    /// <param name="store">The node's replicas.</param>
    /// <param name="hints">Where the node keeps hints for primaries believed down (docs/CLUSTER.md § Sloppy quorum);
    /// the same store after a restart, so hints accepted before it are still delivered.</param>
    /// <exception cref="ArgumentException">The options are incomplete or out of range.</exception>
    public NodeCore(NodeOptions options, IReplicaStore store, IHintStore hints)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(hints);
        ArgumentNullException.ThrowIfNull(options.Ring);
        ArgumentNullException.ThrowIfNull(options.Defaults);
        ArgumentNullException.ThrowIfNull(options.Buckets);
        if (options.Self.IsDefault)
        {
            throw new ArgumentException("The node's own id (Self) is not set.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.OperationsInFlightMax, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.OperationsInFlightMax, Limits.OperationsInFlightMax, nameof(options));
        _context = new NodeContext(options);
        _replica = new LocalReplica(_context, store, hints);
        _membership = new ClusterMembership(_context);
        _coordinator = new Coordinator(_context, _membership, _replica);
        _antiEntropy = new AntiEntropyService(_context, _membership, _replica);
        _handoff = new HintedHandoff(_context, _membership, _replica);
    }

    /// <summary>The node's configuration.</summary>
    public NodeOptions Options => _context.Options;

    /// <summary>The node's counters.</summary>
    public NodeStats Stats => _context.Stats;

    /// <summary>
    /// The ring that places keys now: the ring in force as cluster state, which gossip spreads and only the claimant
    /// changes (docs/CLUSTER.md § The ring).
    /// </summary>
    public Ring Ring => _membership.Ring;

    /// <summary>The ring in force and its version; a shell keeps it across restarts (<see cref="NodeOptions.RingVersion"/>).</summary>
    public RingState RingState => _membership.RingState;

    /// <summary>
    /// A snapshot of the members this node knows (itself included), sorted by id, with the status its failure
    /// detector believes and the address each advertises (empty when not learned yet).
    /// </summary>
    public ImmutableArray<MemberState> Members => _membership.Members;

    /// <summary>Where this node keeps hints for other nodes (for the shell's Info reply: pending hints per target).</summary>
    public IHintStore Hints => _replica.Hints;

    /// <summary>Sends whose response is still awaited (for tests: finished operations leave none behind).</summary>
    internal int PendingSendCount => _coordinator.PendingSends;

    /// <summary>Hint deliveries whose answer is awaited (for tests: bounded by the option).</summary>
    internal int DeliveriesInFlight => _handoff.DeliveriesInFlight;

    /// <summary>
    /// The cluster's bucket table as this node holds it, sorted by name (docs/CLUSTER.md § Bucket properties): seeded
    /// from <see cref="NodeOptions.Buckets"/>, changed by <see cref="SetBucketProps"/>, merged by gossip.
    /// </summary>
    public ImmutableArray<BucketEntry> Buckets => _context.Buckets.Snapshot;

    /// <summary>Goes up whenever <see cref="Buckets"/> changes (for a shell that republishes it).</summary>
    public long BucketsRevision => _context.Buckets.Revision;

    /// <summary>Whether this node believes <paramref name="node"/> up (itself always; unknown nodes never).</summary>
    public bool IsUp(NodeId node) => _membership.IsUp(node);

    /// <summary>
    /// The failure detector's phi of <paramref name="node"/> at <paramref name="nowMs"/> (docs/CLUSTER.md § Failure
    /// detection): 0 just after a heartbeat, growing with the silence since; 0 for this node and unknown nodes.
    /// </summary>
    public double Phi(NodeId node, long nowMs) => _membership.Phi(node, nowMs);

    /// <summary>
    /// A request arrived (from a client, or from a peer). The core answers with a <see cref="Reply"/> effect carrying
    /// <paramref name="replyToken"/>, maybe much later.
    /// </summary>
    /// <exception cref="ArgumentException">The request is of a kind the core does not know (a shell bug).</exception>
    public void OnRequest(ulong replyToken, NodeRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        Advance(nowMs);
        switch (request)
        {
            case ClientCommand command:
                _coordinator.OnClientCommand(replyToken, command, nowMs);
                break;
            case ReplicaRead read:
                Reply(replyToken, _replica.OnReplicaRead(read));
                break;
            case ReplicaWrite write:
                Reply(replyToken, _replica.OnReplicaWrite(write.Bucket, write.Key, write.Set));
                break;
            case HintedWrite hinted:
                Reply(replyToken, _handoff.OnHintedWrite(hinted));
                break;
            case TreeCompare or KeysCompare or RepairCommand:
                _antiEntropy.OnRequest(replyToken, request, nowMs);
                break;
            case Gossip gossip:
                Reply(replyToken, _membership.OnGossip(gossip, nowMs));
                break;
            case SetBucketProps set:
                Reply(replyToken, SetBucket(set));
                break;
            default:
                throw new ArgumentException($"Unknown request {request.GetType().Name}.", nameof(request));
        }
    }

    /// <summary>
    /// The response to the <see cref="Send"/> (or <see cref="SendToAddress"/>) with <paramref name="operationId"/>,
    /// sent to <paramref name="from"/>: the decoded reply, or a <see cref="PeerFailure"/>. It goes to the feature that
    /// sent it; responses for finished operations are counted and ignored. Any answer but a failure is news that the
    /// peer is up (docs/CLUSTER.md § Failure detection).
    /// </summary>
    public void OnResponse(NodeId from, ulong operationId, NodeResponse response, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(response);
        Advance(nowMs);
        if (response is not PeerFailure && !from.IsDefault)
        {
            _membership.ReportAnswer(from, nowMs);
        }

        var awaited = OperationId.FeatureOf(operationId) switch
        {
            Feature.Coordination => _coordinator.OnResponse(from, operationId, response, nowMs),
            Feature.AntiEntropy => _antiEntropy.OnResponse(operationId, response, nowMs),
            Feature.Membership => _membership.OnResponse(from, operationId, response, nowMs),
            Feature.Handoff => _handoff.OnResponse(operationId, response, nowMs),
            _ => false,
        };
        if (!awaited)
        {
            // A late answer (its operation finished) or one nobody waits for (a repair): a failure still counts.
            if (response is PeerFailure && !from.IsDefault && OperationId.FeatureOf(operationId) != Feature.Coordination)
            {
                _membership.ReportFailure(from);
            }

            Stats.LateResponses++;
        }
    }

    /// <summary>
    /// Time passes: the failure detector applies its timeout and gossip runs its rounds, hinted handoff delivers,
    /// operations whose deadline passed end (Timeout, or read repair), and anti-entropy runs on its schedule.
    /// </summary>
    public void OnTick(long nowMs)
    {
        Advance(nowMs);
        _membership.Tick(nowMs);
        _handoff.Tick(nowMs);
        _coordinator.Tick(nowMs);
        _antiEntropy.Tick(nowMs);
    }

    /// <summary>
    /// Appends the pending effects to <paramref name="into"/> and clears them: a <see cref="Persist"/> first when the
    /// stores took writes since the last drain (no other effect may leave before they are durable), then the others
    /// in the order they arose. <see cref="NodeTurn"/> carries them out.
    /// </summary>
    public void DrainEffects(List<NodeEffect> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        _context.Drain(into);
    }

    /// <summary>Core time moves forward only (turn ordering: an input never comes from the past).</summary>
    private void Advance(long nowMs)
    {
        Invariant.Check(nowMs >= _context.NowMs);
        _context.NowMs = nowMs;
    }

    private NodeResponse SetBucket(SetBucketProps set)
    {
        var error = _context.Buckets.TrySet(set.Name, set.N, set.R, set.W, set.TimeoutMs, out var entry);
        if (error is not null)
        {
            Stats.BadRequests++;
            return new ClientResult(ClientStatus.BadRequest, null, CausalContext.Empty, 0, 0, error);
        }

        return new BucketPropsResult(entry!);
    }

    private void Reply(ulong replyToken, NodeResponse response) => _context.Emit(new Reply(replyToken, response));
}
