using Dynamo.Engine.Cluster;
using Dynamo.Engine.Handoff;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Replicas;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Coordination;

/// <summary>
/// The coordinator of client gets, puts and deletes (Dynamo paper, sections 4.5 and 4.6; docs/CLUSTER.md): the
/// replica plan (sloppy quorum: fallbacks for primaries believed down), the fan-out, the quorum arithmetic of each
/// operation (<see cref="GetCore"/>, <see cref="PutCore"/>), forwards to a primary, read repair and the hints a
/// coordinator keeps for a primary that missed a write. Every operation has a deadline, and at most
/// <see cref="NodeOptions.OperationsInFlightMax"/> are in flight, so the pending maps are bounded. Its sends come back
/// tagged <see cref="Feature.Coordination"/>.
/// </summary>
/// <remarks>
/// Gets are coordinated by any node; puts and deletes only by a primary of the key, which mints the new dot on its
/// own copy (docs/VERSIONS.md), so other nodes forward them.
/// </remarks>
internal sealed class Coordinator(NodeContext context, ClusterMembership membership, LocalReplica replica)
{
    private readonly Dictionary<ulong, Operation> _operations = [];
    private readonly Dictionary<ulong, (Operation Operation, int Slot)> _sends = [];
    private readonly PriorityQueue<Operation, (long DeadlineMs, ulong Id)> _deadlines = new();

    /// <summary>Sends whose response is still awaited (finished operations leave none behind).</summary>
    public int PendingSends => _sends.Count;

    private NodeStats Stats => context.Stats;

    private Ring Ring => membership.Ring;

    /// <summary>A client's get, put or delete (or a peer's forward of one): validated, planned and started.</summary>
    public void OnClientCommand(ulong replyToken, ClientCommand command, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(command.Bucket);
        ArgumentNullException.ThrowIfNull(command.Key);
        switch (command.Operation)
        {
            case ClientOperation.Get:
                Stats.Gets++;
                break;
            case ClientOperation.Put:
                Stats.Puts++;
                break;
            default:
                Stats.Deletes++;
                break;
        }

        var props = context.PropsOf(command.Bucket);
        var isGet = command.Operation == ClientOperation.Get;
        var quorum = isGet ? (command.R == 0 ? props.R : command.R) : (command.W == 0 ? props.W : command.W);
        var timeoutMs = command.TimeoutMs == 0 ? props.TimeoutMs : command.TimeoutMs;
        var error = Validate(command, props.N, quorum, timeoutMs);
        if (error is not null)
        {
            Stats.BadRequests++;
            Reply(replyToken, ClientStatus.BadRequest, 0, 0, error);
            return;
        }

        var hash = KeyHash.Of(command.Bucket, command.Key);
        if (!Ring.TryGetPreferenceList(hash, props.N, out var list))
        {
            Stats.Unavailable++;
            var members = Ring.Members.Length;
            Reply(replyToken, ClientStatus.Unavailable, props.N, members, $"The bucket keeps N = {props.N} replicas; the ring has only {members} members.");
            return;
        }

        if (_operations.Count >= context.Options.OperationsInFlightMax)
        {
            Stats.Overloads++;
            Reply(replyToken, ClientStatus.Overloaded, 0, 0, $"The node has {_operations.Count} operations in flight, its limit; retry later.");
            return;
        }

        // Ring ownership: N distinct primaries, the partition's owner first.
        var primaries = list.Primaries.ToArray();
        Invariant.Check(primaries.Length == props.N && AllDistinct(primaries));
        Invariant.Check(primaries[0] == Ring.OwnerOf(Ring.PartitionOf(hash)));
        var deadlineMs = nowMs + timeoutMs;
        if (command.Strict && !StrictQuorumPossible(replyToken, primaries, quorum, isGet))
        {
            return;
        }

        if (isGet)
        {
            StartGet(new GetOperation(context.NextId(Feature.Coordination), replyToken, deadlineMs, command, Plan(primaries, list.Fallbacks), quorum));
        }
        else if (Array.IndexOf(primaries, context.Self) >= 0)
        {
            StartPut(replyToken, command, Plan(primaries, list.Fallbacks), quorum, deadlineMs);
        }
        else
        {
            Stats.Forwarded++;
            var forward = new ForwardOperation(context.NextId(Feature.Coordination), replyToken, deadlineMs, command, LiveFirst(primaries), quorum);
            Register(forward);
            ForwardToNext(forward, nowMs);
        }
    }

