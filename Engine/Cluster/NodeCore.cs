using System.Text;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// The request logic of one node as a deterministic state machine (the etcd raft <c>Ready</c> shape, Riak's
/// <c>*_core</c> modules): the shell feeds it requests, responses and ticks, and carries out the effects it drains.
/// No clock, randomness, threads or I/O; not thread-safe (one node loop drives it).
/// </summary>
/// <remarks>
/// Gets are coordinated by any node; puts and deletes only by a primary of the key, which mints the new dot on its
/// own copy (docs/VERSIONS.md), so other nodes forward them. Every coordinator operation has a deadline, and at most
/// <see cref="NodeOptions.OperationsInFlightMax"/> are in flight, so the pending maps are bounded.
/// </remarks>
public sealed partial class NodeCore
{
    private static readonly ReplicaWriteAck s_ack = new();

    private readonly IReplicaStore _store;
    private readonly IHintStore _hints;
    private readonly MemberView _members;
    private readonly List<NodeEffect> _effects = [];
    private readonly Dictionary<byte[], BucketProps> _buckets = new(ByteArrayComparer.Instance);
    private readonly Dictionary<ulong, Operation> _operations = [];
    private readonly Dictionary<ulong, (Operation Operation, int Slot)> _sends = [];
    private readonly PriorityQueue<Operation, (long DeadlineMs, ulong Id)> _deadlines = new();
    private readonly Actor _actor;
    private ulong _lastId;

    /// <summary>Creates the core of a node that keeps hints in memory (an <see cref="InMemoryHintStore"/>).</summary>
    /// <exception cref="ArgumentException">The options are incomplete or out of range.</exception>
    public NodeCore(NodeOptions options, IReplicaStore store)
        : this(options, store, new InMemoryHintStore())
    {
    }

    /// <summary>Creates the core of a node.</summary>
    /// <param name="options">The node's configuration.</param>
    /// <param name="store">The node's replicas.</param>
    /// <param name="hints">Where the node keeps hints for primaries believed down (docs/CLUSTER.md § Sloppy quorum);
    /// the same store after a restart, so hints accepted before it are still delivered.</param>
    /// <exception cref="ArgumentException">The options are incomplete or out of range.</exception>
    public NodeCore(NodeOptions options, IReplicaStore store, IHintStore hints)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(hints);
        ArgumentNullException.ThrowIfNull(options.Ring);
        ArgumentNullException.ThrowIfNull(options.Defaults);
        ArgumentNullException.ThrowIfNull(options.Buckets);
        if (options.Self.IsDefault)
        {
            throw new ArgumentException("The node's own id (Self) is not set.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.OperationsInFlightMax, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.OperationsInFlightMax, Limits.OperationsInFlightMax, nameof(options));
        foreach (var (name, props) in options.Buckets)
        {
            ArgumentNullException.ThrowIfNull(props);
            _buckets.Add(Encoding.UTF8.GetBytes(name), props);
        }

        ValidateMembershipOptions(options);
        Options = options;
        _store = store;
        _hints = hints;
        _actor = options.Actor;
        var capacity = Math.Min(Limits.MembersMax, options.Ring.PartitionCount);
        _members = new MemberView(options.Self, options.Address, options.Epoch, options.Ring.Members, capacity, options.MemberDownAfterMs);
        Ring = DeriveRing();
        UpdateMemberStats();
        InitAntiEntropy();
    }

    /// <summary>The node's configuration.</summary>
    public NodeOptions Options { get; }

    /// <summary>The node's counters.</summary>
    public NodeStats Stats { get; } = new();

    /// <summary>Sends whose response is still awaited (for tests: finished operations leave none behind).</summary>
    internal int PendingSendCount => _sends.Count;

    /// <summary>
    /// A request arrived (from a client, or from a peer acting as coordinator). The core answers with a
    /// <see cref="Reply"/> effect carrying <paramref name="replyToken"/>, maybe much later.
    /// </summary>
    /// <exception cref="ArgumentException">The request is of a kind the core does not know (a shell bug).</exception>
    public void OnRequest(ulong replyToken, NodeRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request)
        {
            case ClientCommand command:
                OnClientCommand(replyToken, command, nowMs);
                break;
            case ReplicaRead read:
                Stats.ReplicaReads++;
                Emit(new Reply(replyToken, new ReplicaReadResult(ReadLocal(read.Bucket, read.Key))));
                break;
            case ReplicaWrite write:
                Stats.ReplicaWrites++;
                Emit(new Reply(replyToken, (NodeResponse?)TryMergeLocal(write.Bucket, write.Key, write.Set) ?? s_ack));
                break;
            case TreeCompare or KeysCompare or RepairCommand:
                OnAntiEntropyRequest(replyToken, request, nowMs);
                break;
            case HintedWrite hinted:
                OnHintedWrite(replyToken, hinted);
                break;
            case Gossip gossip:
                OnGossip(replyToken, gossip, nowMs);
                break;
            default:
                throw new ArgumentException($"Unknown request {request.GetType().Name}.", nameof(request));
        }
    }

