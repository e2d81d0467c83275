using System.Text;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// One pinned encoding per message type, written by hand from docs/PROTOCOL.md. A change here is a change
/// of the wire format.
/// </summary>
public sealed class GoldenBytesTests
{
    [Test]
    public void Empty_messages_have_empty_payloads()
    {
        Assert.That(Hex(Codec.Encode(default(PingRequest))), Is.Empty);
        Assert.That(Hex(Codec.Encode(default(PongReply))), Is.Empty);
        Assert.That(Hex(Codec.Encode(default(DeleteReply))), Is.Empty);
        Assert.That(Hex(Codec.Encode(default(ClusterInfoRequest))), Is.Empty);
        Assert.That(Hex(Codec.Encode(default(ReplicaWriteReply))), Is.Empty);
        Assert.That(Hex(Codec.Encode(default(HintedWriteReply))), Is.Empty);
    }

    [Test]
    public void Get_request_bytes_are_pinned()
    {
        // bucket "b" | key "k1" | r 2 | flags 0 | timeout 1000
        var bytes = Codec.Encode(new GetRequest("b"u8, "k1"u8, r: 2, timeoutMs: 1000));
        Assert.That(Hex(bytes), Is.EqualTo("0162026b3102" + "00" + "e8030000"));
        Assert.That(GetRequest.Read(bytes).Key.SequenceEqual("k1"u8), Is.True);
    }

    [Test]
    public void Put_request_bytes_are_pinned()
    {
        // bucket "b" | key "k" | value "v" | context c1 c2 | w 2 | flags: return context | timeout 0
        var bytes = Codec.Encode(
            new PutRequest("b"u8, "k"u8, "v"u8, [0xC1, 0xC2], w: 2, returnContext: true, timeoutMs: 0));
        Assert.That(Hex(bytes), Is.EqualTo("0162016b0176" + "02c1c2" + "02" + "01" + "00000000"));
        Assert.That(PutRequest.Read(bytes).ReturnContext, Is.True);
    }

    [Test]
    public void Put_reply_bytes_are_pinned()
    {
        var bytes = Codec.Encode(new PutReply([0xC1, 0xC2, 0xC3]));
        Assert.That(Hex(bytes), Is.EqualTo("03c1c2c3"));
    }

    [Test]
    public void Delete_request_bytes_are_pinned()
    {
        // bucket "b" | key "k" | context c1 | w 3 | flags 0 | timeout 500
        var bytes = Codec.Encode(new DeleteRequest("b"u8, "k"u8, [0xC1], w: 3, timeoutMs: 500));
        Assert.That(Hex(bytes), Is.EqualTo("0162016b01c1" + "03" + "00" + "f4010000"));
    }

    [Test]
    public void Get_reply_bytes_are_pinned()
    {
        // context c1 c2 | 2 siblings | (flags 0, "v1") | (tombstone, empty)
        SiblingValue[] siblings = [new(Encoding.UTF8.GetBytes("v1")), SiblingValue.Tombstone];
        var bytes = Codec.Encode(new GetReply([0xC1, 0xC2], siblings));
        Assert.That(Hex(bytes), Is.EqualTo("02c1c2" + "02" + "00027631" + "0100"));
    }

    [Test]
    public void Get_reply_bytes_with_values_omitted_are_pinned()
    {
        // context c1 c2 | 2 siblings | (omitted, 5,000,000 bytes) | (tombstone, empty)
        SiblingValue[] siblings = [SiblingValue.Omitted(5_000_000), SiblingValue.Tombstone];
        var bytes = Codec.Encode(new GetReply([0xC1, 0xC2], siblings));
        Assert.That(Hex(bytes), Is.EqualTo("02c1c2" + "02" + "02c096b102" + "0100"));
        var first = true;
        foreach (var sibling in GetReply.Read(bytes).Siblings)
        {
            Assert.That((sibling.IsOmitted, sibling.Length, sibling.Value.Length), Is.EqualTo(first ? (true, 5_000_000L, 0) : (false, 0L, 0)));
            first = false;
        }
    }