    /// <summary>A replica's answer, or the shell's failure in its name; false when none is awaited.</summary>
    public bool OnResponse(NodeId from, ulong operationId, NodeResponse response, long nowMs)
    {
        if (response is PeerFailure && !from.IsDefault)
        {
            membership.ReportFailure(from);
        }

        if (!_sends.Remove(operationId, out var pending))
        {
            // Read repairs and hints sent as repairs are not awaited: their answers land here.
            return false;
        }

        var (operation, slot) = pending;
        Invariant.Check(operation.Replicas[slot] == from);
        Invariant.Check(operation.SendIds[slot] == operationId);
        operation.SendIds[slot] = 0;
        switch (operation)
        {
            case GetOperation get:
                var read = response as ReplicaReadResult;
                OnReplicaRead(get, slot, read is not null, read?.Set);
                break;
            case PutOperation put:
                OnReplicaAck(put, slot, response is ReplicaWriteAck);
                break;
            case ForwardOperation forward:
                OnForwardResult(forward, slot, response, nowMs);
                break;
            default:
                Invariant.Check(false);
                break;
        }

        return true;
    }

    /// <summary>Operations whose deadline passed end: Timeout for those not answered, read repair for gets.</summary>
    public void Tick(long nowMs)
    {
        while (_deadlines.TryPeek(out var operation, out var due) && due.DeadlineMs <= nowMs)
        {
            _deadlines.Dequeue();
            if (operation.Finished)
            {
                continue;
            }

            switch (operation)
            {
                case GetOperation get:
                    ReplyIfOpen(get, ClientStatus.Timeout, get.Core.Required, get.Core.Succeeded, TimeoutMessage(get.Core, "answered"));
                    break;
                case PutOperation put:
                    ReplyIfOpen(put, ClientStatus.Timeout, put.Core.Required, put.Core.Succeeded, TimeoutMessage(put.Core, "acknowledged"));
                    break;
                case ForwardOperation forward:
                    ReplyIfOpen(forward, ClientStatus.Timeout, forward.W, 0, "The deadline passed before the coordinating primary answered.");
                    break;
                default:
                    Invariant.Check(false);
                    break;
            }

            Finish(operation);
        }
    }

    private static string TimeoutMessage(QuorumCore core, string verb) =>
        $"The deadline passed with {core.Succeeded} of the {core.Required} required replicas {verb}.";

    private static string? Validate(ClientCommand command, int n, int quorum, int timeoutMs)
    {
        if (command.Operation is not (ClientOperation.Get or ClientOperation.Put or ClientOperation.Delete))
        {
            return $"Unknown operation {(int)command.Operation}.";
        }

        if (quorum < 1 || quorum > n)
        {
            var name = command.Operation == ClientOperation.Get ? "R" : "W";
            return $"{name} must be from 1 to N = {n}; it is {quorum}.";
        }

        return timeoutMs < 1 || timeoutMs > Limits.RequestTimeoutMaxMs
            ? $"The timeout must be from 1 to {Limits.RequestTimeoutMaxMs} ms; it is {timeoutMs}."
            : null;
    }

