using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>
/// What a node says about the cluster: the ring (partitions and their owners), the default N, R and W, each member's
/// endpoint, and the bucket table (each named bucket's N, R, W and timeout). Immutable; <see cref="GetPlacement(string, string, int)"/> computes a key's preference list
/// exactly as the nodes do.
/// </summary>
public sealed class ClusterInfo
{
    private readonly Dictionary<NodeId, ClusterNode> _nodes;
    private readonly Dictionary<string, BucketSettings> _buckets;

    /// <summary>Builds cluster information from a ring and the endpoint of each of its members.</summary>
    /// <param name="fingerprint">The fingerprint the node reported for its ring.</param>
    /// <param name="ring">The ring.</param>
    /// <param name="defaultN">The default replication factor.</param>
    /// <param name="defaultR">The default read quorum.</param>
    /// <param name="defaultW">The default write quorum.</param>
    /// <param name="endpoints">"host:port" of each member, in the order of <see cref="Ring.Members"/>.</param>
    /// <param name="buckets">The bucket table: the settings of each named bucket (none by default).</param>
    /// <exception cref="ArgumentException">The endpoints do not match the members, or N, R, W are out of range.</exception>
    public ClusterInfo(
        ulong fingerprint, Ring ring, int defaultN, int defaultR, int defaultW, IReadOnlyList<string> endpoints, IReadOnlyList<BucketSettings>? buckets = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count != ring.Members.Length)
        {
            throw new ArgumentException($"{endpoints.Count} endpoints for {ring.Members.Length} members.", nameof(endpoints));
        }

        if (defaultN < 1 || defaultN > Limits.ReplicasMax || defaultR < 1 || defaultR > defaultN || defaultW < 1 || defaultW > defaultN)
        {
            throw new ArgumentException($"N = {defaultN}, R = {defaultR}, W = {defaultW}: need 1 <= R, W <= N <= {Limits.ReplicasMax}.");
        }

        Fingerprint = fingerprint;
        Ring = ring;
        DefaultN = defaultN;
        DefaultR = defaultR;
        DefaultW = defaultW;
        var members = new ClusterNode[ring.Members.Length];
        _nodes = new Dictionary<NodeId, ClusterNode>(members.Length);
        for (var i = 0; i < members.Length; i++)
        {
            var id = ring.Members[i];
            members[i] = new ClusterNode(id.Value, endpoints[i], ring.CountOwnedBy(id));
            _nodes.Add(id, members[i]);
        }

        Members = members;
        _buckets = new Dictionary<string, BucketSettings>(StringComparer.Ordinal);
        foreach (var bucket in buckets ?? [])
        {
            ArgumentNullException.ThrowIfNull(bucket);
            if (_buckets.TryGetValue(bucket.Name, out var other) && other.Version >= bucket.Version)
            {
                continue;
            }

            _buckets[bucket.Name] = bucket;
        }

