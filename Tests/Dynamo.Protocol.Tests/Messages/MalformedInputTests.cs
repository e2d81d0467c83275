using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// Decoders meet hostile bytes: random payloads, every truncation and every single-bit flip of valid encodings, and
/// random edits of them. Whatever the input, a decoder either rejects it with a request-scoped
/// <see cref="ProtocolException"/> (BadRequest or TooLarge) or accepts it, and an accepted payload re-encodes to
/// exactly the same bytes (the encoding is canonical).
/// </summary>
public sealed class MalformedInputTests
{
    private const int SamplesPerMessage = 6;
    private const int RandomPayloadsPerMessage = 400;
    private const int EditsPerMessage = 400;

    [Test]
    public void Hostile_payloads_raise_nothing_but_request_scoped_protocol_errors()
    {
        var random = TestSeed.NewRandom();
        var source = new SampleSource(random, largestField: 64, sizeCap: 24);
        var cases = 0;
        var accepted = 0;
        foreach (var codec in MessageCodecs.All)
        {
            for (var s = 0; s < SamplesPerMessage; s++)
            {
                var sample = codec.Sample(source);
                Assert.That(Decode(codec, sample), Is.True, $"{codec.Name}: a valid sample was rejected");
                for (var length = 0; length < sample.Length; length++)
                {
                    accepted += Decode(codec, sample[..length]) ? 1 : 0;
                    cases++;
                }

                for (var bit = 0; bit < sample.Length * 8; bit++)
                {
                    var flipped = (byte[])sample.Clone();
                    flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                    accepted += Decode(codec, flipped) ? 1 : 0;
                    cases++;
                }
            }

            for (var i = 0; i < RandomPayloadsPerMessage; i++)
            {
                var payload = new byte[random.Next(0, random.Next(2) == 0 ? 16 : 96)];
                random.NextBytes(payload);
                accepted += Decode(codec, payload) ? 1 : 0;
                cases++;
            }

            for (var i = 0; i < EditsPerMessage; i++)
            {
                accepted += Decode(codec, Edit(random, codec.Sample(source))) ? 1 : 0;
                cases++;
            }
        }

        TestContext.Out.WriteLine($"{cases} hostile payloads, {accepted} accepted as valid and re-encoded identically");
        Assert.That(cases, Is.GreaterThanOrEqualTo(10_000));
    }

    /// <summary>True when the payload was accepted (and re-encoded to itself); false when rightly rejected.</summary>
    private static bool Decode(MessageCodec codec, byte[] payload)
    {
        byte[] again;
        try
        {
            again = codec.Reencode(payload);
        }
        catch (ProtocolException error)
        {
            if (error.Scope != ErrorScope.Request || error.Code is not (ErrorCode.BadRequest or ErrorCode.TooLarge))
            {
                Assert.Fail($"{codec.Name} raised {error.Code}/{error.Scope} for {Convert.ToHexString(payload)}");
            }

            return false;
        }
        catch (Exception error) when (error is not AssertionException)
        {
            Assert.Fail($"{codec.Name} raised {error.GetType().Name} for {Convert.ToHexString(payload)}: {error}");
            throw;
        }

        if (!again.AsSpan().SequenceEqual(payload))
        {
            Assert.Fail($"{codec.Name} accepted {Convert.ToHexString(payload)} but re-encoded {Convert.ToHexString(again)}");
        }

        return true;
    }

    /// <summary>
    /// One to four random edits: overwrite, insert or delete a byte, or stretch a byte into a non-minimal varint
    /// (continuation bit set, then a zero byte).
    /// </summary>
    private static byte[] Edit(Random random, byte[] sample)
    {
        var bytes = new List<byte>(sample);
        for (var edits = random.Next(1, 5); edits > 0; edits--)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(4))
            {
                case 0 when at < bytes.Count:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 2 when at < bytes.Count:
                    bytes.RemoveAt(at);
                    break;
                case 3 when at < bytes.Count:
                    bytes[at] |= 0x80;
                    bytes.Insert(at + 1, 0x00);
                    break;
                default:
                    break;
            }
        }

        return [.. bytes];
    }
}
