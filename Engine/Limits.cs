namespace Dynamo.Engine;

/// <summary>
/// Every limit of the deterministic core, in one place. Wire limits live in <c>Dynamo.Protocol.ProtocolLimits</c>.
/// Each name ends with its unit. docs/GLOSSARY.md and the format documents quote these values.
/// </summary>
public static class Limits
{
    /// <summary>Longest node id, in bytes (node ids are ASCII).</summary>
    public const int NodeIdBytesMax = 64;

    /// <summary>Fewest ring partitions (a power of two).</summary>
    public const int PartitionsMin = 8;

    /// <summary>Most ring partitions (a power of two).</summary>
    public const int PartitionsMax = 65536;

    /// <summary>Default ring size: far more partitions than nodes, so each node holds many.</summary>
    public const int PartitionsDefault = 1024;

    /// <summary>Most members of one ring.</summary>
    public const int MembersMax = 1024;

    /// <summary>Largest replication factor N.</summary>
    public const int ReplicasMax = 16;
}
