using System.Globalization;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;

namespace Dynamo.Simulation.Tests;

/// <summary>How a stopped node looks to its peers.</summary>
internal enum StopKind
{
    /// <summary>Connections are refused: a request fails with <see cref="PeerFailure"/> after a round trip.</summary>
    Refused,

    /// <summary>Requests vanish without an answer (a hung process or a partition): only deadlines end them.</summary>
    Silent,
}

/// <summary>One node of a <see cref="GossipCluster"/>: its core, durable parts (store, hint store) and routes.</summary>
internal sealed class GossipNode(NodeOptions options, IReplicaStore store, IHintStore hints)
{
    public NodeOptions Options { get; } = options;

    public NodeId Id => Options.Self;

    public NodeCore Core { get; set; } = new(options, store, hints);

    public IReplicaStore Store { get; } = store;

    public IHintStore Hints { get; } = hints;

    public StopKind? Stopped { get; set; }

    /// <summary>The node's turn (the one the server runs), made again when the core is replaced.</summary>
    public NodeTurn? Turn { get; set; }

    public Dictionary<ulong, object> Routes { get; } = [];

    public ulong LastToken { get; set; }
}

/// <summary>
/// A small deterministic cluster for membership, failure detection and hinted handoff: simulated time (events by
/// time, then insertion order), one seeded generator for network delays, nodes addressed by id or by address (for
/// seeds), silent or refusing stopped nodes, and restarts that keep a node's store and hint store. Unlike
/// <see cref="Simulation"/>, each node starts with the membership options the test gives it.
/// </summary>
internal sealed class GossipCluster
{
    public const long TickMs = 5;

    private readonly PriorityQueue<Action, (long TimeMs, long Sequence)> _events = new();
    private readonly Dictionary<NodeId, GossipNode> _nodes = [];
    private readonly Dictionary<string, NodeId> _addresses = [];
    private readonly Random _random;
    private long _sequence;

    private readonly ulong _seed;
    private readonly int _partitions;
    private readonly Func<NodeOptions, NodeOptions>? _configure;

    private GossipCluster(ulong seed, int partitions, Func<NodeOptions, NodeOptions>? configure)
    {
        _random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        _seed = seed;
        _partitions = partitions;
        _configure = configure;
    }

    public const int Partitions = 64;

    public long NowMs { get; private set; }

    public List<NodeId> NodeIds { get; } = [];

    /// <summary>Messages this rule matches are lost.</summary>
    public Func<Message, bool>? DropRule { get; set; }

    public GossipNode this[NodeId id] => _nodes[id];

    public GossipNode this[int index] => _nodes[NodeIds[index]];

    public IEnumerable<GossipNode> Nodes => NodeIds.Select(id => _nodes[id]);

    public static string AddressOf(NodeId id) => $"{id}.cluster.test:7000";

    /// <summary>A cluster whose nodes all start knowing each other (a static <c>--peers</c> configuration).</summary>
    public static GossipCluster Static(
        ulong seed, int count, Func<NodeOptions, NodeOptions>? configure = null, Func<IHintStore>? newHints = null, int partitions = Partitions)
    {
        var cluster = new GossipCluster(seed, partitions, configure);
        var ids = Enumerable.Range(1, count).Select(i => NodeId.Parse($"n{i}")).ToArray();
        var ring = Ring.Create(ids, partitions);
        foreach (var id in ids)
        {
            cluster.Add(Options(id, ring, [], seed, configure), newHints);
        }

        return cluster;
    }

    /// <summary>A cluster whose nodes start knowing only themselves and the address of the first node (the seed).</summary>
    public static GossipCluster FromSeed(ulong seed, int count, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var cluster = new GossipCluster(seed, Partitions, configure);
        var ids = Enumerable.Range(1, count).Select(i => NodeId.Parse($"n{i}")).ToArray();
        foreach (var id in ids)
        {
            cluster.Add(Options(id, Ring.Create([id], Partitions), [AddressOf(ids[0])], seed, configure), null);
        }

        return cluster;
    }

