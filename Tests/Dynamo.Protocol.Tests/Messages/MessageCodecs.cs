namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// Every message type as a row: a generator of valid encodings and a decoder that walks everything the message
/// exposes and encodes it again.
/// </summary>
internal sealed record MessageCodec(string Name, Func<SampleSource, byte[]> Sample, Func<byte[], byte[]> Reencode);

internal static class MessageCodecs
{
    public static readonly MessageCodec[] All =
    [
        new("Ping", _ => [], b => Codec.Encode(PingRequest.Read(b))),
        new("Pong", _ => [], b => Codec.Encode(PongReply.Read(b))),
        new("ClusterInfo", _ => [], b => Codec.Encode(ClusterInfoRequest.Read(b))),
        new("DeleteReply", _ => [], b => Codec.Encode(DeleteReply.Read(b))),
        new("ReplicaWriteReply", _ => [], b => Codec.Encode(ReplicaWriteReply.Read(b))),
        new("Info", _ => [], b => Codec.Encode(InfoRequest.Read(b))),
        new(
            "InfoReply",
            s => Codec.Encode(new InfoReply(s.Text(ProtocolLimits.InfoBytesMax))),
            b => Codec.Encode(InfoReply.Read(b))),
        new(
            "Get",
            s => Codec.Encode(new GetRequest(s.Bytes(ProtocolLimits.BucketBytesMax).Span, s.Bytes(ProtocolLimits.KeyBytesMax).Span, s.U8(), s.U32(), s.Chance(0.5))),
            b => Codec.Encode(GetRequest.Read(b))),
        new(
            "Put",
            s => Codec.Encode(new PutRequest(
                s.Bytes(ProtocolLimits.BucketBytesMax).Span,
                s.Bytes(ProtocolLimits.KeyBytesMax).Span,
                s.Bytes(ProtocolLimits.ValueBytesMax).Span,
                s.Bytes(ProtocolLimits.ContextBytesMax).Span,
                s.U8(),
                s.Chance(0.5),
                s.U32(),
                s.Chance(0.5))),
            b => Codec.Encode(PutRequest.Read(b))),
        new(
            "PutReply",
            s => Codec.Encode(new PutReply(s.Bytes(ProtocolLimits.ContextBytesMax).Span)),
            b => Codec.Encode(PutReply.Read(b))),
        new(
            "Delete",
            s => Codec.Encode(new DeleteRequest(
                s.Bytes(ProtocolLimits.BucketBytesMax).Span,
                s.Bytes(ProtocolLimits.KeyBytesMax).Span,
                s.Bytes(ProtocolLimits.ContextBytesMax).Span,
                s.U8(),
                s.U32(),
                s.Chance(0.5))),
            b => Codec.Encode(DeleteRequest.Read(b))),
        new("GetReply", SampleGetReply, ReencodeGetReply),
        new("ClusterInfoReply", SampleClusterInfoReply, ReencodeClusterInfoReply),
        new(
            "ReplicaRead",
            s => Codec.Encode(new ReplicaReadRequest(s.Bytes(ProtocolLimits.BucketBytesMax).Span, s.Bytes(ProtocolLimits.KeyBytesMax).Span)),
            b => Codec.Encode(ReplicaReadRequest.Read(b))),
        new(
            "ReplicaReadReply",
            s => Codec.Encode(new ReplicaReadReply(s.Bytes(ProtocolLimits.ObjectBytesMax).Span)),
            b => Codec.Encode(ReplicaReadReply.Read(b))),
        new(
            "ReplicaWrite",
            s => Codec.Encode(new ReplicaWriteRequest(
                s.Bytes(ProtocolLimits.BucketBytesMax).Span,
                s.Bytes(ProtocolLimits.KeyBytesMax).Span,
                s.Bytes(ProtocolLimits.ObjectBytesMax, min: 1).Span)),
            b => Codec.Encode(ReplicaWriteRequest.Read(b))),
        new("Gossip", EncodeSampleGossip, ReencodeGossip),
        new("GossipReply", EncodeSampleGossip, ReencodeGossipReply),
        new("SetBucket", SampleSetBucket, b => Codec.Encode(SetBucketRequest.Read(b))),
        new("SetBucketReply", s => Codec.Encode(new SetBucketReply(SampleBucket(s))), b => Codec.Encode(SetBucketReply.Read(b))),
        new(
            "HintedWrite",
            s => Codec.Encode(new HintedWriteRequest(
                s.Text(ProtocolLimits.NameBytesMax),
                s.Bytes(ProtocolLimits.BucketBytesMax).Span,
                s.Bytes(ProtocolLimits.KeyBytesMax).Span,
                s.Bytes(ProtocolLimits.ObjectBytesMax, min: 1).Span)),
            b => Codec.Encode(HintedWriteRequest.Read(b))),
        new("HintedWriteReply", _ => [], b => Codec.Encode(HintedWriteReply.Read(b))),
        new(
            "Error",
            s => Codec.Encode(new ErrorReply((ErrorCode)s.Int(0, 20), s.Text(ProtocolLimits.ErrorMessageBytesMax), s.U8(), s.U8(), s.U32())),
            b => Codec.Encode(ErrorReply.Read(b))),
        new("TreeCompare", s => Codec.Encode(AntiEntropySamples.TreeCompare(s, 4)), b => AntiEntropySamples.ReencodeTreeCompare(b)),
        new("TreeCompareReply", s => Codec.Encode(AntiEntropySamples.TreeCompareReply(s, 4)), b => AntiEntropySamples.ReencodeTreeCompareReply(b)),
        new("KeysCompare", s => Codec.Encode(AntiEntropySamples.KeysCompare(s, 3)), b => AntiEntropySamples.ReencodeKeysCompare(b)),
        new("KeysCompareReply", s => Codec.Encode(AntiEntropySamples.KeysCompareReply(s, 3)), b => AntiEntropySamples.ReencodeKeysCompareReply(b)),
        new("Repair", s => Codec.Encode(new RepairRequest(s.U32())), b => Codec.Encode(RepairRequest.Read(b))),
        new("RepairReply", s => Codec.Encode(AntiEntropySamples.RepairReply(s)), b => Codec.Encode(RepairReply.Read(b))),
    ];

