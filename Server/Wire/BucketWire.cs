using System.Collections.Immutable;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>
/// The wire mapping of the bucket table (docs/CLUSTER.md § Bucket properties), both ways: the core's
/// <see cref="BucketEntry"/> list becomes the protocol's <see cref="BucketInfo"/> list of gossip and cluster
/// information, a bucket list read from a peer becomes entries the core merges, and the SetBucket request becomes the
/// core's <see cref="SetBucketProps"/>.
/// </summary>
internal static class BucketWire
{
    /// <summary>The entries as the protocol encodes them.</summary>
    public static BucketInfo[] ToWire(ImmutableArray<BucketEntry> entries)
    {
        if (entries.IsDefaultOrEmpty)
        {
            return [];
        }

        var wire = new BucketInfo[entries.Length];
        for (var i = 0; i < wire.Length; i++)
        {
            var e = entries[i];
            wire[i] = ToWire(e);
        }

        return wire;
    }

    /// <summary>One entry as the protocol encodes it.</summary>
    public static BucketInfo ToWire(BucketEntry e) =>
        new(e.Name, (byte)e.Props.N, (byte)e.Props.R, (byte)e.Props.W, (uint)e.Props.TimeoutMs, e.Version.Counter, e.Version.Node.Value);

    /// <summary>
    /// A bucket list read from a peer as the core's entries. A bucket the engine cannot hold (a node id it rejects, a
    /// timeout past its limit) makes the whole list bad: nothing of it is merged.
    /// </summary>
    public static bool TryRead(BucketList buckets, out ImmutableArray<BucketEntry> entries, out string error)
    {
        var builder = ImmutableArray.CreateBuilder<BucketEntry>(buckets.Count);
        foreach (var bucket in buckets)
        {
            if (!TryRead(bucket, out var entry, out error))
            {
                entries = default;
                return false;
            }

            builder.Add(entry);
        }

        entries = builder.MoveToImmutable();
        error = string.Empty;
        return true;
    }

    /// <summary>One bucket as the core's entry; false, with the reason, when the engine cannot hold it.</summary>
    public static bool TryRead(BucketInfoSpan bucket, out BucketEntry entry, out string error)
    {
        entry = null!;
        var timeoutMs = (int)Math.Min(bucket.TimeoutMs, int.MaxValue);
        if (!NodeId.TryParse(bucket.NodeIdText, out var node, out var reason))
        {
            error = "Bucket version: " + reason;
            return false;
        }

        if (!BucketProps.TryValidate(bucket.N, bucket.R, bucket.W, timeoutMs, out var invalid))
        {
            error = $"Bucket '{bucket.NameText}': {invalid.Message}";
            return false;
        }

        entry = new BucketEntry(bucket.NameText, new BucketProps(bucket.N, bucket.R, bucket.W, timeoutMs), new BucketVersion(bucket.Counter, node));
        error = string.Empty;
        return true;
    }

    /// <summary>Decodes a client's SetBucket request.</summary>
    public static DecodedRequest DecodeSetBucket(ReadOnlySpan<byte> payload)
    {
        var request = SetBucketRequest.Read(payload);
        var timeoutMs = (int)Math.Min(request.TimeoutMs, int.MaxValue);
        var name = System.Text.Encoding.UTF8.GetString(request.Name);
        return new DecodedRequest(RequestKind.Core, Opcode.SetBucket, new SetBucketProps(name, request.N, request.R, request.W, timeoutMs));
    }
}
