using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;

namespace Dynamo.Simulation.Tests;

/// <summary>A message on the simulated network, as drop rules see it.</summary>
/// <param name="From">The sending node.</param>
/// <param name="To">The receiving node.</param>
/// <param name="Payload">A <see cref="NodeRequest"/> or a <see cref="NodeResponse"/>.</param>
internal readonly record struct Message(NodeId From, NodeId To, object Payload);

/// <summary>One node of the simulation: its core, its store, and whether it is stopped.</summary>
internal sealed class SimNode(NodeCore core, IReplicaStore store)
{
    public NodeId Id => Core.Options.Self;

    public NodeCore Core { get; } = core;

    public IReplicaStore Store { get; } = store;

    public bool Stopped { get; set; }

    /// <summary>Where each reply token leads: a client call, or a peer's send (coordinator, operation id).</summary>
    public Dictionary<ulong, object> Routes { get; } = [];

    public ulong LastToken { get; set; }
}

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
/// time, ties by insertion order), a network that delivers after a seeded random delay and can drop messages,
/// partitions and stopped nodes, and clients that submit commands and collect replies. One seed decides
/// everything; <see cref="HistoryHash"/> digests every event, so two runs of one seed can be compared.
/// </summary>
internal sealed class Simulation
{
    private readonly PriorityQueue<Action, (long TimeMs, long Sequence)> _events = new();
    private readonly Dictionary<NodeId, SimNode> _nodes = [];
    private readonly HashSet<(NodeId, NodeId)> _partitions = [];
    private readonly Random _random;
    private readonly List<NodeEffect> _drained = [];
    private long _sequence;
    private int _pendingMessages;

    public Simulation(
        ulong seed,
        int nodeCount,
        BucketProps? defaults = null,
        int operationsInFlightMax = Limits.OperationsInFlightMax,
        Func<IReplicaStore>? newStore = null)
    {
        _random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var ids = Enumerable.Range(1, nodeCount).Select(i => NodeId.Parse($"n{i}")).ToArray();
        Ring = Ring.Create(ids, 64);
        Defaults = defaults ?? BucketProps.Default;
        foreach (var id in ids)
        {
            var options = new NodeOptions(id, 1, Ring, Defaults, new Dictionary<string, BucketProps>())
            {
                OperationsInFlightMax = operationsInFlightMax,
            };
            var store = newStore?.Invoke() ?? new InMemoryReplicaStore();
            _nodes.Add(id, new SimNode(new NodeCore(options, store), store));
            ScheduleTick(id, TickMs);
        }

        NodeIds = ids;
    }

    public const long TickMs = 5;

    public Ring Ring { get; }

    public BucketProps Defaults { get; }

    public IReadOnlyList<NodeId> NodeIds { get; }

    public long NowMs { get; private set; }

    public int MinDelayMs { get; set; } = 1;

    public int MaxDelayMs { get; set; } = 10;

    /// <summary>Probability that a peer message (request or response) is lost.</summary>
    public double DropProbability { get; set; }

    /// <summary>Messages this rule matches are lost (in addition to random drops and partitions).</summary>
    public Func<Message, bool>? DropRule { get; set; }

    /// <summary>Sees every peer request a core sends, before the network decides whether it arrives.</summary>
    public Action<NodeId, Send>? Observer { get; set; }

    public ulong HistoryHash { get; private set; } = 0x9E3779B97F4A7C15UL;

    public long Dropped { get; private set; }

    public SimNode this[NodeId id] => _nodes[id];

    public SimNode this[int index] => _nodes[NodeIds[index]];

    public IEnumerable<SimNode> Nodes => NodeIds.Select(id => _nodes[id]);

    public void Stop(NodeId id)
    {
        Record($"stop {id}");
        _nodes[id].Stopped = true;
    }

    public void Resume(NodeId id)
    {
        Record($"resume {id}");
        _nodes[id].Stopped = false;
    }

    /// <summary>Messages between <paramref name="a"/> and <paramref name="b"/> are lost, both ways.</summary>
    public void Partition(NodeId a, NodeId b)
    {
        _partitions.Add((a, b));
        _partitions.Add((b, a));
    }

