using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Replicas;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Handoff;

/// <summary>
/// Hinted handoff (Dynamo paper, section 4.6; docs/CLUSTER.md § Sloppy quorum and hinted handoff): as a fallback, this
/// node keeps the hinted writes coordinators send it for primaries believed down; on its tick it delivers the hints it
/// keeps to targets believed up, as ordinary replica writes. Deliveries come back tagged <see cref="Feature.Handoff"/>.
/// </summary>
/// <remarks>
/// At most <see cref="NodeOptions.HintsPerSecond"/> deliveries a second (a token bucket holding one second's worth),
/// at most <see cref="NodeOptions.HintDeliveriesInFlightMax"/> in flight, one batch per target at a time. The hint
/// store is the source of truth: a hint leaves it only when the target acknowledged a write that covers it, so a
/// restarted node simply starts over from what the store holds.
/// </remarks>
internal sealed class HintedHandoff(NodeContext context, ClusterMembership membership, LocalReplica replica)
{
    private readonly Dictionary<ulong, Delivery> _deliveries = [];
    private readonly Dictionary<NodeId, int> _deliveriesPerTarget = [];
    private readonly Dictionary<NodeId, Backoff> _backoffs = [];
    private long _creditMilli;
    private long _lastMs = -1;

    /// <summary>Hint deliveries whose answer is awaited (bounded by the option).</summary>
    public int DeliveriesInFlight => _deliveries.Count;

    /// <summary>
    /// A coordinator asks this node, a fallback, to keep a write for a primary believed down. The hint is stored
    /// before the ack; at the store's bound (new keys for that target), when it failed, or when the hint would pass the
    /// object bound, the write is refused and the coordinator counts a failure and tries the next fallback.
    /// </summary>
    public NodeResponse OnHintedWrite(HintedWrite hinted)
    {
        if (hinted.Target == context.Self)
        {
            return replica.OnReplicaWrite(hinted.Bucket, hinted.Key, hinted.Set);
        }

        if (replica.TryAddHint(hinted.Target, hinted.Bucket, hinted.Key, hinted.Set, out var tooLarge, out var refusal))
        {
            context.Stats.HintsStored++;
            return new ReplicaWriteAck();
        }

        if (tooLarge)
        {
            context.Stats.MergesRefusedTooLarge++;
            return LocalReplica.Failure(ClientStatus.TooLarge, 0, 0, refusal);
        }

        context.Stats.HintsRefused++;
        var status = replica.Hints.Failure is null ? ClientStatus.Overloaded : ClientStatus.StorageFailed;
        return LocalReplica.Failure(status, 0, 0, refusal);
    }

    /// <summary>Delivers hints to targets believed up, within the rate, in-flight and back-off bounds.</summary>
    public void Tick(long nowMs)
    {
        ExpireDeliveries(nowMs);
        var options = context.Options;
        var creditMax = (long)options.HintsPerSecond * 1000;
        if (_lastMs >= 0)
        {
            _creditMilli = Math.Min(creditMax, _creditMilli + ((nowMs - _lastMs) * options.HintsPerSecond));
        }

        _lastMs = nowMs;
        var hints = replica.Hints;
        if (hints.Targets.Count == 0)
        {
            return;
        }

        var targets = hints.Targets.ToArray();
        Array.Sort(targets);
        foreach (var target in targets)
        {
            var room = (int)Math.Min(_creditMilli / 1000, options.HintDeliveriesInFlightMax - _deliveries.Count);
            if (room <= 0)
            {
                return;
            }

            if (target == context.Self || !membership.IsUp(target) || _deliveriesPerTarget.ContainsKey(target)
                || (_backoffs.TryGetValue(target, out var backoff) && backoff.RetryAtMs > nowMs))
            {
                continue;
            }

            foreach (var hint in hints.Peek(target, room))
            {
                var deadlineMs = nowMs + options.HintDeliveryTimeoutMs;
                var id = context.Send(Feature.Handoff, target, new ReplicaWrite(hint.Bucket, hint.Key, hint.Set), deadlineMs);
                _deliveries.Add(id, new Delivery(target, hint.Bucket, hint.Key, hint.Set, deadlineMs));
                _deliveriesPerTarget[target] = _deliveriesPerTarget.GetValueOrDefault(target) + 1;
                _creditMilli -= 1000;
            }
        }

        Invariant.Check(_deliveries.Count <= options.HintDeliveriesInFlightMax);
    }

    /// <summary>A target's answer to a delivery, or the shell's failure in its name; false when none is awaited.</summary>
    public bool OnResponse(ulong operationId, NodeResponse response, long nowMs)
    {
        if (!_deliveries.Remove(operationId, out var delivery))
        {
            return false;
        }

        EndDelivery(delivery.Target);
        if (response is ReplicaWriteAck)
        {
            // The target stored the set; the hint goes unless a write hinted meanwhile is not covered by it.
            replica.RemoveHint(delivery.Target, delivery.Bucket, delivery.Key, delivery.Set);
            _backoffs.Remove(delivery.Target);
            context.Stats.HintsDelivered++;
            return true;
        }

        if (response is PeerFailure)
        {
            membership.ReportFailure(delivery.Target);
        }

        DeliveryFailed(delivery.Target, nowMs);
        return true;
    }

    private void ExpireDeliveries(long nowMs)
    {
        List<ulong>? expired = null;
        foreach (var (id, delivery) in _deliveries)
        {
            if (delivery.DeadlineMs <= nowMs)
            {
                (expired ??= []).Add(id);
            }
        }

        foreach (var id in expired ?? [])
        {
            _deliveries.Remove(id, out var delivery);
            EndDelivery(delivery.Target);
            DeliveryFailed(delivery.Target, nowMs);
        }
    }

    private void EndDelivery(NodeId target)
    {
        var left = _deliveriesPerTarget[target] - 1;
        Invariant.Check(left >= 0);
        if (left == 0)
        {
            _deliveriesPerTarget.Remove(target);
        }
        else
        {
            _deliveriesPerTarget[target] = left;
        }
    }

    /// <summary>
    /// Backs off from the target: one gossip interval, doubling up to the limit. The failures of one batch of deliveries
    /// back off once: only a failure after the back-off ended (a new attempt) doubles it.
    /// </summary>
    private void DeliveryFailed(NodeId target, long nowMs)
    {
        context.Stats.HintDeliveryFailures++;
        if (_backoffs.TryGetValue(target, out var current) && current.RetryAtMs > nowMs)
        {
            return;
        }

        var delayMs = _backoffs.TryGetValue(target, out var previous)
            ? Math.Min(previous.DelayMs * 2, Limits.HintRetryBackoffMaxMs)
            : Math.Min(context.Options.GossipIntervalMs, Limits.HintRetryBackoffMaxMs);
        _backoffs[target] = new Backoff(nowMs + delayMs, delayMs);
    }

    private readonly record struct Delivery(NodeId Target, byte[] Bucket, byte[] Key, SiblingSet Set, long DeadlineMs);

    private readonly record struct Backoff(long RetryAtMs, int DelayMs);
}
