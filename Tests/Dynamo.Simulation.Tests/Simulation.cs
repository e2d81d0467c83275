using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;

namespace Dynamo.Simulation.Tests;

/// <summary>A message on the simulated network, as drop rules see it.</summary>
/// <param name="From">The sending node.</param>
/// <param name="To">The receiving node.</param>
/// <param name="Payload">A <see cref="NodeRequest"/> or a <see cref="NodeResponse"/>.</param>
internal readonly record struct Message(NodeId From, NodeId To, object Payload);

/// <summary>
/// One node of the simulation: its core, its store, and whether it is down. A durable node keeps its replicas in a
/// <see cref="LogStore"/> and its hints in a <see cref="LogHintStore"/>, each over a <see cref="FaultInjectingMedium"/>
/// (its disks), and an epoch, all of which outlive crashes; the core and the store objects are replaced at each restart.
/// </summary>
internal sealed class SimNode(NodeCore core, IReplicaStore store)
{
    public NodeId Id => Core.Options.Self;

    public NodeCore Core { get; set; } = core;

    public IReplicaStore Store { get; set; } = store;

    /// <summary>True while the node is paused or crashed: connections to it are refused.</summary>
    public bool Stopped { get; set; }

    /// <summary>True from a crash to the restart (the core's state is gone).</summary>
    public bool Crashed { get; set; }

    /// <summary>The node's disk, for a durable node; survives crashes.</summary>
    public FaultInjectingMedium? Medium { get; set; }

    /// <summary>
    /// The node's hints: for a durable node a <see cref="LogHintStore"/> over <see cref="HintMedium"/>, synced in the
    /// same group commit as the replicas, and reopened after a crash; otherwise an <see cref="InMemoryHintStore"/>.
    /// </summary>
    public IHintStore Hints { get; set; } = new InMemoryHintStore();

    /// <summary>The disk of a durable node's hint store; survives crashes.</summary>
    public FaultInjectingMedium? HintMedium { get; set; }

    /// <summary>Hinted keys pending on this node.</summary>
    public long HintCount => Hints switch
    {
        LogHintStore log => log.Count,
        InMemoryHintStore memory => memory.Count,
        _ => Hints.Targets.Sum(Hints.PendingFor),
    };

    /// <summary>The open log store over <see cref="Medium"/>, for a durable node.</summary>
    public LogStore? Log { get; set; }

    /// <summary>The node's durable epoch (the epoch file of Server/Storage/NodeStorage.cs).</summary>
    public uint Epoch { get; set; } = 1;

    /// <summary>The node's turn (the one the server runs), made again when the core is replaced.</summary>
    public NodeTurn? Turn { get; set; }

    /// <summary>The simulation's side of the node's turn.</summary>
    public Simulation.SimShell? Shell { get; set; }

    /// <summary>Advanced by each crash: connections of an earlier incarnation are broken.</summary>
    public int Incarnation { get; set; }

    /// <summary>Set by <see cref="Simulation.CrashDuringNextBatch"/>: the next batch's writes are made, never synced.</summary>
    public bool CrashInNextBatch { get; set; }

    /// <summary>Where each reply token leads: a client call, or a peer's send (coordinator, operation id, incarnation).</summary>
    public Dictionary<ulong, object> Routes { get; } = [];

    public ulong LastToken { get; set; }

    /// <summary>Crashes and restarts of this node so far.</summary>
    public int Restarts { get; set; }

    /// <summary>Restarts that advanced the epoch.</summary>
    public int EpochsAdvanced { get; set; }

    /// <summary>Unsynced bytes lost by the crashes of media this node no longer uses (wiped).</summary>
    public long WipedMediaBytesLost { get; set; }
}

/// <summary>
/// A new version a coordinator minted for a client's put or delete: the dot it wrote to its own copy of the key.
/// <paramref name="Committed"/> is false when the node crashed before the batch's fsync, so the version never left
/// the node and may be gone.
/// </summary>
/// <param name="Node">The coordinator.</param>
/// <param name="Command">The command as the coordinator received it (a forward carries the client's).</param>
/// <param name="Dot">The new version's dot.</param>
/// <param name="AtMs">When it was minted.</param>
/// <param name="Committed">Whether the batch that made it was synced and carried out.</param>
internal readonly record struct Mint(NodeId Node, ClientCommand Command, Dot Dot, long AtMs, bool Committed);