    /// <summary>
    /// Starts a new node, as <c>dynamo-server --seeds</c> on a fresh data directory does: it knows only itself (a ring
    /// of its own at version 0) and the addresses of <paramref name="seeds"/>, and joins the cluster by gossip.
    /// </summary>
    public GossipNode Join(NodeId id, params NodeId[] seeds)
    {
        Add(Options(id, Ring.Create([id], _partitions), [.. seeds.Select(AddressOf)], _seed, _configure), null);
        return _nodes[id];
    }

    public void Stop(NodeId id, StopKind kind) => _nodes[id].Stopped = kind;

    public void Resume(NodeId id) => _nodes[id].Stopped = null;

    /// <summary>
    /// The node's process restarts: a new core over the same store, hint store and ring state (the server keeps the
    /// ring in its data directory); requests in flight are lost.
    /// </summary>
    public void Restart(NodeId id)
    {
        var node = _nodes[id];
        node.Routes.Clear();
        var ring = node.Core.RingState;
        node.Core = new NodeCore(node.Options with { Ring = ring.Ring, RingVersion = ring.Version }, node.Store, node.Hints);
    }

    public ClientCall Submit(NodeId node, ClientCommand command)
    {
        var call = new ClientCall(node, command, NowMs);
        Schedule(Delay(), () =>
        {
            var target = _nodes[node];
            if (target.Stopped is not null)
            {
                Complete(call, new ClientResult(ClientStatus.Unavailable, null, CausalContext.Empty, 0, 0, "connection refused"));
                return;
            }

            var token = ++target.LastToken;
            target.Routes.Add(token, call);
            target.Core.OnRequest(token, command, NowMs);
            Carry(target);
        });
        return call;
    }

    public ClientCall Execute(NodeId node, ClientCommand command)
    {
        var call = Submit(node, command);
        if (!RunUntil(() => call.Done, 60_000))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No reply by {NowMs} ms."));
        }

