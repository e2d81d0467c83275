using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Dynamo.Engine.Placement;

/// <summary>
/// The stable key hash that places keys on the ring: XXH64 (xxHash, 64-bit, as specified by Yann Collet in
/// doc/xxhash_spec.md of the xxHash repository). The same bytes give the same hash on every node, process and
/// platform, unlike <see cref="object.GetHashCode"/>, which .NET randomizes per process.
/// </summary>
public static class KeyHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    /// <summary>
    /// The ring position of <paramref name="key"/> in <paramref name="bucket"/>:
    /// <c>Xxh64(key, seed: Xxh64(bucket, 0))</c>. The default bucket is the empty one, whose seed is
    /// <c>Xxh64("", 0) = 0xEF46DB3751D8E999</c>. Hashing the bucket into the seed keeps equal keys of different
    /// buckets apart on the ring without copying bucket and key into one buffer.
    /// </summary>
    public static ulong Of(ReadOnlySpan<byte> bucket, ReadOnlySpan<byte> key) => Xxh64(key, Xxh64(bucket, 0));

    /// <summary>XXH64 of <paramref name="data"/> with <paramref name="seed"/>. Allocates nothing.</summary>
    public static ulong Xxh64(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        var length = data.Length;
        ulong hash;
        if (length >= 32)
        {
            hash = Stripes(ref data, seed);
        }
        else
        {
            hash = seed + Prime5;
        }

        hash += (ulong)length;
        return Avalanche(Tail(data, hash));
    }

    // Spec steps 1 and 2: four accumulators consume 32-byte stripes, then converge into one value.
    // On return, data holds the bytes after the last full stripe.
    private static ulong Stripes(ref ReadOnlySpan<byte> data, ulong seed)
    {
        var acc1 = seed + Prime1 + Prime2;
        var acc2 = seed + Prime2;
        var acc3 = seed;
        var acc4 = seed - Prime1;
        while (data.Length >= 32)
        {
            acc1 = Round(acc1, BinaryPrimitives.ReadUInt64LittleEndian(data));
            acc2 = Round(acc2, BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
            acc3 = Round(acc3, BinaryPrimitives.ReadUInt64LittleEndian(data[16..]));
            acc4 = Round(acc4, BinaryPrimitives.ReadUInt64LittleEndian(data[24..]));
            data = data[32..];
        }

        var hash = BitOperations.RotateLeft(acc1, 1) + BitOperations.RotateLeft(acc2, 7)
            + BitOperations.RotateLeft(acc3, 12) + BitOperations.RotateLeft(acc4, 18);
        hash = MergeAccumulator(hash, acc1);
        hash = MergeAccumulator(hash, acc2);
        hash = MergeAccumulator(hash, acc3);
        return MergeAccumulator(hash, acc4);
    }

    // Spec step 5: the remaining 0..31 bytes, in 8-byte, then 4-byte, then 1-byte pieces.
    private static ulong Tail(ReadOnlySpan<byte> data, ulong hash)
    {
        while (data.Length >= 8)
        {
            hash ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data));
            hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
            data = data[8..];
        }

        if (data.Length >= 4)
        {
            hash ^= BinaryPrimitives.ReadUInt32LittleEndian(data) * Prime1;
            hash = (BitOperations.RotateLeft(hash, 23) * Prime2) + Prime3;
            data = data[4..];
        }

        foreach (var b in data)
        {
            hash ^= b * Prime5;
            hash = BitOperations.RotateLeft(hash, 11) * Prime1;
        }

        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong accumulator, ulong lane)
    {
        accumulator += lane * Prime2;
        accumulator = BitOperations.RotateLeft(accumulator, 31);
        return accumulator * Prime1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MergeAccumulator(ulong hash, ulong accumulator)
    {
        hash ^= Round(0, accumulator);
        return (hash * Prime1) + Prime4;
    }

    // Spec step 6: the final mix, so that every input bit affects every output bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }
}