/// <summary>A client command submitted to a node, and its outcome once the reply arrived.</summary>
internal sealed class ClientCall(NodeId node, ClientCommand command, long submittedMs)
{
    public NodeId Node { get; } = node;

    public ClientCommand Command { get; } = command;

    public long SubmittedMs { get; } = submittedMs;

    public ClientResult? Result { get; set; }

    public long CompletedMs { get; set; }

    /// <summary>True when the node was stopped and refused the connection: the command never reached a core.</summary>
    public bool Refused { get; set; }

    public bool Done => Result is not null;
}

/// <summary>
/// A deterministic simulation of a cluster of <see cref="NodeCore"/>s: simulated time (a priority queue of events by
/// time, ties by insertion order), a network that delivers after a seeded random delay and can lose, duplicate and
/// hold back messages, symmetric and one-way partitions, paused nodes, crashed and restarted nodes, and clients that
/// submit commands and collect replies. One seed decides everything; <see cref="HistoryHash"/> digests every event,
/// so two runs of one seed can be compared.
/// </summary>
/// <remarks>
/// A durable simulation (<c>durable: true</c>) backs each node by a <see cref="LogStore"/> and a
/// <see cref="LogHintStore"/> over <see cref="FaultInjectingMedium"/>s and runs the server's group commit: each
/// delivery to a node is one batch, carried out by the same <see cref="NodeTurn"/> the server's node loop runs, which
/// persists (one fsync) before any of the batch's effects leave, so whatever an acknowledgement depends on is synced
/// before it leaves. A crash discards the core (its
/// operations in flight, its routes) and whatever the medium had not synced; <see cref="CrashDuringNextBatch"/> lands
/// the crash between a batch's writes and its fsync, the one window where a write was made but not synced. A restart
/// reopens the store and takes the epoch by the rule of Server/Storage/NodeStorage.cs: kept when the store existed,
/// recovery found no torn or corrupt record and no hint names a version of the node the store lost (in the always mode
/// nothing left the node before its fsync), advanced otherwise; <see cref="Wipe"/> replaces a crashed node's disk with an empty one.
/// Connections belong to an incarnation of a node: a crash breaks them, so a request delivered before it gets a
/// <see cref="PeerFailure"/> back, and responses meant for an earlier incarnation are lost, as on a real network.
/// </remarks>
internal sealed class Simulation
{
    private readonly PriorityQueue<Action, (long TimeMs, long Sequence)> _events = new();
    private readonly Dictionary<NodeId, SimNode> _nodes = [];
    private readonly HashSet<(NodeId, NodeId)> _partitions = [];
    private readonly Random _random;
    private readonly List<Mint> _batchMints = [];
    private readonly Dictionary<string, BucketProps> _buckets = [];
    private readonly int _operationsInFlightMax;
    private long _sequence;
    private int _pendingMessages;

    public Simulation(
        ulong seed,
        int nodeCount,
        BucketProps? defaults = null,
        int operationsInFlightMax = Limits.OperationsInFlightMax,
        Func<IReplicaStore>? newStore = null,
        bool durable = false)
    {
        if (durable && newStore is not null)
        {
            throw new ArgumentException("A durable simulation uses its own log stores.", nameof(newStore));
        }

        _random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        _operationsInFlightMax = operationsInFlightMax;
        var ids = Enumerable.Range(1, nodeCount).Select(i => NodeId.Parse($"n{i}")).ToArray();
        Ring = Ring.Create(ids, 64);
        Defaults = defaults ?? BucketProps.Default;
        Durable = durable;
        foreach (var id in ids)
        {
            SimNode node;
            if (durable)
            {
                var medium = new FaultInjectingMedium(_random.Next);
                var log = LogStore.Open(medium, StoreOptions, compressor: null);
                var hintMedium = new FaultInjectingMedium(_random.Next);
                var hints = LogHintStore.Open(hintMedium, StoreOptions, compressor: null, HintsPerTargetMax);
                node = new SimNode(NewCore(id, 1, log, hints), log) { Medium = medium, Log = log, HintMedium = hintMedium, Hints = hints };
            }
            else
            {
                var store = newStore?.Invoke() ?? new InMemoryReplicaStore();
                var hints = new InMemoryHintStore(HintsPerTargetMax);
                node = new SimNode(NewCore(id, 1, store, hints), store) { Hints = hints };
            }

            _nodes.Add(id, node);
            ScheduleTick(id, TickMs);
        }

        NodeIds = ids;
    }