        return call;
    }

    /// <summary>Hands a request to a node now (as a client would) and returns the core's answer, given in the same turn.</summary>
    public NodeResponse Request(NodeId id, NodeRequest request)
    {
        var node = _nodes[id];
        NodeResponse? answer = null;
        var token = ++node.LastToken;
        node.Routes.Add(token, (Action<NodeResponse>)(response => answer = response));
        node.Core.OnRequest(token, request, NowMs);
        Carry(node);
        return answer ?? throw new InvalidOperationException($"{id} did not answer {request} in its turn.");
    }

    public bool RunUntil(Func<bool> condition, long limitMs)
    {
        var end = NowMs + limitMs;
        while (!condition())
        {
            if (!_events.TryPeek(out _, out var due) || due.TimeMs > end)
            {
                NowMs = Math.Max(NowMs, end);
                return false;
            }

            NowMs = due.TimeMs;
            _events.Dequeue()();
        }

        return true;
    }

    public void RunFor(long durationMs) => RunUntil(() => false, durationMs);

    private static NodeOptions Options(NodeId id, Ring ring, string[] seeds, ulong seed, Func<NodeOptions, NodeOptions>? configure)
    {
        var options = new NodeOptions(id, 1, ring, BucketProps.Default, new Dictionary<string, BucketProps>())
        {
            GossipEnabled = true,
            Address = AddressOf(id),
            Seeds = seeds,
            Random = new Random(unchecked((int)seed + id.Value.Aggregate(17, (h, c) => (h * 31) + c))),
        };
        return configure?.Invoke(options) ?? options;
    }

    private void Add(NodeOptions options, Func<IHintStore>? newHints)
    {
        var node = new GossipNode(options, new InMemoryReplicaStore(), newHints?.Invoke() ?? new InMemoryHintStore());
        _nodes.Add(node.Id, node);
        _addresses.Add(options.Address, node.Id);
        NodeIds.Add(node.Id);
        ScheduleTick(node.Id, 1 + (NodeIds.Count % (int)TickMs));
    }

    private void ScheduleTick(NodeId id, long afterMs) =>
        Schedule(afterMs, () =>
        {
            var node = _nodes[id];
            if (node.Stopped is null)
            {
                node.Core.OnTick(NowMs);
                Carry(node);
            }

            ScheduleTick(id, TickMs);
        });

    private void Schedule(long afterMs, Action action) => _events.Enqueue(action, (NowMs + afterMs, _sequence++));

    private int Delay() => _random.Next(1, 11);

    /// <summary>Ends a batch with the node turn the server runs (Engine/Cluster/NodeTurn.cs).</summary>
    private void Carry(GossipNode node)
    {
        if (!ReferenceEquals(node.Turn?.Core, node.Core))
        {
            node.Turn = new NodeTurn(node.Core, new GossipShell(this, node));
        }

        node.Turn!.Complete(NowMs);
    }

    /// <summary>The cluster's side of a node's turn: memory stores (nothing to sync), and its network.</summary>
    private sealed class GossipShell(GossipCluster cluster, GossipNode node) : INodeShell
    {
        public PersistOutcome Persist(PersistStores stores, out string? reason)
        {
            reason = null;
            return PersistOutcome.Done;
        }

        public bool TrySend(Send send, out string reason)
        {
            reason = string.Empty;
            cluster.Transmit(node.Id, send.To, send.OperationId, send.Request, byAddress: false);
            return true;
        }

        public bool TrySend(SendToAddress send, out string reason)
        {
            reason = string.Empty;
            var known = cluster._addresses.TryGetValue(send.Address, out var to);
            Invariant.Check(known);
            cluster.Transmit(node.Id, to, send.OperationId, send.Request, byAddress: true);
            return true;
        }

        public void Reply(Reply reply) => cluster.Answer(node, reply);
    }

    private void Transmit(NodeId from, NodeId to, ulong operationId, NodeRequest request, bool byAddress)
    {
        // A reply to a send by address comes back with a default sender id, as the shell reports it.
        var sender = byAddress ? default : to;
        if (DropRule?.Invoke(new Message(from, to, request)) ?? false)
        {
            return;
        }

        Schedule(Delay(), () =>
        {
            var target = _nodes[to];
            if (target.Stopped == StopKind.Silent)
            {
                return;
            }

            if (target.Stopped == StopKind.Refused)
            {
                Schedule(Delay(), () => Respond(from, sender, operationId, new PeerFailure("connection refused")));
                return;
            }

            var token = ++target.LastToken;
            target.Routes.Add(token, (from, sender, operationId));
            target.Core.OnRequest(token, request, NowMs);
            Carry(target);
        });
    }

    private void Answer(GossipNode node, Reply reply)
    {
        if (!node.Routes.Remove(reply.ReplyToken, out var route))
        {
            return;
        }

        if (route is Action<NodeResponse> sink)
        {
            sink(reply.Response);
            return;
        }

        if (route is ClientCall call)
        {
            Schedule(Delay(), () => Complete(call, (ClientResult)reply.Response));
            return;
        }

        var (coordinator, sender, operationId) = ((NodeId, NodeId, ulong))route;
        if (DropRule?.Invoke(new Message(node.Id, coordinator, reply.Response)) ?? false)
        {
            return;
        }

        Schedule(Delay(), () => Respond(coordinator, sender, operationId, reply.Response));
    }

    private void Respond(NodeId coordinator, NodeId from, ulong operationId, NodeResponse response)
    {
        var node = _nodes[coordinator];
        if (node.Stopped is null)
        {
            node.Core.OnResponse(from, operationId, response, NowMs);
            Carry(node);
        }
    }

    private void Complete(ClientCall call, ClientResult result)
    {
        call.Result = result;
        call.CompletedMs = NowMs;
    }
}
