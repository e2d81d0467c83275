using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// Encode, decode, compare: every message keeps its field values, writes exactly its Length, and re-encodes to the
/// same bytes. Field sizes reach the empty case and the limits.
/// </summary>
public sealed class RoundTripTests
{
    private const int Cases = 1000;

    [Test]
    public void Empty_messages_encode_to_no_bytes_and_read_back()
    {
        Assert.That(Codec.Encode(default(PingRequest)), Is.Empty);
        Assert.That(Codec.Encode(default(PongReply)), Is.Empty);
        Assert.That(Codec.Encode(default(DeleteReply)), Is.Empty);
        Assert.That(Codec.Encode(default(ClusterInfoRequest)), Is.Empty);
        Assert.That(Codec.Encode(default(ReplicaWriteReply)), Is.Empty);
        Assert.That(Codec.Encode(default(InfoRequest)), Is.Empty);
        Assert.That(Codec.Encode(default(HintedWriteReply)), Is.Empty);
        Assert.DoesNotThrow(() =>
        {
            PingRequest.Read([]);
            PongReply.Read([]);
            DeleteReply.Read([]);
            ClusterInfoRequest.Read([]);
            ReplicaWriteReply.Read([]);
            InfoRequest.Read([]);
            HintedWriteReply.Read([]);
        });
    }

