using System.Diagnostics.CodeAnalysis;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Simulation.Tests;

/// <summary>
/// A node's hint store as a crash sees it: the core works on an <see cref="InMemoryHintStore"/>, and the changes of
/// a batch become durable only at the batch's group commit (<see cref="Commit"/>), the same fsync as the replica
/// store's (IHintStore's contract). A crash (<see cref="Crash"/>) throws away the changes not committed: the store
/// comes back as of the last commit, so it models exactly the synced state.
/// </summary>
internal sealed class SimHintStore : IHintStore
{
    private readonly InMemoryHintStore _durable;
    private readonly List<Action<InMemoryHintStore>> _uncommitted = [];
    private InMemoryHintStore _current;

    public SimHintStore(int hintsPerTargetMax)
    {
        _durable = new InMemoryHintStore(hintsPerTargetMax);
        _current = new InMemoryHintStore(hintsPerTargetMax);
    }

    public string? Failure => null;

    public int HintsPerTargetMax => _current.HintsPerTargetMax;

    public IReadOnlyCollection<NodeId> Targets => _current.Targets;

    /// <summary>Hinted keys pending over all targets.</summary>
    public int Count => _current.Count;

    public int PendingFor(NodeId target) => _current.PendingFor(target);

    public bool TryAdd(NodeId target, byte[] bucket, byte[] key, SiblingSet set, [NotNullWhen(false)] out string? refusal)
    {
        if (!_current.TryAdd(target, bucket, key, set, out refusal))
        {
            return false;
        }

        _uncommitted.Add(store => store.TryAdd(target, bucket, key, set, out _));
        return true;
    }

    public IReadOnlyList<Hint> Peek(NodeId target, int max) => _current.Peek(target, max);

    public void Remove(NodeId target, byte[] bucket, byte[] key, SiblingSet delivered)
    {
        _current.Remove(target, bucket, key, delivered);
        _uncommitted.Add(store => store.Remove(target, bucket, key, delivered));
    }

    public SiblingSet? Find(NodeId target, byte[] bucket, byte[] key) => _current.Find(target, bucket, key);

    /// <summary>The group commit: the batch's changes are durable.</summary>
    public void Commit()
    {
        foreach (var change in _uncommitted)
        {
            change(_durable);
        }

        _uncommitted.Clear();
    }

    /// <summary>A crash: what was not committed is gone; the store holds what the last commit left.</summary>
    public void Crash()
    {
        _uncommitted.Clear();
        _current = new InMemoryHintStore(_durable.HintsPerTargetMax);
        foreach (var target in _durable.Targets.Order())
        {
            foreach (var hint in _durable.Peek(target, int.MaxValue))
            {
                Invariant.Check(_current.TryAdd(hint.Target, hint.Bucket, hint.Key, hint.Set, out _));
            }
        }
    }
}
