using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Dynamo.Server.Peers;
using Dynamo.Server.Storage;

namespace Dynamo.Server.Node;

/// <summary>
/// The Info reply of a node: one <c>field:value</c> per line (docs/SERVER.md § Info fields), read from the core, the
/// storage and the peer links on the node loop's thread, and the readiness it reports (docs/SERVER.md § Readiness).
/// </summary>
internal sealed class NodeInfo(
    NodeCore core,
    NodeStorage storage,
    PeerLinks links,
    NodeStatus status,
    TimeProvider time,
    IReadOnlyDictionary<NodeId, string> staticAddresses)
{
    private readonly NodeCore _core = core;
    private readonly IReplicaStore _store = storage.Store;
    private readonly NodeStorage _storage = storage;
    private readonly PeerLinks _links = links;
    private readonly NodeStatus _status = status;
    private readonly TimeProvider _time = time;
    private readonly IReadOnlyDictionary<NodeId, string> _staticAddresses = staticAddresses;

    /// <summary>The Info reply: one <c>field:value</c> per line (docs/SERVER.md lists the fields).</summary>
    public byte[] Payload(long nowMs)
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
        AppendAntiEntropyInfo(Line, stats, nowMs);
        AppendMembership(text, nowMs);
        Line("uptime_ms", nowMs);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var reply = new InfoReply(bytes.Length <= ProtocolLimits.InfoBytesMax ? bytes : bytes[..ProtocolLimits.InfoBytesMax]);
        var payload = new byte[reply.Length];
        reply.WriteTo(payload);
        return payload;
    }

    /// <summary>
    /// Whether the node can serve quorum requests now (Info's <c>ready</c>): for the default bucket and every one of
    /// the bucket table, each partition's preference list holds at least max(R, W) nodes the node can reach among the first N it
    /// would use (primaries, then fallbacks for those believed down, as sloppy quorum picks them). Reachable: the node
    /// itself, and a peer whose link is connected and whom the failure detector believes up. A ring with fewer members
    /// than N is not ready.
    /// </summary>
    private bool IsReady()
    {
        var ring = _core.Ring;
        var options = _core.Options;
        var shift = 64 - System.Numerics.BitOperations.Log2((uint)ring.PartitionCount);
        foreach (var props in _core.Buckets.Select(b => b.Props).Prepend(options.Defaults))
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
    private void AppendAntiEntropyInfo(Action<string, long> line, NodeStats stats, long nowMs)
    {
        line("ae_exchanges", stats.AntiEntropyExchanges);
        line("ae_exchanges_failed", stats.AntiEntropyExchangesFailed);
        line("ae_differences", stats.AntiEntropyDifferences);
        line("ae_keys_repaired", stats.AntiEntropyKeysRepaired);
        var last = stats.AntiEntropyLastExchangeMs;
        line("ae_last_exchange_unix_ms", last < 0 ? 0 : _time.GetUtcNow().ToUnixTimeMilliseconds() - (nowMs - last));
    }

    /// <summary>
    /// The membership and hint fields of the Info reply: the member counts, the failure detector's phi threshold, one
    /// <c>member.&lt;id&gt;</c> line per member (<c>address up|down epoch heartbeat phi</c>), the hints pending in total
    /// and per target, and the hint counters.
    /// </summary>
    private void AppendMembership(StringBuilder text, long nowMs)
    {
        var stats = _core.Stats;
        var members = _core.Members;
        void Line(string field, long value) =>
            text.Append(field).Append(':').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Line("ring_version", (long)stats.RingVersion);
        Line("ring_members", _core.Ring.Members.Length);
        Line("ring_claims", stats.RingClaims);
        Line("rings_ignored", stats.RingsIgnored);
        Line("members", members.Length);
        Line("members_up", stats.MembersUp);
        Line("members_down", stats.MembersDown);
        text.Append("phi_threshold:").Append(_core.Options.PhiThreshold.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var member in members)
        {
            var up = member.Node == _core.Options.Self || _core.IsUp(member.Node);
            text.Append("member.").Append(member.Node.Value).Append(':')
                .Append(member.Address.Length > 0 ? member.Address : _staticAddresses.GetValueOrDefault(member.Node, "-"))
                .Append(up ? " up " : " down ")
                .Append(member.Epoch.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(member.Heartbeat.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(_core.Phi(member.Node, nowMs).ToString("F2", CultureInfo.InvariantCulture)).Append('\n');
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
}
