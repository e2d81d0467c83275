using System.Buffers;
using System.Collections.Immutable;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>
/// The wire mapping of anti-entropy (TreeCompare, KeysCompare) and of the operator's Repair command, both ways:
/// requests read from a connection become the core's <see cref="TreeCompare"/>, <see cref="KeysCompare"/> and
/// <see cref="RepairCommand"/>; the core's sends become frames; peers' replies become
/// <see cref="TreeCompareResult"/> and <see cref="KeysCompareResult"/>; the core's answers become reply frames.
/// Sibling sets travel as opaque objects encoded by <see cref="SiblingSetCodec"/>, as in a replica write.
/// </summary>
internal static class AntiEntropyWire
{
    /// <summary>Decodes a TreeCompare request, copying every entry out of the payload.</summary>
    public static DecodedRequest DecodeTreeCompare(ReadOnlySpan<byte> payload)
    {
        var request = TreeCompareRequest.Read(payload);
        var hashes = request.Hashes.ToImmutableArray(static hash => new TreeHash(hash.Partition, hash.Index, hash.Hash));
        return new DecodedRequest(RequestKind.Core, Opcode.TreeCompare, new TreeCompare(request.Level, hashes));
    }

    /// <summary>Decodes a KeysCompare request, copying every entry out of the payload.</summary>
    public static DecodedRequest DecodeKeysCompare(ReadOnlySpan<byte> payload)
    {
        var request = KeysCompareRequest.Read(payload);
        var segments = request.Segments.ToImmutableArray(ToTreeIndex);
        var keys = request.Keys.ToImmutableArray(static key => new KeyVersion(key.Bucket.ToArray(), key.Key.ToArray(), key.VersionHash));
        return new DecodedRequest(RequestKind.Core, Opcode.KeysCompare, new KeysCompare(segments, keys));
    }

    /// <summary>Decodes the operator's Repair request.</summary>
    public static DecodedRequest DecodeRepair(ReadOnlySpan<byte> payload)
    {
        var request = RepairRequest.Read(payload);
        var timeout = (int)Math.Min(request.TimeoutMs, int.MaxValue);
        return new DecodedRequest(RequestKind.Core, Opcode.Repair, new RepairCommand(timeout));
    }

