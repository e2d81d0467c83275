using System.Collections.Immutable;
using System.Text;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Membership;

/// <summary>
/// Membership by gossip and failure detection (docs/CLUSTER.md § Membership, § The ring, § Failure detection): this
/// node's view of the members (<see cref="MemberView"/>), the ring in force as cluster state (<see cref="RingState"/>,
/// spread with the gossip and changed only by the claimant), gossip rounds on the tick, and the evidence of failures
/// and answers the other features report. Responses to its gossip come back tagged <see cref="Feature.Membership"/>.
/// </summary>
internal sealed class ClusterMembership
{
    private readonly NodeContext _context;
    private readonly MemberView _members;
    private readonly Dictionary<ulong, long> _gossipSends = [];
    private long _nextGossipMs = long.MinValue;
    private uint _peerTurn;
    private uint _seedTurn;
    private uint _downTurn;
    private RingState _ringState;

    public ClusterMembership(NodeContext context)
    {
        var options = context.Options;
        Validate(options);
        _context = context;
        var capacity = Math.Min(Limits.MembersMax, options.Ring.PartitionCount);
        _members = new MemberView(
            options.Self, options.Address, options.Epoch, options.Ring.Members, capacity, options.MemberDownAfterMs, options.GossipIntervalMs,
            options.PhiThreshold);
        _ringState = new RingState(options.RingVersion, options.Ring);
        _context.Stats.RingVersion = options.RingVersion;
        UpdateStats();
    }

    /// <summary>
    /// The ring that places keys now: <see cref="NodeOptions.Ring"/> at <see cref="NodeOptions.RingVersion"/> until a
    /// ring state that supersedes it arrives by gossip, or this node, as the claimant, changes it.
    /// </summary>
    public Ring Ring => _ringState.Ring;

    /// <summary>The ring in force and its version.</summary>
    public RingState RingState => _ringState;

    /// <summary>A snapshot of the members this node knows (itself included), sorted by id.</summary>
    public ImmutableArray<MemberState> Members => _members.Snapshot();

    /// <summary>Gossip sends whose answer is awaited (for tests).</summary>
    public int PendingSends => _gossipSends.Count;

    /// <summary>Whether this node believes <paramref name="node"/> up (itself always; unknown nodes never).</summary>
    public bool IsUp(NodeId node) => node == _context.Self || _members.IsUp(node);

    /// <summary>The phi of <paramref name="node"/>'s heartbeat at <paramref name="nowMs"/> (0 for this node and unknown nodes).</summary>
    public double Phi(NodeId node, long nowMs) => _members.Phi(node, nowMs);

    /// <summary>A request to <paramref name="node"/> failed (a <see cref="PeerFailure"/>): believed down at once.</summary>
    public void ReportFailure(NodeId node)
    {
        _members.ReportFailure(node);
        UpdateStats();
    }

    /// <summary>A peer answered (anything but the shell's <see cref="PeerFailure"/>): it is up now.</summary>
    public void ReportAnswer(NodeId node, long nowMs)
    {
        if (_members.ReportAlive(node, nowMs))
        {
            UpdateStats();
        }
    }

    /// <summary>A peer's gossip: merged, and answered with this node's view.</summary>
    public GossipResult OnGossip(Gossip gossip, long nowMs)
    {
        MergeView(gossip.Members, nowMs);
        MergeRing(gossip.Ring);
        _context.Buckets.Merge(gossip.Buckets);
        return new GossipResult(_members.Snapshot(), _ringState, _context.Buckets.Snapshot);
    }

    /// <summary>The answer to this node's gossip, or the shell's failure in its name; false when none is awaited.</summary>
    public bool OnResponse(NodeId from, ulong operationId, NodeResponse response, long nowMs)
    {
        if (!_gossipSends.Remove(operationId))
        {
            return false;
        }

        if (response is GossipResult result)
        {
            MergeView(result.Members, nowMs);
            MergeRing(result.Ring);
            _context.Buckets.Merge(result.Buckets);
        }
        else if (response is PeerFailure && !from.IsDefault)
        {
            ReportFailure(from);
        }

        return true;
    }

    /// <summary>
    /// Applies the failure detector, and every <see cref="NodeOptions.GossipIntervalMs"/> starts a round:
    /// the own heartbeat advances, the view goes to <see cref="Limits.GossipFanout"/>
    /// live peers (push-pull), now and then to one believed down, and to one seed not known yet.
    /// </summary>
    public void Tick(long nowMs)
    {
        var options = _context.Options;
        _members.Tick(nowMs, options.GossipEnabled);
        UpdateStats();
        if (!options.GossipEnabled || nowMs < _nextGossipMs)
        {
            return;
        }

        _nextGossipMs = nowMs + options.GossipIntervalMs;
        _members.Self.Heartbeat++;
        _context.Stats.GossipRounds++;
        ClaimJoiners();

        // Gossip whose answer never came is forgotten after the detector's bound on silence, so the map stays small.
        foreach (var (id, sentMs) in _gossipSends)
        {
            if (nowMs - sentMs >= options.MemberDownAfterMs)
            {
                _gossipSends.Remove(id);
            }
        }

        // Up to GossipFanout live peers every round, so news among live nodes never waits on dead ones and a member's
        // heartbeat reaches every node with gaps short enough for the failure detector (docs/CLUSTER.md § Rounds);
        // and, as Cassandra does, a peer believed down with probability down / (up + 1), so a node that is back is
        // heard of.
        var view = _members.Snapshot();
        var up = _members.Peers(up: true);
        var down = _members.Peers(up: false);
        var upCount = up.Count;
        for (var sent = 0; sent < Limits.GossipFanout && up.Count > 0; sent++)
        {
            var index = Pick(up.Count, ref _peerTurn);
            GossipTo(up[index], view, nowMs);
            up[index] = up[^1];
            up.RemoveAt(up.Count - 1);
        }

        if (down.Count > 0 && (options.Random is not { } random || random.Next(upCount + 1) < down.Count))
        {
            GossipTo(down[Pick(down.Count, ref _downTurn)], view, nowMs);
        }

        var seeds = options.Seeds.Where(s => s.Length > 0 && s != options.Address && !_members.IsKnownAddress(s)).ToList();
        if (seeds.Count > 0)
        {
            var id = _context.NextId(Feature.Membership);
            _gossipSends.Add(id, nowMs);
            _context.Emit(new SendToAddress(seeds[(int)(_seedTurn++ % (uint)seeds.Count)], id, new Gossip(view, _ringState, _context.Buckets.Snapshot), nowMs + options.GossipIntervalMs));
        }
    }