    [Test]
    public void Cluster_info_reply_bytes_are_pinned()
    {
        ClusterMember[] members = [new("a", "h:1"), new("b", "h:2")];
        var bytes = Codec.Encode(new ClusterInfoReply(0x0102030405060708, 3, 2, 2, members, [0, 1, 1, 0]));
        Assert.That(
            Hex(bytes),
            Is.EqualTo(
                "0807060504030201" + "04000000" + "030202" + "02"
                + "0161" + "03683a31" + "0162" + "03683a32"
                + "0000" + "0100" + "0100" + "0000" + "00"));
    }

    [Test]
    public void Bucket_list_set_bucket_and_its_reply_bytes_are_pinned()
    {
        // "b" | N 2 | R 1 | W 1 | timeout 5,000 | counter 1 | node "n1"
        const string Bucket = "0162" + "02" + "01" + "01" + "88130000" + "0100000000000000" + "026e31";
        BucketInfo[] buckets = [new("b", 2, 1, 1, 5000, 1, "n1")];
        ClusterMember[] members = [new("a", "h:1")];
        var info = Codec.Encode(new ClusterInfoReply(7, 3, 2, 2, members, [0], buckets));
        Assert.That(Hex(info), Does.EndWith("0000" + "01" + Bucket));
        var read = ClusterInfoReply.Read(info);
        foreach (var b in read.Buckets)
        {
            Assert.That((b.NameText, b.N, b.R, b.W, b.TimeoutMs, b.Counter, b.NodeIdText), Is.EqualTo(("b", 2, 1, 1, 5000u, 1ul, "n1")));
        }

        Assert.That(Hex(Codec.Encode(new SetBucketReply(buckets[0]))), Is.EqualTo(Bucket));
        Assert.That(Hex(Codec.Encode(new SetBucketRequest("b"u8, 2, 1, 1, 0))), Is.EqualTo("0162" + "02" + "01" + "01" + "00000000"));
        Assert.That((Opcode.SetBucket, Opcode.SetBucketReply), Is.EqualTo(((Opcode)0x52, (Opcode)0xD2)));
    }

    [Test]
    public void Info_bytes_are_pinned()
    {
        Assert.That(Hex(Codec.Encode(default(InfoRequest))), Is.Empty);
        Assert.That(Hex(Codec.Encode(new InfoReply("node:n1\n"u8))), Is.EqualTo("086e6f64653a6e310a"));
    }

    [Test]
    public void Replica_read_bytes_are_pinned()
    {
        Assert.That(Hex(Codec.Encode(new ReplicaReadRequest("b"u8, "k"u8))), Is.EqualTo("0162016b"));
        Assert.That(Hex(Codec.Encode(new ReplicaReadReply("o1"u8))), Is.EqualTo("026f31"));
    }

    [Test]
    public void Replica_write_bytes_are_pinned_with_a_two_byte_length()
    {
        // An object of 128 bytes: its length is the varint 80 01.
        var @object = new byte[128];
        @object.AsSpan().Fill(0xAB);
        var bytes = Codec.Encode(new ReplicaWriteRequest("b"u8, "k"u8, @object));
        Assert.That(Hex(bytes), Is.EqualTo("0162016b" + "8001" + string.Concat(Enumerable.Repeat("ab", 128))));
    }

