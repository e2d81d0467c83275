using Dynamo.Engine.Storage;
using Dynamo.Protocol;

namespace Dynamo.Server.Storage;

/// <summary>The storage engine's <see cref="IBlockCompressor"/> over liblz4 (<see cref="Lz4"/>), which Engine cannot reference.</summary>
internal sealed class Lz4BlockCompressor : IBlockCompressor
{
    /// <summary>The one instance: the adapter holds no state.</summary>
    public static readonly Lz4BlockCompressor Instance = new();

    private Lz4BlockCompressor()
    {
    }

    /// <inheritdoc/>
    public int MaxCompressedLength(int length) => Lz4.CompressBound(length);

    /// <inheritdoc/>
    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = Lz4.Compress(source, destination);
        return written < source.Length ? written : 0;
    }

    /// <inheritdoc/>
    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written) =>
        Lz4.TryDecompress(source, destination, out written);
}
