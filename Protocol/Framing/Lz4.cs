using System.Runtime.InteropServices;

namespace Dynamo.Protocol;

/// <summary>
/// LZ4 block compression through the system's liblz4 (Debian package <c>liblz4-1</c>). Only the block format is
/// used: the frame carries the uncompressed length itself (see docs/PROTOCOL.md). <c>LZ4_decompress_safe</c> never
/// reads or writes outside the buffers it is given, whatever the input, so hostile blocks are safe to feed it.
/// </summary>
public static partial class Lz4
{
    /// <summary>The shared object loaded at run time.</summary>
    public const string LibraryName = "liblz4.so.1";

    /// <summary>The largest input LZ4 accepts (<c>LZ4_MAX_INPUT_SIZE</c>).</summary>
    public const int InputBytesMax = 0x7E000000;

    /// <summary>
    /// Checks that liblz4 can be loaded and called; the server calls it at start so that a missing library is
    /// reported at once rather than on the first large frame.
    /// </summary>
    /// <exception cref="Lz4UnavailableException">The library could not be loaded.</exception>
    public static void EnsureAvailable() => _ = VersionNumber;

    /// <summary>The library's version as <c>major * 10000 + minor * 100 + release</c> (10904 for 1.9.4).</summary>
    /// <exception cref="Lz4UnavailableException">The library could not be loaded.</exception>
    public static int VersionNumber
    {
        get
        {
            try
            {
                return NativeMethods.LZ4_versionNumber();
            }
            catch (Exception e) when (IsLoadFailure(e))
            {
                throw Unavailable(e);
            }
        }
    }

    /// <summary>The largest compressed size of <paramref name="inputLength"/> bytes (0 if the input is too large).</summary>
    public static int CompressBound(int inputLength) => NativeMethods.LZ4_compressBound(inputLength);

    /// <summary>
    /// Compresses <paramref name="source"/> into <paramref name="destination"/> as one LZ4 block and returns the
    /// block's length, or 0 when it does not fit. A destination of <see cref="CompressBound"/> bytes always fits; a
    /// smaller one makes LZ4 stop early, which is how a caller asks for "only if it gets smaller".
    /// </summary>
    public static unsafe int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(source.Length, InputBytesMax);
        if (destination.IsEmpty)
        {
            return 0;
        }

        try
        {
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            {
                return Math.Max(0, NativeMethods.LZ4_compress_default(src, dst, source.Length, destination.Length));
            }
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>
    /// Decompresses one LZ4 block. Returns false when the block is malformed or decompresses to more than
    /// <paramref name="destination"/> holds; never reads or writes outside the two spans.
    /// </summary>
    public static unsafe bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        if (source.IsEmpty || source.Length > InputBytesMax)
        {
            return false;
        }

        // A block that decompresses to nothing is the single token 0x00; LZ4 rejects a null destination pointer,
        // so point an empty destination at a scratch byte it may not write to (capacity stays 0).
        byte scratch = 0;
        int result;
        try
        {
            fixed (byte* src = source)
            fixed (byte* dstPinned = destination)
            {
                var dst = destination.IsEmpty ? &scratch : dstPinned;
                result = NativeMethods.LZ4_decompress_safe(src, dst, source.Length, destination.Length);
            }
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            throw Unavailable(e);
        }

        if (result < 0)
        {
            return false;
        }

        written = result;
        return true;
    }

    private static bool IsLoadFailure(Exception e) =>
        e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException;

    private static Lz4UnavailableException Unavailable(Exception e) =>
        new($"{LibraryName} could not be loaded; install the Debian package liblz4-1 ({e.Message}).", e);

    private static unsafe partial class NativeMethods
    {
        [LibraryImport(LibraryName)]
        internal static partial int LZ4_versionNumber();

        [LibraryImport(LibraryName)]
        internal static partial int LZ4_compressBound(int inputSize);

        [LibraryImport(LibraryName)]
        internal static partial int LZ4_compress_default(byte* src, byte* dst, int srcSize, int dstCapacity);

        [LibraryImport(LibraryName)]
        internal static partial int LZ4_decompress_safe(byte* src, byte* dst, int compressedSize, int dstCapacity);
    }
}

/// <summary>liblz4.so.1 is missing or unusable; install the Debian package <c>liblz4-1</c>.</summary>
public sealed class Lz4UnavailableException : Exception
{
    /// <summary>Creates the error with the standard message.</summary>
    public Lz4UnavailableException()
        : base($"{Lz4.LibraryName} could not be loaded; install the Debian package liblz4-1.")
    {
    }

    /// <summary>Creates the error with a message.</summary>
    public Lz4UnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and the loader's exception.</summary>
    public Lz4UnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
