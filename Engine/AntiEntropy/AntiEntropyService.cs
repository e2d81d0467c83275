using System.Collections.Immutable;
using System.Numerics;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Replicas;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.AntiEntropy;

/// <summary>
/// Anti-entropy (Dynamo paper, section 4.7; Riak's tictac AAE): hash trees of the partitions this node holds, kept up
/// to date by every local write, and exchanges with the peers that share partitions, which find and repair differing
/// keys without client reads; also the responder's side of an exchange and the operator's repair command.
/// docs/CLUSTER.md § Anti-entropy specifies the hashes, steps and bounds. Its sends come back tagged
/// <see cref="Feature.AntiEntropy"/>.
/// </summary>
internal sealed class AntiEntropyService
{
    private readonly NodeContext _context;
    private readonly ClusterMembership _membership;
    private readonly LocalReplica _replica;
    private readonly Dictionary<ulong, Exchange> _exchangeSends = [];
    private readonly List<Exchange> _exchanges = [];
    private readonly List<RepairRun> _repairRuns = [];
    private readonly PartitionTrees _trees;
    private readonly RepairBudget _repairBudget;
    private Ring? _sharingRing;
    private int _sharingN;
    private NodeId[] _sharingPeers = [];
    private Dictionary<NodeId, int[]> _sharedPartitions = [];
    private int _nextPeer;
    private long _nextExchangeMs = -1;

    public AntiEntropyService(NodeContext context, ClusterMembership membership, LocalReplica replica)
    {
        _context = context;
        _membership = membership;
        _replica = replica;
        var options = context.Options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AntiEntropyIntervalMs, 1, nameof(options.AntiEntropyIntervalMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AntiEntropyConcurrency, 1, nameof(options.AntiEntropyConcurrency));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AntiEntropyKeysPerSecond, 1, nameof(options.AntiEntropyKeysPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AntiEntropyBuildKeysPerTick, 1, nameof(options.AntiEntropyBuildKeysPerTick));
        _repairBudget = new RepairBudget(options.AntiEntropyKeysPerSecond);
        _trees = new PartitionTrees(Ring);
        _trees.Load(replica.Store);
        replica.Written += OnLocalWrite;
        UpdateTreeStats();
    }

    /// <summary>Anti-entropy sends whose answer is awaited (for tests).</summary>
    public int PendingSends => _exchangeSends.Count;

    /// <summary>The ring anti-entropy places keys and finds peers by: the one the node uses now.</summary>
    private Ring Ring => _membership.Ring;

    /// <summary>Every local write of a key's copy (puts, replica writes, read repair, anti-entropy) passes here.</summary>
    private void OnLocalWrite(byte[] bucket, byte[] key, SiblingSet set)
    {
        _trees.OnWrite(bucket, key, set);
        _context.Stats.AntiEntropyTrees = _trees.Count;
    }

    /// <summary>A peer's comparison, or the operator's repair command.</summary>
    public void OnRequest(ulong replyToken, NodeRequest request, long nowMs)
    {
        switch (request)
        {
            case TreeCompare compare:
                _context.Emit(new Reply(replyToken, CompareTrees(compare)));
                break;
            case KeysCompare compare:
                _context.Emit(new Reply(replyToken, CompareKeys(compare)));
                break;
            case RepairCommand command:
                StartRepair(replyToken, command, nowMs);
                break;
            default:
                Invariant.Check(false);
                break;
        }
    }

    /// <summary>A peer's answer to an exchange's send; false when none is awaited.</summary>
    public bool OnResponse(ulong operationId, NodeResponse response, long nowMs)
    {
        if (!_exchangeSends.Remove(operationId, out var exchange))
        {
            return false;
        }

        Invariant.Check(exchange.Step != ExchangeStep.Finished);
        if (exchange.RepairWrites.Remove(operationId))
        {
            if (response is ReplicaWriteAck)
            {
                Continue(exchange, nowMs);
            }
            else
            {
                Abandon(exchange, $"A repair write to {exchange.Peer} failed: {Describe(response)}");
            }

            return true;
        }

        Invariant.Check(exchange.Awaited == operationId);
        exchange.Awaited = 0;
        switch (response)
        {
            case TreeCompareResult result when exchange.Step == ExchangeStep.Trees:
                exchange.Differing.AddRange(result.Differing);
                if (exchange.ToCompare.Count > 0)
                {
                    SendTreeCompare(exchange, nowMs);
                }
                else
                {
                    Descend(exchange, nowMs);
                }

                break;
            case KeysCompareResult result when exchange.Step == ExchangeStep.Keys:
                foreach (var copy in result.Differing)
                {
                    exchange.Repairs.Enqueue(copy);
                }

                Repair(exchange, nowMs);
                Continue(exchange, nowMs);
                break;
            default:
                Abandon(exchange, $"The exchange with {exchange.Peer} failed: {Describe(response)}");
                break;
        }

        return true;
    }