    [Test]
    public void Info_replies_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.InfoBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var text = source.Text(ProtocolLimits.InfoBytesMax);
            var reply = Codec.Encode(new InfoReply(text));
            Assert.That(Codec.Same(InfoReply.Read(reply).Text, text), Is.True, $"case {i}");
            Codec.AssertReencodes<InfoReply>(reply);
        }
    }

    [Test]
    public void Get_requests_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.KeyBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var bucket = source.Bytes(ProtocolLimits.BucketBytesMax);
            var key = source.Bytes(ProtocolLimits.KeyBytesMax);
            var r = source.U8();
            var timeoutMs = source.U32();
            var strict = source.Chance(0.5);
            var bytes = Codec.Encode(new GetRequest(bucket.Span, key.Span, r, timeoutMs, strict));

            var read = GetRequest.Read(bytes);
            Assert.That(
                Codec.Same(read.Bucket, bucket) && Codec.Same(read.Key, key) && read.R == r && read.TimeoutMs == timeoutMs
                && read.Strict == strict,
                Is.True,
                $"case {i}");
            Codec.AssertReencodes<GetRequest>(bytes);
        }
    }

    [Test]
    public void Put_requests_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ValueBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var bucket = source.Bytes(ProtocolLimits.BucketBytesMax);
            var key = source.Bytes(ProtocolLimits.KeyBytesMax);
            var value = source.Bytes(ProtocolLimits.ValueBytesMax);
            var context = source.Bytes(ProtocolLimits.ContextBytesMax);
            var w = source.U8();
            var returnContext = source.Chance(0.5);
            var timeoutMs = source.U32();
            var strict = source.Chance(0.5);
            var bytes = Codec.Encode(
                new PutRequest(bucket.Span, key.Span, value.Span, context.Span, w, returnContext, timeoutMs, strict));

            var read = PutRequest.Read(bytes);
            Assert.That(
                Codec.Same(read.Bucket, bucket) && Codec.Same(read.Key, key) && Codec.Same(read.Value, value)
                && Codec.Same(read.Context, context) && read.W == w && read.ReturnContext == returnContext
                && read.TimeoutMs == timeoutMs && read.Strict == strict,
                Is.True,
                $"case {i}");
            Codec.AssertReencodes<PutRequest>(bytes);
        }
    }

    [Test]
    public void Put_replies_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ContextBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var context = source.Bytes(ProtocolLimits.ContextBytesMax);
            var bytes = Codec.Encode(new PutReply(context.Span));

            Assert.That(Codec.Same(PutReply.Read(bytes).Context, context), Is.True, $"case {i}");
            Codec.AssertReencodes<PutReply>(bytes);
        }
    }

    [Test]
    public void Delete_requests_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ContextBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var bucket = source.Bytes(ProtocolLimits.BucketBytesMax);
            var key = source.Bytes(ProtocolLimits.KeyBytesMax);
            var context = source.Bytes(ProtocolLimits.ContextBytesMax);
            var w = source.U8();
            var timeoutMs = source.U32();
            var strict = source.Chance(0.5);
            var bytes = Codec.Encode(new DeleteRequest(bucket.Span, key.Span, context.Span, w, timeoutMs, strict));

            var read = DeleteRequest.Read(bytes);
            Assert.That(
                Codec.Same(read.Bucket, bucket) && Codec.Same(read.Key, key) && Codec.Same(read.Context, context)
                && read.W == w && read.TimeoutMs == timeoutMs && read.Strict == strict,
                Is.True,
                $"case {i}");
            Codec.AssertReencodes<DeleteRequest>(bytes);
        }
    }

    [Test]
    public void Get_replies_round_trip_with_their_siblings()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ValueBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var context = source.Bytes(ProtocolLimits.ContextBytesMax);
            var siblings = Siblings(source);
            var bytes = Codec.Encode(new GetReply(context.Span, siblings));

            var read = GetReply.Read(bytes);
            Assert.That(Codec.Same(read.Context, context), Is.True, $"case {i}: context");
            Assert.That(read.SiblingCount, Is.EqualTo(siblings.Length), $"case {i}: count");
            Assert.That(read.IsNotFound, Is.EqualTo(siblings.Length == 0));
            var index = 0;
            foreach (var sibling in read.Siblings)
            {
                var expected = siblings[index];
                long length = expected.IsOmitted ? expected.OmittedLength : expected.Value.Length;
                if (sibling.IsTombstone != expected.IsTombstone || sibling.IsOmitted != expected.IsOmitted
                    || sibling.Length != length || !Codec.Same(sibling.Value, expected.Value))
                {
                    Assert.Fail($"case {i}: sibling {index} differs");
                }

                index++;
            }

            Assert.That(index, Is.EqualTo(siblings.Length), $"case {i}: siblings walked");
            Codec.AssertReencodes<GetReply>(bytes);
        }
    }

    [Test]
    public void Cluster_info_replies_round_trip_with_members_and_owners()
    {
        var source = new SampleSource(TestSeed.NewRandom(), 16);
        var names = new ClusterMember[256];
        for (var m = 0; m < names.Length; m++)
        {
            names[m] = new ClusterMember(source.Text(ProtocolLimits.NameBytesMax), source.Endpoint());
        }

        for (var i = 0; i < Cases; i++)
        {
            var members = new ClusterMember[source.Length(ProtocolLimits.MembersMax, min: 1)];
            for (var m = 0; m < members.Length; m++)
            {
                members[m] = names[source.Int(0, names.Length - 1)];
            }

            var owners = new ushort[source.Chance(0.1) ? ProtocolLimits.PartitionsMax : 1 << source.Int(0, 16)];
            for (var p = 0; p < owners.Length; p++)
            {
                owners[p] = (ushort)source.Int(0, members.Length - 1);
            }

            var n = (byte)source.Int(1, 255);
            var r = (byte)source.Int(1, n);
            var w = (byte)source.Int(1, n);
            var fingerprint = source.U64();
            var bytes = Codec.Encode(new ClusterInfoReply(fingerprint, n, r, w, members, owners));

            var read = ClusterInfoReply.Read(bytes);
            Assert.That(
                read.RingFingerprint == fingerprint && read.DefaultN == n && read.DefaultR == r && read.DefaultW == w
                && read.MemberCount == members.Length && read.PartitionCount == owners.Length,
                Is.True,
                $"case {i}: fixed fields");
            var index = 0;
            foreach (var member in read.Members)
            {
                if (!Codec.Same(member.NodeId, members[index].NodeId) || !Codec.Same(member.Endpoint, members[index].Endpoint))
                {
                    Assert.Fail($"case {i}: member {index} differs");
                }

                index++;
            }

            Assert.That(index, Is.EqualTo(members.Length), $"case {i}: members walked");
            for (var p = 0; p < owners.Length; p++)
            {
                if (read.GetOwner(p) != owners[p])
                {
                    Assert.Fail($"case {i}: owner of partition {p} is {read.GetOwner(p)}, expected {owners[p]}");
                }
            }

            Codec.AssertReencodes<ClusterInfoReply>(bytes);
        }
    }

    [Test]
    public void Replica_reads_and_their_replies_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom());
        for (var i = 0; i < Cases; i++)
        {
            var bucket = source.Bytes(ProtocolLimits.BucketBytesMax);
            var key = source.Bytes(ProtocolLimits.KeyBytesMax);
            var request = Codec.Encode(new ReplicaReadRequest(bucket.Span, key.Span));
            var readRequest = ReplicaReadRequest.Read(request);
            Assert.That(Codec.Same(readRequest.Bucket, bucket) && Codec.Same(readRequest.Key, key), Is.True, $"case {i}");
            Codec.AssertReencodes<ReplicaReadRequest>(request);

            var @object = source.Bytes(ProtocolLimits.ObjectBytesMax);
            var reply = Codec.Encode(new ReplicaReadReply(@object.Span));
            var readReply = ReplicaReadReply.Read(reply);
            Assert.That(Codec.Same(readReply.Object, @object), Is.True, $"case {i}: object");
            Assert.That(readReply.IsAbsent, Is.EqualTo(@object.IsEmpty));
            Codec.AssertReencodes<ReplicaReadReply>(reply);
        }
    }

    [Test]
    public void Replica_writes_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom());
        for (var i = 0; i < Cases; i++)
        {
            var bucket = source.Bytes(ProtocolLimits.BucketBytesMax);
            var key = source.Bytes(ProtocolLimits.KeyBytesMax);
            var @object = source.Bytes(ProtocolLimits.ObjectBytesMax, min: 1);
            var bytes = Codec.Encode(new ReplicaWriteRequest(bucket.Span, key.Span, @object.Span));

            var read = ReplicaWriteRequest.Read(bytes);
            Assert.That(
                Codec.Same(read.Bucket, bucket) && Codec.Same(read.Key, key) && Codec.Same(read.Object, @object),
                Is.True,
                $"case {i}");
            Codec.AssertReencodes<ReplicaWriteRequest>(bytes);
        }
    }

    [Test]
    public void Error_replies_round_trip_including_unknown_codes()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ErrorMessageBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var code = (ErrorCode)(source.Chance(0.8) ? source.Int(1, 12) : source.Int(0, ushort.MaxValue));
            var message = source.Chance(0.1) ? [] : source.Text(ProtocolLimits.ErrorMessageBytesMax);
            var required = source.U8();
            var received = source.U8();
            var retryAfterMs = source.U32();
            var bytes = Codec.Encode(new ErrorReply(code, message, required, received, retryAfterMs));

            var read = ErrorReply.Read(bytes);
            Assert.That(
                read.Code == code && read.Message.SequenceEqual(message) && read.Required == required
                && read.Received == received && read.RetryAfterMs == retryAfterMs,
                Is.True,
                $"case {i}");
            Assert.That(read.IsKnownCode(), Is.EqualTo(Enum.IsDefined(code)), $"case {i}: known code");
            Codec.AssertReencodes<ErrorReply>(bytes);
        }
    }

    [Test]
    public void Gossip_messages_round_trip_with_every_member()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.NameBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var members = MessageCodecs.SampleGossipMembers(source);
            var ring = MessageCodecs.SampleGossipRing(source);
            var bytes = ring is { } r
                ? Codec.Encode(new GossipRequest(members, new GossipRing(r.Version, r.Members, r.Owners)))
                : Codec.Encode(new GossipRequest(members, GossipRing.None));
            var read = GossipRequest.Read(bytes);
            Assert.That(read.Members.Count, Is.EqualTo(members.Length), $"case {i}");
            Assert.That(read.Ring.IsPresent, Is.EqualTo(ring is not null), $"case {i}: ring present");
            if (ring is { } sentRing)
            {
                Assert.That(
                    (read.Ring.Version, read.Ring.PartitionCount, read.Ring.Members.Count),
                    Is.EqualTo((sentRing.Version, sentRing.Owners.Length, sentRing.Members.Length)),
                    $"case {i}");
                var owners = new ushort[read.Ring.PartitionCount];
                for (var p = 0; p < owners.Length; p++)
                {
                    owners[p] = (ushort)read.Ring.GetOwner(p);
                }

                Assert.That(owners, Is.EqualTo(sentRing.Owners), $"case {i}: owners");
            }

            var m = 0;
            foreach (var member in read.Members)
            {
                var sent = members[m++];
                Assert.That(
                    Codec.Same(member.NodeId, sent.NodeId) && Codec.Same(member.Endpoint, sent.Endpoint)
                    && member.Epoch == sent.Epoch && member.Status == sent.Status && member.Heartbeat == sent.Heartbeat,
                    Is.True,
                    $"case {i}, member {m - 1}");
            }

            Codec.AssertReencodes<GossipRequest>(bytes);
            Codec.AssertReencodes<GossipReply>(bytes);
        }
    }

    [Test]
    public void Hinted_writes_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ObjectBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var target = source.Text(ProtocolLimits.NameBytesMax);
            var bucket = source.Bytes(ProtocolLimits.BucketBytesMax);
            var key = source.Bytes(ProtocolLimits.KeyBytesMax);
            var @object = source.Bytes(ProtocolLimits.ObjectBytesMax, min: 1);
            var bytes = Codec.Encode(new HintedWriteRequest(target, bucket.Span, key.Span, @object.Span));

            var read = HintedWriteRequest.Read(bytes);
            Assert.That(
                read.Target.SequenceEqual(target) && Codec.Same(read.Bucket, bucket) && Codec.Same(read.Key, key)
                && Codec.Same(read.Object, @object),
                Is.True,
                $"case {i}");
            Codec.AssertReencodes<HintedWriteRequest>(bytes);
        }
    }

    [Test]
    public void Gossip_rejects_an_unknown_status_and_an_empty_list()
    {
        var bad = Convert.FromHexString("01" + "0161" + "03683a31" + "01000000" + "03" + "0500000000000000");
        Assert.That(
            Assert.Throws<ProtocolException>(() => GossipRequest.Read(bad))!.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(
            Assert.Throws<ProtocolException>(() => GossipReply.Read([0x00]))!.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(
            Assert.Throws<ProtocolException>(() => HintedWriteRequest.Read(Convert.FromHexString("00" + "0162" + "016b" + "026f31")))!.Code,
            Is.EqualTo(ErrorCode.BadRequest),
            "an empty target");
    }

    private static SiblingValue[] Siblings(SampleSource source)
    {
        // Either many siblings with small values or a few with values up to the limit: both edges, one frame.
        var count = source.Chance(0.05) ? ProtocolLimits.SiblingsMax : source.Length(ProtocolLimits.SiblingsMax);
        var valueMax = count <= 1 ? ProtocolLimits.ValueBytesMax : count <= 4 ? ProtocolLimits.FrameBytesMax / 8 : 64;
        var siblings = new SiblingValue[count];
        for (var s = 0; s < count; s++)
        {
            siblings[s] = source.Chance(0.2) ? SiblingValue.Tombstone
                : source.Chance(0.1) ? SiblingValue.Omitted(source.Int(0, ProtocolLimits.ValueBytesMax))
                : new SiblingValue(source.Bytes(valueMax));
        }

        return siblings;
    }
}
