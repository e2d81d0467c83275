using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// The one list codec every list of every message goes through (<see cref="MessageList{TCodec, TValue, TView}"/>): a
/// count over its limit is refused before any element is read, an element that breaks a rule is refused with the same
/// code whether it is built or read, and a list walked from a payload is the list that was built.
/// </summary>
public sealed class MessageListTests
{
    private static readonly byte[] s_clusterHead = [1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0, 0, 0, 3, 2, 2];

    public static IEnumerable<TestCaseData> CountsOverTheirLimits()
    {
        // Each payload declares one element more than the list allows and holds none: a reader that read elements
        // before checking the count would report truncation (BadRequest) instead.
        yield return Count("tree hashes", b => TreeCompareRequest.Read(b), [0x00], ProtocolLimits.TreeHashesMax);
        yield return Count("differing nodes", b => TreeCompareReply.Read(b), [], ProtocolLimits.TreeHashesMax);
        yield return Count("unready partitions", b => TreeCompareReply.Read(b), [0x00], ProtocolLimits.PartitionsMax);
        yield return Count("segments", b => KeysCompareRequest.Read(b), [], ProtocolLimits.SegmentsMax);
        yield return Count("keys", b => KeysCompareRequest.Read(b), [0x00], ProtocolLimits.KeyVersionsMax);
        yield return Count("key copies", b => KeysCompareReply.Read(b), [], ProtocolLimits.KeyCopiesMax);
        yield return Count("siblings", b => GetReply.Read(b), [0x00], ProtocolLimits.SiblingsMax);
        yield return Count("cluster members", b => ClusterInfoReply.Read(b), s_clusterHead, ProtocolLimits.MembersMax);
        yield return Count("gossip members", b => GossipRequest.Read(b), [], ProtocolLimits.MembersMax);
        yield return Count("gossip reply members", b => GossipReply.Read(b), [], ProtocolLimits.MembersMax);
    }

    [TestCaseSource(nameof(CountsOverTheirLimits))]
    public void A_count_over_its_limit_is_too_large_before_any_element_is_read(Action<byte[]> read, byte[] payload)
    {
        Assert.That(CodeOf(() => read(payload)), Is.EqualTo(ErrorCode.TooLarge));
    }

    public static IEnumerable<TestCaseData> ElementsThatBreakARule()
    {
        var longBucket = new byte[ProtocolLimits.BucketBytesMax + 1];
        yield return Element(
            "a cluster member's endpoint without a port",
            () => _ = new ClusterInfoReply(1, 3, 2, 2, [new ClusterMember("a", "h")], [0]),
            [.. s_clusterHead, 0x01, 0x01, (byte)'a', 0x01, (byte)'h', 0x00, 0x00],
            b => ClusterInfoReply.Read(b),
            ErrorCode.BadRequest);
        yield return Element(
            "a cluster member's empty node id",
            () => _ = new ClusterInfoReply(1, 3, 2, 2, [new ClusterMember(string.Empty, "h:1")], [0]),
            [.. s_clusterHead, 0x01, 0x00, 0x03, (byte)'h', (byte)':', (byte)'1', 0x00, 0x00],
            b => ClusterInfoReply.Read(b),
            ErrorCode.BadRequest);
        yield return Element(
            "a gossip member's unknown status",
            () => _ = new GossipRequest([new GossipMember("a", "h:1", 1, (GossipStatus)3, 1)], GossipRing.None),
            [0x01, 0x01, (byte)'a', 0x03, (byte)'h', (byte)':', (byte)'1', 1, 0, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0],
            b => GossipRequest.Read(b),
            ErrorCode.BadRequest);
        yield return Element(
            "a key's bucket over its limit",
            () => _ = new KeysCompareRequest([], [new KeyVersionEntry(longBucket, default, 0)]),
            [0x00, 0x01, .. Varint(longBucket.Length), .. longBucket, 0x00, 0, 0, 0, 0, 0, 0, 0, 0],
            b => KeysCompareRequest.Read(b),
            ErrorCode.TooLarge);
        yield return Element(
            "a key copy's bucket over its limit",
            () => _ = new KeysCompareReply([new KeyCopyEntry(longBucket, default, default)]),
            [0x01, .. Varint(longBucket.Length), .. longBucket, 0x00, 0x00],
            b => KeysCompareReply.Read(b),
            ErrorCode.TooLarge);
        yield return Element(
            "an unready partition at PartitionsMax",
            () => _ = new TreeCompareReply([], [ProtocolLimits.PartitionsMax]),
            [0x00, 0x01, 0x80, 0x80, 0x04],
            b => TreeCompareReply.Read(b),
            ErrorCode.BadRequest);
        yield return Element(
            "a tree hash's negative index",
            () => _ = new TreeCompareRequest(0, [new TreeNodeHash(0, -1, 0)]),
            [0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0],
            b => TreeCompareRequest.Read(b),
            ErrorCode.BadRequest);
    }