    /// <summary>Builds trees, moves exchanges on and ends overdue ones, and starts scheduled exchanges.</summary>
    public void Tick(long nowMs)
    {
        if (_trees.UnreadyCount > 0)
        {
            _trees.Build(_replica.Store, _context.Options.AntiEntropyBuildKeysPerTick);
            UpdateTreeStats();
        }

        _repairBudget.Refill(nowMs);
        for (var i = _exchanges.Count - 1; i >= 0 && i < _exchanges.Count; i--)
        {
            var exchange = _exchanges[i];
            if (exchange.Waiting && exchange.DeadlineMs <= nowMs)
            {
                Abandon(exchange, $"The exchange with {exchange.Peer} passed its deadline.");
            }
            else if (exchange.Repairs.Count > 0)
            {
                Repair(exchange, nowMs);
                Continue(exchange, nowMs);
            }
        }

        for (var i = _repairRuns.Count - 1; i >= 0 && i < _repairRuns.Count; i--)
        {
            if (_repairRuns[i].DeadlineMs <= nowMs)
            {
                EndRepairAtDeadline(_repairRuns[i]);
            }
        }

        ScheduleExchange(nowMs);
    }

    private void ScheduleExchange(long nowMs)
    {
        if (!_context.Options.AntiEntropyEnabled)
        {
            return;
        }

        if (_nextExchangeMs < 0)
        {
            _nextExchangeMs = nowMs + _context.Options.AntiEntropyIntervalMs;
            return;
        }

        if (nowMs < _nextExchangeMs)
        {
            return;
        }

        _nextExchangeMs = nowMs + _context.Options.AntiEntropyIntervalMs;
        var peers = SharingPeers();
        if (peers.Length == 0 || _exchanges.Count(e => e.Run is null) >= _context.Options.AntiEntropyConcurrency)
        {
            return;
        }

        // A peer believed down is skipped (its turn comes again next time round); the next one up is taken.
        for (var tried = 0; tried < peers.Length; tried++)
        {
            var peer = peers[_nextPeer++ % peers.Length];
            if (!_membership.IsUp(peer))
            {
                continue;
            }

            if (!_exchanges.Exists(e => e.Run is null && e.Peer == peer))
            {
                StartExchange(peer, null, nowMs);
            }

            break;
        }
    }

    private void StartExchange(NodeId peer, RepairRun? run, long nowMs)
    {
        var exchange = new Exchange(peer, run);
        _exchanges.Add(exchange);
        _context.Stats.AntiEntropyExchangesRunning = _exchanges.Count;

        // Scheduled exchanges stay within the concurrency option; a repair run adds one per sharing peer.
        Invariant.Check(_exchanges.Count(e => e.Run is null) <= _context.Options.AntiEntropyConcurrency);

        foreach (var partition in SharedPartitions(peer))
        {
            if (_trees.IsReady(partition))
            {
                exchange.ToCompare.Enqueue(new TreeHash(partition, 0, _trees.RootOf(partition)));
            }
        }

        if (exchange.ToCompare.Count == 0)
        {
            Complete(exchange, nowMs);
            return;
        }

        SendTreeCompare(exchange, nowMs);
    }

    private void SendTreeCompare(Exchange exchange, long nowMs)
    {
        var count = Math.Min(exchange.ToCompare.Count, Limits.AntiEntropyTreeHashesMax);
        var hashes = ImmutableArray.CreateBuilder<TreeHash>(count);
        for (var i = 0; i < count; i++)
        {
            hashes.Add(exchange.ToCompare.Dequeue());
        }

        SendForExchange(exchange, new TreeCompare(exchange.Level, hashes.MoveToImmutable()), nowMs);
    }

