using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// Fields over their limits are TooLarge, found from the declared length before anything is sliced; every other
/// malformation is BadRequest. Builders enforce the same rules.
/// </summary>
public sealed class LimitTests
{
    private static readonly byte[] s_errorHead = [0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    private static readonly byte[] s_clusterHead = [1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0, 0, 0, 3, 2, 2];

    public static IEnumerable<TestCaseData> FieldsOverTheirLimits()
    {
        // Each payload declares one more byte than the field allows and then ends: a decoder that sliced before
        // checking the limit would report truncation instead.
        yield return Case("get bucket", b => GetRequest.Read(b), [], ProtocolLimits.BucketBytesMax);
        yield return Case("get key", b => GetRequest.Read(b), [0x00], ProtocolLimits.KeyBytesMax);
        yield return Case("put key", b => PutRequest.Read(b), [0x00], ProtocolLimits.KeyBytesMax);
        yield return Case("put value", b => PutRequest.Read(b), [0x00, 0x00], ProtocolLimits.ValueBytesMax);
        yield return Case("put context", b => PutRequest.Read(b), [0x00, 0x00, 0x00], ProtocolLimits.ContextBytesMax);
        yield return Case("put reply context", b => PutReply.Read(b), [], ProtocolLimits.ContextBytesMax);
        yield return Case("delete context", b => DeleteRequest.Read(b), [0x00, 0x00], ProtocolLimits.ContextBytesMax);
        yield return Case("get reply context", b => GetReply.Read(b), [], ProtocolLimits.ContextBytesMax);
        yield return Case("sibling count", b => GetReply.Read(b), [0x00], ProtocolLimits.SiblingsMax);
        yield return Case("sibling value", b => GetReply.Read(b), [0x00, 0x01, 0x00], ProtocolLimits.ValueBytesMax);
        yield return Case("omitted value length", b => GetReply.Read(b), [0x00, 0x01, 0x02], ProtocolLimits.ValueBytesMax);
        yield return Case("replica read key", b => ReplicaReadRequest.Read(b), [0x00], ProtocolLimits.KeyBytesMax);
        yield return Case("replica read object", b => ReplicaReadReply.Read(b), [], ProtocolLimits.ObjectBytesMax);
        yield return Case("replica write object", b => ReplicaWriteRequest.Read(b), [0x00, 0x00], ProtocolLimits.ObjectBytesMax);
        yield return Case("info text", b => InfoReply.Read(b), [], ProtocolLimits.InfoBytesMax);
        yield return Case("error message", b => ErrorReply.Read(b), s_errorHead, ProtocolLimits.ErrorMessageBytesMax);
        yield return Case("member count", b => ClusterInfoReply.Read(b), s_clusterHead, ProtocolLimits.MembersMax);
        yield return Case("node id", b => ClusterInfoReply.Read(b), [.. s_clusterHead, 0x01], ProtocolLimits.NameBytesMax);
        yield return Case("endpoint", b => ClusterInfoReply.Read(b), [.. s_clusterHead, 0x01, 0x01, 0x61], ProtocolLimits.NameBytesMax);
    }

    [TestCaseSource(nameof(FieldsOverTheirLimits))]
    public void A_field_over_its_limit_is_too_large_before_it_is_sliced(Action<byte[]> read, byte[] payload)
    {
        AssertRejected(() => read(payload), ErrorCode.TooLarge);
    }

    [Test]
    public void A_field_at_its_limit_that_is_cut_short_is_a_bad_request()
    {
        AssertRejected(() => GetRequest.Read([0x00, .. Varint(ProtocolLimits.KeyBytesMax)]), ErrorCode.BadRequest);
    }

    [Test]
    public void A_length_at_the_limit_is_accepted()
    {
        var key = new byte[ProtocolLimits.KeyBytesMax];
        byte[] payload = [0x00, .. Varint(key.Length), .. key, 0x00, 0x00, 0, 0, 0, 0];
        Assert.That(GetRequest.Read(payload).Key.Length, Is.EqualTo(ProtocolLimits.KeyBytesMax));
    }

    [Test]
    public void A_partition_count_over_the_limit_is_too_large()
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x00, 0x02, 0x00, 3, 2, 2];
        AssertRejected(() => ClusterInfoReply.Read(payload), ErrorCode.TooLarge);
    }

    [TestCase(new byte[] { 0x80, 0x00 }, TestName = "A zero written in two bytes is a bad request")]
    [TestCase(new byte[] { 0x81, 0x00 }, TestName = "A one written in two bytes is a bad request")]
    [TestCase(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x1F }, TestName = "A varint over 32 bits is a bad request")]
    [TestCase(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, TestName = "A six-byte varint is a bad request")]
    [TestCase(new byte[] { 0x80 }, TestName = "A varint cut short is a bad request")]
    public void Malformed_varints_are_bad_requests(byte[] bucketLength)
    {
        AssertRejected(() => GetRequest.Read(bucketLength), ErrorCode.BadRequest);
    }

    [Test]
    public void The_largest_32_bit_varint_is_read_and_found_too_large()
    {
        AssertRejected(() => GetRequest.Read([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), ErrorCode.TooLarge);
    }

    public static IEnumerable<TestCaseData> ReservedBits()
    {
        yield return new TestCaseData((Action)(() => GetRequest.Read([0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0]))).SetName("Get flags bit 0");
        yield return new TestCaseData((Action)(() => PutRequest.Read([0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0]))).SetName("Put flags bit 2");
        yield return new TestCaseData((Action)(() => DeleteRequest.Read([0x00, 0x00, 0x00, 0x00, 0x80, 0, 0, 0, 0]))).SetName("Delete flags bit 7");
        yield return new TestCaseData((Action)(() => DeleteRequest.Read([0x00, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0]))).SetName("Delete flags bit 0");
        yield return new TestCaseData((Action)(() => GetRequest.Read([0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0]))).SetName("Get flags bit 2");
        yield return new TestCaseData((Action)(() => GetReply.Read([0x00, 0x01, 0x04, 0x00]))).SetName("Sibling flags bit 2");
    }

    [TestCaseSource(nameof(ReservedBits))]
    public void Reserved_bits_that_are_set_are_bad_requests(Action read)
    {
        AssertRejected(read, ErrorCode.BadRequest);
    }

    [Test]
    public void Trailing_bytes_after_the_last_field_are_bad_requests_for_every_message()
    {
        foreach (var codec in MessageCodecs.All)
        {
            var payload = codec.Sample(new SampleSource(new Random(1), sizeCap: 8));
            AssertRejected(() => codec.Reencode([.. payload, 0x00]), ErrorCode.BadRequest, codec.Name);
        }
    }

    [Test]
    public void A_partition_owner_that_is_not_a_member_index_is_a_bad_request()
    {
        // Two members, four partitions; the last owner is 2.
        var payload = Convert.FromHexString(
            "0807060504030201" + "04000000" + "030202" + "02" + "0161" + "03683a31" + "0162" + "03683a32"
            + "0000" + "0100" + "0100" + "0200");
        AssertRejected(() => ClusterInfoReply.Read(payload), ErrorCode.BadRequest);
        AssertRejected(() => _ = new ClusterInfoReply(1, 3, 2, 2, [new("a", "h:1"), new("b", "h:2")], [0, 1, 1, 2]), ErrorCode.BadRequest);
    }

    [TestCase(3u, TestName = "A partition count of 3 is a bad request")]
    [TestCase(0u, TestName = "A partition count of 0 is a bad request")]
    public void Partition_counts_that_are_not_powers_of_two_are_bad_requests(uint partitions)
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8, .. BitConverter.GetBytes(partitions), 3, 2, 2];
        AssertRejected(() => ClusterInfoReply.Read(payload), ErrorCode.BadRequest);
    }

    public static IEnumerable<TestCaseData> OtherMalformations()
    {
        yield return Bad("a tombstone with a value", () => GetReply.Read([0x00, 0x01, 0x01, 0x01, 0x76]));
        yield return Bad("a tombstone with its value omitted", () => GetReply.Read([0x00, 0x01, 0x03, 0x00]));
        yield return Bad("an empty replica write object", () => ReplicaWriteRequest.Read([0x00, 0x00, 0x00]));
        yield return Bad("an error message that is not UTF-8", () => ErrorReply.Read([.. s_errorHead, 0x02, 0xC3, 0x28]));
        yield return Bad("an endpoint without a port", () => _ = new ClusterInfoReply(1, 1, 1, 1, [new("a", "host")], [0]));
        yield return Bad("an endpoint with port 0", () => _ = new ClusterInfoReply(1, 1, 1, 1, [new("a", "host:0")], [0]));
        yield return Bad("an endpoint with port 65536", () => _ = new ClusterInfoReply(1, 1, 1, 1, [new("a", "host:65536")], [0]));
        yield return Bad("an empty node id", () => _ = new ClusterInfoReply(1, 1, 1, 1, [new("", "h:1")], [0]));
        yield return Bad("no members", () => _ = new ClusterInfoReply(1, 1, 1, 1, [], [0]));
        yield return Bad("R over N", () => _ = new ClusterInfoReply(1, 2, 3, 1, [new("a", "h:1")], [0]));
        yield return Bad("W of zero", () => _ = new ClusterInfoReply(1, 2, 1, 0, [new("a", "h:1")], [0]));
        yield return Bad("an empty replica write built", () => _ = new ReplicaWriteRequest("b"u8, "k"u8, []));
        yield return Bad("a bucket change with R over N", () => SetBucketRequest.Read(Convert.FromHexString("0162" + "020301" + "00000000")));
        yield return Bad("a bucket change with N over ReplicasMax", () => SetBucketRequest.Read(Convert.FromHexString("0162" + "110101" + "00000000")));
        yield return Bad("a bucket change that changes nothing", () => SetBucketRequest.Read(Convert.FromHexString("0162" + "000000" + "00000000")));
        yield return Bad("a bucket change of the empty bucket", () => SetBucketRequest.Read(Convert.FromHexString("00" + "020101" + "00000000")));
        yield return Bad("a bucket change whose name is not UTF-8", () => _ = new SetBucketRequest([0xC3, 0x28], 2, 1, 1, 0));
        yield return Bad("a bucket with W over N", () => SetBucketReply.Read(Convert.FromHexString(Bucket("020103", "88130000", "026e31"))));
        yield return Bad("a bucket with N of zero", () => SetBucketReply.Read(Convert.FromHexString(Bucket("000101", "88130000", "026e31"))));
        yield return Bad("a bucket with a timeout of zero", () => SetBucketReply.Read(Convert.FromHexString(Bucket("020101", "00000000", "026e31"))));
        yield return Bad("a bucket with an empty node id", () => SetBucketReply.Read(Convert.FromHexString(Bucket("020101", "88130000", "00"))));
        yield return Bad("a bucket whose node id runs past the payload", () => SetBucketReply.Read(Convert.FromHexString(Bucket("020101", "88130000", "056e31"))));
        yield return Bad("gossip without its ring", () => GossipRequest.Read(Convert.FromHexString(OneGossipMember)));
        yield return Bad("gossip without its bucket list", () => GossipRequest.Read(Convert.FromHexString(OneGossipMember + "00")));
        yield return Bad("gossip with a bucket built with R over N", () => _ = new GossipRequest([new GossipMember("a", "h:1", 1, GossipStatus.Up, 1)], GossipRing.None, [new BucketInfo("b", 1, 2, 1, 1, 0, "a")]));
    }

    [Test]
    public void A_bucket_count_over_BucketsMax_is_too_large_before_any_bucket_is_read()
    {
        // one member | no ring | bucket count 257 (varint 81 02) and no bucket after it
        AssertRejected(() => GossipRequest.Read(Convert.FromHexString(OneGossipMember + "00" + "8102")), ErrorCode.TooLarge);
        AssertRejected(() => _ = new SetBucketReply(new BucketInfo(new byte[ProtocolLimits.BucketBytesMax + 1], 1, 1, 1, 1, 0, "a"u8.ToArray())), ErrorCode.TooLarge);
    }

    /// <summary>One gossip member: "a" at "h:1", epoch 1, up, heartbeat 1.</summary>
    private const string OneGossipMember = "01" + "0161" + "03683a31" + "01000000" + "01" + "0100000000000000";

    /// <summary>A bucket "b" with the given N R W, timeout and node id fields, version counter 1.</summary>
    private static string Bucket(string nrw, string timeout, string nodeId) => "0162" + nrw + timeout + "0100000000000000" + nodeId;

    [TestCaseSource(nameof(OtherMalformations))]
    public void Other_malformations_are_bad_requests(Action read)
    {
        AssertRejected(read, ErrorCode.BadRequest);
    }

    [Test]
    public void Builders_refuse_fields_over_their_limits()
    {
        AssertRejected(() => _ = new PutRequest("b"u8, "k"u8, new byte[ProtocolLimits.ValueBytesMax + 1], []), ErrorCode.TooLarge);
        AssertRejected(() => _ = new GetRequest(new byte[ProtocolLimits.BucketBytesMax + 1], "k"u8), ErrorCode.TooLarge);
        AssertRejected(() => _ = new GetReply([], new SiblingValue[ProtocolLimits.SiblingsMax + 1]), ErrorCode.TooLarge);
        AssertRejected(() => _ = new ErrorReply(ErrorCode.Internal, new byte[ProtocolLimits.ErrorMessageBytesMax + 1]), ErrorCode.TooLarge);
        AssertRejected(() => _ = new ClusterInfoReply(1, 1, 1, 1, [new("a", "h:1")], new ushort[ProtocolLimits.PartitionsMax * 2]), ErrorCode.TooLarge);
    }

    [Test]
    public void A_get_reply_larger_than_a_frame_cannot_be_built()
    {
        var value = new byte[ProtocolLimits.ValueBytesMax];
        SiblingValue[] siblings = [new(value), new(value), new(value)];
        AssertRejected(() => _ = new GetReply([], siblings), ErrorCode.TooLarge);
    }

    [Test]
    public void Error_replies_keep_unknown_codes_and_say_they_are_unknown()
    {
        var reply = ErrorReply.Read([0x34, 0x12, 0, 0, 0, 0, 0, 0, 0]);
        Assert.That((ushort)reply.Code, Is.EqualTo(0x1234));
        Assert.That(reply.IsKnownCode(), Is.False);
        Assert.That(ErrorReply.Read([0x05, 0x00, 0, 0, 0, 0, 0, 0, 0]).IsKnownCode(), Is.True);
    }

    [Test]
    public void Error_message_text_is_cut_to_the_limit_at_a_character_boundary()
    {
        var text = "x" + new string('é', ProtocolLimits.ErrorMessageBytesMax);
        var buffer = new byte[4096];
        var message = ErrorReply.EncodeMessage(text, buffer);
        Assert.That(message.Length, Is.EqualTo(ProtocolLimits.ErrorMessageBytesMax - 1));
        var reply = new ErrorReply(ErrorCode.BadRequest, message);
        Assert.That(reply.MessageText, Is.EqualTo(text[..(ProtocolLimits.ErrorMessageBytesMax / 2)]));
    }

    [Test]
    public void An_error_reply_for_a_protocol_exception_carries_its_code_and_message()
    {
        var error = new ProtocolException(ErrorCode.TooLarge, ErrorScope.Request, "The key is too long.");
        var reply = ErrorReply.For(error, new byte[ProtocolLimits.ErrorMessageBytesMax]);
        Assert.That(reply.Code, Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(reply.MessageText, Is.EqualTo("The key is too long."));
    }

    private static TestCaseData Case(string field, Action<byte[]> read, byte[] prefix, int limit) =>
        new TestCaseData(read, (byte[])[.. prefix, .. Varint(limit + 1)]).SetName($"The {field} over its limit is too large");

    private static TestCaseData Bad(string what, Action read) =>
        new TestCaseData(read).SetName($"Rejects {what}");

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }

    private static void AssertRejected(Action read, ErrorCode code, string? context = null)
    {
        var error = Assert.Throws<ProtocolException>(() => read(), context ?? string.Empty);
        Assert.That(error!.Code, Is.EqualTo(code), error.Message);
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
    }
}
