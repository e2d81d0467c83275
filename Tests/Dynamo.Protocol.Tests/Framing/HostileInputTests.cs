using System.Buffers;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

/// <summary>
/// Random and mutated input through the reader and the payload opener together: whatever the bytes, the only
/// exception is <see cref="ProtocolException"/>, a request-scoped error always consumes its frame, and nothing hangs.
/// </summary>
public sealed class HostileInputTests
{
    private const int Cases = 12_000;

    [Test]
    public void Random_and_mutated_input_raises_nothing_but_protocol_errors()
    {
        var random = TestSeed.NewRandom();
        var sample = FrameReaderTests.Sample();
        var tally = new Tally();
        for (var i = 0; i < Cases; i++)
        {
            var bytes = (i % 4) switch
            {
                0 => RandomBytes(random),
                1 => Mutate(random, sample),
                2 => ResealedFrame(random),
                _ => RandomHeaderWithValidChecksum(random),
            };
            Drive(RandomSegments(random, bytes), tally, $"case {i}: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64)))}");
        }

        TestContext.Out.WriteLine(tally);
        Assert.Multiple(() =>
        {
            Assert.That(tally.Frames, Is.GreaterThan(0), "some frames survive");
            Assert.That(tally.CompressedFrames, Is.GreaterThan(0), "some compressed frames survive");
            Assert.That(tally.ChecksumErrors, Is.GreaterThan(0), "payload checksums are exercised");
            Assert.That(tally.OpenErrors, Is.GreaterThan(0), "hostile compressed payloads reach the decompressor");
            Assert.That(tally.ConnectionErrors, Is.GreaterThan(0), "header errors are exercised");
        });
    }

    private static void Drive(ReadOnlySequence<byte> buffer, Tally tally, string what)
    {
        while (true)
        {
            var before = buffer.Length;
            bool read;
            FrameHeader header;
            ReadOnlySequence<byte> payload;
            try
            {
                read = FrameReader.TryReadFrame(ref buffer, out header, out payload);
            }
            catch (ProtocolException e) when (e.Scope == ErrorScope.Request)
            {
                Assert.That(buffer.Length, Is.LessThan(before), $"{what}: a request-scoped error consumes its frame");
                tally.ChecksumErrors++;
                continue;
            }
            catch (ProtocolException)
            {
                tally.ConnectionErrors++;
                return;
            }

            if (!read)
            {
                Assert.That(buffer.Length, Is.EqualTo(before), $"{what}: an incomplete frame consumes nothing");
                return;
            }

            try
            {
                using var lease = FramePayload.Open(header, payload);
                Assert.That(lease.Span.Length, Is.LessThanOrEqualTo(ProtocolLimits.UncompressedFrameBytesMax));
                tally.Frames++;
                tally.CompressedFrames += header.IsCompressed ? 1 : 0;
            }
            catch (ProtocolException e)
            {
                Assert.That(e.Scope, Is.EqualTo(ErrorScope.Request), $"{what}: a payload error keeps the connection");
                Assert.That(e.RequestId, Is.EqualTo(header.RequestId), what);
                tally.OpenErrors++;
            }
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        if (bytes.Length >= 2 && random.Next(2) == 0)
        {
            bytes[0] = FrameHeader.Magic;
            bytes[1] = FrameHeader.CurrentVersion;
        }

        return bytes;
    }

    /// <summary>The sample with a few bit flips, overwritten bytes, cuts or insertions.</summary>
    private static byte[] Mutate(Random random, byte[] sample)
    {
        var bytes = new List<byte>(sample);
        for (var m = random.Next(1, 5); m > 0 && bytes.Count > 0; m--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveRange(at, random.Next(1, Math.Min(64, bytes.Count - at) + 1));
                    break;
                default:
                    bytes.InsertRange(at, RandomBytes(random).Take(random.Next(1, 16)));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>
    /// A frame whose payload (often a real LZ4 block) was corrupted and whose checksums were then recomputed, so
    /// that the corruption gets past the reader and reaches the decompressor.
    /// </summary>
    private static byte[] ResealedFrame(Random random)
    {
        var plain = random.Next(2) == 0
            ? Lz4Tests.Compressible(random, random.Next(0, 4000))
            : Lz4Tests.RandomBytes(random, random.Next(0, 2000));
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, Opcode.Put, (ulong)random.NextInt64(), plain);
        var frame = writer.WrittenSpan.ToArray();
        var payloadLength = frame.Length - ProtocolLimits.FrameHeaderBytes;
        if (random.Next(4) == 0)
        {
            frame[3] ^= (byte)FrameFlags.Compressed;
        }

        for (var m = random.Next(0, 4); m > 0 && payloadLength > 0; m--)
        {
            var at = ProtocolLimits.FrameHeaderBytes + random.Next(Math.Min(payloadLength, random.Next(2) == 0 ? 8 : payloadLength));
            frame[at] = (byte)random.Next(256);
        }

        return FrameReaderTests.Build(
            (Opcode)frame[2], (FrameFlags)frame[3], (ulong)random.NextInt64(), frame.AsSpan(ProtocolLimits.FrameHeaderBytes));
    }

    /// <summary>A header of random fields with a valid header checksum, and a random body of some length.</summary>
    private static byte[] RandomHeaderWithValidChecksum(Random random)
    {
        var body = new byte[random.Next(0, 200)];
        random.NextBytes(body);
        var frame = FrameReaderTests.Build((Opcode)random.Next(256), (FrameFlags)(random.Next(4) == 0 ? random.Next(256) : random.Next(2)), (ulong)random.NextInt64(), body);
        var header = frame.AsSpan(0, ProtocolLimits.FrameHeaderBytes);
        random.NextBytes(header[4..8]);
        if (random.Next(2) == 0)
        {
            header[7] = 0;
            header[6] = 0;
        }

        FrameReaderTests.Reseal(frame);
        return frame;
    }

    private static ReadOnlySequence<byte> RandomSegments(Random random, byte[] bytes)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var at = 0;
        while (at < bytes.Length)
        {
            var length = Math.Min(bytes.Length - at, random.Next(2) == 0 ? random.Next(1, 8) : random.Next(1, 5000));
            pieces.Add(bytes.AsMemory(at, length));
            at += length;
        }

        return Sequences.Of([.. pieces]);
    }

    private sealed class Tally
    {
        public int Frames { get; set; }

        public int CompressedFrames { get; set; }

        public int ChecksumErrors { get; set; }

        public int OpenErrors { get; set; }

        public int ConnectionErrors { get; set; }

        public override string ToString() =>
            $"frames {Frames} (compressed {CompressedFrames}), checksum errors {ChecksumErrors}, payload errors {OpenErrors}, connection errors {ConnectionErrors}";
    }
}