        Buckets = [.. _buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal)];
    }

    /// <summary>The fingerprint of the ring as the node reported it: it changes when the ring does.</summary>
    public ulong Fingerprint { get; }

    /// <summary>The number of partitions Q.</summary>
    public int PartitionCount => Ring.PartitionCount;

    /// <summary>The default replication factor N.</summary>
    public int DefaultN { get; }

    /// <summary>The default read quorum R.</summary>
    public int DefaultR { get; }

    /// <summary>The default write quorum W.</summary>
    public int DefaultW { get; }

    /// <summary>
    /// The bucket table, sorted by name: the N, R, W and timeout of every bucket whose properties were set (seeded with
    /// <c>--bucket</c>, or changed with <c>SetBucketPropsAsync</c>); other buckets take the defaults.
    /// </summary>
    public IReadOnlyList<BucketSettings> Buckets { get; }

    /// <summary>The members, sorted by node id, with their endpoints and partition counts.</summary>
    public IReadOnlyList<ClusterNode> Members { get; }

    /// <summary>The ring, rebuilt with the nodes' own placement code.</summary>
    public Ring Ring { get; }

    /// <summary>
    /// The preference list of <paramref name="key"/> in <paramref name="bucket"/> (both UTF-8): its partition, its
    /// N primaries and the fallbacks after them.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="bucket">The bucket; the empty bucket by default.</param>
    /// <param name="n">The replication factor; 0 for the bucket's (<see cref="NOf"/>). Capped at the member count.</param>
    public KeyPlacement GetPlacement(string key, string bucket = "", int n = 0)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(bucket);
        return GetPlacement(Encoding.UTF8.GetBytes(bucket), Encoding.UTF8.GetBytes(key), n);
    }

    /// <summary>
    /// The settings of <paramref name="bucket"/> in the bucket table, or null when it has none (the bucket takes
    /// <see cref="DefaultN"/>, <see cref="DefaultR"/>, <see cref="DefaultW"/> and the node's default timeout).
    /// </summary>
    public BucketSettings? GetBucketProps(string bucket)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        return _buckets.GetValueOrDefault(bucket);
    }

    /// <summary>The N a bucket's keys are placed with: the bucket table's, or <see cref="DefaultN"/>.</summary>
    public int NOf(ReadOnlySpan<byte> bucket) =>
        _buckets.Count > 0 && !bucket.IsEmpty && _buckets.TryGetValue(Encoding.UTF8.GetString(bucket), out var settings) ? settings.N : DefaultN;

    /// <summary>The preference list of a key given as bytes (see <see cref="GetPlacement(string, string, int)"/>).</summary>
    /// <param name="bucket">The bucket, UTF-8.</param>
    /// <param name="key">The key.</param>
    /// <param name="n">The replication factor; 0 for the bucket's (<see cref="NOf"/>). Capped at the member count.</param>
    public KeyPlacement GetPlacement(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key, int n = 0)
    {
        var hash = KeyHash.Of(bucket, key);
        var list = Ring.GetPreferenceList(hash, RoutingN(n == 0 ? NOf(bucket) : n));
        return new KeyPlacement(hash, list.Partition, ToNodes(list.Primaries), ToNodes(list.Fallbacks));
    }

    /// <summary>
    /// What differs in <paramref name="next"/> among the things a client routes by: the ring (fingerprint, partitions,
    /// owners), each member's endpoint, the default N, R and W, and the bucket table; null when nothing does. A node that comes back on
    /// another address keeps its place on the ring, so the fingerprint alone does not show that it moved.
    /// </summary>
    internal string? DescribeChanges(ClusterInfo next)
    {
        var changes = new List<string>();
        if (Fingerprint != next.Fingerprint || !Ring.Equals(next.Ring))
        {
            changes.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"ring {Fingerprint:x16} ({PartitionCount} partitions, {Members.Count} members) -> {next.Fingerprint:x16} ({next.PartitionCount} partitions, {next.Members.Count} members)"));
        }

        var before = Members.ToDictionary(member => member.NodeId, StringComparer.Ordinal);
        foreach (var member in next.Members)
        {
            if (!before.Remove(member.NodeId, out var old))
            {
                changes.Add($"{member.NodeId} joined at {member.Endpoint}");
            }
            else if (!string.Equals(old.Endpoint, member.Endpoint, StringComparison.Ordinal))
            {
                changes.Add($"{member.NodeId} moved from {old.Endpoint} to {member.Endpoint}");
            }
        }

        changes.AddRange(before.Keys.Order(StringComparer.Ordinal).Select(id => $"{id} left"));
        if ((DefaultN, DefaultR, DefaultW) != (next.DefaultN, next.DefaultR, next.DefaultW))
        {
            changes.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"defaults N/R/W {DefaultN}/{DefaultR}/{DefaultW} -> {next.DefaultN}/{next.DefaultR}/{next.DefaultW}"));
        }

        foreach (var bucket in next.Buckets)
        {
            var old = GetBucketProps(bucket.Name);
            if (old != bucket)
            {
                changes.Add($"bucket {bucket.Name} {old?.ToString() ?? "(defaults)"} -> {bucket}");
            }
        }

        return changes.Count == 0 ? null : string.Join("; ", changes);
    }

    /// <summary>The member named <paramref name="nodeId"/>.</summary>
    internal ClusterNode NodeOf(NodeId nodeId) => _nodes[nodeId];

    /// <summary>N as far as routing goes: the preference list cannot hold more nodes than there are members.</summary>
    internal int RoutingN(int n) => Math.Min(n, Ring.Members.Length);

    /// <summary>
    /// Decodes a ClusterInfoReply payload. Members are sorted by node id and owner indexes remapped, so a node
    /// may list its members in any order.
    /// </summary>
    /// <exception cref="ProtocolException">The payload is malformed.</exception>
    /// <exception cref="DynamoProtocolException">The content does not describe a valid ring.</exception>
    internal static ClusterInfo Decode(ReadOnlySpan<byte> payload)
    {
        var reply = ClusterInfoReply.Read(payload);
        var ids = new NodeId[reply.MemberCount];
        var endpoints = new string[reply.MemberCount];
        var index = 0;
        foreach (var member in reply.Members)
        {
            if (!NodeId.TryParse(member.NodeIdText, out ids[index], out var error))
            {
                throw Invalid(error);
            }

            endpoints[index++] = member.EndpointText;
        }

        var order = Enumerable.Range(0, ids.Length).ToArray();
        Array.Sort(ids.ToArray(), order);
        var newIndex = new ushort[ids.Length];
        for (var i = 0; i < order.Length; i++)
        {
            newIndex[order[i]] = (ushort)i;
        }

        var buckets = new List<BucketSettings>(reply.Buckets.Count);
        foreach (var bucket in reply.Buckets)
        {
            buckets.Add(new BucketSettings(bucket.NameText, bucket.N, bucket.R, bucket.W, (int)Math.Min(bucket.TimeoutMs, int.MaxValue), bucket.Counter, bucket.NodeIdText));
        }

        var owners = new ushort[reply.PartitionCount];
        for (var p = 0; p < owners.Length; p++)
        {
            owners[p] = newIndex[reply.GetOwner(p)];
        }

        try
        {
            var ring = Ring.FromOwners([.. order.Select(i => ids[i])], owners);
            return new ClusterInfo(
                reply.RingFingerprint, ring, reply.DefaultN, reply.DefaultR, reply.DefaultW, [.. order.Select(i => endpoints[i])], buckets);
        }
        catch (ArgumentException error)
        {
            throw Invalid(error.Message);
        }
    }

    private static DynamoProtocolException Invalid(string reason) =>
        new(ErrorCode.BadRequest, "the node's cluster information does not describe a valid ring: " + reason);

    private ClusterNode[] ToNodes(ReadOnlySpan<NodeId> ids)
    {
        var nodes = new ClusterNode[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            nodes[i] = _nodes[ids[i]];
        }

        return nodes;
    }
}

