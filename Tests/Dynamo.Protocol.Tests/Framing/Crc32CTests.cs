using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

/// <summary>
/// The wire's CRC-32C meets the vectors shared with the storage engine's copy (Tests/Shared/Crc32CContract.cs), and
/// its sequence overload agrees with them however the bytes are split into segments.
/// </summary>
public sealed class Crc32CTests : Crc32CContract
{
    [TestCaseSource(typeof(Crc32CContract), nameof(Vectors))]
    public void A_vector_split_one_byte_per_segment_gives_its_checksum(byte[] data, uint expected)
    {
        Assert.That(Crc32C.Compute(Sequences.OneBytePerSegment(data)), Is.EqualTo(expected));
    }

    [Test]
    public void Sequences_agree_with_spans_at_every_split()
    {
        var random = TestSeed.NewRandom();
        foreach (var length in new[] { 1, 7, 8, 9, 63, 100, 1000 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            var whole = Bitwise(data);
            for (var split = 0; split <= length; split++)
            {
                Assert.That(Crc32C.Compute(Sequences.SplitAt(data, split)), Is.EqualTo(whole), $"split at {split} of {length}");
            }
        }
    }

    protected override uint Compute(ReadOnlySpan<byte> data) => Crc32C.Compute(data);

    protected override uint Append(uint crc, ReadOnlySpan<byte> data) => Crc32C.Append(crc, data);
}
