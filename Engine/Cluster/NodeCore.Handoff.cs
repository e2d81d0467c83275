using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

// Hinted handoff (Dynamo paper, section 4.6; docs/CLUSTER.md § Sloppy quorum and hinted handoff).
public sealed partial class NodeCore
{
    private readonly Dictionary<ulong, Delivery> _deliveries = [];
    private readonly Dictionary<NodeId, int> _deliveriesPerTarget = [];
    private readonly Dictionary<NodeId, Backoff> _backoffs = [];
    private long _handoffCreditMilli;
    private long _handoffLastMs = -1;

    /// <summary>Where this node keeps hints for other nodes (for the shell's Info reply: pending hints per target).</summary>
    public IHintStore Hints => _hints;

    /// <summary>Hint deliveries whose answer is awaited (for tests: bounded by the option).</summary>
    internal int DeliveriesInFlight => _deliveries.Count;

    /// <summary>
    /// Delivers hints to targets believed up, with ordinary replica writes: at most
    /// <see cref="NodeOptions.HintsPerSecond"/> (a token bucket holding one second's worth), at most
    /// <see cref="NodeOptions.HintDeliveriesInFlightMax"/> in flight, one batch per target at a time. The hint store
    /// is the source of truth: a hint leaves it only when the target acknowledged a write that covers it, so a
    /// restarted node simply starts over from what the store holds.
    /// </summary>
    private void TickHandoff(long nowMs)
    {
        ExpireDeliveries(nowMs);
        var creditMax = (long)Options.HintsPerSecond * 1000;
        if (_handoffLastMs >= 0)
        {
            _handoffCreditMilli = Math.Min(creditMax, _handoffCreditMilli + ((nowMs - _handoffLastMs) * Options.HintsPerSecond));
        }

        _handoffLastMs = nowMs;
        if (_hints.Targets.Count == 0)
        {
            return;
        }

        var targets = _hints.Targets.ToArray();
        Array.Sort(targets);
        foreach (var target in targets)
        {
            var room = (int)Math.Min(_handoffCreditMilli / 1000, Options.HintDeliveriesInFlightMax - _deliveries.Count);
            if (room <= 0)
            {
                return;
            }

            if (target == Options.Self || !IsUp(target) || _deliveriesPerTarget.ContainsKey(target)
                || (_backoffs.TryGetValue(target, out var backoff) && backoff.RetryAtMs > nowMs))
            {
                continue;
            }

            foreach (var hint in _hints.Peek(target, room))
            {
                var id = NextId();
                _deliveries.Add(id, new Delivery(target, hint.Bucket, hint.Key, hint.Set, nowMs + Options.HintDeliveryTimeoutMs));
                _deliveriesPerTarget[target] = _deliveriesPerTarget.GetValueOrDefault(target) + 1;
                _handoffCreditMilli -= 1000;
                Emit(new Send(target, id, new ReplicaWrite(hint.Bucket, hint.Key, hint.Set)));
            }
        }
    }

    private bool TryOnDeliveryResponse(ulong operationId, NodeResponse response, long nowMs)
    {
        if (!_deliveries.Remove(operationId, out var delivery))
        {
            return false;
        }

        EndDelivery(delivery.Target);
        if (response is ReplicaWriteAck)
        {
            // The target stored the set; the hint goes unless a write hinted meanwhile is not covered by it.
            _hints.Remove(delivery.Target, delivery.Bucket, delivery.Key, delivery.Set);
            _backoffs.Remove(delivery.Target);
            Stats.HintsDelivered++;
            return true;
        }

        if (response is PeerFailure)
        {
            ReportFailure(delivery.Target);
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
        Stats.HintDeliveryFailures++;
        if (_backoffs.TryGetValue(target, out var current) && current.RetryAtMs > nowMs)
        {
            return;
        }

        var delayMs = _backoffs.TryGetValue(target, out var previous)
            ? Math.Min(previous.DelayMs * 2, Limits.HintRetryBackoffMaxMs)
            : Math.Min(Options.GossipIntervalMs, Limits.HintRetryBackoffMaxMs);
        _backoffs[target] = new Backoff(nowMs + delayMs, delayMs);
    }

    private readonly record struct Delivery(NodeId Target, byte[] Bucket, byte[] Key, SiblingSet Set, long DeadlineMs);

    private readonly record struct Backoff(long RetryAtMs, int DelayMs);
}