    private void SendForExchange(Exchange exchange, NodeRequest request, long nowMs)
    {
        exchange.DeadlineMs = nowMs + Limits.AntiEntropyStepTimeoutMs;
        var id = _context.Send(Feature.AntiEntropy, exchange.Peer, request, exchange.DeadlineMs);
        exchange.Awaited = id;
        _exchangeSends.Add(id, exchange);
    }

    /// <summary>Every answer of a level arrived: compare the children of what differs, or list the keys of leaves.</summary>
    private void Descend(Exchange exchange, long nowMs)
    {
        var differing = exchange.Differing.Where(d => IsValidIndex(exchange.Level, d)).Distinct().ToList();
        exchange.Differing.Clear();
        if (differing.Count == 0)
        {
            FinishRound(exchange, nowMs);
            return;
        }

        if (exchange.Level == 2)
        {
            foreach (var leaf in differing)
            {
                exchange.Leaves.Enqueue(leaf);
            }

            exchange.Step = ExchangeStep.Keys;
            exchange.Round++;
            exchange.RoundRepairs = 0;
            SendKeysCompare(exchange, nowMs);
            return;
        }

        var width = exchange.Level == 0 ? TreeHashing.Branches : TreeHashing.LeavesPerBranch;
        exchange.Level++;
        foreach (var node in differing)
        {
            var tree = _trees.Get(node.Partition);
            for (var i = 0; i < width; i++)
            {
                var index = (node.Index * width) + i;
                exchange.ToCompare.Enqueue(new TreeHash(node.Partition, index, tree?.HashAt(exchange.Level, index) ?? 0));
            }
        }

        SendTreeCompare(exchange, nowMs);
    }

    private bool IsValidIndex(int level, TreeIndex node) =>
        node.Partition >= 0 && node.Partition < Ring.PartitionCount && node.Index >= 0
        && node.Index < level switch { 0 => 1, 1 => TreeHashing.Branches, _ => TreeHashing.Leaves };

    /// <summary>Lists this node's keys (with version hashes) of the next differing leaves, within the message bounds.</summary>
    private void SendKeysCompare(Exchange exchange, long nowMs)
    {
        var segments = ImmutableArray.CreateBuilder<TreeIndex>();
        var keys = ImmutableArray.CreateBuilder<KeyVersion>();
        var bytes = 0L;
        while (exchange.Leaves.TryPeek(out var leaf))
        {
            var present = _trees.Get(leaf.Partition)?.KeysIn(leaf.Index).Where(k => k.VersionHash != 0).ToList() ?? [];
            var leafBytes = present.Sum(k => (long)k.Bucket.Length + k.Key.Length + 16);
            if (segments.Count > 0 && (keys.Count + present.Count > Limits.AntiEntropyKeysPerCompareMax
                || bytes + leafBytes > Limits.AntiEntropyMessageBytesMax))
            {
                break;
            }

            exchange.Leaves.Dequeue();
            segments.Add(leaf);
            exchange.RoundLeaves.Add(leaf);
            // A leaf above the bounds on its own (a partition of millions of keys) lists what fits; the peer then
            // sends its copies of the keys left out, and merging them changes nothing.
            foreach (var key in present)
            {
                if (keys.Count == Limits.AntiEntropyKeysPerCompareMax || bytes >= Limits.AntiEntropyMessageBytesMax)
                {
                    break;
                }

                keys.Add(new KeyVersion(key.Bucket, key.Key, key.VersionHash));
                bytes += key.Bucket.Length + key.Key.Length + 16;
            }
        }

        exchange.DeadlineMs = nowMs + Limits.AntiEntropyStepTimeoutMs;
        SendForExchange(exchange, new KeysCompare(segments.ToImmutable(), keys.ToImmutable()), nowMs);
    }

    /// <summary>Moves an exchange on once nothing it sent is awaited and no repair waits for the rate budget.</summary>
    private void Continue(Exchange exchange, long nowMs)
    {
        if (exchange.Step != ExchangeStep.Keys || exchange.Awaited != 0 || exchange.Repairs.Count > 0)
        {
            return;
        }

        if (exchange.Leaves.Count > 0)
        {
            SendKeysCompare(exchange, nowMs);
        }
        else if (exchange.RepairWrites.Count == 0)
        {
            FinishRound(exchange, nowMs);
        }
    }

