using System.Collections.Immutable;
using System.Text;
using Dynamo.Engine.Placement;

namespace Dynamo.Engine.Cluster;

// Membership by gossip and failure detection (docs/CLUSTER.md § Membership, § Failure detection).
public sealed partial class NodeCore
{
    private readonly Dictionary<ulong, long> _gossipSends = [];
    private long _nextGossipMs = long.MinValue;
    private uint _peerTurn;
    private uint _seedTurn;
    private uint _downTurn;

    /// <summary>
    /// The ring that places keys now: <see cref="NodeOptions.Ring"/> while the member set is the one it was built
    /// for, otherwise <see cref="Placement.Ring.Create"/> of the members this node knows, sorted, with the same
    /// partition count, so every node that knows the same members places keys alike.
    /// </summary>
    public Ring Ring { get; private set; }

    /// <summary>
    /// A snapshot of the members this node knows (itself included), sorted by id, with the status its failure
    /// detector believes and the address each advertises (empty when not learned yet).
    /// </summary>
    public ImmutableArray<MemberState> Members => _members.Snapshot();

    /// <summary>Whether this node believes <paramref name="node"/> up (itself always; unknown nodes never).</summary>
    public bool IsUp(NodeId node) => node == Options.Self || _members.IsUp(node);

    private static void ValidateMembershipOptions(NodeOptions options)
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
        return nodes.SequenceEqual(Options.Ring.Members) ? Options.Ring : Ring.Create(nodes.ToArray(), Options.Ring.PartitionCount);
    }

    /// <summary>Primaries believed up first, then the others, each group in preference-list order.</summary>
    private NodeId[] LiveFirst(NodeId[] primaries) =>
        [.. primaries.Where(IsUp), .. primaries.Where(p => !IsUp(p))];

    private void ReportFailure(NodeId node)
    {
        _members.ReportFailure(node);
        UpdateMemberStats();
    }

    /// <summary>A peer answered (anything but the shell's <see cref="PeerFailure"/>): it is up now.</summary>
    private void ReportAnswer(NodeId node, long nowMs)
    {
        if (_members.ReportAlive(node, nowMs))
        {
            UpdateMemberStats();
        }
    }

    private void UpdateMemberStats()
    {
        Stats.MembersUp = _members.UpCount;
        Stats.MembersDown = _members.DownCount;
    }

    private void MergeView(ImmutableArray<MemberState> view, long nowMs)
    {
        if (_members.Merge(view, nowMs))
        {
            Ring = DeriveRing();
        }

        UpdateMemberStats();
    }

    private void OnGossip(ulong replyToken, Gossip gossip, long nowMs)
    {
        MergeView(gossip.Members, nowMs);
        Emit(new Reply(replyToken, new GossipResult(_members.Snapshot())));
    }

    private bool TryOnGossipResponse(NodeId from, ulong operationId, NodeResponse response, long nowMs)
    {
        if (!_gossipSends.Remove(operationId))
        {
            return false;
        }

        if (response is GossipResult result)
        {
            MergeView(result.Members, nowMs);
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
    private void TickMembership(long nowMs)
    {
        _members.Tick(nowMs, Options.GossipEnabled);
        UpdateMemberStats();
        if (!Options.GossipEnabled || nowMs < _nextGossipMs)
        {
            return;
        }

        _nextGossipMs = nowMs + Options.GossipIntervalMs;
        _members.Self.Heartbeat++;
        Stats.GossipRounds++;

        // Gossip whose answer never came is forgotten after the detector's timeout, so the map stays small.
        foreach (var (id, sentMs) in _gossipSends)
        {
            if (nowMs - sentMs >= Options.MemberDownAfterMs)
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

        if (down.Count > 0 && (Options.Random is not { } random || random.Next(up.Count + 1) < down.Count))
        {
            GossipTo(down[Pick(down.Count, ref _downTurn)], view, nowMs);
        }

        var seeds = Options.Seeds.Where(s => s.Length > 0 && s != Options.Address && !_members.IsKnownAddress(s)).ToList();
        if (seeds.Count > 0)
        {
            var id = NextId();
            _gossipSends.Add(id, nowMs);
            Emit(new SendToAddress(seeds[(int)(_seedTurn++ % (uint)seeds.Count)], id, new Gossip(view)));
        }
    }

    /// <summary>An index below <paramref name="count"/>: from the seeded generator, or the next in turn without one.</summary>
    private int Pick(int count, ref uint turn) => Options.Random?.Next(count) ?? (int)(turn++ % (uint)count);

    private void GossipTo(NodeId peer, ImmutableArray<MemberState> view, long nowMs)
    {
        var id = NextId();
        _gossipSends.Add(id, nowMs);
        Emit(new Send(peer, id, new Gossip(view)));
    }
}
