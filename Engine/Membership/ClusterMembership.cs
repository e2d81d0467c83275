using System.Collections.Immutable;
using System.Text;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Membership;

/// <summary>
/// Membership by gossip and failure detection (docs/CLUSTER.md § Membership, § Failure detection): this node's view of
/// the members (<see cref="MemberView"/>), the ring derived from it, gossip rounds on the tick, and the evidence of
/// failures and answers the other features report. Responses to its gossip come back tagged
/// <see cref="Feature.Membership"/>.
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

    public ClusterMembership(NodeContext context)
    {
        var options = context.Options;
        Validate(options);
        _context = context;
        var capacity = Math.Min(Limits.MembersMax, options.Ring.PartitionCount);
        _members = new MemberView(options.Self, options.Address, options.Epoch, options.Ring.Members, capacity, options.MemberDownAfterMs);
        Ring = DeriveRing();
        UpdateStats();
    }

    /// <summary>
    /// The ring that places keys now: <see cref="NodeOptions.Ring"/> while the member set is the one it was built
    /// for, otherwise <see cref="Placement.Ring.Create"/> of the members this node knows, sorted, with the same
    /// partition count, so every node that knows the same members places keys alike.
    /// </summary>
    public Ring Ring { get; private set; }

    /// <summary>A snapshot of the members this node knows (itself included), sorted by id.</summary>
    public ImmutableArray<MemberState> Members => _members.Snapshot();

    /// <summary>Gossip sends whose answer is awaited (for tests).</summary>
    public int PendingSends => _gossipSends.Count;

    /// <summary>Whether this node believes <paramref name="node"/> up (itself always; unknown nodes never).</summary>
    public bool IsUp(NodeId node) => node == _context.Self || _members.IsUp(node);

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
        _context.Buckets.Merge(gossip.Buckets);
        return new GossipResult(_members.Snapshot(), _context.Buckets.Snapshot);
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
            _context.Buckets.Merge(result.Buckets);
        }
        else if (response is PeerFailure && !from.IsDefault)
        {
            ReportFailure(from);
        }

        return true;
    }

    /// <summary>
    /// Applies the failure detector's timeout, and every <see cref="NodeOptions.GossipIntervalMs"/> starts a round:
    /// the own heartbeat advances, the view goes to one known peer (push-pull), and to one seed not known yet.
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

        // Gossip whose answer never came is forgotten after the detector's timeout, so the map stays small.
        foreach (var (id, sentMs) in _gossipSends)
        {
            if (nowMs - sentMs >= options.MemberDownAfterMs)
            {
                _gossipSends.Remove(id);
            }
        }

        // As Cassandra does: one live peer every round, so news among live nodes never waits on dead ones, and a
        // peer believed down with probability down / (up + 1), so a node that is back is heard of.
        var view = _members.Snapshot();
        var up = _members.Peers(up: true);
        var down = _members.Peers(up: false);
        if (up.Count > 0)
        {
            GossipTo(up[Pick(up.Count, ref _peerTurn)], view, nowMs);
        }

        if (down.Count > 0 && (options.Random is not { } random || random.Next(up.Count + 1) < down.Count))
        {
            GossipTo(down[Pick(down.Count, ref _downTurn)], view, nowMs);
        }

        var seeds = options.Seeds.Where(s => s.Length > 0 && s != options.Address && !_members.IsKnownAddress(s)).ToList();
        if (seeds.Count > 0)
        {
            var id = _context.NextId(Feature.Membership);
            _gossipSends.Add(id, nowMs);
            _context.Emit(new SendToAddress(seeds[(int)(_seedTurn++ % (uint)seeds.Count)], id, new Gossip(view, _context.Buckets.Snapshot), nowMs + options.GossipIntervalMs));
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
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HintsPerSecond, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HintDeliveriesInFlightMax, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.HintDeliveriesInFlightMax, Limits.HintDeliveriesInFlightMax, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HintDeliveryTimeoutMs, 1, nameof(options));
    }

    private Ring DeriveRing()
    {
        var nodes = _members.Nodes;
        var ring = nodes.SequenceEqual(_context.Options.Ring.Members) ? _context.Options.Ring : Ring.Create(nodes.ToArray(), _context.Options.Ring.PartitionCount);

        // Ring ownership: every member this node knows owns partitions of the ring it places keys by, and no other does.
        Invariant.Check(ring.Members.SequenceEqual(nodes));
        return ring;
    }

    private void UpdateStats()
    {
        _context.Stats.MembersUp = _members.UpCount;
        _context.Stats.MembersDown = _members.DownCount;
    }

    private void MergeView(ImmutableArray<MemberState> view, long nowMs)
    {
        if (_members.Merge(view, nowMs))
        {
            Ring = DeriveRing();
        }

        UpdateStats();
    }

    /// <summary>An index below <paramref name="count"/>: from the seeded generator, or the next in turn without one.</summary>
    private int Pick(int count, ref uint turn) => _context.Options.Random?.Next(count) ?? (int)(turn++ % (uint)count);

    private void GossipTo(NodeId peer, ImmutableArray<MemberState> view, long nowMs)
    {
        var id = _context.Send(Feature.Membership, peer, new Gossip(view, _context.Buckets.Snapshot), nowMs + _context.Options.GossipIntervalMs);
        _gossipSends.Add(id, nowMs);
    }
}
