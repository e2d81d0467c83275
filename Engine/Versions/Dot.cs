namespace Dynamo.Engine.Versions;

/// <summary>
/// The unique id of one write event: the coordinating actor and that actor's counter for the key (1, 2, 3, ...).
/// Dots order by actor, then counter.
/// </summary>
public readonly struct Dot : IEquatable<Dot>, IComparable<Dot>
{
    /// <summary>Creates a dot; <paramref name="counter"/> is at least 1.</summary>
    public Dot(Actor actor, ulong counter)
    {
        if (counter == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(counter), "A dot's counter starts at 1.");
        }

        if (actor.Node.IsDefault)
        {
            throw new ArgumentException("A dot needs an actor; the default Actor names no node.", nameof(actor));
        }

        Actor = actor;
        Counter = counter;
    }

    /// <summary>The actor that made the write.</summary>
    public Actor Actor { get; }

    /// <summary>The actor's counter for this write, at least 1.</summary>
    public ulong Counter { get; }

    /// <inheritdoc/>
    public bool Equals(Dot other) => Counter == other.Counter && Actor.Equals(other.Actor);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Dot other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Actor, Counter);

    /// <inheritdoc/>
    public int CompareTo(Dot other)
    {
        var byActor = Actor.CompareTo(other.Actor);
        return byActor != 0 ? byActor : Counter.CompareTo(other.Counter);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Actor}:{Counter}";

    /// <summary>Equality.</summary>
    public static bool operator ==(Dot left, Dot right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Dot left, Dot right) => !left.Equals(right);

    /// <summary>Order by actor, then counter.</summary>
    public static bool operator <(Dot left, Dot right) => left.CompareTo(right) < 0;

    /// <summary>Order by actor, then counter.</summary>
    public static bool operator >(Dot left, Dot right) => left.CompareTo(right) > 0;

    /// <summary>Order by actor, then counter.</summary>
    public static bool operator <=(Dot left, Dot right) => left.CompareTo(right) <= 0;

    /// <summary>Order by actor, then counter.</summary>
    public static bool operator >=(Dot left, Dot right) => left.CompareTo(right) >= 0;
}