    /// <summary>
    /// Ends a round of key comparison. When it repaired keys, the leaves it compared are compared again (the peer
    /// has acknowledged every repair write by now), and what still differs goes through another round.
    /// </summary>
    private void FinishRound(Exchange exchange, long nowMs)
    {
        if (exchange.Step != ExchangeStep.Keys || exchange.RoundRepairs == 0 || exchange.Round >= Limits.AntiEntropyRoundsMax)
        {
            Complete(exchange, nowMs);
            return;
        }

        exchange.Step = ExchangeStep.Trees;
        exchange.Level = 2;
        foreach (var leaf in exchange.RoundLeaves)
        {
            exchange.ToCompare.Enqueue(new TreeHash(leaf.Partition, leaf.Index, _trees.Get(leaf.Partition)?.Leaf(leaf.Index) ?? 0));
        }

        exchange.RoundLeaves.Clear();
        SendTreeCompare(exchange, nowMs);
    }

    /// <summary>
    /// Repairs the differing keys the rate budget allows: merged = local ∪ remote; written here when it differs from
    /// the local copy, sent to the peer as a replica write when it differs from the peer's.
    /// </summary>
    private void Repair(Exchange exchange, long nowMs)
    {
        while (exchange.Repairs.TryPeek(out var copy))
        {
            var local = _replica.ReadStored(copy.Bucket, copy.Key) ?? SiblingSet.Empty;
            var remote = copy.Set ?? SiblingSet.Empty;
            var merged = local.Merge(remote);
            var stale = !merged.Equals(local);
            var peerStale = !merged.Equals(remote);
            if (!stale && !peerStale)
            {
                exchange.Repairs.Dequeue();
                continue;
            }

            if (!_repairBudget.TryTake())
            {
                return;
            }

            exchange.Repairs.Dequeue();
            exchange.Differences++;
            _context.Stats.AntiEntropyDifferences++;
            if (!LocalReplica.FitsObjectBound(merged))
            {
                // Concurrent writes on the two replicas merge past the object bound: neither side can take the merge.
                // The key stays different (and is found again) until a client resolves its siblings.
                _context.Stats.RepairsSkippedTooLarge++;
                continue;
            }

            var repaired = false;
            if (stale)
            {
                // A failed store cannot take the repair; the next exchange finds the key again.
                repaired = _replica.TryMerge(copy.Bucket, copy.Key, merged) is null;
            }

            if (peerStale)
            {
                exchange.DeadlineMs = nowMs + Limits.AntiEntropyStepTimeoutMs;
                var id = _context.Send(Feature.AntiEntropy, exchange.Peer, new ReplicaWrite(copy.Bucket, copy.Key, merged), exchange.DeadlineMs);
                exchange.RepairWrites.Add(id);
                _exchangeSends.Add(id, exchange);
                repaired = true;
            }

            if (repaired)
            {
                exchange.KeysRepaired++;
                exchange.RoundRepairs++;
                _context.Stats.AntiEntropyKeysRepaired++;
            }
        }
    }

    private void Complete(Exchange exchange, long nowMs)
    {
        End(exchange);
        _context.Stats.AntiEntropyExchanges++;
        _context.Stats.AntiEntropyLastExchangeMs = nowMs;
        if (exchange.Run is { } run)
        {
            run.Exchanges++;
            OnRunExchangeEnded(run, exchange);
        }
    }

    /// <summary>Gives up an exchange (peer failure, deadline); the peer's next turn in the schedule tries again.</summary>
    private void Abandon(Exchange exchange, string reason)
    {
        End(exchange);
        _context.Stats.AntiEntropyExchangesFailed++;
        if (exchange.Run is { } run)
        {
            run.ExchangesFailed++;
            run.FirstFailure ??= reason;
            OnRunExchangeEnded(run, exchange);
        }
    }

    private void End(Exchange exchange)
    {
        exchange.Step = ExchangeStep.Finished;
        if (exchange.Awaited != 0)
        {
            _exchangeSends.Remove(exchange.Awaited);
            exchange.Awaited = 0;
        }

        foreach (var id in exchange.RepairWrites)
        {
            _exchangeSends.Remove(id);
        }

        exchange.RepairWrites.Clear();
        exchange.Repairs.Clear();
        exchange.Leaves.Clear();
        exchange.ToCompare.Clear();
        _exchanges.Remove(exchange);
        _context.Stats.AntiEntropyExchangesRunning = _exchanges.Count;
    }

