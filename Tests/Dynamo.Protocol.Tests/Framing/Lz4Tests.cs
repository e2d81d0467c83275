using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

public sealed class Lz4Tests
{
    [Test]
    public void The_system_library_loads_and_reports_its_version()
    {
        Assert.DoesNotThrow(Lz4.EnsureAvailable);
        Assert.That(Lz4.VersionNumber, Is.GreaterThanOrEqualTo(10900), "liblz4 1.9 or later");
    }

    [Test]
    public void Random_and_compressible_data_round_trip()
    {
        var random = TestSeed.NewRandom();
        for (var i = 0; i < 200; i++)
        {
            var data = i == 0 ? [] : i % 2 == 0 ? RandomBytes(random, random.Next(0, 70_000)) : Compressible(random, random.Next(0, 70_000));
            var block = new byte[Lz4.CompressBound(data.Length)];
            var blockLength = Lz4.Compress(data, block);
            Assert.That(blockLength, Is.GreaterThan(0));

            var output = new byte[data.Length];
            Assert.That(Lz4.TryDecompress(block.AsSpan(0, blockLength), output, out var written), Is.True);
            Assert.That(written, Is.EqualTo(data.Length));
            Assert.That(output, Is.EqualTo(data));
        }
    }

    [Test]
    public void Compressible_data_shrinks_and_a_too_small_destination_yields_zero()
    {
        var data = Compressible(TestSeed.NewRandom(), 10_000);
        var block = new byte[Lz4.CompressBound(data.Length)];
        Assert.That(Lz4.Compress(data, block), Is.InRange(1, data.Length / 2));

        var random = RandomBytes(new Random(1), 10_000);
        Assert.That(Lz4.Compress(random, new byte[random.Length - 1]), Is.Zero, "incompressible data does not fit in fewer bytes");
        Assert.That(Lz4.Compress(random, Span<byte>.Empty), Is.Zero);
    }

    [Test]
    public void Corrupt_and_truncated_blocks_are_refused_without_overrunning()
    {
        var random = TestSeed.NewRandom();
        var data = Compressible(random, 5000);
        var block = new byte[Lz4.CompressBound(data.Length)];
        var blockLength = Lz4.Compress(data, block);
        var valid = block.AsSpan(0, blockLength).ToArray();
        var refused = 0;
        for (var i = 0; i < 2000; i++)
        {
            var corrupt = (byte[])valid.Clone();
            if (i % 2 == 0)
            {
                corrupt[random.Next(corrupt.Length)] ^= (byte)(1 << random.Next(8));
            }
            else
            {
                corrupt = corrupt.AsSpan(0, random.Next(corrupt.Length)).ToArray();
            }

            // A guard region after the destination shows that a hostile block never writes past its end.
            var output = new byte[data.Length + 64];
            if (!Lz4.TryDecompress(corrupt, output.AsSpan(0, data.Length), out var written) || written != data.Length)
            {
                refused++;
            }

            Assert.That(output.AsSpan(data.Length).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "guard bytes untouched");
        }

        Assert.That(refused, Is.GreaterThan(1000), "truncations at least are always refused");
        Assert.That(Lz4.TryDecompress(ReadOnlySpan<byte>.Empty, new byte[10], out _), Is.False);
        Assert.That(Lz4.TryDecompress(new byte[] { 0x00 }, Span<byte>.Empty, out var none), Is.True, "the empty block");
        Assert.That(none, Is.Zero);
    }

    internal static byte[] RandomBytes(Random random, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    /// <summary>Text-like data: words from a small vocabulary, which LZ4 shrinks to well under half.</summary>
    internal static byte[] Compressible(Random random, int length)
    {
        string[] words = ["dynamo ", "replica ", "quorum ", "sibling ", "vector ", "clock ", "hint ", "ring "];
        var data = new byte[length];
        var at = 0;
        while (at < length)
        {
            var word = words[random.Next(words.Length)];
            for (var i = 0; i < word.Length && at < length; i++)
            {
                data[at++] = (byte)word[i];
            }
        }

        return data;
    }
}
