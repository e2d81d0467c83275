namespace Dynamo.Engine.Versions;

/// <summary>
/// The writer of a version: a node in one epoch of its data. A node that lost its data comes back with a new epoch,
/// so it never reuses the counters of its earlier life (the fix for Riak issue KV679, where a wiped replica reissued
/// old counters and acknowledged writes were dropped as already seen). Actors order by node id (ordinal), then epoch.
/// </summary>
public readonly struct Actor : IEquatable<Actor>, IComparable<Actor>
{
    /// <summary>Creates an actor; <paramref name="node"/> must not be the default node id.</summary>
    public Actor(NodeId node, uint epoch)
    {
        if (node.IsDefault)
        {
            throw new ArgumentException("An actor needs a node id; the default NodeId names no node.", nameof(node));
        }

        Node = node;
        Epoch = epoch;
    }

    /// <summary>The node that coordinated the write.</summary>
    public NodeId Node { get; }

    /// <summary>The node's data epoch: raised each time the node starts again without its earlier data.</summary>
    public uint Epoch { get; }

    /// <inheritdoc/>
    public bool Equals(Actor other) => Node == other.Node && Epoch == other.Epoch;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Actor other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Node, Epoch);

    /// <inheritdoc/>
    public int CompareTo(Actor other)
    {
        var byNode = Node.CompareTo(other.Node);
        return byNode != 0 ? byNode : Epoch.CompareTo(other.Epoch);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Node}#{Epoch}";

    /// <summary>Equality.</summary>
    public static bool operator ==(Actor left, Actor right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Actor left, Actor right) => !left.Equals(right);

    /// <summary>Order by node, then epoch.</summary>
    public static bool operator <(Actor left, Actor right) => left.CompareTo(right) < 0;

    /// <summary>Order by node, then epoch.</summary>
    public static bool operator >(Actor left, Actor right) => left.CompareTo(right) > 0;

    /// <summary>Order by node, then epoch.</summary>
    public static bool operator <=(Actor left, Actor right) => left.CompareTo(right) <= 0;

    /// <summary>Order by node, then epoch.</summary>
    public static bool operator >=(Actor left, Actor right) => left.CompareTo(right) >= 0;
}
