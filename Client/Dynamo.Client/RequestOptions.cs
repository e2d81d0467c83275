namespace Dynamo.Client;

/// <summary>What every request may set for itself; unset fields take the client's or the cluster's defaults.</summary>
public abstract class RequestOptions
{
    /// <summary>Only the driver's own option types derive from this.</summary>
    private protected RequestOptions()
    {
    }

    /// <summary>The bucket (UTF-8, at most 255 bytes); <see cref="DynamoClientOptions.DefaultBucket"/> when null.</summary>
    public string? Bucket { get; set; }

    /// <summary>The request's deadline; <see cref="DynamoClientOptions.DefaultTimeout"/> when null.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// The replication factor N the bucket uses, for routing and for checking R and W; the cluster's default N when
    /// null. Nodes apply their own bucket settings: this does not change how many replicas the node writes.
    /// </summary>
    public int? N { get; set; }

    /// <summary>
    /// Strict quorum (Riak's PR and PW): only the key's primary replicas count toward R or W. By default (false) the
    /// cluster uses a sloppy quorum: when a primary is believed down, a fallback node stands in for it and keeps the
    /// write as a hint until the primary is back, so writes stay available. With <c>Strict</c> a request that cannot
    /// reach R (or W) primaries fails with <see cref="QuorumNotMetException"/> instead. Null (the default) takes
    /// <see cref="DynamoClientOptions.DefaultStrict"/>.
    /// </summary>
    public bool? Strict { get; set; }
}

/// <summary>Per-request settings of a get.</summary>
public sealed class GetOptions : RequestOptions
{
    /// <summary>
    /// Replicas that must answer, from 1 to N; when null, <see cref="DynamoClientOptions.DefaultR"/>, or the bucket's
    /// default when that is null too.
    /// </summary>
    public int? R { get; set; }
}

/// <summary>Per-request settings of a put.</summary>
public sealed class PutOptions : RequestOptions
{
    /// <summary>
    /// Replicas that must acknowledge, from 1 to N; when null, <see cref="DynamoClientOptions.DefaultW"/>, or the
    /// bucket's default when that is null too.
    /// </summary>
    public int? W { get; set; }

    /// <summary>Asks the node for the new version's context, returned in <see cref="PutResult.Context"/>.</summary>
    public bool ReturnContext { get; set; }
}

/// <summary>Per-request settings of a delete.</summary>
public sealed class DeleteOptions : RequestOptions
{
    /// <summary>
    /// Replicas that must acknowledge the tombstone, from 1 to N; when null, <see cref="DynamoClientOptions.DefaultW"/>,
    /// or the bucket's default when that is null too.
    /// </summary>
    public int? W { get; set; }
}