    [TestCaseSource(nameof(ElementsThatBreakARule))]
    public void An_element_that_breaks_a_rule_is_refused_alike_by_the_builder_and_the_reader(
        Action build, byte[] payload, Action<byte[]> read, ErrorCode expected)
    {
        Assert.That(CodeOf(build), Is.EqualTo(expected), "built");
        Assert.That(CodeOf(() => read(payload)), Is.EqualTo(expected), "read");
    }

    [Test]
    public void A_list_of_omitted_values_tombstones_and_values_walks_back_as_built()
    {
        SiblingValue[] siblings = [SiblingValue.Omitted(ProtocolLimits.ValueBytesMax), SiblingValue.Tombstone, new("v"u8.ToArray()), SiblingValue.Omitted(0)];
        var built = new GetReply([0xC1], siblings);
        var read = GetReply.Read(Codec.Encode(built));
        foreach (var list in new[] { Walk(built.Siblings), Walk(read.Siblings) })
        {
            Assert.That(
                list,
                Is.EqualTo(new[] { (true, false, (long)ProtocolLimits.ValueBytesMax, string.Empty), (false, true, 0L, string.Empty), (false, false, 1L, "v"), (true, false, 0L, string.Empty) }));
        }
    }

    [Test]
    public void Walking_a_list_twice_gives_the_same_elements_and_stops_at_the_end()
    {
        var reply = TreeCompareReply.Read(Codec.Encode(new TreeCompareReply([new TreeNode(1, 2), new TreeNode(3, 4)], [5])));
        var enumerator = reply.Differing.GetEnumerator();
        Assert.That(enumerator.MoveNext() && enumerator.Current == new TreeNode(1, 2), Is.True);
        Assert.That(enumerator.MoveNext() && enumerator.Current == new TreeNode(3, 4), Is.True);
        Assert.That(enumerator.MoveNext(), Is.False);
        Assert.That(enumerator.MoveNext(), Is.False, "an ended walk stays ended");
        var again = new List<TreeNode>();
        foreach (var node in reply.Differing)
        {
            again.Add(node);
        }

        Assert.That(again, Is.EqualTo(new[] { new TreeNode(1, 2), new TreeNode(3, 4) }));
    }

    private static List<(bool Omitted, bool Tombstone, long Length, string Value)> Walk(
        MessageList<SiblingCodec, SiblingValue, SiblingSpan> siblings)
    {
        var list = new List<(bool, bool, long, string)>();
        foreach (var sibling in siblings)
        {
            list.Add((sibling.IsOmitted, sibling.IsTombstone, sibling.Length, System.Text.Encoding.UTF8.GetString(sibling.Value)));
        }

        return list;
    }

    private static TestCaseData Count(string name, Action<byte[]> read, byte[] head, int max) =>
        new TestCaseData(read, (byte[])[.. head, .. Varint(max + 1)]).SetName($"A {name} count over {max} is too large");

    private static TestCaseData Element(string name, Action build, byte[] payload, Action<byte[]> read, ErrorCode expected) =>
        new TestCaseData(build, payload, read, expected).SetName($"Built or read: {name} is {expected}");

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

    private static ErrorCode? CodeOf(Action action)
    {
        try
        {
            action();
        }
        catch (ProtocolException error)
        {
            return error.Code;
        }

        return null;
    }
}