    /// <summary>
    /// The response to the <see cref="Send"/> effect with <paramref name="operationId"/>, sent to <paramref name="from"/>:
    /// the decoded reply, or a <see cref="PeerFailure"/>. Responses for finished operations are ignored.
    /// </summary>
    public void OnResponse(NodeId from, ulong operationId, NodeResponse response, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response is not PeerFailure && !from.IsDefault)
        {
            ReportAnswer(from, nowMs);
        }

        if (TryAntiEntropyResponse(operationId, response, nowMs)
            || TryOnGossipResponse(from, operationId, response, nowMs)
            || TryOnDeliveryResponse(operationId, response, nowMs))
        {
            return;
        }

        if (response is PeerFailure && !from.IsDefault)
        {
            ReportFailure(from);
        }

        if (!_sends.Remove(operationId, out var pending))
        {
            Stats.LateResponses++;
            return;
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
    }

    /// <summary>
    /// Time passes: operations whose deadline passed end (Timeout, or read repair) and are cleaned up; the failure
    /// detector applies its timeout; gossip and hinted handoff run on their schedules.
    /// </summary>
    public void OnTick(long nowMs)
    {
        TickMembership(nowMs);
        TickHandoff(nowMs);
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
                    ReplyIfOpen(get, ClientStatus.Timeout, get.R, get.Successes, TimeoutMessage(get.R, get.Successes, "answered"));
                    break;
                case PutOperation put:
                    ReplyIfOpen(put, ClientStatus.Timeout, put.W, put.Acks, TimeoutMessage(put.W, put.Acks, "acknowledged"));
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

        AntiEntropyTick(nowMs);
    }

    /// <summary>Appends the pending effects to <paramref name="into"/>, in the order they arose, and clears them.</summary>
    public void DrainEffects(List<NodeEffect> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        into.AddRange(_effects);
        _effects.Clear();
    }

    private static string TimeoutMessage(int required, int received, string verb) =>
        $"The deadline passed with {received} of the {required} required replicas {verb}.";

    private static ClientResult Failure(ClientStatus status, int required, int received, string message) =>
        new(status, null, CausalContext.Empty, required, received, message);

    private void OnClientCommand(ulong replyToken, ClientCommand command, long nowMs)
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

        var props = _buckets.GetValueOrDefault(command.Bucket, Options.Defaults);
        var isGet = command.Operation == ClientOperation.Get;
        var quorum = isGet ? (command.R == 0 ? props.R : command.R) : (command.W == 0 ? props.W : command.W);
        var timeoutMs = command.TimeoutMs == 0 ? props.TimeoutMs : command.TimeoutMs;
        var error = Validate(command, props.N, quorum, timeoutMs);
        if (error is not null)
        {
            Stats.BadRequests++;
            Emit(new Reply(replyToken, Failure(ClientStatus.BadRequest, 0, 0, error)));
            return;
        }

