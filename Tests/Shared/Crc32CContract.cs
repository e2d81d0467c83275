using System.Text;
using NUnit.Framework;

namespace Dynamo.Tests.Shared;

/// <summary>
/// One set of CRC-32C (Castagnoli) test vectors for both copies of the algorithm: the wire's
/// (<c>Dynamo.Protocol.Crc32C</c>) and the storage engine's (<c>Dynamo.Engine.Storage.Crc32C</c>), which stay two
/// because Engine and Protocol may not reference each other. Each test project derives a fixture that plugs in its
/// copy, so both meet exactly the same vectors: the standard check value, RFC 3720 (iSCSI) appendix B.4, empty input,
/// appending at every split, and a large input against the bit-by-bit definition.
/// </summary>
public abstract class Crc32CContract
{
    /// <summary>The checksum of the whole input, by the copy under test.</summary>
    protected abstract uint Compute(ReadOnlySpan<byte> data);

    /// <summary>Continues a finished checksum over more bytes, by the copy under test.</summary>
    protected abstract uint Append(uint crc, ReadOnlySpan<byte> data);

    /// <summary>Inputs with their published CRC-32C.</summary>
    public static IEnumerable<TestCaseData> Vectors()
    {
        yield return Vector("Check value of 123456789", Encoding.ASCII.GetBytes("123456789"), 0xE3069283);
        yield return Vector("No bytes", [], 0x00000000);
        yield return Vector("One byte a", "a"u8.ToArray(), 0xC1D04330);
        yield return Vector("RFC 3720 B.4: 32 zero bytes", new byte[32], 0x8A9136AA);
        yield return Vector("RFC 3720 B.4: 32 0xFF bytes", Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43);
        yield return Vector("RFC 3720 B.4: ascending bytes 00 to 1F", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794E);
        yield return Vector("RFC 3720 B.4: descending bytes 1F to 00", Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5C);
        yield return Vector("RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU", ReadCommandPdu(), 0xD9963A56);
        yield return Vector("The quick brown fox", Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog"), 0x22620404);
    }

    /// <summary>1 MiB and 3 bytes (so neither 8-byte blocks nor powers of two end it), byte i = 7i + (i >> 11).</summary>
    public static byte[] LargeInput()
    {
        var data = new byte[(1 << 20) + 3];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 7) + (i >> 11));
        }

        return data;
    }

    /// <summary>The CRC-32C of <see cref="LargeInput"/>, from the bit-by-bit definition.</summary>
    public const uint LargeInputCrc = 0xFA9F94DC;

    /// <summary>The textbook one-bit-at-a-time definition (reflected polynomial 0x82F63B78), an independent reference.</summary>
    public static uint Bitwise(ReadOnlySpan<byte> data)
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

    [TestCaseSource(nameof(Vectors))]
    public void Computes_the_published_checksum(byte[] data, uint expected)
    {
        Assert.That(Bitwise(data), Is.EqualTo(expected), "the reference agrees with the publication");
        Assert.That(Compute(data), Is.EqualTo(expected));
        Assert.That(Append(0, data), Is.EqualTo(expected), "appending to the checksum of no bytes");
    }

    [TestCaseSource(nameof(Vectors))]
    public void Appending_at_every_split_of_a_vector_gives_its_checksum(byte[] data, uint expected)
    {
        for (var split = 0; split <= data.Length; split++)
        {
            var appended = Append(Compute(data.AsSpan(0, split)), data.AsSpan(split));
            Assert.That(appended, Is.EqualTo(expected), $"split at {split} of {data.Length}");
        }
    }

    [Test]
    public void Random_inputs_of_every_length_around_the_8_byte_block_agree_with_the_definition_at_every_split()
    {
        var random = TestSeed.NewRandom();
        foreach (var length in new[] { 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 1000 })
        {
            var data = new byte[length];
            random.NextBytes(data);
            var whole = Compute(data);
            Assert.That(whole, Is.EqualTo(Bitwise(data)), $"length {length}");
            for (var split = 0; split <= length; split++)
            {
                Assert.That(Append(Compute(data.AsSpan(0, split)), data.AsSpan(split)), Is.EqualTo(whole), $"append at {split} of {length}");
            }
        }
    }

    [Test]
    public void A_large_input_gives_its_pinned_checksum_whole_and_in_uneven_pieces()
    {
        var data = LargeInput();
        Assert.That(Bitwise(data), Is.EqualTo(LargeInputCrc), "the reference agrees with the pinned value");
        Assert.That(Compute(data), Is.EqualTo(LargeInputCrc));
        var crc = 0u;
        var at = 0;
        for (var piece = 1; at < data.Length; piece = (piece * 3) + 1)
        {
            var length = Math.Min(piece, data.Length - at);
            crc = Append(crc, data.AsSpan(at, length));
            at += length;
        }

        Assert.That(crc, Is.EqualTo(LargeInputCrc), "appended in pieces of 1, 4, 13, 40, ... bytes");
    }

    private static TestCaseData Vector(string name, byte[] data, uint expected) =>
        new TestCaseData(data, expected).SetName($"{{m}}: {name}");

    /// <summary>RFC 3720 B.4's last example: 48 bytes of a SCSI Read (10) command PDU.</summary>
    private static byte[] ReadCommandPdu() =>
    [
        0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
        0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
}
