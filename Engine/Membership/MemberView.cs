using System.Collections.Immutable;
using System.Text;

namespace Dynamo.Engine.Membership;

/// <summary>One member as this node knows it, with what its failure detector believes.</summary>
internal sealed class Member(NodeId node, string address, uint epoch, ulong heartbeat, PhiAccrualDetector detector)
{
    public NodeId Node { get; } = node;

    public string Address { get; set; } = address;

    public uint Epoch { get; set; } = epoch;

    public ulong Heartbeat { get; set; } = heartbeat;

    /// <summary>
    /// The intervals between the heartbeat's advances and this node's time of the last one (-1 until the first tick
    /// or news sets it).
    /// </summary>
    public PhiAccrualDetector Detector { get; } = detector;

    /// <summary>A request to the member failed, and its heartbeat has not advanced far enough since.</summary>
    public bool Failed { get; set; }

    /// <summary>This node's time when the last failure was reported.</summary>
    public long FailedAtMs { get; set; }

    /// <summary>While <see cref="Failed"/>: the heartbeat that clears the failure (see <see cref="Limits.MemberFailureHeartbeats"/>).</summary>
    public ulong ClearsAtHeartbeat { get; set; }

    public bool Up { get; set; } = true;
}

/// <summary>
/// A node's view of the cluster's members and its failure detector (docs/CLUSTER.md § Membership, § Failure
/// detection). Gossip merges views per member: the newer epoch wins, then the higher heartbeat (the paper's section
/// 4.8 gossip, with Cassandra's heartbeat-version rule). A member is believed down when the phi of its heartbeat
/// intervals (<see cref="PhiAccrualDetector"/>) passes <c>phiThreshold</c>, or its heartbeat has not advanced for
/// <c>downAfterMs</c> of this node's time (the bound on silence), or a request to it failed since it last advanced. Bounded by
/// <c>capacity</c> members; members are never removed (leaving is not a failure: Dynamo's membership changes are
/// explicit).
/// </summary>
internal sealed class MemberView
{
    private readonly Dictionary<NodeId, Member> _members = [];
    private readonly int _capacity;
    private readonly int _downAfterMs;
    private readonly int _intervalMs;
    private readonly double _phiThreshold;
    private NodeId[] _sorted;
    private long _lastTickMs;

    public MemberView(
        NodeId self, string address, uint epoch, ReadOnlySpan<NodeId> initial, int capacity, int downAfterMs, int intervalMs, double phiThreshold)
    {
        _capacity = capacity;
        _downAfterMs = downAfterMs;
        _intervalMs = intervalMs;
        _phiThreshold = phiThreshold;
        Self = new Member(self, address, epoch, 0, NewDetector());
        _members.Add(self, Self);
        foreach (var node in initial)
        {
            if (node != self && _members.Count < capacity)
            {
                _members.Add(node, new Member(node, "", 0, 0, NewDetector()));
            }
        }

        _sorted = Sort();
        UpCount = _members.Count;
    }

    public Member Self { get; }

    /// <summary>Every member's id, this node's included, sorted ordinally.</summary>
    public ReadOnlySpan<NodeId> Nodes => _sorted;

    public int UpCount { get; private set; }

    public int DownCount => _members.Count - UpCount;

    public bool IsUp(NodeId node) => _members.TryGetValue(node, out var member) && member.Up;

    /// <summary>The phi of <paramref name="node"/>'s heartbeat at <paramref name="nowMs"/>; 0 for this node and unknown ones.</summary>
    public double Phi(NodeId node, long nowMs) =>
        node != Self.Node && _members.TryGetValue(node, out var member) ? member.Detector.Phi(nowMs) : 0;