        if (!Ring.TryGetPreferenceList(KeyHash.Of(command.Bucket, command.Key), props.N, out var list))
        {
            Stats.Unavailable++;
            var members = Ring.Members.Length;
            Emit(new Reply(replyToken, Failure(ClientStatus.Unavailable, props.N, members,
                $"The bucket keeps N = {props.N} replicas; the ring has only {members} members.")));
            return;
        }

        if (_operations.Count >= Options.OperationsInFlightMax)
        {
            Stats.Overloads++;
            Emit(new Reply(replyToken, Failure(ClientStatus.Overloaded, 0, 0,
                $"The node has {_operations.Count} operations in flight, its limit; retry later.")));
            return;
        }

        var deadlineMs = nowMs + timeoutMs;
        var primaries = list.Primaries.ToArray();
        if (command.Strict && !StrictQuorumPossible(replyToken, primaries, quorum, isGet))
        {
            return;
        }

        if (isGet)
        {
            StartGet(new GetOperation(NextId(), replyToken, deadlineMs, command, Plan(primaries, list.Fallbacks), quorum));
        }
        else if (Array.IndexOf(primaries, Options.Self) >= 0)
        {
            StartPut(replyToken, command, Plan(primaries, list.Fallbacks), quorum, deadlineMs);
        }
        else
        {
            Stats.Forwarded++;
            var forward = new ForwardOperation(NextId(), replyToken, deadlineMs, command, LiveFirst(primaries), quorum);
            Register(forward);
            ForwardToNext(forward, nowMs);
        }
    }

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

    private void StartGet(GetOperation get)
    {
        Register(get);
        var read = new ReplicaRead(get.Command.Bucket, get.Command.Key);
        var local = -1;
        var skipped = new List<int>();
        for (var slot = 0; slot < get.Replicas.Length; slot++)
        {
            if (get.Replicas[slot] == Options.Self)
            {
                local = slot;
            }
            else if (IsUp(get.Replicas[slot]))
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
        var probe = CountedSlots(get, local, skipped) < get.R;
        foreach (var slot in probe ? skipped : [])
        {
            SendFor(get, slot, read);
        }

        if (local >= 0)
        {
            OnReplicaRead(get, local, succeeded: true, ReadLocal(get.Command.Bucket, get.Command.Key));
        }

        foreach (var slot in probe ? [] : skipped)
        {
            OnReplicaRead(get, slot, succeeded: false, null);
        }
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
            get.Successes += get.Counts(slot) ? 1 : 0;
            if (set is not null)
            {
                get.Merged = get.Merged.Merge(set);
            }
        }
        else if (TryReroute(get, slot, new ReplicaRead(get.Command.Bucket, get.Command.Key)))
        {
            return;
        }
        else
        {
            get.States[slot] = SlotState.Failed;
            get.Failures++;
        }

        if (!get.Replied && get.Successes >= get.R)
        {
            get.Replied = true;
            Emit(new Reply(get.ReplyToken, new ClientResult(
                ClientStatus.Ok, get.Merged, get.Merged.Context, get.R, get.Successes, null)));
        }
        else if (!get.Replied && get.Successes + get.PendingCounted() < get.R)
        {
            Stats.QuorumFailures++;
            ReplyIfOpen(get, ClientStatus.QuorumNotMet, get.R, get.Successes,
                $"{get.Failures} of {get.Replicas.Length} replicas failed; R = {get.R} cannot be reached.");
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
        if (get.Merged.Count == 0)
        {
            return;
        }

        if (!FitsObjectBound(get.Merged))
        {
            // Concurrent writes merged past the object bound (or a replica sent no values): nothing can store it, so
            // the replicas stay as they are until a client resolves the siblings with the read's context.
            Stats.RepairsSkippedTooLarge++;
            return;
        }

        ReplicaWrite? repair = null;
        for (var slot = 0; slot < get.Replicas.Length; slot++)
        {
            if (get.States[slot] != SlotState.Succeeded || get.Merged.Equals(get.Sets[slot]))
            {
                continue;
            }

            Stats.ReadRepairs++;
            if (get.Replicas[slot] != get.Targets[slot])
            {
                // A fallback keeps the repair as a hint for the primary it stands in for, not as its own replica.
                RepairAsHint(get, slot);
            }
            else if (get.Replicas[slot] == Options.Self)
            {
                // A failed store cannot take the repair; it is counted, and the next read or anti-entropy retries.
                TryMergeLocal(get.Command.Bucket, get.Command.Key, get.Merged);
            }
            else
            {
                repair ??= new ReplicaWrite(get.Command.Bucket, get.Command.Key, get.Merged);
                Emit(new Send(get.Replicas[slot], NextId(), repair));
            }
        }
    }

    private void StartPut(ulong replyToken, ClientCommand command, ReplicaPlan plan, int w, long deadlineMs)
    {
        if (_store.Failure is { } failed)
        {
            ReplyStorageFailed(replyToken, w, failed);
            return;
        }

        var local = _store.Read(command.Bucket, command.Key) ?? SiblingSet.Empty;
        var isTombstone = command.Operation == ClientOperation.Delete;
        var value = isTombstone ? ReadOnlyMemory<byte>.Empty : command.Value;
        if (!local.TryPut(_actor, command.Context ?? CausalContext.Empty, value, isTombstone, out var written, out var error))
        {
            Stats.VersionLimits++;
            Emit(new Reply(replyToken, Failure(ClientStatus.VersionLimit, w, 0, error.Message)));
            return;
        }

        // Every stored object fits one frame with its key (docs/VERSIONS.md § Objects over the bound): a write that
        // would leave more is refused before anything is stored, and the client resolves the siblings instead.
        if (!SiblingSetCodec.FitsObjectBound(written, out var size))
        {
            Stats.WritesRefusedTooLarge++;
            Emit(new Reply(replyToken, Failure(ClientStatus.TooLarge, w, 0, ObjectBoundMessage(command.Key, written, size))));
            return;
        }

        // The local write is applied before any acknowledgement that depends on it leaves the node.
        try
        {
            _store.Write(command.Bucket, command.Key, written);
            OnLocalWrite(command.Bucket, command.Key, written);
        }
        catch (StorageFailedException e)
        {
            ReplyStorageFailed(replyToken, w, e.Message);
            return;
        }

        var put = new PutOperation(NextId(), replyToken, deadlineMs, command, plan, w, written);
        Register(put);
        var localSlot = Array.IndexOf(plan.Replicas, Options.Self);
        var skipped = new List<int>();
        for (var slot = 0; slot < plan.Replicas.Length; slot++)
        {
            if (slot == localSlot)
            {
                continue;
            }

            if (IsUp(plan.Replicas[slot]))
            {
                SendFor(put, slot, WriteFor(put, slot));
            }
            else
            {
                skipped.Add(slot);
            }
        }

        // As for a get: a primary believed down is written anyway when W cannot be reached without it.
        var probe = CountedSlots(put, localSlot, skipped) < put.W;
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
            put.Acks += put.Counts(slot) ? 1 : 0;
        }
        else if (TryReroute(put, slot, null))
        {
            return;
        }
        else
        {
            put.States[slot] = SlotState.Failed;
            put.Failures++;
            KeepHintForMissedPrimary(put, slot);
        }

        if (!put.Replied && put.Acks >= put.W)
        {
            put.Replied = true;
            var context = put.Command.ReturnContext ? put.Written.Context : CausalContext.Empty;
            Emit(new Reply(put.ReplyToken, new ClientResult(ClientStatus.Ok, null, context, put.W, put.Acks, null)));
        }
        else if (!put.Replied && put.Acks + put.PendingCounted() < put.W)
        {
            Stats.QuorumFailures++;
            ReplyIfOpen(put, ClientStatus.QuorumNotMet, put.W, put.Acks,
                $"{put.Failures} of {put.Replicas.Length} replicas failed; W = {put.W} cannot be reached.");
        }

        if (!put.AnyPending())
        {
            Finish(put);
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
        if (forward.Next == forward.Replicas.Length || !IsUp(forward.Replicas[forward.Next]))
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
            Emit(new Reply(forward.ReplyToken, result));
            Finish(forward);
            return;
        }

        forward.States[slot] = SlotState.Failed;
        ForwardToNext(forward, nowMs);
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
        Emit(new Reply(operation.ReplyToken, Failure(status, required, received, message)));
    }

    private void ReplyStorageFailed(ulong replyToken, int w, string failure)
    {
        Stats.StorageFailures++;
        Emit(new Reply(replyToken, Failure(ClientStatus.StorageFailed, w, 0, "The node's storage has failed: " + failure)));
    }

    /// <summary>
    /// Merges <paramref name="set"/> into the local replica; returns null, or the refusal to answer with: the store
    /// failed (StorageFailed), or the merge would pass <see cref="Limits.ObjectBytesMax"/> (TooLarge, nothing stored).
    /// </summary>
    private ClientResult? TryMergeLocal(byte[] bucket, byte[] key, SiblingSet set)
    {
        Invariant.Check(!set.HasOmittedValues);
        if (_store.Failure is { } failed)
        {
            Stats.StorageFailures++;
            return Failure(ClientStatus.StorageFailed, 0, 0, failed);
        }

        var local = _store.Read(bucket, key);
        var merged = local is null ? set : local.Merge(set);
        if (!ReferenceEquals(merged, local) && (local is not null || merged.Count > 0))
        {
            if (!SiblingSetCodec.FitsObjectBound(merged, out var size))
            {
                Stats.MergesRefusedTooLarge++;
                return Failure(ClientStatus.TooLarge, 0, 0, ObjectBoundMessage(key, merged, size));
            }

            try
            {
                _store.Write(bucket, key, merged);
                OnLocalWrite(bucket, key, merged);
            }
            catch (StorageFailedException e)
            {
                Stats.StorageFailures++;
                return Failure(ClientStatus.StorageFailed, 0, 0, e.Message);
            }
        }

        return null;
    }

    /// <summary>Whether a merged object may be stored or sent as a write: every value present, within the bound.</summary>
    private static bool FitsObjectBound(SiblingSet set) => !set.HasOmittedValues && SiblingSetCodec.FitsObjectBound(set, out _);

    /// <summary>Why a write or merge was refused at the object bound, and how the client resolves the key.</summary>
    private static string ObjectBoundMessage(byte[] key, SiblingSet set, long size)
    {
        var live = set.Siblings.Count(s => !s.IsTombstone);
        return $"The write to key {KeyText(key)} would leave {live} sibling values of {size} bytes in all, over the object "
            + $"bound of {Limits.ObjectBytesMax} bytes; nothing was stored. Resolve the siblings: read the key with its "
            + "context (dynamo-cli: GET key WITHCTX) and write one value, or delete, with that context (SET key value CTX=<context>).";
    }

    /// <summary>A key for a message: its text when it is short printable UTF-8, else its first bytes in hex.</summary>
    private static string KeyText(byte[] key)
    {
        const int Max = 64;
        var shown = key.AsSpan(0, Math.Min(key.Length, Max));
        var more = key.Length > Max ? "..." : string.Empty;
        return System.Text.Unicode.Utf8.IsValid(shown) && !Encoding.UTF8.GetString(shown).Any(char.IsControl)
            ? $"'{Encoding.UTF8.GetString(shown)}{more}'"
            : $"0x{Convert.ToHexString(shown)}{more}";
    }

    private void SendFor(Operation operation, int slot, NodeRequest request)
    {
        var id = NextId();
        operation.SendIds[slot] = id;
        _sends.Add(id, (operation, slot));
        Emit(new Send(operation.Replicas[slot], id, request));
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

        _operations.Remove(operation.Id);
        Stats.OperationsInFlight = _operations.Count;
    }

    private ulong NextId() => ++_lastId;

    private void Emit(NodeEffect effect) => _effects.Add(effect);
}
