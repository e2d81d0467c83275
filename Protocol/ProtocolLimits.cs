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

    /// <summary>Most siblings in one get reply.</summary>
    public const int SiblingsMax = 1024;
}