    public bool IsKnownAddress(string address)
    {
        foreach (var member in _members.Values)
        {
            if (string.Equals(member.Address, address, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The other members this node believes up (<paramref name="up"/>) or down, sorted ordinally.</summary>
    public List<NodeId> Peers(bool up)
    {
        var peers = new List<NodeId>();
        foreach (var node in _sorted)
        {
            if (node != Self.Node && _members[node].Up == up)
            {
                peers.Add(node);
            }
        }

        return peers;
    }

    /// <summary>Merges a peer's view; returns true when a member this node did not know was added.</summary>
    public bool Merge(ImmutableArray<MemberState> states, long nowMs)
    {
        var added = false;
        foreach (var state in states.IsDefault ? [] : states)
        {
            if (state is null || state.Node.IsDefault || state.Address is null
                || Encoding.UTF8.GetByteCount(state.Address) > Limits.MemberAddressBytesMax)
            {
                continue;
            }

            if (state.Node == Self.Node)
            {
                // After a restart that kept the epoch, peers remember a higher heartbeat than this node counts from;
                // it jumps past it so that its next gossip is news again (Cassandra solves this with a generation).
                if (state.Epoch == Self.Epoch && state.Heartbeat > Self.Heartbeat)
                {
                    Self.Heartbeat = state.Heartbeat + 1;
                }

                continue;
            }

            if (!_members.TryGetValue(state.Node, out var member))
            {
                if (_members.Count >= _capacity)
                {
                    continue;
                }

                var learned = new Member(state.Node, state.Address, state.Epoch, state.Heartbeat, NewDetector());
                learned.Detector.Restart(nowMs);
                _members.Add(state.Node, learned);
                UpCount++;
                added = true;
                continue;
            }

            if (state.Epoch > member.Epoch || (state.Epoch == member.Epoch && state.Heartbeat > member.Heartbeat))
            {
                // Heartbeats sent before the failure may still be spreading; only a few newer ones clear it. A member
                // never heard from (a static peer, epoch 0) has no known heartbeat to count from: its first one is.
                if (member.Failed && member.Epoch == 0 && state.Epoch > 0)
                {
                    member.ClearsAtHeartbeat = state.Heartbeat + Limits.MemberFailureHeartbeats;
                }
                else if (state.Epoch > member.Epoch || state.Heartbeat >= member.ClearsAtHeartbeat)
                {
                    member.Failed = false;
                    if (state.Epoch > member.Epoch)
                    {
                        // A new epoch counts its heartbeats from 0: a threshold from the old epoch would hold the
                        // restarted member down until its new heartbeat caught up with the old one.
                        member.ClearsAtHeartbeat = 0;
                    }
                }

                // A restarted member's heartbeats come from a new process: its old intervals say nothing about them.
                if (state.Epoch > member.Epoch)
                {
                    member.Detector.Restart(nowMs);
                }
                else
                {
                    member.Detector.Heartbeat(nowMs);
                }

                member.Address = state.Address.Length > 0 ? state.Address : member.Address;
                member.Epoch = state.Epoch;
                member.Heartbeat = state.Heartbeat;
                SetUp(member, !member.Failed);
            }
        }

        if (added)
        {
            _sorted = Sort();
        }

        return added;
    }

    /// <summary>
    /// Adds the members of an adopted ring this node has not heard of yet (no address, epoch 0, believed up until the
    /// failure detector says otherwise), as far as the capacity allows: a ring member is a member.
    /// </summary>
    public void AddUnknown(ReadOnlySpan<NodeId> nodes)
    {
        var added = false;
        foreach (var node in nodes)
        {
            if (!node.IsDefault && _members.Count < _capacity && !_members.ContainsKey(node))
            {
                _members.Add(node, new Member(node, "", 0, 0, NewDetector()));
                UpCount++;
                added = true;
            }
        }

        if (added)
        {
            _sorted = Sort();
        }
    }

    /// <summary>
    /// A request to <paramref name="node"/> failed: believed down until its heartbeat (or epoch) advances by
    /// <see cref="Limits.MemberFailureHeartbeats"/> past the one known now.
    /// </summary>
    public void ReportFailure(NodeId node)
    {
        if (node != Self.Node && _members.TryGetValue(node, out var member))
        {
            member.ClearsAtHeartbeat = Math.Max(member.ClearsAtHeartbeat, member.Heartbeat + Limits.MemberFailureHeartbeats);
            member.Failed = true;
            member.FailedAtMs = _lastTickMs;
            SetUp(member, false);
        }
    }

    /// <summary>
    /// <paramref name="node"/> answered a request just now: direct evidence that it is up, fresher than any heartbeat
    /// gossip may still be spreading. A failure reported before is cleared and the answer counts as progress, so a node
    /// that came back is believed up at its first answer instead of a few gossip rounds later.
    /// </summary>
    /// <returns>True when the member was believed down and is now believed up.</returns>
    public bool ReportAlive(NodeId node, long nowMs)
    {
        if (node == Self.Node || !_members.TryGetValue(node, out var member) || member.Up)
        {
            return false;
        }

        member.Failed = false;
        member.ClearsAtHeartbeat = 0;
        member.Detector.Alive(nowMs);
        SetUp(member, true);
        return true;
    }

    /// <summary>
    /// Applies the failure detector: with <paramref name="heartbeats"/> (gossip on), a member whose phi passed the
    /// threshold, or whose heartbeat has not advanced for the bound on silence, is believed down; without, no heartbeat
    /// advances, and a failure is forgotten after the bound.
    /// </summary>
    public void Tick(long nowMs, bool heartbeats)
    {
        _lastTickMs = nowMs;
        foreach (var member in _members.Values)
        {
            if (member == Self)
            {
                continue;
            }

            if (member.Detector.LastMs < 0)
            {
                member.Detector.Restart(nowMs);
            }

            if (!heartbeats)
            {
                member.Failed = member.Failed && nowMs - member.FailedAtMs < _downAfterMs;
                SetUp(member, !member.Failed);
                continue;
            }

            var silenceMs = nowMs - member.Detector.LastMs;
            SetUp(member, !member.Failed && silenceMs < _downAfterMs && member.Detector.Phi(nowMs) <= _phiThreshold);
        }
    }

    /// <summary>The view to gossip: every member, sorted by id, with this node's belief of each.</summary>
    public ImmutableArray<MemberState> Snapshot()
    {
        var builder = ImmutableArray.CreateBuilder<MemberState>(_sorted.Length);
        foreach (var node in _sorted)
        {
            var m = _members[node];
            builder.Add(new MemberState(m.Node, m.Address, m.Epoch, m.Up ? MemberStatus.Up : MemberStatus.Down, m.Heartbeat));
        }

        return builder.MoveToImmutable();
    }

    private void SetUp(Member member, bool up)
    {
        if (member.Up != up)
        {
            member.Up = up;
            UpCount += up ? 1 : -1;
        }

        // This node always believes itself up: at least one member is, and no more than the members it knows.
        Invariant.Check(Self.Up && UpCount >= 1 && UpCount <= _members.Count);
    }

    private PhiAccrualDetector NewDetector() => new(Limits.PhiWindowSamples, _intervalMs, _downAfterMs);

    private NodeId[] Sort()
    {
        var nodes = _members.Keys.ToArray();
        Array.Sort(nodes);
        return nodes;
    }
}