    public const long TickMs = 5;

    /// <summary>Gossip interval of the simulated nodes (the failure detector's timeout is four of them).</summary>
    public const int GossipIntervalMs = 100;

    /// <summary>Most hinted keys a node keeps per target.</summary>
    public const int HintsPerTargetMax = 1000;

    public Ring Ring { get; }

    public BucketProps Defaults { get; }

    public IReadOnlyList<NodeId> NodeIds { get; }

    /// <summary>Whether nodes keep their data in log stores that survive crashes (see the remarks).</summary>
    public bool Durable { get; }

    public long NowMs { get; private set; }

    public int MinDelayMs { get; set; } = 1;

    public int MaxDelayMs { get; set; } = 10;

    /// <summary>Probability that a peer message (request or response) is lost.</summary>
    public double DropProbability { get; set; }

    /// <summary>Probability that a peer message is delivered twice (each copy with its own delay).</summary>
    /// <remarks>
    /// A forwarded client command is never duplicated: a coordinator would mint a second version for it, which no
    /// real connection does (a retried forward, which does, is the core's own choice and is modelled as such).
    /// </remarks>
    public double DuplicateProbability { get; set; }

    /// <summary>Probability that a peer message is held back for up to <see cref="SlowDelayMaxMs"/> (reordering it).</summary>
    public double SlowProbability { get; set; }

    /// <summary>The longest a held-back message waits.</summary>
    public int SlowDelayMaxMs { get; set; } = 300;

    /// <summary>
    /// When positive, a client gives up on a command this long after sending it (its outcome unknown), as the driver
    /// does: a paused node never answers.
    /// </summary>
    public int ClientDeadlineMs { get; set; }

    /// <summary>
    /// True (the server's behaviour): a durable node fsyncs each batch before its effects leave. False models a node
    /// that acknowledges before its writes are durable (Bitcask's <c>sync_strategy=none</c>), so the checker can be
    /// shown to catch what crashes then lose.
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>Messages this rule matches are lost (in addition to random drops and partitions).</summary>
    public Func<Message, bool>? DropRule { get; set; }

    /// <summary>Sees every peer request a core sends, before the network decides whether it arrives.</summary>
    public Action<NodeId, Send>? Observer { get; set; }

    /// <summary>Sees every version a coordinator minted for a client's put or delete (see <see cref="Mint"/>).</summary>
    public Action<Mint>? MintObserver { get; set; }

    public ulong HistoryHash { get; private set; } = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// When set, every event of the history is also written here, one line each, as it is digested: replaying a
    /// failing seed with <c>DYNAMO_SIM_TRACE=&lt;file&gt;</c> gives its whole event log.
    /// </summary>
    public TextWriter? Trace { get; set; }

    public long Dropped { get; private set; }

    public long Duplicated { get; private set; }

    public long Crashes { get; private set; }

    /// <summary>Bytes the crashes dropped or tore from the nodes' media (unsynced writes lost).</summary>
    public long UnsyncedBytesLost =>
        Nodes.Sum(n => (n.Medium?.UnsyncedBytesLost ?? 0) + (n.HintMedium?.UnsyncedBytesLost ?? 0) + n.WipedMediaBytesLost);

    /// <summary>Disks replaced by <see cref="Wipe"/>.</summary>
    public int Wipes { get; private set; }

    /// <summary>
    /// True (the server's behaviour): a restart advances the epoch when recovery found torn or corrupt records or no
    /// store at all. False keeps the epoch always, the bug of Riak's KV679, so the checker can be shown to catch it.
    /// </summary>
    public bool EpochRule { get; set; } = true;

    public SimNode this[NodeId id] => _nodes[id];

    public SimNode this[int index] => _nodes[NodeIds[index]];

    public IEnumerable<SimNode> Nodes => NodeIds.Select(id => _nodes[id]);

    /// <summary>How a durable node's log store is opened: small segments, so rolls and hint files happen often.</summary>
    private static LogStoreOptions StoreOptions { get; } = new() { SegmentBytesMax = 16 << 10 };

