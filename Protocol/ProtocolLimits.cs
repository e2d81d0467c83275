namespace Dynamo.Protocol;

/// <summary>
/// Every limit of the wire protocol, in one place; each name ends with its unit. docs/PROTOCOL.md quotes these
/// values. Sizes are checked against them before any memory is reserved.
/// </summary>
public static class ProtocolLimits
{
    /// <summary>Size of the fixed frame header.</summary>
    public const int FrameHeaderBytes = 24;

    /// <summary>Largest payload of one frame as sent on the wire (after compression).</summary>
    public const int FrameBytesMax = 16 * 1024 * 1024;

    /// <summary>Largest payload of one frame after decompression.</summary>
    public const int UncompressedFrameBytesMax = FrameBytesMax;

    /// <summary>Payloads larger than this are LZ4-compressed when that makes them smaller.</summary>
    public const int CompressionThresholdBytes = 1024;

    /// <summary>Longest bucket name.</summary>
    public const int BucketBytesMax = 255;

    /// <summary>Longest key.</summary>
    public const int KeyBytesMax = 4096;

    /// <summary>Largest value of one put.</summary>
    public const int ValueBytesMax = 8 * 1024 * 1024;

    /// <summary>Largest opaque causal context a client may send or receive.</summary>
    public const int ContextBytesMax = 64 * 1024;

    /// <summary>Largest encoded object (a key's whole sibling set) carried between replicas.</summary>
    public const int ObjectBytesMax = FrameBytesMax - (64 * 1024);

    /// <summary>Longest human-readable message in an error reply.</summary>
    public const int ErrorMessageBytesMax = 1024;

    /// <summary>Longest status text of an info reply.</summary>
    public const int InfoBytesMax = 64 * 1024;

    /// <summary>Longest node id or endpoint text in cluster information.</summary>
    public const int NameBytesMax = 255;

    /// <summary>Most members listed in cluster information.</summary>
    public const int MembersMax = 1024;

    /// <summary>Most ring partitions listed in cluster information.</summary>
    public const int PartitionsMax = 65536;

    /// <summary>Largest replication factor N a bucket may have (the engine's <c>Limits.ReplicasMax</c>; a test pins the two).</summary>
    public const int ReplicasMax = 16;

    /// <summary>
    /// Most buckets in a bucket table carried by gossip or cluster information (the engine's <c>Limits.BucketsMax</c>;
    /// a test pins the two).
    /// </summary>
    public const int BucketsMax = 256;

    /// <summary>Most siblings in one get reply.</summary>
    public const int SiblingsMax = 1024;

    /// <summary>Deepest level of a partition's hash tree (0 roots, 1 branches, 2 leaves).</summary>
    public const int TreeLevelMax = 2;

    /// <summary>
    /// Most tree node hashes (or indexes) in one anti-entropy tree comparison or its reply; at most 19 bytes each
    /// (two varints and a u64), so a full list stays near 1.2 MiB.
    /// </summary>
    public const int TreeHashesMax = 65536;

    /// <summary>Most tree leaves (segments) named in one keys comparison; at most 8 bytes each.</summary>
    public const int SegmentsMax = TreeHashesMax;

    /// <summary>
    /// Most keys listed in one keys comparison (the engine lists at most 4,096, and about 8 MiB of names). The whole
    /// payload must also fit <see cref="UncompressedFrameBytesMax"/>.
    /// </summary>
    public const int KeyVersionsMax = 4096;

    /// <summary>
    /// Most key copies in one keys comparison reply. The engine bounds a reply by the bytes of its sibling sets (about
    /// 8 MiB), so small sets make many copies; the whole payload must also fit <see cref="UncompressedFrameBytesMax"/>.
    /// </summary>
    public const int KeyCopiesMax = 1 << 20;
}
