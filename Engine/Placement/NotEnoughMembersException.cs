namespace Dynamo.Engine.Placement;

/// <summary>
/// An operating error: a preference list of N nodes was asked of a ring with fewer than N members. Carries both
/// figures so the caller can report them (for example as a quorum error to the client).
/// </summary>
public sealed class NotEnoughMembersException : Exception
{
    /// <summary>Creates the exception for <paramref name="required"/> replicas and <paramref name="available"/> members.</summary>
    public NotEnoughMembersException(int required, int available)
        : base($"A preference list of N = {required} needs {required} distinct nodes; the ring has {available} members.")
    {
        Required = required;
        Available = available;
    }

    /// <summary>Creates the exception.</summary>
    public NotEnoughMembersException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NotEnoughMembersException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public NotEnoughMembersException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The replication factor N that was asked for.</summary>
    public int Required { get; }

    /// <summary>The number of members the ring has.</summary>
    public int Available { get; }
}