    private void StartRepair(ulong replyToken, RepairCommand command, long nowMs)
    {
        if (command.TimeoutMs < 0 || command.TimeoutMs > Limits.RepairTimeoutMaxMs)
        {
            _context.Emit(new Reply(replyToken, new RepairResult(false, 0, 0, 0, 0,
                $"The timeout must be from 0 (the default, {Limits.RepairTimeoutDefaultMs} ms) to {Limits.RepairTimeoutMaxMs} ms; it is {command.TimeoutMs}.")));
            return;
        }

        var peers = SharingPeers();
        if (peers.Length == 0)
        {
            _context.Emit(new Reply(replyToken, new RepairResult(true, 0, 0, 0, 0, null)));
            return;
        }

        var run = new RepairRun(replyToken, nowMs + (command.TimeoutMs == 0 ? Limits.RepairTimeoutDefaultMs : command.TimeoutMs));
        _repairRuns.Add(run);
        // Counted before any starts: an exchange with nothing to compare ends at once, and the reply waits for all.
        run.Pending = peers.Length;
        foreach (var peer in peers)
        {
            StartExchange(peer, run, nowMs);
        }
    }

    private void OnRunExchangeEnded(RepairRun run, Exchange exchange)
    {
        run.Pending--;
        run.Differences += exchange.Differences;
        run.KeysRepaired += exchange.KeysRepaired;
        if (run.Pending == 0 && !run.Replied)
        {
            ReplyRepair(run, completed: run.ExchangesFailed == 0, run.FirstFailure);
        }
    }

    private void EndRepairAtDeadline(RepairRun run)
    {
        foreach (var exchange in _exchanges.Where(e => e.Run == run).ToList())
        {
            Abandon(exchange, "The repair passed its deadline before this exchange finished.");
        }

        if (!run.Replied)
        {
            ReplyRepair(run, completed: false, run.FirstFailure);
        }
    }

    private void ReplyRepair(RepairRun run, bool completed, string? message)
    {
        run.Replied = true;
        _repairRuns.Remove(run);
        if (!completed && message is null)
        {
            message = "The repair passed its deadline.";
        }

        _context.Emit(new Reply(run.ReplyToken, new RepairResult(
            completed, run.Exchanges, run.ExchangesFailed, run.Differences, run.KeysRepaired, message)));
    }

    /// <summary>Responder: which of the initiator's tree hashes differ from this node's, and which trees are unready.</summary>
    private TreeCompareResult CompareTrees(TreeCompare compare)
    {
        var differing = ImmutableArray.CreateBuilder<TreeIndex>();
        var unready = new SortedSet<int>();
        foreach (var hash in compare.Hashes)
        {
            var node = new TreeIndex(hash.Partition, hash.Index);
            if (compare.Level is < 0 or > 2 || !IsValidIndex(compare.Level, node))
            {
                continue;
            }

            if (!_trees.IsReady(hash.Partition))
            {
                unready.Add(hash.Partition);
            }
            else if ((_trees.Get(hash.Partition)?.HashAt(compare.Level, hash.Index) ?? 0) != hash.Hash)
            {
                differing.Add(node);
            }
        }

        return new TreeCompareResult(differing.ToImmutable(), [.. unready]);
    }