    private static bool AllDistinct(NodeId[] nodes)
    {
        for (var i = 1; i < nodes.Length; i++)
        {
            if (Array.IndexOf(nodes, nodes[i], 0, i) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The operation's slots that count toward its quorum, apart from <paramref name="skipped"/> ones.</summary>
    private static int CountedSlots(Operation operation, int local, List<int> skipped)
    {
        var counted = 0;
        for (var slot = 0; slot < operation.Replicas.Length; slot++)
        {
            counted += operation.Counts(slot) && (slot == local || !skipped.Contains(slot)) ? 1 : 0;
        }

        return counted;
    }

    /// <summary>What a put sends to a slot: a replica write to a primary, a hinted write to a stand-in.</summary>
    private static NodeRequest WriteFor(PutOperation put, int slot) =>
        put.Replicas[slot] == put.Targets[slot]
            ? new ReplicaWrite(put.Command.Bucket, put.Command.Key, put.Written)
            : new HintedWrite(put.Targets[slot], put.Command.Bucket, put.Command.Key, put.Written);

    private void StartGet(GetOperation get)
    {
        Register(get);
        var read = new ReplicaRead(get.Command.Bucket, get.Command.Key);
        var local = -1;
        var skipped = new List<int>();
        for (var slot = 0; slot < get.Replicas.Length; slot++)
        {
            if (get.Replicas[slot] == context.Self)
            {
                local = slot;
            }
            else if (membership.IsUp(get.Replicas[slot]))
            {
                SendFor(get, slot, read);
            }
            else
            {
                skipped.Add(slot);
            }
        }

        // A replica believed down with no live fallback to stand in fails at once, so nobody waits for its timeout,
        // unless R cannot be reached without it: then it is asked anyway (the belief may be stale: a node that came
        // back and has not answered since), since failing at once is the only other outcome.
        var probe = CountedSlots(get, local, skipped) < get.Core.Required;
        foreach (var slot in probe ? skipped : [])
        {
            SendFor(get, slot, read);
        }

        if (local >= 0)
        {
            OnReplicaRead(get, local, succeeded: true, replica.Read(get.Command.Bucket, get.Command.Key));
        }

        foreach (var slot in probe ? [] : skipped)
        {
            OnReplicaRead(get, slot, succeeded: false, null);
        }
    }

    private void OnReplicaRead(GetOperation get, int slot, bool succeeded, SiblingSet? set)
    {
        if (get.Finished)
        {
            return;
        }

        Invariant.Check(get.States[slot] == SlotState.Pending);
        if (succeeded)
        {
            get.States[slot] = SlotState.Succeeded;
            get.Sets[slot] = set;
            get.Core.AddResult(get.Counts(slot), set);
        }
        else if (TryReroute(get, slot, new ReplicaRead(get.Command.Bucket, get.Command.Key)))
        {
            return;
        }
        else
        {
            get.States[slot] = SlotState.Failed;
            get.Core.AddFailure();
        }

        if (QuorumJustReached(get, get.Core, "R"))
        {
            context.Emit(new Reply(get.ReplyToken, new ClientResult(
                ClientStatus.Ok, get.Core.Merged, get.Core.Merged.Context, get.Core.Required, get.Core.Succeeded, null)));
        }

        if (!get.AnyPending())
        {
            Finish(get);
        }
    }

    /// <summary>
    /// Read repair (Dynamo paper, section 4.7): every replica that answered with a missing or different copy gets the
    /// final merge. Replicas that did not answer are left to anti-entropy.
    /// </summary>
    private void ReadRepair(GetOperation get)
    {
        var merged = get.Core.Merged;
        if (merged.Count == 0)
        {
            return;
        }

        if (!LocalReplica.FitsObjectBound(merged))
        {
            // Concurrent writes merged past the object bound (or a replica sent no values): nothing can store it, so
            // the replicas stay as they are until a client resolves the siblings with the read's context.
            Stats.RepairsSkippedTooLarge++;
            return;
        }

        // Nobody waits for a repair's answer; the shell drops it after the bucket's deadline, as for any request.
        var deadlineMs = context.NowMs + context.PropsOf(get.Command.Bucket).TimeoutMs;
        ReplicaWrite? repair = null;
        for (var slot = 0; slot < get.Replicas.Length; slot++)
        {
            if (get.States[slot] != SlotState.Succeeded || !get.Core.IsStale(get.Sets[slot]))
            {
                continue;
            }

            Stats.ReadRepairs++;
            if (get.Replicas[slot] != get.Targets[slot])
            {
                // A fallback keeps the repair as a hint for the primary it stands in for, not as its own replica.
                RepairAsHint(get, slot, deadlineMs);
            }
            else if (get.Replicas[slot] == context.Self)
            {
                // A failed store cannot take the repair; it is counted, and the next read or anti-entropy retries.
                replica.TryMerge(get.Command.Bucket, get.Command.Key, merged);
            }
            else
            {
                repair ??= new ReplicaWrite(get.Command.Bucket, get.Command.Key, merged);
                context.Send(Feature.Coordination, get.Replicas[slot], repair, deadlineMs);
            }
        }
    }

    /// <summary>Read repair of a slot a fallback stands in for: the merge becomes a hint for the slot's primary.</summary>
    private void RepairAsHint(GetOperation get, int slot, long deadlineMs)
    {
        var target = get.Targets[slot];
        var merged = get.Core.Merged;
        if (get.Replicas[slot] != context.Self)
        {
            context.Send(Feature.Coordination, get.Replicas[slot], new HintedWrite(target, get.Command.Bucket, get.Command.Key, merged), deadlineMs);
        }
        else if (replica.TryAddHint(target, get.Command.Bucket, get.Command.Key, merged, out var tooLarge, out _))
        {
            Stats.HintsStored++;
        }
        else if (tooLarge)
        {
            Stats.RepairsSkippedTooLarge++;
        }
        else
        {
            // Refused at the bound: the primary gets the write from anti-entropy or a later read instead.
            Stats.HintsRefused++;
        }
    }

    private void StartPut(ulong replyToken, ClientCommand command, ReplicaPlan plan, int w, long deadlineMs)
    {
        if (!replica.TryPut(command, w, out var written, out var refusal))
        {
            context.Emit(new Reply(replyToken, refusal));
            return;
        }

        var put = new PutOperation(context.NextId(Feature.Coordination), replyToken, deadlineMs, command, plan, w, written);
        Register(put);
        var localSlot = Array.IndexOf(plan.Replicas, context.Self);
        var skipped = new List<int>();
        for (var slot = 0; slot < plan.Replicas.Length; slot++)
        {
            if (slot == localSlot)
            {
                continue;
            }

            if (membership.IsUp(plan.Replicas[slot]))
            {
                SendFor(put, slot, WriteFor(put, slot));
            }
            else
            {
                skipped.Add(slot);
            }
        }

        // As for a get: a primary believed down is written anyway when W cannot be reached without it.
        var probe = CountedSlots(put, localSlot, skipped) < put.Core.Required;
        foreach (var slot in probe ? skipped : [])
        {
            SendFor(put, slot, WriteFor(put, slot));
        }

        OnReplicaAck(put, localSlot, succeeded: true);
        foreach (var slot in probe ? [] : skipped)
        {
            OnReplicaAck(put, slot, succeeded: false);
        }
    }

    private void OnReplicaAck(PutOperation put, int slot, bool succeeded)
    {
        if (put.Finished)
        {
            return;
        }

        Invariant.Check(put.States[slot] == SlotState.Pending);
        if (succeeded)
        {
            put.States[slot] = SlotState.Succeeded;
            put.Core.AddSuccess(put.Counts(slot));
        }
        else if (TryReroute(put, slot, null))
        {
            return;
        }
        else
        {
            put.States[slot] = SlotState.Failed;
            put.Core.AddFailure();
            KeepHintForMissedPrimary(put, slot);
        }

        if (QuorumJustReached(put, put.Core, "W"))
        {
            var returned = put.Command.ReturnContext ? put.Written.Context : CausalContext.Empty;
            context.Emit(new Reply(put.ReplyToken, new ClientResult(ClientStatus.Ok, null, returned, put.Core.Required, put.Core.Succeeded, null)));
        }

        if (!put.AnyPending())
        {
            Finish(put);
        }
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
        if (target == context.Self || replica.Hints.Failure is not null)
        {
            return;
        }

        if (replica.TryAddHint(target, put.Command.Bucket, put.Command.Key, put.Written, out var tooLarge, out _))
        {
            Stats.HintsKeptByCoordinator++;
        }
        else if (tooLarge)
        {
            Stats.MergesRefusedTooLarge++;
        }
    }

    private void ForwardToNext(ForwardOperation forward, long nowMs)
    {
        var remainingMs = forward.DeadlineMs - nowMs;
        if (remainingMs <= 0)
        {
            // The tick that ends this operation has not come yet; its outcome is already decided.
            ReplyIfOpen(forward, ClientStatus.Timeout, forward.W, 0, "The deadline passed before a primary answered.");
            Finish(forward);
            return;
        }

        // Only a primary may coordinate a write (it mints the dot on its own copy), so primaries believed down are
        // not tried: with no live primary left the write fails at once (docs/CLUSTER.md § Sloppy quorum).
        if (forward.Next == forward.Replicas.Length || !membership.IsUp(forward.Replicas[forward.Next]))
        {
            Stats.QuorumFailures++;
            ReplyIfOpen(forward, ClientStatus.QuorumNotMet, forward.W, 0,
                $"None of the key's {forward.Replicas.Length} primaries could be reached to coordinate the write.");
            Finish(forward);
            return;
        }

        var slot = forward.Next++;
        forward.States[slot] = SlotState.Pending;
        SendFor(forward, slot, forward.Command with { W = forward.W, TimeoutMs = (int)remainingMs });
    }

    private void OnForwardResult(ForwardOperation forward, int slot, NodeResponse response, long nowMs)
    {
        if (response is ClientResult result)
        {
            forward.States[slot] = SlotState.Succeeded;
            forward.Replied = true;
            context.Emit(new Reply(forward.ReplyToken, result));
            Finish(forward);
            return;
        }

        forward.States[slot] = SlotState.Failed;
        ForwardToNext(forward, nowMs);
    }

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
            if (membership.IsUp(replicas[slot]))
            {
                continue;
            }

            while (next < fallbacks.Length && !membership.IsUp(fallbacks[next]))
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
            if (!membership.IsUp(fallback))
            {
                continue;
            }

            operation.Replicas[slot] = fallback;
            if (operation is GetOperation get && fallback == context.Self)
            {
                OnReplicaRead(get, slot, succeeded: true, replica.Read(get.Command.Bucket, get.Command.Key));
            }
            else
            {
                SendFor(operation, slot, read ?? WriteFor((PutOperation)operation, slot));
            }

            return true;
        }

        return false;
    }

    /// <summary>Primaries believed up first, then the others, each group in preference-list order.</summary>
    private NodeId[] LiveFirst(NodeId[] primaries) =>
        [.. primaries.Where(membership.IsUp), .. primaries.Where(p => !membership.IsUp(p))];

    /// <summary>
    /// Strict quorum (Riak's PR/PW): with fewer than <paramref name="quorum"/> primaries believed up the command
    /// fails at once with QuorumNotMet (required the quorum, received the primaries up). Returns whether it may go on.
    /// </summary>
    private bool StrictQuorumPossible(ulong replyToken, NodeId[] primaries, int quorum, bool isGet)
    {
        var up = primaries.Count(membership.IsUp);
        if (up >= quorum)
        {
            return true;
        }

        Stats.QuorumFailures++;
        var name = isGet ? "R" : "W";
        Reply(replyToken, ClientStatus.QuorumNotMet, quorum, up,
            $"Strict quorum: {up} of the key's {primaries.Length} primaries are believed up; {name} = {quorum} cannot be reached.");
        return false;
    }

    private void Reply(ulong replyToken, ClientStatus status, int required, int received, string message) =>
        context.Emit(new Reply(replyToken, LocalReplica.Failure(status, required, received, message)));

    /// <summary>
    /// Asks <paramref name="core"/> where the quorum of <paramref name="operation"/> stands after an answer, unless the
    /// client has its reply. True when the quorum is reached now: the operation counts as replied, and the caller
    /// sends the Ok. A quorum that can no longer be reached is answered here; <paramref name="quorum"/> (R or W)
    /// names it in that answer.
    /// </summary>
    private bool QuorumJustReached(Operation operation, QuorumCore core, string quorum)
    {
        switch (operation.Replied ? QuorumState.Waiting : core.Decide(operation.PendingCounted()))
        {
            case QuorumState.Reached:
                operation.Replied = true;
                return true;
            case QuorumState.Lost:
                Stats.QuorumFailures++;
                ReplyIfOpen(operation, ClientStatus.QuorumNotMet, core.Required, core.Succeeded,
                    $"{core.Failed} of {operation.Replicas.Length} replicas failed; {quorum} = {core.Required} cannot be reached.");
                return false;
            default:
                return false;
        }
    }

    private void ReplyIfOpen(Operation operation, ClientStatus status, int required, int received, string message)
    {
        if (operation.Replied)
        {
            return;
        }

        if (status == ClientStatus.Timeout)
        {
            Stats.Timeouts++;
        }

        operation.Replied = true;
        Reply(operation.ReplyToken, status, required, received, message);
    }

    private void SendFor(Operation operation, int slot, NodeRequest request)
    {
        var id = context.Send(Feature.Coordination, operation.Replicas[slot], request, operation.DeadlineMs);
        operation.SendIds[slot] = id;
        _sends.Add(id, (operation, slot));
    }

    private void Register(Operation operation)
    {
        // Finished operations stay in the deadline queue until their deadline; rebuild it when they dominate, so it
        // stays within a constant factor of the operations in flight.
        if (_deadlines.Count >= (2 * _operations.Count) + 1024)
        {
            _deadlines.Clear();
            foreach (var live in _operations.Values)
            {
                _deadlines.Enqueue(live, (live.DeadlineMs, live.Id));
            }
        }

        _operations.Add(operation.Id, operation);
        _deadlines.Enqueue(operation, (operation.DeadlineMs, operation.Id));
        Stats.OperationsInFlight = _operations.Count;
        Invariant.Check(_operations.Count <= context.Options.OperationsInFlightMax);
    }

    private void Finish(Operation operation)
    {
        if (operation.Finished)
        {
            return;
        }

        operation.Finished = true;
        if (operation is GetOperation get)
        {
            ReadRepair(get);
        }

        for (var slot = 0; slot < operation.SendIds.Length; slot++)
        {
            if (operation.SendIds[slot] != 0)
            {
                _sends.Remove(operation.SendIds[slot]);
                operation.SendIds[slot] = 0;
            }
        }

        Invariant.Check(_operations.Remove(operation.Id));
        Stats.OperationsInFlight = _operations.Count;

        // An operation that ends leaves nothing behind: no send of it is awaited any more.
        Invariant.Check(Array.TrueForAll(operation.SendIds, id => id == 0) && _sends.Count <= _operations.Count * Limits.PreferenceListNodesMax);
    }
}