    /// <summary>Writes the frame of an anti-entropy request to a peer; false when the request is not one.</summary>
    public static bool TryWriteRequest(IBufferWriter<byte> output, ulong operationId, NodeRequest request)
    {
        switch (request)
        {
            case TreeCompare compare:
                WriteTreeCompare(output, operationId, compare);
                return true;
            case KeysCompare compare:
                WriteKeysCompare(output, operationId, compare);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Maps a peer's TreeCompareReply to the core's result.</summary>
    public static NodeResponse ReadTreeCompareReply(ReadOnlySpan<byte> payload)
    {
        var reply = TreeCompareReply.Read(payload);
        return new TreeCompareResult(reply.Differing.ToImmutableArray(ToTreeIndex), reply.Unready.ToImmutableArray(static partition => partition));
    }

    /// <summary>Maps a peer's KeysCompareReply to the core's result; an object that does not decode fails the reply.</summary>
    public static NodeResponse ReadKeysCompareReply(ReadOnlySpan<byte> payload)
    {
        var reply = KeysCompareReply.Read(payload);
        var copies = ImmutableArray.CreateBuilder<KeyCopy>(reply.Count);
        foreach (var copy in reply.Copies)
        {
            SiblingSet? set = null;
            if (!copy.IsAbsent)
            {
                if (!SiblingSetCodec.TryDecode(copy.Object, out var decoded, out var error))
                {
                    return new PeerFailure("The peer's key copy is not valid: " + error);
                }

                set = decoded;
            }

            copies.Add(new KeyCopy(copy.Bucket.ToArray(), copy.Key.ToArray(), set));
        }

        return new KeysCompareResult(copies.MoveToImmutable());
    }

    /// <summary>Writes the reply frame for one of the core's anti-entropy or repair answers; false when it is none.</summary>
    public static bool TryWriteResponse(IBufferWriter<byte> output, ulong requestId, NodeResponse response, ArrayBufferWriter<byte> scratch)
    {
        switch (response)
        {
            case TreeCompareResult result:
                WriteTreeCompareResult(output, requestId, result);
                return true;
            case KeysCompareResult result:
                WriteKeysCompareResult(output, requestId, result, scratch);
                return true;
            case RepairResult result:
                WriteRepairResult(output, requestId, result);
                return true;
            default:
                return false;
        }
    }

    private static TreeIndex ToTreeIndex(TreeNode node) => new(node.Partition, node.Index);

    private static void WriteTreeCompare(IBufferWriter<byte> output, ulong operationId, TreeCompare compare)
    {
        var hashes = ArrayPool<TreeNodeHash>.Shared.Rent(Math.Max(compare.Hashes.Length, 1));
        try
        {
            for (var i = 0; i < compare.Hashes.Length; i++)
            {
                var hash = compare.Hashes[i];
                hashes[i] = new TreeNodeHash(hash.Partition, hash.Index, hash.Hash);
            }

            FrameWriter.Write(
                output, Opcode.TreeCompare, operationId, new TreeCompareRequest(compare.Level, hashes.AsSpan(0, compare.Hashes.Length)));
        }
        finally
        {
            ArrayPool<TreeNodeHash>.Shared.Return(hashes);
        }
    }

    private static void WriteKeysCompare(IBufferWriter<byte> output, ulong operationId, KeysCompare compare)
    {
        var segments = new TreeNode[compare.Segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = new TreeNode(compare.Segments[i].Partition, compare.Segments[i].Index);
        }

        var keys = new KeyVersionEntry[compare.Keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var key = compare.Keys[i];
            keys[i] = new KeyVersionEntry(key.Bucket, key.Key, key.VersionHash);
        }

        FrameWriter.Write(output, Opcode.KeysCompare, operationId, new KeysCompareRequest(segments, keys));
    }

    private static void WriteTreeCompareResult(IBufferWriter<byte> output, ulong requestId, TreeCompareResult result)
    {
        var differing = new TreeNode[result.Differing.Length];
        for (var i = 0; i < differing.Length; i++)
        {
            differing[i] = new TreeNode(result.Differing[i].Partition, result.Differing[i].Index);
        }

        FrameWriter.Write(
            output, Opcode.TreeCompareReply, requestId, new TreeCompareReply(differing, result.Unready.AsSpan()));
    }

    /// <summary>Each copy's set is encoded into the scratch buffer; the entries slice it once every set is written.</summary>
    private static void WriteKeysCompareResult(
        IBufferWriter<byte> output, ulong requestId, KeysCompareResult result, ArrayBufferWriter<byte> scratch)
    {
        scratch.ResetWrittenCount();
        var ends = new int[result.Differing.Length];
        for (var i = 0; i < ends.Length; i++)
        {
            if (result.Differing[i].Set is { } set)
            {
                SiblingSetCodec.Encode(set, scratch);
            }

            ends[i] = scratch.WrittenCount;
        }

        var written = scratch.WrittenMemory;
        var copies = new KeyCopyEntry[ends.Length];
        var start = 0;
        for (var i = 0; i < copies.Length; i++)
        {
            var copy = result.Differing[i];
            copies[i] = new KeyCopyEntry(copy.Bucket, copy.Key, written[start..ends[i]]);
            start = ends[i];
        }

        FrameWriter.Write(output, Opcode.KeysCompareReply, requestId, new KeysCompareReply(copies));
    }

    private static void WriteRepairResult(IBufferWriter<byte> output, ulong requestId, RepairResult result)
    {
        Span<byte> buffer = stackalloc byte[ProtocolLimits.ErrorMessageBytesMax];
        var message = ErrorReply.EncodeMessage(result.Message ?? string.Empty, buffer);
        FrameWriter.Write(
            output,
            Opcode.RepairReply,
            requestId,
            new RepairReply(
                result.Completed,
                Math.Max(result.Exchanges, 0),
                Math.Max(result.ExchangesFailed, 0),
                Math.Max(result.Differences, 0),
                Math.Max(result.KeysRepaired, 0),
                message));
    }

}
