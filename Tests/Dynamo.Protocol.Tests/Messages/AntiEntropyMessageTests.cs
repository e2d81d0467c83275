using System.Text;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// The anti-entropy messages (TreeCompare, KeysCompare) and the repair command: pinned bytes, round trips that keep
/// every entry of every list, and the limits on counts and fields.
/// </summary>
public sealed class AntiEntropyMessageTests
{
    private const int Cases = 1000;

    [Test]
    public void Tree_compare_bytes_are_pinned()
    {
        // level 1 | 2 hashes | (partition 3, index 200 = c8 01, hash) | (partition 0, index 0, hash)
        TreeNodeHash[] hashes = [new(3, 200, 0x0102030405060708), new(0, 0, ulong.MaxValue)];
        var bytes = Codec.Encode(new TreeCompareRequest(1, hashes));
        Assert.That(
            Hex(bytes),
            Is.EqualTo("01" + "02" + "03" + "c801" + "0807060504030201" + "00" + "00" + "ffffffffffffffff"));
    }

    [Test]
    public void Tree_compare_reply_bytes_are_pinned()
    {
        // 1 differing node (partition 5, index 7) | 2 unready partitions: 1, 300 (ac 02)
        var bytes = Codec.Encode(new TreeCompareReply([new TreeNode(5, 7)], [1, 300]));
        Assert.That(Hex(bytes), Is.EqualTo("01" + "0507" + "02" + "01" + "ac02"));
    }

    [Test]
    public void Keys_compare_bytes_are_pinned()
    {
        // 1 segment (partition 2, leaf 9) | 1 key: bucket "b", key "k", version hash 0x11
        KeyVersionEntry[] keys = [new("b"u8.ToArray(), "k"u8.ToArray(), 0x11)];
        var bytes = Codec.Encode(new KeysCompareRequest([new TreeNode(2, 9)], keys));
        Assert.That(Hex(bytes), Is.EqualTo("01" + "0209" + "01" + "0162" + "016b" + "1100000000000000"));
    }

    [Test]
    public void Keys_compare_reply_bytes_are_pinned()
    {
        // 2 copies: ("b", "k", object o1) | ("b", "x", absent)
        KeyCopyEntry[] copies = [new("b"u8.ToArray(), "k"u8.ToArray(), "o1"u8.ToArray()), new("b"u8.ToArray(), "x"u8.ToArray(), default)];
        var bytes = Codec.Encode(new KeysCompareReply(copies));
        Assert.That(Hex(bytes), Is.EqualTo("02" + "0162016b026f31" + "01620178" + "00"));
        var index = 0;
        foreach (var copy in KeysCompareReply.Read(bytes).Copies)
        {
            Assert.That(copy.IsAbsent, Is.EqualTo(index++ == 1));
        }
    }

    [Test]
    public void Repair_bytes_are_pinned()
    {
        Assert.That(Hex(Codec.Encode(new RepairRequest(30_000))), Is.EqualTo("00" + "30750000"));

        // completed | 4 exchanges | 1 failed | 130 differences | 129 repaired | "peer down"
        var bytes = Codec.Encode(new RepairReply(true, 4, 1, 130, 129, "peer down"u8));
        Assert.That(
            Hex(bytes),
            Is.EqualTo("01" + "04" + "01" + "8200000000000000" + "8100000000000000" + "09" + Hex(Encoding.UTF8.GetBytes("peer down"))));
    }

