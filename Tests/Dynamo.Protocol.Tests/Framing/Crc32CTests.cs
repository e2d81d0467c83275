using System.Text;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

public sealed class Crc32CTests
{
    private static IEnumerable<TestCaseData> Vectors()
    {
        yield return new TestCaseData(Encoding.ASCII.GetBytes("123456789"), 0xE3069283u).SetName("Check value of 123456789");
        yield return new TestCaseData(new byte[32], 0x8A9136AAu).SetName("RFC 3720 B.4: 32 zero bytes");
        yield return new TestCaseData(Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43u).SetName("RFC 3720 B.4: 32 0xFF bytes");
        yield return new TestCaseData(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794Eu).SetName("RFC 3720 B.4: ascending bytes");
        yield return new TestCaseData(Array.Empty<byte>(), 0u).SetName("No bytes");
    }

    [TestCaseSource(nameof(Vectors))]
    public void Computes_the_standard_Castagnoli_checksum(byte[] data, uint expected)
    {
        Assert.That(Crc32C.Compute(data), Is.EqualTo(expected));
        Assert.That(Crc32C.Compute(Sequences.OneBytePerSegment(data)), Is.EqualTo(expected));
    }

    [Test]
    public void Appending_equals_computing_the_concatenation_and_sequences_agree_with_spans_at_every_split()
    {
        var random = TestSeed.NewRandom();
        foreach (var length in new[] { 1, 7, 8, 9, 63, 100, 1000 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            var whole = Crc32C.Compute(data);
            Assert.That(whole, Is.EqualTo(BitwiseCrc32C(data)), $"length {length}");
            for (var split = 0; split <= length; split++)
            {
                var appended = Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split));
                Assert.That(appended, Is.EqualTo(whole), $"append at {split} of {length}");
                Assert.That(Crc32C.Compute(Sequences.SplitAt(data, split)), Is.EqualTo(whole), $"split at {split} of {length}");
            }
        }
    }

    /// <summary>The textbook one-bit-at-a-time definition, as an independent reference.</summary>
    private static uint BitwiseCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }
}
