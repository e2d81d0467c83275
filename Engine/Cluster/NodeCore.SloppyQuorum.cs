using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

// Sloppy quorum and strict quorum (docs/CLUSTER.md § Sloppy quorum and hinted handoff, § Strict quorum).
public sealed partial class NodeCore
{
    /// <summary>
    /// The first N live nodes of the preference list (Dynamo paper, section 4.6): each primary believed down is
    /// replaced by the next fallback believed up. A primary with no live fallback left keeps its slot; the
    /// operation fails that slot at once instead of waiting for it.
    /// </summary>
    private ReplicaPlan Plan(NodeId[] primaries, ReadOnlySpan<NodeId> fallbackSpan)
    {
        var fallbacks = fallbackSpan.ToArray();
        var replicas = (NodeId[])primaries.Clone();
        var next = 0;
        for (var slot = 0; slot < replicas.Length; slot++)
        {
            if (IsUp(replicas[slot]))
            {
                continue;
            }

            while (next < fallbacks.Length && !IsUp(fallbacks[next]))
            {
                next++;
            }

            if (next < fallbacks.Length)
            {
                replicas[slot] = fallbacks[next++];
            }
        }

        return new ReplicaPlan(replicas, primaries, fallbacks, next);
    }

    /// <summary>
    /// A slot's replica failed: the next fallback believed up takes its place (and is sent <paramref name="read"/>,
    /// or the put's write as a hint). Returns false, changing nothing, when no fallback is left.
    /// </summary>
    private bool TryReroute(Operation operation, int slot, ReplicaRead? read)
    {
        while (operation.NextFallback < operation.Fallbacks.Length)
        {
            var fallback = operation.Fallbacks[operation.NextFallback++];
            if (!IsUp(fallback))
            {
                continue;
            }

            operation.Replicas[slot] = fallback;
            if (operation is GetOperation get && fallback == Options.Self)
            {
                OnReplicaRead(get, slot, succeeded: true, ReadLocal(get.Command.Bucket, get.Command.Key));
            }
            else
            {
                SendFor(operation, slot, read ?? WriteFor((PutOperation)operation, slot));
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// A primary of the key missed the write and no live fallback could stand in for it (the cluster has no node
    /// outside the preference list, or none is up): the coordinator keeps the write as a hint for that primary itself,
    /// as Cassandra's coordinators do, so hinted handoff brings the primary up to date when it returns. Such a hint does
    /// not count toward W (the coordinator already counted its own copy); at the hint store's bound it is not kept, and
    /// anti-entropy repairs the primary instead.
    /// </summary>
    private void KeepHintForMissedPrimary(PutOperation put, int slot)
    {
        var target = put.Targets[slot];
        if (target == Options.Self || _hints.Failure is not null)
        {
            return;
        }

        if (!HintFits(target, put.Command.Bucket, put.Command.Key, put.Written))
        {
            Stats.MergesRefusedTooLarge++;
        }
        else if (_hints.TryAdd(target, put.Command.Bucket, put.Command.Key, put.Written, out _))
        {
            Stats.HintsKeptByCoordinator++;
        }
    }

    /// <summary>What a put sends to a slot: a replica write to a primary, a hinted write to a stand-in.</summary>
    private static NodeRequest WriteFor(PutOperation put, int slot) =>
        put.Replicas[slot] == put.Targets[slot]
            ? new ReplicaWrite(put.Command.Bucket, put.Command.Key, put.Written)
            : new HintedWrite(put.Targets[slot], put.Command.Bucket, put.Command.Key, put.Written);

    /// <summary>
    /// Strict quorum (Riak's PR/PW): with fewer than <paramref name="quorum"/> primaries believed up the command
    /// fails at once with QuorumNotMet (required the quorum, received the primaries up). Returns whether it may go on.
    /// </summary>
    private bool StrictQuorumPossible(ulong replyToken, NodeId[] primaries, int quorum, bool isGet)
    {
        var up = primaries.Count(IsUp);
        if (up >= quorum)
        {
            return true;
        }

        Stats.QuorumFailures++;
        var name = isGet ? "R" : "W";
        Emit(new Reply(replyToken, Failure(ClientStatus.QuorumNotMet, quorum, up,
            $"Strict quorum: {up} of the key's {primaries.Length} primaries are believed up; {name} = {quorum} cannot be reached.")));
        return false;
    }

    /// <summary>The local copy of a key merged with any hinted copy this node keeps of it for another node.</summary>
    private SiblingSet? ReadLocal(byte[] bucket, byte[] key)
    {
        var set = _store.Read(bucket, key);
        if (_hints.Targets.Count == 0)
        {
            return set;
        }

        foreach (var target in _hints.Targets)
        {
            if (_hints.Find(target, bucket, key) is { } hinted)
            {
                set = set is null ? hinted : set.Merge(hinted);
            }
        }

        return set;
    }

    /// <summary>
    /// A coordinator asks this node, a fallback, to keep a write for a primary believed down. The hint is stored
    /// before the ack; at the store's bound (new keys for that target) or when it failed, the write is refused and
    /// the coordinator counts a failure and tries the next fallback.
    /// </summary>
    private void OnHintedWrite(ulong replyToken, HintedWrite hinted)
    {
        if (hinted.Target == Options.Self)
        {
            Stats.ReplicaWrites++;
            Emit(new Reply(replyToken, (NodeResponse?)TryMergeLocal(hinted.Bucket, hinted.Key, hinted.Set) ?? s_ack));
            return;
        }

        if (!HintFits(hinted.Target, hinted.Bucket, hinted.Key, hinted.Set))
        {
            Stats.MergesRefusedTooLarge++;
            Emit(new Reply(replyToken, Failure(ClientStatus.TooLarge, 0, 0,
                $"The hint for {hinted.Target} would pass the object bound of {Limits.ObjectBytesMax} bytes; it was not kept.")));
            return;
        }

        if (_hints.TryAdd(hinted.Target, hinted.Bucket, hinted.Key, hinted.Set, out var refusal))
        {
            Stats.HintsStored++;
            Emit(new Reply(replyToken, s_ack));
            return;
        }

        Stats.HintsRefused++;
        var status = _hints.Failure is null ? ClientStatus.Overloaded : ClientStatus.StorageFailed;
        Emit(new Reply(replyToken, Failure(status, 0, 0, refusal)));
    }

    /// <summary>Whether the hint kept for <paramref name="target"/> would stay within the object bound with <paramref name="set"/>.</summary>
    private bool HintFits(NodeId target, byte[] bucket, byte[] key, SiblingSet set)
    {
        var kept = _hints.Find(target, bucket, key);
        return FitsObjectBound(kept is null ? set : kept.Merge(set));
    }

    /// <summary>Read repair of a slot a fallback stands in for: the merge becomes a hint for the slot's primary.</summary>
    private void RepairAsHint(GetOperation get, int slot)
    {
        var target = get.Targets[slot];
        if (get.Replicas[slot] != Options.Self)
        {
            Emit(new Send(get.Replicas[slot], NextId(), new HintedWrite(target, get.Command.Bucket, get.Command.Key, get.Merged)));
        }
        else if (!HintFits(target, get.Command.Bucket, get.Command.Key, get.Merged))
        {
            Stats.RepairsSkippedTooLarge++;
        }
        else if (_hints.TryAdd(target, get.Command.Bucket, get.Command.Key, get.Merged, out _))
        {
            Stats.HintsStored++;
        }
        else
        {
            // Refused at the bound: the primary gets the write from anti-entropy or a later read instead.
            Stats.HintsRefused++;
        }
    }
}
