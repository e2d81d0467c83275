using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>How a client command ended.</summary>
public enum ClientStatus
{
    /// <summary>Done: enough replicas answered.</summary>
    Ok,

    /// <summary>The command's arguments were out of range (R, W or the timeout).</summary>
    BadRequest,

    /// <summary>Too many replicas failed for R or W to be reached (see required and received).</summary>
    QuorumNotMet,

    /// <summary>The deadline passed before enough replicas answered.</summary>
    Timeout,

    /// <summary>The ring has fewer members than N (required N, received the member count).</summary>
    Unavailable,

    /// <summary>The put would exceed a version bound; resolve siblings by writing back with a read's context.</summary>
    VersionLimit,

    /// <summary>The node holds as many operations in flight as it may; retry later.</summary>
    Overloaded,

    /// <summary>The node's storage failed (an fsync or append error) and refuses writes until restarted; the message says why.</summary>
    StorageFailed,

    /// <summary>
    /// The write would leave the key's sibling set over <see cref="Limits.ObjectBytesMax"/>; nothing was stored. The
    /// client resolves by reading the key and writing one value (or deleting) with the read's context.
    /// </summary>
    TooLarge,
}

/// <summary>A reply to a <see cref="NodeRequest"/>, or the shell's report that a request to a peer failed.</summary>
public abstract record NodeResponse;

/// <summary>The outcome of a <see cref="ClientCommand"/>.</summary>
/// <param name="Status">How the command ended.</param>
/// <param name="Siblings">For a get: the merged sibling set (maybe empty, maybe only tombstones); otherwise null.</param>
/// <param name="Context">For a get: the read's context; for a put asked to return it: the key's new context;
/// otherwise empty.</param>
/// <param name="Required">Replicas (or members) the command needed: R, W or N.</param>
/// <param name="Received">Replicas that answered successfully (or members, for Unavailable).</param>
/// <param name="Message">Why it failed, for the client; null when Ok.</param>
public sealed record ClientResult(
    ClientStatus Status,
    SiblingSet? Siblings,
    CausalContext Context,
    int Required,
    int Received,
    string? Message) : NodeResponse;

/// <summary>A replica's copy of a key.</summary>
/// <param name="Set">The replica's sibling set; null when it holds nothing for the key.</param>
public sealed record ReplicaReadResult(SiblingSet? Set) : NodeResponse;

/// <summary>A replica merged and persisted a <see cref="ReplicaWrite"/>.</summary>
public sealed record ReplicaWriteAck : NodeResponse;

/// <summary>
/// Produced only by the shell, as the response to a <see cref="Send"/>: the request could not be delivered, or the
/// connection dropped before the reply, or the reply could not be read. The core takes it as a sign the peer may be
/// down. A peer that answers with an error is up: the shell gives that answer as a <see cref="ClientResult"/> with the
/// peer's status, as it does for a request it could not encode (TooLarge or BadRequest), and the core does not count
/// either against the peer's health.
/// </summary>
/// <param name="Reason">What went wrong, for logs and messages.</param>
public sealed record PeerFailure(string Reason) : NodeResponse;

/// <summary>The answer to a <see cref="SetBucketProps"/>: the bucket's entry after the change.</summary>
/// <param name="Entry">The bucket's name, new properties and their version.</param>
public sealed record BucketPropsResult(BucketEntry Entry) : NodeResponse;