    /// <summary>
    /// Responder: this node's copy of every key in the compared leaves that it holds with another version hash than
    /// the initiator listed, or holds while the initiator did not list it, or lacks while the initiator listed it
    /// (a null set). Bounded by <see cref="Limits.AntiEntropyMessageBytesMax"/> (at least one copy).
    /// </summary>
    private KeysCompareResult CompareKeys(KeysCompare compare)
    {
        var segments = compare.Segments
            .Where(s => IsValidIndex(2, s) && _trees.IsReady(s.Partition))
            .ToHashSet();
        var copies = ImmutableArray.CreateBuilder<KeyCopy>();
        var seen = new HashSet<TreeKey>(ReferenceEqualityComparer.Instance);
        var bytes = 0L;
        foreach (var listed in compare.Keys)
        {
            var keyHash = KeyHash.Of(listed.Bucket, listed.Key);
            var partition = Ring.PartitionOf(keyHash);
            if (!segments.Contains(new TreeIndex(partition, TreeHashing.LeafOf(keyHash))))
            {
                continue;
            }

            var own = _trees.Get(partition)?.Find(listed.Bucket, listed.Key, keyHash);
            if (own is not null)
            {
                seen.Add(own);
            }

            if ((own?.VersionHash ?? 0) != listed.VersionHash && !AddCopy(copies, listed.Bucket, listed.Key, ref bytes))
            {
                return new KeysCompareResult(copies.ToImmutable());
            }
        }

        foreach (var segment in segments)
        {
            foreach (var own in _trees.Get(segment.Partition)?.KeysIn(segment.Index) ?? [])
            {
                if (own.VersionHash != 0 && !seen.Contains(own) && !AddCopy(copies, own.Bucket, own.Key, ref bytes))
                {
                    return new KeysCompareResult(copies.ToImmutable());
                }
            }
        }

        return new KeysCompareResult(copies.ToImmutable());
    }

    /// <summary>Adds this node's copy of a key; false when the answer is full (the copy is left out).</summary>
    private bool AddCopy(ImmutableArray<KeyCopy>.Builder copies, byte[] bucket, byte[] key, ref long bytes)
    {
        var set = _replica.ReadStored(bucket, key);
        if (set is not null && !LocalReplica.FitsObjectBound(set))
        {
            // Only a data directory written before the bound was enforced can hold such a copy: it cannot travel.
            _context.Stats.RepairsSkippedTooLarge++;
            return true;
        }

        var size = bucket.Length + key.Length + 16L;
        foreach (var sibling in set?.Siblings ?? [])
        {
            size += sibling.Value.Length + 64;
        }

        if (copies.Count > 0 && bytes + size > Limits.AntiEntropyMessageBytesMax)
        {
            return false;
        }

        bytes += size;
        copies.Add(new KeyCopy(bucket, key, set is { Count: > 0 } ? set : null));
        return true;
    }

    /// <summary>The peers that share at least one partition with this node, in ring order.</summary>
    private NodeId[] SharingPeers()
    {
        UpdateSharing();
        return _sharingPeers;
    }

    private int[] SharedPartitions(NodeId peer)
    {
        UpdateSharing();
        return _sharedPartitions.GetValueOrDefault(peer, []);
    }

    /// <summary>
    /// A partition is shared with a peer when both are in its preference list for the largest N of the default
    /// and the bucket table's buckets. Recomputed when the ring or that N changes.
    /// </summary>
    private void UpdateSharing()
    {
        var ring = Ring;
        var n = Math.Min(_context.Buckets.MaxN, ring.Members.Length);
        if (ReferenceEquals(ring, _sharingRing) && n == _sharingN)
        {
            return;
        }

        var shift = 64 - BitOperations.Log2((uint)ring.PartitionCount);
        var shared = new Dictionary<NodeId, List<int>>();
        for (var partition = 0; partition < ring.PartitionCount; partition++)
        {
            var primaries = ring.GetPreferenceList((ulong)partition << shift, n).Primaries;
            if (primaries.IndexOf(_context.Options.Self) < 0)
            {
                continue;
            }

            foreach (var node in primaries)
            {
                if (node != _context.Options.Self)
                {
                    if (!shared.TryGetValue(node, out var partitions))
                    {
                        shared.Add(node, partitions = []);
                    }

                    partitions.Add(partition);
                }
            }
        }

        _sharedPartitions = shared.ToDictionary(p => p.Key, p => p.Value.ToArray());
        _sharingPeers = [.. shared.Keys.Order()];
        _sharingRing = ring;
        _sharingN = n;
    }

    private void UpdateTreeStats()
    {
        _context.Stats.AntiEntropyTrees = _trees.Count;
        _context.Stats.AntiEntropyTreesBuilding = _trees.UnreadyCount;
    }

    private static string Describe(NodeResponse response) => response switch
    {
        PeerFailure failure => failure.Reason,
        ClientResult { Message: { } message } => message,
        _ => $"unexpected {response.GetType().Name}",
    };
}
