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

    /// <summary>
    /// The claim's spacing goal (Riak's <c>target_n_val</c>): where the member count allows, the owners of any this
    /// many consecutive partitions are distinct, so preference lists up to this N need no walk past N partitions.
    /// One more than the usual N = 3, so that one membership change does not break N = 3 spacing.
    /// </summary>
    public const int ClaimSpacingPartitions = 4;

    /// <summary>
    /// Most nodes one preference list holds, primaries and fallbacks together. A ring precomputes this many distinct
    /// nodes (or every member, if fewer) for each partition, so lookups never walk the ring.
    /// </summary>
    public const int PreferenceListNodesMax = 2 * ReplicasMax;

    /// <summary>
    /// Most siblings a put may leave on a key (Riak's maximum). A put that would leave more is refused with
    /// <c>VersionLimitException</c>; the client resolves by reading and writing back with the read's context.
    /// Merges never drop a sibling to honour this bound (see docs/VERSIONS.md).
    /// </summary>
    public const int SiblingsMax = 100;

    /// <summary>
    /// Most siblings an encoded sibling set may hold: room for every replica of a key to have filled up to
    /// <see cref="SiblingsMax"/> with writes concurrent to all the others. Merged sets above it cannot be encoded.
    /// </summary>
    public const int SiblingsStoredMax = SiblingsMax * ReplicasMax;

    /// <summary>
    /// Largest encoded sibling set (a key's whole object, every value included) a node stores, merges or sends: 16 MiB
    /// less 64 KiB, so that any object fits one frame with its key and context. Equal to the wire's
    /// <c>ProtocolLimits.ObjectBytesMax</c> (a test pins the two). A put or a replica merge whose result would pass it is
    /// refused before anything is stored; only merges of concurrent writes can make a larger set, and a read of one
    /// returns its versions and value sizes, not its values (docs/VERSIONS.md § Objects over the bound).
    /// </summary>
    public const int ObjectBytesMax = (16 * 1024 * 1024) - (64 * 1024);

    /// <summary>Most actors (node, epoch) one causal context may name.</summary>
    public const int VersionEntriesMax = 256;

    /// <summary>Most non-contiguous dots (the "dot cloud") one causal context may hold.</summary>
    public const int VersionCloudDotsMax = 1024;

    /// <summary>Most distinct actors in one encoded sibling set (its actor table).</summary>
    public const int SiblingSetActorsMax = VersionEntriesMax * ReplicasMax;

    /// <summary>Default replication factor N of a bucket.</summary>
    public const int ReplicasDefault = 3;

    /// <summary>Default read quorum R of a bucket.</summary>
    public const int ReadQuorumDefault = 2;

    /// <summary>Default write quorum W of a bucket.</summary>
    public const int WriteQuorumDefault = 2;

    /// <summary>Default deadline of a client request.</summary>
    public const int RequestTimeoutDefaultMs = 5000;

    /// <summary>Longest deadline a client request or a bucket may set (one hour): every request ends.</summary>
    public const int RequestTimeoutMaxMs = 3_600_000;

    /// <summary>
    /// Most coordinator operations (gets, puts, deletes, forwards) one node core keeps in flight; beyond it a client
    /// command is refused as Overloaded. Each holds a deadline, so the bound also bounds the pending-request map.
    /// </summary>
    public const int OperationsInFlightMax = 65_536;

    /// <summary>
    /// Most buckets the cluster's bucket table holds (docs/CLUSTER.md § Bucket properties): every node keeps and gossips
    /// the whole table, so it stays small. A change that would add one more is refused; buckets not in the table take
    /// the defaults.
    /// </summary>
    public const int BucketsMax = 256;

    /// <summary>Longest bucket name the bucket table holds, in bytes of UTF-8 (the wire's bucket limit).</summary>
    public const int BucketNameBytesMax = 255;

    /// <summary>Longest bucket name the storage engine accepts, in bytes (the wire's limit is 255).</summary>
    public const int StorageBucketBytesMax = 255;

    /// <summary>Longest key the storage engine accepts, in bytes (the wire's limit is 4,096).</summary>
    public const int StorageKeyBytesMax = 4096;

    /// <summary>
    /// Largest storage record (header, bucket, key and stored sibling set), in bytes. Checked before any buffer is
    /// reserved for a record read from disk; a larger sibling set is refused on write.
    /// </summary>
    public const int StorageRecordBytesMax = 1 << 30;

    /// <summary>Smallest segment size a store may be configured with (tests use small segments).</summary>
    public const long StorageSegmentBytesMin = 256;

    /// <summary>Largest segment size a store may be configured with (offsets in segment index files are 64-bit anyway).</summary>
    public const long StorageSegmentBytesMax = 1L << 32;

    /// <summary>Default segment size: 64 MiB.</summary>
    public const long StorageSegmentBytesDefault = 64L << 20;

    /// <summary>Default threshold above which encoded sibling sets are compressed.</summary>
    public const int StorageCompressionThresholdBytesDefault = 1024;

    /// <summary>Largest segment index file read, in bytes; a larger one is treated as bad and its segment scanned.</summary>
    public const int StorageIndexFileBytesMax = 1 << 30;

    /// <summary>Default milliseconds between scheduled anti-entropy exchanges.</summary>
    public const int AntiEntropyIntervalDefaultMs = 10_000;

    /// <summary>Default rate limit of anti-entropy repairs, in keys per second.</summary>
    public const int AntiEntropyKeysPerSecondDefault = 5_000;

    /// <summary>Default number of keys a node reads and hashes per tick while it builds its hash trees at start.</summary>
    public const int AntiEntropyBuildKeysPerTickDefault = 2_000;

    /// <summary>Most tree hashes in one anti-entropy tree comparison (16 bytes each on the wire: 512 KiB).</summary>
    public const int AntiEntropyTreeHashesMax = 32_768;

    /// <summary>Most keys an anti-entropy key comparison lists.</summary>
    public const int AntiEntropyKeysPerCompareMax = 4_096;

    /// <summary>
    /// Approximate bytes of the names in one anti-entropy key comparison, or of the sibling sets in its answer: half
    /// the wire's frame limit (<c>ProtocolLimits.FrameBytesMax</c>, 16 MiB), leaving room for the encoding's
    /// overhead. An answer always holds at least one copy, however large.
    /// </summary>
    public const int AntiEntropyMessageBytesMax = 8 << 20;

    /// <summary>How long an anti-entropy exchange waits for one answer from its peer before it is abandoned.</summary>
    public const int AntiEntropyStepTimeoutMs = 10_000;

    /// <summary>
    /// Most rounds of one exchange: after a round repaired keys, the differing leaves are compared again, and the
    /// keys still differing (an answer cut at its byte bound, writes since) go through another round.
    /// </summary>
    public const int AntiEntropyRoundsMax = 4;

    /// <summary>Default deadline of a repair command.</summary>
    public const int RepairTimeoutDefaultMs = 60_000;

    /// <summary>Longest deadline a repair command may set (one hour).</summary>
    public const int RepairTimeoutMaxMs = RequestTimeoutMaxMs;

    /// <summary>Default milliseconds between a node's gossip rounds (each round: <see cref="GossipFanout"/> live peers).</summary>
    public const int GossipIntervalDefaultMs = 1000;

    /// <summary>
    /// Live peers a node gossips to every round. With one (Cassandra's choice), a heartbeat reaches a node of a
    /// 30-member cluster after gaps of 4 to 7 rounds often enough that the bound on silence and phi convicted a live
    /// member within 30 seconds in every seeded run; with three the longest gap measured was 3 rounds
    /// (docs/CLUSTER.md § Rounds). The cost is three views a round instead of one.
    /// </summary>
    public const int GossipFanout = 3;

    /// <summary>
    /// Default bound on silence: milliseconds without a newer heartbeat after which a node believes a member down,
    /// whatever its phi: five gossip intervals, enough for a heartbeat to spread through a cluster of tens of nodes by
    /// random push-pull gossip.
    /// </summary>
    public const int MemberDownAfterDefaultMs = 5000;

    /// <summary>
    /// Default phi above which a node believes a member down (docs/CLUSTER.md § Failure detection): a silence that
    /// regular heartbeats would end later with a probability of 10^-8. Cassandra's and Akka's default.
    /// </summary>
    public const double PhiThresholdDefault = 8;

    /// <summary>Lowest phi threshold: 1 convicts a member whose heartbeat is later than one in ten of its intervals.</summary>
    public const double PhiThresholdMin = 1;

    /// <summary>Highest phi threshold: one chance in 10^16 that a member convicted is only late.</summary>
    public const double PhiThresholdMax = 16;

    /// <summary>
    /// Heartbeat intervals the failure detector keeps per member, as Cassandra's <c>ArrivalWindow</c> does: about 17
    /// minutes of history at one heartbeat a second, 4 KiB per member.
    /// </summary>
    public const int PhiWindowSamples = 1000;

    /// <summary>
    /// How many heartbeats past the one known at a failed request a member must reach before it is believed up
    /// again: heartbeats it sent before it failed may still be spreading by gossip (each node beats once per round,
    /// and a heartbeat takes a few rounds to reach everyone), and they must not undo the failure.
    /// </summary>
    public const ulong MemberFailureHeartbeats = 4;

    /// <summary>Longest member address (host:port) a view keeps, in bytes; gossip entries with longer ones are ignored.</summary>
    public const int MemberAddressBytesMax = 255;

    /// <summary>Default most hinted keys a hint store keeps per target before it refuses new keys for that target.</summary>
    public const int HintsPerTargetDefault = 100_000;

    /// <summary>Default rate of hinted handoff, in hints delivered per second by one node.</summary>
    public const int HintsPerSecondDefault = 1000;

    /// <summary>Most hint deliveries one node keeps in flight at once (the default too).</summary>
    public const int HintDeliveriesInFlightMax = 64;

    /// <summary>Longest wait before a node retries delivering hints to a target whose deliveries failed.</summary>
    public const int HintRetryBackoffMaxMs = 30_000;
}
