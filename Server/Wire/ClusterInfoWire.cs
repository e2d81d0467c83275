using System.Collections.Immutable;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>The ClusterInfo reply a node publishes: its ring, defaults, every member's address and the bucket table, encoded.</summary>
internal static class ClusterInfoWire
{
    /// <summary>
    /// The cluster information reply: members in the ring's (ordinal) order with their endpoints, and for each
    /// partition the index of its owner. Null when the address of a ring member is not known yet (the caller keeps
    /// the reply it has). The node loop builds a new one whenever the core's ring or bucket table changes.
    /// </summary>
    public static byte[]? Payload(
        BucketProps defaults, Ring ring, IReadOnlyDictionary<NodeId, string> addresses, ImmutableArray<BucketEntry> buckets = default)
    {
        var members = ring.Members.ToArray();
        var index = new Dictionary<NodeId, ushort>();
        var encoded = new ClusterMember[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            index[members[i]] = (ushort)i;
            if (!addresses.TryGetValue(members[i], out var endpoint) || endpoint.Length == 0)
            {
                return null;
            }

            encoded[i] = new ClusterMember(members[i].Value, endpoint);
        }

        var owners = new ushort[ring.PartitionCount];
        for (var p = 0; p < owners.Length; p++)
        {
            owners[p] = index[ring.OwnerOf(p)];
        }

        var d = defaults;
        var reply = new ClusterInfoReply(ring.Fingerprint, (byte)d.N, (byte)d.R, (byte)d.W, encoded, owners, BucketWire.ToWire(buckets));
        var payload = new byte[reply.Length];
        reply.WriteTo(payload);
        return payload;
    }
}
