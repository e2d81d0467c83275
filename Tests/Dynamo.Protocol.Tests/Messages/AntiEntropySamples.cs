namespace Dynamo.Protocol.Tests.Messages;

/// <summary>Random anti-entropy and repair messages, and decoders that walk every list they hold.</summary>
internal static class AntiEntropySamples
{
    public static TreeNodeHash[] Hashes(SampleSource s, int countMax)
    {
        var hashes = new TreeNodeHash[s.Length(countMax)];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = new TreeNodeHash(Partition(s), Index(s), s.U64());
        }

        return hashes;
    }

    public static TreeNode[] Nodes(SampleSource s, int countMax)
    {
        var nodes = new TreeNode[s.Length(countMax)];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = new TreeNode(Partition(s), Index(s));
        }

        return nodes;
    }

    public static int[] Partitions(SampleSource s, int countMax)
    {
        var partitions = new int[s.Length(countMax)];
        for (var i = 0; i < partitions.Length; i++)
        {
            partitions[i] = Partition(s);
        }

        return partitions;
    }

    public static KeyVersionEntry[] Keys(SampleSource s, int countMax)
    {
        var keys = new KeyVersionEntry[s.Length(countMax)];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = new KeyVersionEntry(s.Bytes(ProtocolLimits.BucketBytesMax), s.Bytes(ProtocolLimits.KeyBytesMax), s.U64());
        }

        return keys;
    }

    public static KeyCopyEntry[] Copies(SampleSource s, int countMax, int objectBytesMax)
    {
        var copies = new KeyCopyEntry[s.Length(countMax)];
        for (var i = 0; i < copies.Length; i++)
        {
            copies[i] = new KeyCopyEntry(
                s.Bytes(ProtocolLimits.BucketBytesMax), s.Bytes(ProtocolLimits.KeyBytesMax), s.Bytes(objectBytesMax));
        }

        return copies;
    }

    public static TreeCompareRequest TreeCompare(SampleSource s, int countMax) =>
        new(s.Int(0, ProtocolLimits.TreeLevelMax), Hashes(s, countMax));

    public static TreeCompareReply TreeCompareReply(SampleSource s, int countMax) =>
        new(Nodes(s, countMax), Partitions(s, countMax));

    public static KeysCompareRequest KeysCompare(SampleSource s, int countMax) =>
        new(Nodes(s, countMax), Keys(s, countMax));

    public static KeysCompareReply KeysCompareReply(SampleSource s, int countMax) =>
        new(Copies(s, countMax, ProtocolLimits.ObjectBytesMax / 8));

    public static RepairReply RepairReply(SampleSource s) =>
        new(
            s.Chance(0.5),
            (int)(s.U32() >> 1),
            s.Chance(0.2) ? int.MaxValue : s.Int(0, 100),
            s.Chance(0.2) ? long.MaxValue : (long)(s.U64() >> 1),
            (long)(s.U64() >> 1),
            s.Chance(0.3) ? [] : s.Text(ProtocolLimits.ErrorMessageBytesMax));

    /// <summary>Decodes, walks every list the message holds (which must not fail once read), encodes again.</summary>
    public static byte[] ReencodeTreeCompare(byte[] payload)
    {
        var message = TreeCompareRequest.Read(payload);
        return Walk(message) ? Codec.Encode(message) : throw NotWalked(nameof(TreeCompareRequest));
    }

    /// <inheritdoc cref="ReencodeTreeCompare"/>
    public static byte[] ReencodeTreeCompareReply(byte[] payload)
    {
        var message = Protocol.TreeCompareReply.Read(payload);
        return Walk(message) ? Codec.Encode(message) : throw NotWalked(nameof(Protocol.TreeCompareReply));
    }

    /// <inheritdoc cref="ReencodeTreeCompare"/>
    public static byte[] ReencodeKeysCompare(byte[] payload)
    {
        var message = KeysCompareRequest.Read(payload);
        return Walk(message) ? Codec.Encode(message) : throw NotWalked(nameof(KeysCompareRequest));
    }

    /// <inheritdoc cref="ReencodeTreeCompare"/>
    public static byte[] ReencodeKeysCompareReply(byte[] payload)
    {
        var message = Protocol.KeysCompareReply.Read(payload);
        return Walk(message) ? Codec.Encode(message) : throw NotWalked(nameof(Protocol.KeysCompareReply));
    }

    private static InvalidOperationException NotWalked(string name) =>
        new($"walking a {name} did not visit every entry");

    private static bool Walk(TreeCompareRequest m)
    {
        var n = 0;
        foreach (var hash in m.Hashes)
        {
            n += hash.Partition >= 0 && hash.Index >= 0 ? 1 : 0;
        }

        return n == m.Count;
    }

    private static bool Walk(TreeCompareReply m)
    {
        var n = 0;
        foreach (var node in m.Differing)
        {
            n += node.Partition >= 0 && node.Index >= 0 ? 1 : 0;
        }

        var u = 0;
        foreach (var partition in m.Unready)
        {
            u += partition >= 0 ? 1 : 0;
        }

        return n == m.DifferingCount && u == m.UnreadyCount;
    }

    private static bool Walk(KeysCompareRequest m)
    {
        var n = 0;
        foreach (var segment in m.Segments)
        {
            n += segment.Partition >= 0 ? 1 : 0;
        }

        var k = 0;
        foreach (var key in m.Keys)
        {
            k += key.Key.Length <= ProtocolLimits.KeyBytesMax ? 1 : 0;
        }

        return n == m.SegmentCount && k == m.KeyCount;
    }

    private static bool Walk(KeysCompareReply m)
    {
        var n = 0;
        foreach (var copy in m.Copies)
        {
            n += copy.IsAbsent == copy.Object.IsEmpty ? 1 : 0;
        }

        return n == m.Count;
    }

    private static int Partition(SampleSource s) =>
        s.Chance(0.1) ? ProtocolLimits.PartitionsMax - 1 : s.Chance(0.1) ? 0 : s.Int(0, 1023);

    private static int Index(SampleSource s) =>
        s.Chance(0.1) ? int.MaxValue : s.Chance(0.1) ? 0 : s.Int(0, s.Chance(0.5) ? 127 : 1 << 20);
}
