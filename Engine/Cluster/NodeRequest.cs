using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>What a client asks of a coordinator.</summary>
public enum ClientOperation
{
    /// <summary>Read a key.</summary>
    Get,

    /// <summary>Write a value.</summary>
    Put,

    /// <summary>Write a tombstone.</summary>
    Delete,
}

/// <summary>An input to a node core that expects a reply (a <see cref="Reply"/> effect with its token).</summary>
public abstract record NodeRequest;

/// <summary>
/// A client's get, put or delete. Sent to a peer (a <see cref="Send"/> effect) it is a forward: the shell sends it
/// as an ordinary client frame and maps the reply to a <see cref="ClientResult"/>.
/// </summary>
/// <param name="Operation">Get, Put or Delete.</param>
/// <param name="Bucket">The bucket's bytes (empty for the default bucket).</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="Value">The value of a put (ignored otherwise).</param>
/// <param name="Context">The causal context of the client's last read (empty for a blind write).</param>
/// <param name="R">Replicas that must answer a get; 0 means the bucket's default.</param>
/// <param name="W">Replicas that must acknowledge a put or delete; 0 means the bucket's default.</param>
/// <param name="TimeoutMs">The request's deadline; 0 means the bucket's default.</param>
/// <param name="ReturnContext">For a put or delete: return the key's context after the write.</param>
/// <param name="Strict">Strict quorum (Riak's PR/PW): only the key's primaries count toward R or W, never fallbacks.</param>
public sealed record ClientCommand(
    ClientOperation Operation,
    byte[] Bucket,
    byte[] Key,
    ReadOnlyMemory<byte> Value,
    CausalContext Context,
    int R,
    int W,
    int TimeoutMs,
    bool ReturnContext,
    bool Strict = false) : NodeRequest;

/// <summary>A coordinator asks this node for its copy of a key.</summary>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
public sealed record ReplicaRead(byte[] Bucket, byte[] Key) : NodeRequest;

/// <summary>A coordinator (or read repair) asks this node to merge a sibling set into its copy, persist it and ack.</summary>
/// <param name="Bucket">The bucket's bytes.</param>
/// <param name="Key">The key's bytes.</param>
/// <param name="Set">The sibling set to merge.</param>
public sealed record ReplicaWrite(byte[] Bucket, byte[] Key, SiblingSet Set) : NodeRequest;

/// <summary>
/// A client's change to a bucket's properties (docs/CLUSTER.md § Bucket properties): the node that receives it applies
/// it to its bucket table with a new version, and gossip spreads it. Each of N, R, W and the timeout that is 0 keeps
/// the bucket's current value. The answer is a <see cref="BucketPropsResult"/>, or a BadRequest
/// <see cref="ClientResult"/> saying why the change was refused (nothing changed then).
/// </summary>
/// <param name="Name">The bucket's name, 1 to <see cref="Limits.BucketNameBytesMax"/> bytes of UTF-8.</param>
/// <param name="N">Replicas per key; 0 keeps the current value.</param>
/// <param name="R">Read quorum; 0 keeps the current value.</param>
/// <param name="W">Write quorum; 0 keeps the current value.</param>
/// <param name="TimeoutMs">Request deadline in milliseconds; 0 keeps the current value.</param>
public sealed record SetBucketProps(string Name, int N, int R, int W, int TimeoutMs) : NodeRequest;