/// <summary>A bucket's settings as the cluster's bucket table holds them (docs/CLUSTER.md § Bucket properties).</summary>
/// <param name="Name">The bucket's name.</param>
/// <param name="N">Replicas per key.</param>
/// <param name="R">Replicas that must answer a get.</param>
/// <param name="W">Replicas that must acknowledge a put or delete.</param>
/// <param name="TimeoutMs">The bucket's request deadline, in milliseconds.</param>
/// <param name="Version">The counter of the settings' version: it goes up by one with every change.</param>
/// <param name="ChangedBy">The node that made the change (or seeded the settings, at version 0).</param>
public sealed record BucketSettings(string Name, int N, int R, int W, int TimeoutMs, ulong Version, string ChangedBy)
{
    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"n={N} r={R} w={W} timeout={TimeoutMs}ms (version {Version} by {ChangedBy})");
}

/// <summary>A member of the cluster.</summary>
/// <param name="NodeId">The node's id.</param>
/// <param name="Endpoint">Its client endpoint, "host:port".</param>
/// <param name="PartitionCount">How many partitions it owns.</param>
public sealed record ClusterNode(string NodeId, string Endpoint, int PartitionCount);

/// <summary>Where a key lives: its hash, partition, primaries and fallbacks.</summary>
/// <param name="Hash">The key's XXH64 position on the ring.</param>
/// <param name="Partition">The partition holding the hash.</param>
/// <param name="Primaries">The N nodes holding the key's replicas, the partition's owner first.</param>
/// <param name="Fallbacks">The next distinct nodes clockwise, used in their order when a primary is unreachable.</param>
public sealed record KeyPlacement(
    ulong Hash, int Partition, IReadOnlyList<ClusterNode> Primaries, IReadOnlyList<ClusterNode> Fallbacks);
