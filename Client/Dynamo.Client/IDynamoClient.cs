namespace Dynamo.Client;

/// <summary>
/// The operations of a Dynamo client, as <see cref="DynamoClient"/> implements them; an interface so that code over
/// the driver (the CLI, applications) can be tested without a cluster.
/// </summary>
public interface IDynamoClient
{
    /// <summary>Reads a key: its live values (several when writes were concurrent) and the context to write back with.</summary>
    Task<GetResult> GetAsync(ReadOnlyMemory<byte> key, GetOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Writes a value; <paramref name="context"/> (from a get) says which versions it supersedes.</summary>
    Task<PutResult> PutAsync(
        ReadOnlyMemory<byte> key,
        ReadOnlyMemory<byte> value,
        DynamoContext? context = null,
        PutOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a key: writes a tombstone superseding the versions <paramref name="context"/> names. Without a context
    /// the key is read first (at the default R: the client's, else the bucket's) and the tombstone supersedes every
    /// version that read returned; a key the read does not find is left alone. Each of the two round trips has the
    /// request's timeout.
    /// </summary>
    Task DeleteAsync(
        ReadOnlyMemory<byte> key, DynamoContext? context = null, DeleteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Checks that a node answers; returns the round-trip time.</summary>
    Task<TimeSpan> PingAsync(string? endpoint = null, CancellationToken cancellationToken = default);

    /// <summary>A node's status as <c>field:value</c> lines.</summary>
    Task<string> GetInfoAsync(string? endpoint = null, CancellationToken cancellationToken = default);

    /// <summary>Asks a node for the cluster information (members, ring, defaults).</summary>
    Task<ClusterInfo> GetClusterInfoAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks one node to run anti-entropy now: an exchange of every partition it holds with every peer that shares it,
    /// repairing the keys that differ. Returns what the exchanges found and repaired.
    /// </summary>
    Task<RepairResult> RepairAsync(string? endpoint = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes a bucket's properties in the cluster's bucket table: the node that receives the request applies the
    /// change with a new version and gossip spreads it to every node, whose coordinators then use it. Each value left
    /// null keeps the bucket's current one. Returns the bucket's settings after the change.
    /// </summary>
    Task<BucketSettings> SetBucketPropsAsync(
        string bucket, int? n = null, int? r = null, int? w = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the cluster information again and returns <paramref name="bucket"/>'s settings from its bucket table, or
    /// null when the bucket has none (it takes the defaults).
    /// </summary>
    Task<BucketSettings?> GetBucketPropsAsync(string bucket, CancellationToken cancellationToken = default);
}
