using System.IO.Compression;
using Dynamo.Engine.Storage;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Tests.Storage;

/// <summary>Values and helpers shared by the storage tests.</summary>
internal static class StorageWorld
{
    public static readonly byte[] Bucket = "b"u8.ToArray();

    /// <summary>A distinct set for write number <paramref name="id"/>: its dot's actor epoch is the id.</summary>
    public static SiblingSet Set(int id, bool tombstone = false, int valueBytes = -1)
    {
        var length = valueBytes >= 0 ? valueBytes : 1 + (id * 7919 % 61);
        var value = new byte[tombstone ? 0 : length];
        for (var i = 0; i < value.Length; i++)
        {
            value[i] = (byte)(id + (i / 8));
        }

        return SiblingSet.Empty.Put(new Actor(NodeId.Parse("n"), (uint)id), CausalContext.Empty, value, tombstone);
    }

    public static byte[] Key(int k) => System.Text.Encoding.ASCII.GetBytes($"key-{k}");

    public static string SegmentName(ulong id) => $"{id:D20}.seg";

    public static string IndexName(ulong id) => $"{id:D20}.idx";
}

/// <summary>Brotli from the base library standing in for the shell's LZ4.</summary>
internal sealed class BrotliCompressor : IBlockCompressor
{
    public int MaxCompressedLength(int length) => BrotliEncoder.GetMaxCompressedLength(length);

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        BrotliEncoder.TryCompress(source, destination, out var written, 1, 22) && written < source.Length ? written : 0;

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written) =>
        BrotliDecoder.TryDecompress(source, destination, out written);
}
