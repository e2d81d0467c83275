namespace Dynamo.Engine.Versions;

/// <summary>Which bound of the version model a request ran into.</summary>
public enum VersionBound
{
    /// <summary>Siblings of one key: <see cref="Limits.SiblingsMax"/> for a put, <see cref="Limits.SiblingsStoredMax"/> for an encoded set.</summary>
    Siblings,

    /// <summary>Actors in one context: <see cref="Limits.VersionEntriesMax"/> (<see cref="Limits.SiblingSetActorsMax"/> for an encoded set).</summary>
    VersionEntries,

    /// <summary>Non-contiguous dots in one context: <see cref="Limits.VersionCloudDotsMax"/>.</summary>
    CloudDots,

    /// <summary>An actor's counter would pass the largest value a dot can hold; the node must take a new epoch.</summary>
    Counter,
}

/// <summary>A refused operation: which bound, its limit and the count the operation would have reached.</summary>
/// <param name="Bound">The bound.</param>
/// <param name="Limit">The limit in force.</param>
/// <param name="Count">The count the operation would have reached (more than <paramref name="Limit"/>).</param>
public readonly record struct VersionLimitError(VersionBound Bound, ulong Limit, ulong Count)
{
    /// <summary>A message for the client that says what to do.</summary>
    public string Message => Bound switch
    {
        VersionBound.Siblings =>
            $"The key would have {Count} siblings; the limit (SiblingsMax) is {Limit}. Resolve the siblings: read the key and write the merged value back with the context of that read.",
        VersionBound.VersionEntries =>
            $"The context would name {Count} actors; the limit (VersionEntriesMax) is {Limit}. Resolve the siblings: read the key and write the merged value back with the context of that read.",
        VersionBound.CloudDots =>
            $"The context would hold {Count} non-contiguous dots; the limit (VersionCloudDotsMax) is {Limit}. Resolve the siblings: read the key and write the merged value back with the context of that read.",
        _ =>
            $"The actor's counter would pass {Limit}; the node must start a new epoch before it coordinates writes to this key.",
    };
}

/// <summary>
/// An operation refused at a version bound. The state it was applied to is unchanged. Carries the
/// <see cref="Error"/> with the bound, the limit and the count.
/// </summary>
public sealed class VersionLimitException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public VersionLimitException(VersionLimitError error)
        : base(error.Message) => Error = error;

    /// <summary>Creates the exception.</summary>
    public VersionLimitException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public VersionLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public VersionLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The bound, the limit and the count.</summary>
    public VersionLimitError Error { get; }
}

/// <summary>Bytes that are not a valid encoded context or sibling set; <see cref="Exception.Message"/> says why.</summary>
public sealed class VersionFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VersionFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public VersionFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public VersionFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