    private static byte[] SampleGetReply(SampleSource s)
    {
        var siblings = new SiblingValue[s.Int(0, 3)];
        for (var i = 0; i < siblings.Length; i++)
        {
            siblings[i] = s.Chance(0.3) ? SiblingValue.Tombstone
                : s.Chance(0.2) ? SiblingValue.Omitted(s.Int(0, ProtocolLimits.ValueBytesMax))
                : new SiblingValue(s.Bytes(ProtocolLimits.ValueBytesMax));
        }

        return Codec.Encode(new GetReply(s.Bytes(ProtocolLimits.ContextBytesMax).Span, siblings));
    }

    private static byte[] ReencodeGetReply(byte[] payload)
    {
        var reply = GetReply.Read(payload);
        var walked = 0;
        foreach (var sibling in reply.Siblings)
        {
            if (sibling.IsTombstone && !sibling.Value.IsEmpty)
            {
                throw new InvalidOperationException("a tombstone with a value was accepted");
            }

            walked++;
        }

        if (walked != reply.SiblingCount)
        {
            throw new InvalidOperationException($"walked {walked} of {reply.SiblingCount} siblings");
        }

        return Codec.Encode(reply);
    }

    private static byte[] SampleClusterInfoReply(SampleSource s)
    {
        var members = new ClusterMember[s.Int(1, 3)];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = new ClusterMember(s.Text(ProtocolLimits.NameBytesMax), s.Endpoint());
        }

        var owners = new ushort[1 << s.Int(0, 3)];
        for (var p = 0; p < owners.Length; p++)
        {
            owners[p] = (ushort)s.Int(0, members.Length - 1);
        }

