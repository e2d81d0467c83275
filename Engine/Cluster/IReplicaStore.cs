using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Cluster;

/// <summary>
/// Where a node keeps its replicas' sibling sets. Only the node loop touches it, so it need not be thread-safe.
/// A <see cref="Write"/> is applied before the core emits any acknowledgement that depends on it.
/// </summary>
public interface IReplicaStore
{
    /// <summary>How many keys the store holds.</summary>
    long KeyCount { get; }

    /// <summary>
    /// Null while the store is healthy; otherwise why it failed (a failed append or fsync). A failed store refuses
    /// writes (they throw <c>StorageFailedException</c>); reads go on.
    /// </summary>
    string? Failure { get; }

    /// <summary>The stored set of a key, or null when the store holds nothing for it.</summary>
    SiblingSet? Read(byte[] bucket, byte[] key);

    /// <summary>Replaces the stored set of a key.</summary>
    void Write(byte[] bucket, byte[] key, SiblingSet set);

    /// <summary>
    /// Every key the store holds (present keys only), in no particular order, as the store's own arrays, which callers
    /// must not change. The enumeration is not valid across writes: callers that write copy what they need first.
    /// </summary>
    IEnumerable<(byte[] Bucket, byte[] Key)> Keys();
}