    [Test]
    public void Strict_quorum_is_bit_1_of_the_flags_of_get_put_and_delete()
    {
        // get: bucket "b" | key "k" | r 2 | flags: strict | timeout 0
        Assert.That(Hex(Codec.Encode(new GetRequest("b"u8, "k"u8, r: 2, strict: true))), Is.EqualTo("0162016b" + "02" + "02" + "00000000"));

        // put: bucket "b" | key "k" | value "v" | no context | w 2 | flags: return context and strict | timeout 0
        var put = Codec.Encode(new PutRequest("b"u8, "k"u8, "v"u8, [], w: 2, returnContext: true, strict: true));
        Assert.That(Hex(put), Is.EqualTo("0162016b0176" + "00" + "02" + "03" + "00000000"));
        Assert.That(PutRequest.Read(put).Strict && PutRequest.Read(put).ReturnContext, Is.True);

        // delete: bucket "b" | key "k" | no context | w 3 | flags: strict | timeout 0
        Assert.That(Hex(Codec.Encode(new DeleteRequest("b"u8, "k"u8, [], w: 3, strict: true))), Is.EqualTo("0162016b00" + "03" + "02" + "00000000"));
        Assert.That(DeleteRequest.Read(Convert.FromHexString("0162016b00" + "03" + "02" + "00000000")).Strict, Is.True);
    }

    [Test]
    public void Gossip_bytes_are_pinned()
    {
        // 2 members | "a" "h:1" epoch 1 up heartbeat 5 | "b" "h:2" epoch 0x0100 down heartbeat 0x0102 | no ring
        GossipMember[] members = [new("a", "h:1", 1, GossipStatus.Up, 5), new("b", "h:2", 0x100, GossipStatus.Down, 0x102)];
        var memberBytes = "02"
            + "0161" + "03683a31" + "01000000" + "01" + "0500000000000000"
            + "0162" + "03683a32" + "00010000" + "02" + "0201000000000000";

        // ... | no ring | no bucket
        var expected = memberBytes + "00" + "00";
        Assert.That(Hex(Codec.Encode(new GossipRequest(members, GossipRing.None))), Is.EqualTo(expected));
        Assert.That(Hex(Codec.Encode(new GossipReply(members, GossipRing.None))), Is.EqualTo(expected));

        // ... | ring: present | version 7 | Q = 4 | 2 members "a" "b" | owners 0 1 0 1 | no bucket
        ReadOnlyMemory<byte>[] ringMembers = ["a"u8.ToArray(), "b"u8.ToArray()];
        var withRing = memberBytes + "01" + "0700000000000000" + "04000000" + "02" + "0161" + "0162" + "0000" + "0100" + "0000" + "0100" + "00";
        Assert.That(Hex(Codec.Encode(new GossipRequest(members, new GossipRing(7, ringMembers, [0, 1, 0, 1])))), Is.EqualTo(withRing));
        var ring = GossipRequest.Read(Convert.FromHexString(withRing)).Ring;
        Assert.That((ring.IsPresent, ring.Version, ring.PartitionCount, ring.GetOwner(1), ring.GetOwner(2)), Is.EqualTo((true, 7UL, 4, 1, 0)));

        var read = GossipReply.Read(Convert.FromHexString(expected));
        var statuses = new List<GossipStatus>();
        foreach (var member in read.Members)
        {
            statuses.Add(member.Status);
        }

        Assert.That(statuses, Is.EqualTo(new[] { GossipStatus.Up, GossipStatus.Down }));
    }

    [Test]
    public void Hinted_write_bytes_are_pinned()
    {
        // target "n2" | bucket "b" | key "k" | object o1
        var bytes = Codec.Encode(new HintedWriteRequest("n2"u8, "b"u8, "k"u8, "o1"u8));
        Assert.That(Hex(bytes), Is.EqualTo("026e32" + "0162" + "016b" + "026f31"));
    }

    [Test]
    public void Error_reply_bytes_are_pinned()
    {
        // code QuorumNotMet (3) | required 2 | received 1 | retry 0 | "quorum"
        var bytes = Codec.Encode(new ErrorReply(ErrorCode.QuorumNotMet, "quorum"u8, required: 2, received: 1));
        Assert.That(Hex(bytes), Is.EqualTo("0300" + "02" + "01" + "00000000" + "0671756f72756d"));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