        var n = (byte)s.Int(1, 5);
        return Codec.Encode(new ClusterInfoReply(s.U64(), n, (byte)s.Int(1, n), (byte)s.Int(1, n), members, owners, SampleBuckets(s)));
    }

    private static byte[] ReencodeClusterInfoReply(byte[] payload)
    {
        var reply = ClusterInfoReply.Read(payload);
        var walked = 0;
        foreach (var member in reply.Members)
        {
            walked += member.NodeId.IsEmpty || member.Endpoint.IsEmpty ? 0 : 1;
        }

        for (var p = 0; p < reply.PartitionCount; p++)
        {
            if (reply.GetOwner(p) >= reply.MemberCount)
            {
                throw new InvalidOperationException($"partition {p} has owner {reply.GetOwner(p)}");
            }
        }

        if (walked != reply.MemberCount)
        {
            throw new InvalidOperationException($"walked {walked} of {reply.MemberCount} members");
        }

        return Codec.Encode(reply);
    }

    /// <summary>
    /// A ring for gossip, or none: Q from 1 to 64, 1 to 4 distinct members (ids made distinct by an index prefix),
    /// each owning at least one partition.
    /// </summary>
    public static (ulong Version, ReadOnlyMemory<byte>[] Members, ushort[] Owners)? SampleGossipRing(SampleSource s)
    {
        if (s.Chance(0.3))
        {
            return null;
        }

        var owners = new ushort[1 << s.Int(0, 6)];
        var members = new ReadOnlyMemory<byte>[s.Int(1, Math.Min(4, owners.Length))];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = System.Text.Encoding.UTF8.GetBytes($"{i}{s.Text(ProtocolLimits.NameBytesMax - 8)}");
            owners[i] = (ushort)i;
        }

        for (var p = members.Length; p < owners.Length; p++)
        {
            owners[p] = (ushort)s.Int(0, members.Length - 1);
        }

        return (s.U64(), members, owners);
    }

    private static byte[] EncodeSampleGossip(SampleSource s)
    {
        var members = SampleGossipMembers(s);
        return SampleGossipRing(s) is { } ring
            ? Codec.Encode(new GossipRequest(members, new GossipRing(ring.Version, ring.Members, ring.Owners), SampleBuckets(s)))
            : Codec.Encode(new GossipRequest(members, GossipRing.None, SampleBuckets(s)));
    }

    public static BucketInfo SampleBucket(SampleSource s)
    {
        var n = (byte)s.Int(1, ProtocolLimits.ReplicasMax);
        return new BucketInfo(
            s.Text(ProtocolLimits.BucketBytesMax), n, (byte)s.Int(1, n), (byte)s.Int(1, n), (uint)s.Int(1, int.MaxValue - 1), s.U64(), s.Text(ProtocolLimits.NameBytesMax));
    }

    public static BucketInfo[] SampleBuckets(SampleSource s)
    {
        var buckets = new BucketInfo[s.Int(0, 3)];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = SampleBucket(s);
        }

        return buckets;
    }

    private static byte[] SampleSetBucket(SampleSource s)
    {
        var n = (byte)s.Int(0, ProtocolLimits.ReplicasMax);
        var max = n == 0 ? byte.MaxValue : n;
        var timeoutMs = (uint)s.Int(n == 0 ? 1 : 0, int.MaxValue - 1);
        return Codec.Encode(new SetBucketRequest(s.Text(ProtocolLimits.BucketBytesMax), n, (byte)s.Int(0, max), (byte)s.Int(0, max), timeoutMs));
    }

    public static GossipMember[] SampleGossipMembers(SampleSource s)
    {
        var members = new GossipMember[s.Int(1, 4)];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = new GossipMember(
                s.Text(ProtocolLimits.NameBytesMax),
                s.Chance(0.1) ? [] : s.Endpoint(),
                s.U32(),
                s.Chance(0.5) ? GossipStatus.Up : GossipStatus.Down,
                s.U64());
        }

        return members;
    }

    private static byte[] ReencodeGossip(byte[] payload)
    {
        var message = GossipRequest.Read(payload);
        CheckWalk(message.Members, message.Members.Count);
        CheckWalk(message.Buckets);
        return Codec.Encode(message);
    }

    private static byte[] ReencodeGossipReply(byte[] payload)
    {
        var message = GossipReply.Read(payload);
        CheckWalk(message.Members, message.Members.Count);
        CheckWalk(message.Buckets);
        return Codec.Encode(message);
    }

    private static void CheckWalk(BucketList buckets)
    {
        var walked = 0;
        foreach (var bucket in buckets)
        {
            walked += bucket.Name.IsEmpty || bucket.NodeId.IsEmpty ? 0 : 1;
        }

        if (walked != buckets.Count)
        {
            throw new InvalidOperationException($"walked {walked} of {buckets.Count} buckets");
        }
    }

    private static void CheckWalk(GossipMemberList members, int count)
    {
        var walked = 0;
        foreach (var member in members)
        {
            walked += member.NodeId.IsEmpty ? 0 : 1;
        }

        if (walked != count)
        {
            throw new InvalidOperationException($"walked {walked} of {count} members");
        }
    }
}
