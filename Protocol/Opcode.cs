namespace Dynamo.Protocol;

/// <summary>
/// The kind of a frame. Requests use 0x01–0x7F; the reply to a request carries the request's opcode with the high
/// bit set (<c>request | 0x80</c>); <see cref="Error"/> answers any request that failed. Ranges are reserved for the
/// message families to come, so that adding them never renumbers what exists:
/// 0x01–0x0F client, 0x10–0x1F replica, 0x20–0x2F membership, 0x30–0x3F anti-entropy, 0x40–0x4F hints,
/// 0x50–0x5F administration.
/// </summary>
public enum Opcode : byte
{
    /// <summary>Liveness check; answered by <see cref="Pong"/>.</summary>
    Ping = 0x01,

    /// <summary>Client read of a key through a coordinator.</summary>
    Get = 0x02,

    /// <summary>Client write of a key through a coordinator.</summary>
    Put = 0x03,

    /// <summary>Client delete of a key (writes a tombstone).</summary>
    Delete = 0x04,

    /// <summary>Asks a node for the members and the ring.</summary>
    ClusterInfo = 0x05,

    /// <summary>Coordinator to replica: read a key's sibling set.</summary>
    ReplicaRead = 0x10,

    /// <summary>Coordinator to replica: merge a sibling set into the replica's copy.</summary>
    ReplicaWrite = 0x11,

    /// <summary>Node to node: push-pull gossip of the member list.</summary>
    Gossip = 0x20,

    /// <summary>Anti-entropy: compare hashes of one level of partitions' hash trees.</summary>
    TreeCompare = 0x30,

    /// <summary>Anti-entropy: compare the keys of some tree leaves and fetch the peer's differing copies.</summary>
    KeysCompare = 0x31,

    /// <summary>Coordinator to fallback node: keep a write for a primary believed down.</summary>
    HintedWrite = 0x40,

    /// <summary>Asks a node for its status as <c>field:value</c> lines.</summary>
    Info = 0x50,

    /// <summary>Asks a node to run anti-entropy with its peers now and report what it repaired.</summary>
    Repair = 0x51,

    /// <summary>Asks a node to change a bucket's properties in the cluster's bucket table.</summary>
    SetBucket = 0x52,

    /// <summary>Reply to <see cref="Ping"/>.</summary>
    Pong = 0x81,

    /// <summary>Reply to <see cref="Get"/>.</summary>
    GetReply = 0x82,

    /// <summary>Reply to <see cref="Put"/>.</summary>
    PutReply = 0x83,

    /// <summary>Reply to <see cref="Delete"/>.</summary>
    DeleteReply = 0x84,

    /// <summary>Reply to <see cref="ClusterInfo"/>.</summary>
    ClusterInfoReply = 0x85,

    /// <summary>Reply to <see cref="ReplicaRead"/>.</summary>
    ReplicaReadReply = 0x90,

    /// <summary>Reply to <see cref="ReplicaWrite"/>.</summary>
    ReplicaWriteReply = 0x91,

    /// <summary>Reply to <see cref="Gossip"/>.</summary>
    GossipReply = 0xA0,

    /// <summary>Reply to <see cref="TreeCompare"/>.</summary>
    TreeCompareReply = 0xB0,

    /// <summary>Reply to <see cref="KeysCompare"/>.</summary>
    KeysCompareReply = 0xB1,

    /// <summary>Reply to <see cref="HintedWrite"/>.</summary>
    HintedWriteReply = 0xC0,

    /// <summary>Reply to <see cref="Info"/>.</summary>
    InfoReply = 0xD0,

    /// <summary>Reply to <see cref="Repair"/>.</summary>
    RepairReply = 0xD1,

    /// <summary>Reply to <see cref="SetBucket"/>.</summary>
    SetBucketReply = 0xD2,

    /// <summary>A typed error answering any request.</summary>
    Error = 0xFF,
}

/// <summary>What the protocol knows about opcodes.</summary>
public static class Opcodes
{
    /// <summary>The bit that marks a reply.</summary>
    public const byte ReplyBit = 0x80;

    /// <summary>True for the opcodes this version of the protocol defines.</summary>
    public static bool IsDefined(Opcode opcode) => opcode switch
    {
        Opcode.Ping or Opcode.Get or Opcode.Put or Opcode.Delete or Opcode.ClusterInfo
            or Opcode.ReplicaRead or Opcode.ReplicaWrite or Opcode.Info
            or Opcode.Pong or Opcode.GetReply or Opcode.PutReply or Opcode.DeleteReply or Opcode.ClusterInfoReply
            or Opcode.ReplicaReadReply or Opcode.ReplicaWriteReply or Opcode.InfoReply or Opcode.Error => true,
        Opcode.TreeCompare or Opcode.KeysCompare or Opcode.Repair
            or Opcode.TreeCompareReply or Opcode.KeysCompareReply or Opcode.RepairReply
            or Opcode.Gossip or Opcode.GossipReply or Opcode.HintedWrite or Opcode.HintedWriteReply => true,
        Opcode.SetBucket or Opcode.SetBucketReply => true,
        _ => false,
    };

    /// <summary>True when the opcode is a reply (including <see cref="Opcode.Error"/>).</summary>
    public static bool IsReply(Opcode opcode) => ((byte)opcode & ReplyBit) != 0;

    /// <summary>The reply opcode for a request opcode.</summary>
    public static Opcode ReplyTo(Opcode request) => (Opcode)((byte)request | ReplyBit);
}