    /// <summary>Ends partitions, drops and stops: the network delivers everything again.</summary>
    public void Heal()
    {
        Record("heal");
        _partitions.Clear();
        DropProbability = 0;
        DropRule = null;
        foreach (var node in Nodes)
        {
            node.Stopped = false;
        }
    }

    /// <summary>A client sends <paramref name="command"/> to <paramref name="node"/>, arriving after a network delay.</summary>
    public ClientCall Submit(NodeId node, ClientCommand command)
    {
        var call = new ClientCall(node, command, NowMs);
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
            target.Core.OnRequest(token, command, NowMs);
            Carry(target);
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

    /// <summary>Runs until no message is in flight and no node has an operation in flight.</summary>
    public bool RunUntilIdle(long limitMs) =>
        RunUntil(() => _pendingMessages == 0 && Nodes.All(n => n.Core.Stats.OperationsInFlight == 0), limitMs);

    public static ClientCommand Get(string key, int r = 0) =>
        new(ClientOperation.Get, [], Encoding.UTF8.GetBytes(key), ReadOnlyMemory<byte>.Empty, CausalContext.Empty, r, 0, 0, false);

    public static ClientCommand Put(string key, string value, CausalContext? context = null, int w = 0) =>
        new(ClientOperation.Put, [], Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), context ?? CausalContext.Empty, 0, w, 0, false);

    public static ClientCommand Delete(string key, CausalContext context, int w = 0) =>
        new(ClientOperation.Delete, [], Encoding.UTF8.GetBytes(key), ReadOnlyMemory<byte>.Empty, context, 0, w, 0, false);

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    /// <summary>The primaries of a key (default bucket).</summary>
    public NodeId[] PrimariesOf(string key, int n) =>
        Ring.GetPreferenceList(KeyHash.Of([], Encoding.UTF8.GetBytes(key)), n).Primaries.ToArray();

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

    /// <summary>Carries out the effects a node's core produced.</summary>
    private void Carry(SimNode node)
    {
        _drained.Clear();
        node.Core.DrainEffects(_drained);
        var effects = _drained.ToArray();
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Send send:
                    Transmit(node.Id, send);
                    break;
                case Reply reply:
                    Answer(node, reply);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown effect {effect}.");
            }
        }
    }

    private void Transmit(NodeId from, Send send)
    {
        Record($"send {from}->{send.To} #{send.OperationId} {Describe(send.Request)}");
        Observer?.Invoke(from, send);
        if (Lost(new Message(from, send.To, send.Request)))
        {
            return;
        }

        _pendingMessages++;
        Schedule(Delay(), () =>
        {
            _pendingMessages--;
            var target = _nodes[send.To];
            if (target.Stopped)
            {
                // As a shell reports a refused connection: the sender learns of it after a round trip.
                _pendingMessages++;
                Schedule(Delay(), () =>
                {
                    _pendingMessages--;
                    Respond(from, send.To, send.OperationId, new PeerFailure("connection refused"));
                });
                return;
            }

            var token = ++target.LastToken;
            target.Routes.Add(token, (from, send.OperationId));
            target.Core.OnRequest(token, send.Request, NowMs);
            Carry(target);
        });
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

        var (coordinator, operationId) = ((NodeId, ulong))route!;
        if (Lost(new Message(node.Id, coordinator, reply.Response)))
        {
            return;
        }

        _pendingMessages++;
        Schedule(Delay(), () =>
        {
            _pendingMessages--;
            Respond(coordinator, node.Id, operationId, reply.Response);
        });
    }

    private void Respond(NodeId coordinator, NodeId from, ulong operationId, NodeResponse response)
    {
        var node = _nodes[coordinator];
        if (node.Stopped)
        {
            Record($"lost at stopped {coordinator}: #{operationId}");
            return;
        }

        Record($"response {from}->{coordinator} #{operationId} {Describe(response)}");
        node.Core.OnResponse(from, operationId, response, NowMs);
        Carry(node);
    }

    private void Complete(ClientCall call, ClientResult result, bool refused)
    {
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
    }

    /// <summary>
    /// Replaces a node's core and store, as a restart (or a reconfiguration) would; call it with nothing in flight to
    /// or from the node, since the new core's operation ids start again from 1.
    /// </summary>
    public void Restart(NodeId id, Func<NodeOptions, NodeOptions> options, IReplicaStore store)
    {
        Record($"restart {id}");
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