    /// <summary>Pauses a node (its process stops answering; nothing is lost): connections to it are refused.</summary>
    public void Stop(NodeId id)
    {
        Record($"stop {id}");
        _nodes[id].Stopped = true;
    }

    /// <summary>Resumes a paused node. A crashed node needs <see cref="Restart"/>.</summary>
    public void Resume(NodeId id)
    {
        Invariant.Check(!_nodes[id].Crashed);
        Record($"resume {id}");
        _nodes[id].Stopped = false;
    }

    /// <summary>
    /// Crashes a durable node now, between batches: the core's state and every connection are gone; the disk keeps
    /// what was synced (everything, since each batch ends with its fsync).
    /// </summary>
    public void Crash(NodeId id)
    {
        var node = _nodes[id];
        Invariant.Check(Durable && !node.Crashed);
        CrashNow(node);
    }

    /// <summary>
    /// Crashes a durable node during its next batch: after the batch's store writes, before its fsync; none of the
    /// batch's effects leave, and the medium keeps, drops or tears the unsynced writes.
    /// </summary>
    public void CrashDuringNextBatch(NodeId id)
    {
        var node = _nodes[id];
        Invariant.Check(Durable && !node.Crashed);
        Record($"crash-in-next-batch {id}");
        node.CrashInNextBatch = true;
    }

    /// <summary>
    /// Restarts a crashed node: reopens its log store (recovery) and starts a new core, keeping the epoch only when
    /// the store existed, recovery found no torn or corrupt record and no hint names a version of the node the store
    /// lost, as the server does in the always durability mode.
    /// </summary>
    public void Restart(NodeId id)
    {
        var node = _nodes[id];
        Invariant.Check(node.Crashed);
        var existed = node.Medium!.List().Count > 0;
        var log = LogStore.Open(node.Medium, StoreOptions, compressor: null);
        var hints = LogHintStore.Open(node.HintMedium!, StoreOptions, compressor: null, HintsPerTargetMax);
        var lost = !existed || log.Recovery.TornBytesTruncated > 0 || log.Recovery.CorruptRecords.Count > 0
            || hints.NamesVersionsUnknownTo(log, new Actor(id, node.Epoch), out _);
        if (lost && EpochRule)
        {
            node.Epoch++;
            node.EpochsAdvanced++;
        }

        node.Log = log;
        node.Store = log;
        node.Hints = hints;
        node.Core = NewCore(id, node.Epoch, log, node.Hints);
        node.Crashed = false;
        node.Stopped = false;
        node.Restarts++;
        Record($"restart {id} epoch {node.Epoch} records {log.Recovery.Records} torn {log.Recovery.TornBytesTruncated}");
    }

    /// <summary>
    /// Replaces a crashed node's disk with an empty one (a failed drive, a wiped data directory): its replicas and
    /// hints are gone. The next <see cref="Restart"/> finds no store and takes a new epoch.
    /// </summary>
    public void Wipe(NodeId id)
    {
        var node = _nodes[id];
        Invariant.Check(node.Crashed);
        Wipes++;
        Record($"wipe {id}");
        node.WipedMediaBytesLost += node.Medium!.UnsyncedBytesLost;
        node.Medium = new FaultInjectingMedium(_random.Next);
        node.WipedMediaBytesLost += node.HintMedium!.UnsyncedBytesLost;
        node.HintMedium = new FaultInjectingMedium(_random.Next);
    }

    /// <summary>Messages between <paramref name="a"/> and <paramref name="b"/> are lost, both ways.</summary>
    public void Partition(NodeId a, NodeId b)
    {
        Record($"partition {a} {b}");
        _partitions.Add((a, b));
        _partitions.Add((b, a));
    }

    /// <summary>Messages from <paramref name="from"/> to <paramref name="to"/> are lost; the other way they pass.</summary>
    public void PartitionOneWay(NodeId from, NodeId to)
    {
        Record($"partition {from}->{to}");
        _partitions.Add((from, to));
    }

    /// <summary>Ends every partition.</summary>
    public void HealPartitions()
    {
        Record("heal partitions");
        _partitions.Clear();
    }