    private static void Validate(NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.Address);
        ArgumentNullException.ThrowIfNull(options.Seeds);
        if (Encoding.UTF8.GetByteCount(options.Address) > Limits.MemberAddressBytesMax
            || options.Seeds.Any(seed => seed is null || Encoding.UTF8.GetByteCount(seed) > Limits.MemberAddressBytesMax))
        {
            throw new ArgumentException($"An address is longer than {Limits.MemberAddressBytesMax} bytes, or null.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Seeds.Count, Limits.MembersMax, nameof(options));
        if (options.Seeds.Count > 0 && !options.GossipEnabled)
        {
            throw new ArgumentException("Seeds are reached by gossip; GossipEnabled is off.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.GossipIntervalMs, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MemberDownAfterMs, options.GossipIntervalMs, nameof(options));
        if (!(options.PhiThreshold is >= Limits.PhiThresholdMin and <= Limits.PhiThresholdMax))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.PhiThreshold, $"PhiThreshold must be from {Limits.PhiThresholdMin} to {Limits.PhiThresholdMax}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.HintsPerSecond, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HintDeliveriesInFlightMax, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.HintDeliveriesInFlightMax, Limits.HintDeliveriesInFlightMax, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HintDeliveryTimeoutMs, 1, nameof(options));
    }

    /// <summary>
    /// The claimant's part of the change rule (docs/CLUSTER.md § The ring): the claimant of a ring is its smallest
    /// member (ordinal order) that this node believes up. When this node is the claimant and knows members, up and
    /// not on the ring, it claims the ring for them from the ring in force (<see cref="Ring.WithMembers"/>, the
    /// minimal movement) at the next version. Two nodes that both believe themselves the claimant may change the ring
    /// at once; <see cref="RingState.Supersedes"/> picks one, and members the other added are claimed again.
    /// </summary>
    private void ClaimJoiners()
    {
        var ring = _ringState.Ring;
        if (!IsClaimant(ring))
        {
            return;
        }

        var room = Math.Min(Limits.MembersMax, ring.PartitionCount) - ring.Members.Length;
        List<NodeId>? joiners = null;
        foreach (var node in _members.Peers(up: true))
        {
            if (room > 0 && ring.CountOwnedBy(node) == 0)
            {
                (joiners ??= []).Add(node);
                room--;
            }
        }

        if (joiners is null)
        {
            return;
        }

        var next = new RingState(_ringState.Version + 1, ring.WithMembers([.. ring.Members, .. joiners]));

        // The change rule: a change starts from the ring in force and supersedes it, so every node adopts it.
        Invariant.Check(next.Supersedes(_ringState) && next.Ring.Members.Length == ring.Members.Length + joiners.Count);
        Adopt(next);
        _context.Stats.RingClaims++;
    }

    /// <summary>Whether this node is the claimant of <paramref name="ring"/>: its smallest member believed up.</summary>
    private bool IsClaimant(Ring ring)
    {
        foreach (var member in ring.Members)
        {
            if (IsUp(member))
            {
                return member == _context.Self;
            }
        }

        return false;
    }

    /// <summary>
    /// A peer's ring state: adopted when it supersedes the one in force. A ring of another partition count is a
    /// different cluster's (a misconfigured seed) and is ignored, and counted.
    /// </summary>
    private void MergeRing(RingState? state)
    {
        if (state is null)
        {
            return;
        }

        if (state.Ring.PartitionCount != _ringState.Ring.PartitionCount)
        {
            _context.Stats.RingsIgnored++;
            return;
        }

        if (state.Supersedes(_ringState))
        {
            Adopt(state);
        }
    }

    private void Adopt(RingState state)
    {
        _ringState = state;
        _members.AddUnknown(state.Ring.Members);
        _context.Stats.RingVersion = state.Version;
        UpdateStats();
    }

    private void UpdateStats()
    {
        _context.Stats.MembersUp = _members.UpCount;
        _context.Stats.MembersDown = _members.DownCount;
    }

    private void MergeView(ImmutableArray<MemberState> view, long nowMs)
    {
        _members.Merge(view, nowMs);
        UpdateStats();
    }

    /// <summary>An index below <paramref name="count"/>: from the seeded generator, or the next in turn without one.</summary>
    private int Pick(int count, ref uint turn) => _context.Options.Random?.Next(count) ?? (int)(turn++ % (uint)count);

    private void GossipTo(NodeId peer, ImmutableArray<MemberState> view, long nowMs)
    {
        var id = _context.Send(Feature.Membership, peer, new Gossip(view, _ringState, _context.Buckets.Snapshot), nowMs + _context.Options.GossipIntervalMs);
        _gossipSends.Add(id, nowMs);
    }
}
