using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>How a shell's <see cref="INodeShell.Persist"/> went.</summary>
public enum PersistOutcome
{
    /// <summary>The stores are durable as the durability mode defines it: the batch's effects may leave.</summary>
    Done,

    /// <summary>Making them durable failed (an fsync error): none of the batch's effects may leave.</summary>
    Failed,

    /// <summary>The node stopped in the middle of the batch (a simulated crash): nothing more happens this turn.</summary>
    Halted,
}

/// <summary>
/// What a shell does for <see cref="NodeTurn"/>: make the stores durable, send to peers, answer requests. The server's
/// node loop and every simulation implement it; the turn itself, the order of these calls and what happens when one
/// fails, is the same for all of them.
/// </summary>
public interface INodeShell
{
    /// <summary>
    /// Makes the writes staged in <paramref name="stores"/> durable (an fsync in the <c>always</c> mode; nothing to do
    /// in a mode that syncs on its own schedule). On <see cref="PersistOutcome.Failed"/>, <paramref name="reason"/>
    /// says why.
    /// </summary>
    PersistOutcome Persist(PersistStores stores, out string? reason);

    /// <summary>Sends to a peer; false, with the reason, when it cannot go now (the core gets a failure at once).</summary>
    bool TrySend(Send send, out string reason);

    /// <summary>Sends to a seed by address; false, with the reason, when it cannot go now.</summary>
    bool TrySend(SendToAddress send, out string reason);

    /// <summary>Answers the request that came with the reply's token.</summary>
    void Reply(Reply reply);
}

/// <summary>
/// One turn of a node, the same in the server and in every simulation: after the shell fed the core a batch of
/// inputs, <see cref="Complete"/> drains the core's effects and carries them out, in order: a <see cref="Persist"/>
/// first (the group commit: one fsync for the batch), and only once it is done, the replies and sends that may depend
/// on those writes. When the persist fails, none of the batch's effects leave: replies become StorageFailed errors,
/// and sends are answered to the core with a <see cref="PeerFailure"/>, as an unreachable peer's would be. A send the
/// shell cannot make now is answered the same way, in the same turn, so the core learns of a dead peer without
/// waiting for a deadline; the turn goes on until the core has no effects left.
/// </summary>
public sealed class NodeTurn(NodeCore core, INodeShell shell)
{
    /// <summary>Most rounds of effects one turn carries out: each round answers refused sends, which may emit more.</summary>
    private const int RoundsMax = 1024;

    private readonly List<NodeEffect> _effects = [];
    private readonly List<(NodeId From, ulong OperationId, NodeResponse Response)> _refused = [];

    /// <summary>The core the turn drives.</summary>
    public NodeCore Core => core;

    /// <summary>Persists that failed since the turn was created (for tests and Info).</summary>
    public long PersistFailures { get; private set; }

    /// <summary>
    /// Carries out the core's effects until it has none left. Returns false when the shell halted (the node stopped
    /// in the middle of the batch): the rest of the batch's effects were dropped.
    /// </summary>
    public bool Complete(long nowMs)
    {
        for (var round = 0; ; round++)
        {
            Invariant.Check(round < RoundsMax);
            foreach (var (from, operationId, response) in _refused)
            {
                core.OnResponse(from, operationId, response, nowMs);
            }

            _refused.Clear();
            _effects.Clear();
            core.DrainEffects(_effects);
            if (_effects.Count == 0)
            {
                Invariant.Check(_refused.Count == 0);
                return true;
            }

            if (!CarryBatch())
            {
                _effects.Clear();
                return false;
            }
        }
    }

    /// <summary>One drained batch: its persist, then its effects (or their refusals, when the persist failed).</summary>
    private bool CarryBatch()
    {
        string? failure = null;
        var first = 0;
        if (_effects[0] is Persist persist)
        {
            first = 1;
            switch (shell.Persist(persist.Stores, out var reason))
            {
                case PersistOutcome.Halted:
                    return false;
                case PersistOutcome.Failed:
                    PersistFailures++;
                    failure = "The node's storage failed: " + (reason ?? "the fsync failed");
                    break;
            }
        }

        for (var i = first; i < _effects.Count; i++)
        {
            // Turn ordering: the core emits one persist per drain, and before everything that may depend on it.
            Invariant.Check(_effects[i] is not Persist);
            if (failure is null)
            {
                Carry(_effects[i]);
            }
            else
            {
                Withhold(_effects[i], failure);
            }
        }

        return true;
    }

    private void Carry(NodeEffect effect)
    {
        switch (effect)
        {
            case Reply reply:
                shell.Reply(reply);
                break;
            case Send send:
                if (!shell.TrySend(send, out var reason))
                {
                    _refused.Add((send.To, send.OperationId, new PeerFailure(reason)));
                }

                break;
            case SendToAddress send:
                if (!shell.TrySend(send, out var why))
                {
                    _refused.Add((default, send.OperationId, new PeerFailure(why)));
                }

                break;
            default:
                throw new InvalidOperationException($"The core emitted an effect the turn does not know: {effect}.");
        }
    }

    /// <summary>
    /// The batch's persist failed: the effect must not leave. A reply becomes a StorageFailed error (a replica write
    /// answered so is a failed replica for its coordinator); a send fails at once, as an unreachable peer would.
    /// </summary>
    private void Withhold(NodeEffect effect, string failure)
    {
        switch (effect)
        {
            case Reply reply:
                shell.Reply(reply with
                {
                    Response = new ClientResult(ClientStatus.StorageFailed, null, CausalContext.Empty, 0, 0, failure),
                });
                break;
            case Send send:
                _refused.Add((send.To, send.OperationId, new PeerFailure("Not sent: " + failure)));
                break;
            case SendToAddress send:
                _refused.Add((default, send.OperationId, new PeerFailure("Not sent: " + failure)));
                break;
            default:
                throw new InvalidOperationException($"The core emitted an effect the turn does not know: {effect}.");
        }
    }
}