    /// <summary>
    /// Ends partitions, drops, duplicates, held-back messages and pauses, and restarts crashed nodes: the network
    /// delivers everything again.
    /// </summary>
    public void Heal()
    {
        Record("heal");
        _partitions.Clear();
        DropProbability = 0;
        DuplicateProbability = 0;
        SlowProbability = 0;
        DropRule = null;
        foreach (var node in Nodes)
        {
            node.CrashInNextBatch = false;
            if (node.Crashed)
            {
                Restart(node.Id);
            }

            node.Stopped = false;
        }
    }

    /// <summary>A client sends <paramref name="command"/> to <paramref name="node"/>, arriving after a network delay.</summary>
    public ClientCall Submit(NodeId node, ClientCommand command)
    {
        var call = new ClientCall(node, command, NowMs);
        if (ClientDeadlineMs > 0)
        {
            Schedule(ClientDeadlineMs, () => Complete(
                call, new ClientResult(ClientStatus.Timeout, null, CausalContext.Empty, 0, 0, "the client's deadline passed"), refused: false));
        }

        Schedule(Delay(), () =>
        {
            var target = _nodes[node];
            if (target.Stopped)
            {
                Complete(call, new ClientResult(ClientStatus.Unavailable, null, CausalContext.Empty, 0, 0, "connection refused"), refused: true);
                return;
            }

            var token = ++target.LastToken;
            target.Routes.Add(token, call);
            Record($"client {call.Command.Operation} {Text(command.Key)} at {node}");
            Deliver(target, token, command);
        });
        return call;
    }

    /// <summary>Submits and runs until the reply arrives.</summary>
    public ClientResult Execute(NodeId node, ClientCommand command)
    {
        var call = Submit(node, command);
        RunUntil(() => call.Done, Defaults.TimeoutMs * 4L);
        return call.Result ?? throw new InvalidOperationException($"No reply to {command.Operation} at {node} by {NowMs} ms.");
    }

    /// <summary>Processes events until <paramref name="condition"/> holds or <paramref name="limitMs"/> more simulated ms passed.</summary>
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

    /// <summary>Runs for <paramref name="durationMs"/> simulated ms.</summary>
    public void RunFor(long durationMs) => RunUntil(() => false, durationMs);

    /// <summary>Runs until no message is in flight and no running node has an operation in flight.</summary>
    public bool RunUntilIdle(long limitMs) =>
        RunUntil(() => _pendingMessages == 0 && Nodes.All(n => n.Crashed || n.Core.Stats.OperationsInFlight == 0), limitMs);

    /// <summary>Hinted keys pending on all nodes.</summary>
    public long HintsPending => Nodes.Sum(n => n.HintCount);

    /// <summary>True when every running node believes every member up (the failure detectors agree all are back).</summary>
    public bool AllBelievedUp => Nodes.All(n => n.Crashed || n.Core.Stats.MembersDown == 0);

    public static ClientCommand Get(string key, int r = 0, bool strict = false) =>
        new(ClientOperation.Get, [], Encoding.UTF8.GetBytes(key), ReadOnlyMemory<byte>.Empty, CausalContext.Empty, r, 0, 0, false, strict);