    [Test]
    public void Tree_compares_and_their_replies_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), 64);
        for (var i = 0; i < Cases; i++)
        {
            var level = source.Int(0, ProtocolLimits.TreeLevelMax);
            var hashes = AntiEntropySamples.Hashes(source, source.Chance(0.02) ? ProtocolLimits.TreeHashesMax : 300);
            var request = Codec.Encode(new TreeCompareRequest(level, hashes));
            var read = TreeCompareRequest.Read(request);
            Assert.That(read.Level == level && read.Count == hashes.Length, Is.True, $"case {i}: fixed fields");
            var h = 0;
            foreach (var hash in read.Hashes)
            {
                if (hash != hashes[h++])
                {
                    Assert.Fail($"case {i}: hash {h - 1} differs");
                }
            }

            Assert.That(h, Is.EqualTo(hashes.Length), $"case {i}: hashes walked");
            Codec.AssertReencodes<TreeCompareRequest>(request);

            var differing = AntiEntropySamples.Nodes(source, 300);
            var unready = AntiEntropySamples.Partitions(source, 300);
            var reply = Codec.Encode(new TreeCompareReply(differing, unready));
            var readReply = TreeCompareReply.Read(reply);
            Assert.That(ToArray(readReply.Differing), Is.EqualTo(differing), $"case {i}: differing");
            Assert.That(ToArray(readReply.Unready), Is.EqualTo(unready), $"case {i}: unready");
            Codec.AssertReencodes<TreeCompareReply>(reply);
        }
    }

    [Test]
    public void Keys_compares_round_trip_with_every_key()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.KeyBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var segments = AntiEntropySamples.Nodes(source, source.Chance(0.02) ? ProtocolLimits.SegmentsMax : 16);
            var keys = AntiEntropySamples.Keys(source, source.Chance(0.02) ? 2048 : 40);
            var bytes = Codec.Encode(new KeysCompareRequest(segments, keys));
            var read = KeysCompareRequest.Read(bytes);
            Assert.That(ToArray(read.Segments), Is.EqualTo(segments), $"case {i}: segments");
            var k = 0;
            foreach (var key in read.Keys)
            {
                var expected = keys[k++];
                if (!Codec.Same(key.Bucket, expected.Bucket) || !Codec.Same(key.Key, expected.Key) || key.VersionHash != expected.VersionHash)
                {
                    Assert.Fail($"case {i}: key {k - 1} differs");
                }
            }

            Assert.That(k, Is.EqualTo(keys.Length), $"case {i}: keys walked");
            Codec.AssertReencodes<KeysCompareRequest>(bytes);
        }
    }

    [Test]
    public void Keys_compare_replies_round_trip_with_every_copy()
    {
        var source = new SampleSource(TestSeed.NewRandom());
        for (var i = 0; i < Cases; i++)
        {
            // Many small copies or a few large ones: both edges, one frame.
            var many = source.Chance(0.5);
            var copies = AntiEntropySamples.Copies(
                source, many ? 8192 : 3, many ? 256 : ProtocolLimits.ObjectBytesMax / 4);
            var bytes = Codec.Encode(new KeysCompareReply(copies));
            var read = KeysCompareReply.Read(bytes);
            var c = 0;
            foreach (var copy in read.Copies)
            {
                var expected = copies[c++];
                if (!Codec.Same(copy.Bucket, expected.Bucket) || !Codec.Same(copy.Key, expected.Key) || !Codec.Same(copy.Object, expected.Object))
                {
                    Assert.Fail($"case {i}: copy {c - 1} differs");
                }
            }

            Assert.That(c, Is.EqualTo(copies.Length), $"case {i}: copies walked");
            Codec.AssertReencodes<KeysCompareReply>(bytes);
        }
    }

    [Test]
    public void Repairs_and_their_replies_round_trip()
    {
        var source = new SampleSource(TestSeed.NewRandom(), ProtocolLimits.ErrorMessageBytesMax);
        for (var i = 0; i < Cases; i++)
        {
            var timeout = source.U32();
            var request = Codec.Encode(new RepairRequest(timeout));
            Assert.That(RepairRequest.Read(request).TimeoutMs, Is.EqualTo(timeout), $"case {i}: timeout");

            var bytes = Codec.Encode(AntiEntropySamples.RepairReply(source));
            var read = RepairReply.Read(bytes);
            var again = Codec.Encode(new RepairReply(
                read.Completed, read.Exchanges, read.ExchangesFailed, read.Differences, read.KeysRepaired, read.Message.ToArray()));
            Assert.That(again, Is.EqualTo(bytes), $"case {i}");
            Codec.AssertReencodes<RepairReply>(bytes);
        }
    }

    [Test]
    public void Counts_and_fields_over_their_limits_are_refused_by_builders_and_decoders()
    {
        Assert.That(() => _ = new TreeCompareRequest(3, []), Throws.TypeOf<ProtocolException>());
        Assert.That(Code(() => TreeCompareRequest.Read([0x03, 0x00])), Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(
            () => _ = new TreeCompareRequest(0, new TreeNodeHash[ProtocolLimits.TreeHashesMax + 1]),
            Throws.TypeOf<ProtocolException>().With.Property(nameof(ProtocolException.Code)).EqualTo(ErrorCode.TooLarge));
        Assert.That(Code(() => TreeCompareRequest.Read([0x00, 0x81, 0x80, 0x04])), Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(() => _ = new TreeCompareReply([new TreeNode(ProtocolLimits.PartitionsMax, 0)], []), Throws.TypeOf<ProtocolException>());
        Assert.That(() => _ = new TreeCompareReply([new TreeNode(0, -1)], []), Throws.TypeOf<ProtocolException>());

        // partition 65536 (80 80 04) is not below PartitionsMax
        Assert.That(Code(() => TreeCompareReply.Read([0x01, 0x80, 0x80, 0x04, 0x00, 0x00])), Is.EqualTo(ErrorCode.BadRequest));

        // index 2^31 (80 80 80 80 08) is over int's range
        Assert.That(Code(() => TreeCompareReply.Read([0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00])), Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(
            () => _ = new KeysCompareRequest([], new KeyVersionEntry[ProtocolLimits.KeyVersionsMax + 1]),
            Throws.TypeOf<ProtocolException>());
        Assert.That(
            () => _ = new KeysCompareRequest([], [new KeyVersionEntry(default, new byte[ProtocolLimits.KeyBytesMax + 1], 0)]),
            Throws.TypeOf<ProtocolException>());
        var big = new byte[ProtocolLimits.ObjectBytesMax];
        Assert.That(
            () => _ = new KeysCompareReply([new KeyCopyEntry(default, default, big), new KeyCopyEntry(default, default, big)]),
            Throws.TypeOf<ProtocolException>().With.Property(nameof(ProtocolException.Code)).EqualTo(ErrorCode.TooLarge));
        Assert.That(() => _ = new RepairReply(true, -1, 0, 0, 0, []), Throws.TypeOf<ProtocolException>());
        Assert.That(Code(() => RepairRequest.Read([0x02, 0, 0, 0, 0])), Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(Code(() => RepairReply.Read([0x01, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00])), Is.EqualTo(ErrorCode.BadRequest));
    }

    [Test]
    public void A_full_tree_compare_stays_far_inside_a_frame()
    {
        var hashes = new TreeNodeHash[ProtocolLimits.TreeHashesMax];
        hashes.AsSpan().Fill(new TreeNodeHash(ProtocolLimits.PartitionsMax - 1, int.MaxValue, ulong.MaxValue));
        var segments = new TreeNode[ProtocolLimits.SegmentsMax];
        segments.AsSpan().Fill(new TreeNode(ProtocolLimits.PartitionsMax - 1, int.MaxValue));
        Assert.That(new TreeCompareRequest(2, hashes).Length, Is.LessThan(ProtocolLimits.FrameBytesMax / 8));

        // The engine lists at most 4,096 keys and about 8 MiB of names: that fits with every segment named.
        var keys = new KeyVersionEntry[ProtocolLimits.KeyVersionsMax];
        keys.AsSpan().Fill(new KeyVersionEntry(new byte[16], new byte[2000], 1));
        Assert.That(new KeysCompareRequest(segments, keys).Length, Is.LessThan(ProtocolLimits.FrameBytesMax));

        // Every key at its limits does not fit one frame: refused, not truncated.
        keys.AsSpan().Fill(new KeyVersionEntry(new byte[ProtocolLimits.BucketBytesMax], new byte[ProtocolLimits.KeyBytesMax], 1));
        Assert.That(
            () => _ = new KeysCompareRequest(segments, keys),
            Throws.TypeOf<ProtocolException>().With.Property(nameof(ProtocolException.Code)).EqualTo(ErrorCode.TooLarge));
    }

    private static ErrorCode Code(Action read)
    {
        try
        {
            read();
        }
        catch (ProtocolException error)
        {
            return error.Code;
        }

        return 0;
    }

    private static TreeNode[] ToArray(MessageList<TreeNodeCodec, TreeNode, TreeNode> nodes)
    {
        var list = new List<TreeNode>();
        foreach (var node in nodes)
        {
            list.Add(node);
        }

        return [.. list];
    }

    private static int[] ToArray(MessageList<PartitionCodec, int, int> partitions)
    {
        var list = new List<int>();
        foreach (var partition in partitions)
        {
            list.Add(partition);
        }

        return [.. list];
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