    public static ClientCommand Put(string key, string value, CausalContext? context = null, int w = 0, bool strict = false) =>
        new(ClientOperation.Put, [], Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), context ?? CausalContext.Empty, 0, w, 0, false, strict);

    /// <summary>
    /// A delete. <paramref name="tag"/>, when given, rides in the command's value field, which a delete ignores
    /// (ClientCommand's contract): it lets <see cref="MintObserver"/> tell which delete a tombstone came from.
    /// </summary>
    public static ClientCommand Delete(string key, CausalContext context, int w = 0, string? tag = null, bool strict = false) =>
        new(ClientOperation.Delete, [], Encoding.UTF8.GetBytes(key), tag is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(tag),
            context, 0, w, 0, false, strict);

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    /// <summary>The primaries of a key (default bucket).</summary>
    public NodeId[] PrimariesOf(string key, int n) =>
        Ring.GetPreferenceList(KeyHash.Of([], Encoding.UTF8.GetBytes(key)), n).Primaries.ToArray();

    /// <summary>
    /// A node's core, with the failure detector and handoff on a scale of simulated runs: gossip every
    /// <see cref="GossipIntervalMs"/>, a member believed down after four intervals without news at the latest (phi,
    /// at the default threshold, convicts sooner when news came regularly), peers picked by a generator drawn from the
    /// seed.
    /// </summary>
    private NodeCore NewCore(NodeId id, uint epoch, IReplicaStore store, IHintStore hints) =>
        new(
            new NodeOptions(id, epoch, Ring, Defaults, _buckets)
            {
                OperationsInFlightMax = _operationsInFlightMax,
                GossipIntervalMs = GossipIntervalMs,
                MemberDownAfterMs = 4 * GossipIntervalMs,
                HintDeliveryTimeoutMs = Defaults.TimeoutMs,
                Random = new Random(_random.Next()),
            },
            store,
            hints);

    private void ScheduleTick(NodeId id, long afterMs) =>
        Schedule(afterMs, () =>
        {
            var node = _nodes[id];
            if (!node.Stopped)
            {
                node.Core.OnTick(NowMs);
                Carry(node);
            }

            ScheduleTick(id, TickMs);
        });

    private void Schedule(long afterMs, Action action) => _events.Enqueue(action, (NowMs + afterMs, _sequence++));

    private int Delay() => _random.Next(MinDelayMs, MaxDelayMs + 1);

    /// <summary>A peer message's delay: usually <see cref="Delay"/>, sometimes held back (so later ones overtake it).</summary>
    private int PeerDelay() =>
        SlowProbability > 0 && _random.NextDouble() < SlowProbability ? _random.Next(MaxDelayMs, SlowDelayMaxMs + 1) : Delay();

    private bool Duplicate(object payload) =>
        DuplicateProbability > 0 && payload is not ClientCommand && _random.NextDouble() < DuplicateProbability;

    private bool Lost(Message message)
    {
        var lost = _partitions.Contains((message.From, message.To))
            || (DropRule?.Invoke(message) ?? false)
            || (DropProbability > 0 && _random.NextDouble() < DropProbability);
        if (lost)
        {
            Dropped++;
            Record($"drop {message.From}->{message.To} {Describe(message.Payload)}");
        }

        return lost;
    }

    /// <summary>
    /// Hands a request to a node's core, as one batch. For a put or delete, the coordinator's copy of the key is
    /// compared before and after, so the version it minted (a dot of its own actor that the old copy did not know)
    /// is reported once the batch commits.
    /// </summary>
    private void Deliver(SimNode target, ulong token, NodeRequest request)
    {
        if (request is ClientCommand { Operation: not ClientOperation.Get } command)
        {
            var before = target.Store.Read(command.Bucket, command.Key)?.Context ?? CausalContext.Empty;
            Trace?.WriteLine($"DBG {target.Id} {command.Operation} {Text(command.Key)} local={(target.Store.Read(command.Bucket, command.Key) is { } l ? Describe(l) : "absent")} ctx={command.Context}");
            target.Core.OnRequest(token, request, NowMs);
            var actor = target.Core.Options.Actor;
            foreach (var sibling in target.Store.Read(command.Bucket, command.Key)?.Siblings ?? [])
            {
                if (sibling.Dot.Actor == actor && !before.Contains(sibling.Dot))
                {
                    _batchMints.Add(new Mint(target.Id, command, sibling.Dot, NowMs, Committed: true));
                }
            }
        }
        else
        {
            target.Core.OnRequest(token, request, NowMs);
        }

        Carry(target);
    }

    /// <summary>
    /// Ends a batch with the node turn the server runs (Engine/Cluster/NodeTurn.cs): the group commit first (one
    /// fsync when the batch wrote anything), then the core's effects; a failed fsync withholds them. A crash planned
    /// for this batch happens instead of the fsync, and none of the effects leave.
    /// </summary>
    private void Carry(SimNode node)
    {
        var mints = _batchMints.ToArray();
        _batchMints.Clear();
        if (node.CrashInNextBatch)
        {
            foreach (var mint in mints)
            {
                MintObserver?.Invoke(mint with { Committed = false });
            }

            CrashNow(node);
            return;
        }

        var shell = node.Shell ??= new SimShell(this, node);
        if (!ReferenceEquals(node.Turn?.Core, node.Core))
        {
            node.Turn = new NodeTurn(node.Core, shell);
        }

        shell.Mints = mints;
        node.Turn!.Complete(NowMs);
        shell.CommitMints(committed: true);
    }

    /// <summary>The simulation's side of a node's turn: the group commit on the node's media, and its network.</summary>
    internal sealed class SimShell(Simulation simulation, SimNode node) : INodeShell
    {
        /// <summary>The versions the batch minted, reported once its commit is decided.</summary>
        public Mint[] Mints { get; set; } = [];

        public PersistOutcome Persist(PersistStores stores, out string? reason)
        {
            reason = null;
            if (simulation.GroupCommit)
            {
                try
                {
                    if (node.Log is { HasUnsyncedWrites: true, Failure: null } log)
                    {
                        log.Sync();
                    }

                    if (node.Hints is LogHintStore { HasUnsyncedWrites: true, Failure: null } hints)
                    {
                        hints.Sync();
                    }
                }
                catch (StorageFailedException e)
                {
                    reason = e.Message;
                    CommitMints(committed: false);
                    return PersistOutcome.Failed;
                }
            }

            CommitMints(committed: true);
            return PersistOutcome.Done;
        }

        public bool TrySend(Send send, out string reason)
        {
            reason = string.Empty;
            simulation.Transmit(node, send);
            return true;
        }

        public bool TrySend(SendToAddress send, out string reason) =>
            throw new InvalidOperationException($"The simulation has no addresses: {send}.");

        public void Reply(Reply reply) => simulation.Answer(node, reply);

        public void CommitMints(bool committed)
        {
            foreach (var mint in Mints)
            {
                if (committed)
                {
                    simulation.Record($"mint {mint.Node} {Text(mint.Command.Key)} {mint.Dot}");
                }

                simulation.MintObserver?.Invoke(committed ? mint : mint with { Committed = false });
            }

            Mints = [];
        }
    }

    private void CrashNow(SimNode node)
    {
        Crashes++;
        Record($"crash {node.Id}");
        node.Crashed = true;
        node.Stopped = true;
        node.CrashInNextBatch = false;
        node.Incarnation++;
        node.Log!.Dispose();
        node.Medium!.Crash();
        ((LogHintStore)node.Hints).Dispose();
        node.HintMedium!.Crash();

        // The crash breaks every connection: clients learn nothing of their commands' outcome, and coordinators
        // that sent a request here get a failure for it.
        foreach (var (_, route) in node.Routes.OrderBy(r => r.Key))
        {
            if (route is ClientCall call)
            {
                var lost = new ClientResult(ClientStatus.Unavailable, null, CausalContext.Empty, 0, 0, "connection lost");
                Schedule(Delay(), () => Complete(call, lost, refused: false));
            }
            else
            {
                var (coordinator, operationId, incarnation) = ((NodeId, ulong, int))route;
                FailLater(coordinator, incarnation, node.Id, operationId, "connection lost");
            }
        }

        node.Routes.Clear();
    }

    /// <summary>The sender of a request learns, after a round trip, that its connection failed.</summary>
    private void FailLater(NodeId coordinator, int incarnation, NodeId peer, ulong operationId, string reason)
    {
        _pendingMessages++;
        Schedule(Delay(), () =>
        {
            _pendingMessages--;
            Respond(coordinator, incarnation, peer, operationId, new PeerFailure(reason));
        });
    }

    private void Transmit(SimNode from, Send send)
    {
        Record($"send {from.Id}->{send.To} #{send.OperationId} {Describe(send.Request)}");
        Observer?.Invoke(from.Id, send);
        if (Lost(new Message(from.Id, send.To, send.Request)))
        {
            return;
        }

        var copies = Duplicate(send.Request) ? 2 : 1;
        if (copies == 2)
        {
            Duplicated++;
            Record($"duplicate {from.Id}->{send.To} #{send.OperationId}");
        }

        var fromIncarnation = from.Incarnation;
        var toIncarnation = _nodes[send.To].Incarnation;
        for (var copy = 0; copy < copies; copy++)
        {
            _pendingMessages++;
            Schedule(PeerDelay(), () =>
            {
                _pendingMessages--;
                var target = _nodes[send.To];
                if (target.Stopped || target.Incarnation != toIncarnation)
                {
                    // As a shell reports a refused or broken connection: the sender learns of it after a round trip.
                    FailLater(from.Id, fromIncarnation, send.To, send.OperationId, target.Stopped ? "connection refused" : "connection lost");
                    return;
                }

                var token = ++target.LastToken;
                target.Routes.Add(token, (from.Id, send.OperationId, fromIncarnation));
                Deliver(target, token, send.Request);
            });
        }
    }

    private void Answer(SimNode node, Reply reply)
    {
        Invariant.Check(node.Routes.Remove(reply.ReplyToken, out var route));
        if (route is Action<NodeResponse> callback)
        {
            callback(reply.Response);
            return;
        }

        if (route is ClientCall call)
        {
            var result = (ClientResult)reply.Response;
            Schedule(Delay(), () => Complete(call, result, refused: false));
            return;
        }

        var (coordinator, operationId, incarnation) = ((NodeId, ulong, int))route!;
        if (Lost(new Message(node.Id, coordinator, reply.Response)))
        {
            return;
        }

        var copies = Duplicate(reply.Response) ? 2 : 1;
        if (copies == 2)
        {
            Duplicated++;
            Record($"duplicate {node.Id}->{coordinator} response #{operationId}");
        }

        for (var copy = 0; copy < copies; copy++)
        {
            _pendingMessages++;
            Schedule(PeerDelay(), () =>
            {
                _pendingMessages--;
                Respond(coordinator, incarnation, node.Id, operationId, reply.Response);
            });
        }
    }

    private void Respond(NodeId coordinator, int incarnation, NodeId from, ulong operationId, NodeResponse response)
    {
        var node = _nodes[coordinator];
        if (node.Stopped || node.Incarnation != incarnation)
        {
            Record($"lost at {(node.Stopped ? "stopped" : "restarted")} {coordinator}: #{operationId}");
            return;
        }

        Record($"response {from}->{coordinator} #{operationId} {Describe(response)}");
        node.Core.OnResponse(from, operationId, response, NowMs);
        Carry(node);
    }

    private void Complete(ClientCall call, ClientResult result, bool refused)
    {
        if (call.Done)
        {
            // The client gave up at its deadline; the late reply finds no one waiting.
            return;
        }

        call.Result = result;
        call.Refused = refused;
        call.CompletedMs = NowMs;
        Record($"client result {call.Command.Operation} {Text(call.Command.Key)} at {call.Node}: {Describe(result)}");
    }

    private static string Describe(object payload) => payload switch
    {
        ClientCommand c => $"{c.Operation} {Text(c.Key)} {Text(c.Value)}",
        ReplicaRead r => $"ReplicaRead {Text(r.Key)}",
        ReplicaWrite w => $"ReplicaWrite {Text(w.Key)} {Describe(w.Set)}",
        ClientResult r => $"{r.Status} {r.Required}/{r.Received} {(r.Siblings is null ? "-" : Describe(r.Siblings))} {r.Context}",
        ReplicaReadResult r => $"ReadResult {(r.Set is null ? "absent" : Describe(r.Set))}",
        SiblingSet s => string.Join(",", s.Siblings.Select(x => $"{x.Dot}={(x.IsTombstone ? "T" : Text(x.Value))}")),
        _ => payload.ToString() ?? "?",
    };

    private void Record(string line)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{NowMs} {line}");
        HistoryHash = KeyHash.Xxh64(Encoding.UTF8.GetBytes(text), HistoryHash);
        Trace?.WriteLine(text);
    }

    /// <summary>
    /// Replaces a node's core and store, as a restart (or a reconfiguration) would; call it with nothing in flight to
    /// or from the node, since the new core's operation ids start again from 1.
    /// </summary>
    public void Replace(NodeId id, Func<NodeOptions, NodeOptions> options, IReplicaStore store)
    {
        Record($"replace {id}");
        var old = _nodes[id];
        _nodes[id] = new SimNode(new NodeCore(options(old.Core.Options), store), store) { Stopped = old.Stopped };
    }

    /// <summary>
    /// An operator's request (not a get, put or delete) to a node, delivered now; <paramref name="onReply"/> gets the
    /// node's reply when it comes.
    /// </summary>
    public void Request(NodeId id, NodeRequest request, Action<NodeResponse> onReply)
    {
        var target = _nodes[id];
        var token = ++target.LastToken;
        target.Routes.Add(token, onReply);
        Record($"request {request.GetType().Name} at {id}");
        target.Core.OnRequest(token, request, NowMs);
        Carry(target);
    }
}
