using System.Buffers;
using System.Text;
using Dynamo.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

public sealed class FrameWriterTests
{
    /// <summary>"dynamo " 300 times: 2,100 bytes, over the compression threshold and very compressible.</summary>
    internal static byte[] RepetitivePayload() => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("dynamo ", 300)));

    internal static byte[] Encode(Opcode opcode, ulong requestId, ReadOnlySpan<byte> payload, bool allowCompression = true)
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, opcode, requestId, payload, allowCompression);
        return writer.WrittenSpan.ToArray();
    }

    [Test]
    public void An_empty_ping_encodes_to_the_pinned_bytes()
    {
        var frame = Encode(Opcode.Ping, 1, ReadOnlySpan<byte>.Empty);
        Assert.That(Convert.ToHexString(frame), Is.EqualTo(
            "D7" + "01" + "01" + "00" + "00000000" + "0100000000000000" + "00000000" + "C4828EF6"));
    }

    [Test]
    public void A_small_payload_encodes_to_the_pinned_bytes()
    {
        var frame = Encode(Opcode.Get, 0x0102030405060708, "hello"u8);
        Assert.That(Convert.ToHexString(frame), Is.EqualTo(
            "D7" + "01" + "02" + "00" + "05000000" + "0807060504030201" + "4CBB719A" + "E238D9DD" + "68656C6C6F"));
    }

    [Test]
    public void A_compressible_payload_encodes_to_the_pinned_compressed_bytes_and_round_trips()
    {
        var payload = RepetitivePayload();
        var frame = Encode(Opcode.Put, 42, payload);
        Assert.That(Convert.ToHexString(frame), Is.EqualTo(
            "D7" + "01" + "03" + "01" + "1D000000" + "2A00000000000000" + "0154B741" + "36AB7C75"
            + "34080000" // uncompressed length 2100
            + "7F64796E616D6F200700FFFFFFFFFFFFFFFF1D506E616D6F20")); // liblz4 1.9.4's block

        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var wire), Is.True);
        Assert.That(header.IsCompressed, Is.True);
        Assert.That(header.PayloadLength, Is.EqualTo(29));
        using var lease = FramePayload.Open(header, wire);
        Assert.That(lease.Span.SequenceEqual(payload), Is.True);
    }

    [Test]
    public void Any_frame_round_trips_through_the_reader_at_any_split()
    {
        var frames =
            from opcode in Gen.Choose(0, 255)
            from requestId in Gen.Choose(int.MinValue, int.MaxValue).Select(high => ((ulong)(uint)high << 32) | 0x5A5A5A5A)
            from length in Gen.Choose(0, 6000)
            from compressible in Gen.Elements(true, false)
            from contentSeed in Gen.Choose(0, int.MaxValue)
            from split in Gen.Choose(0, 7000)
            select (Opcode: (Opcode)opcode, RequestId: requestId, Compressible: compressible, Split: split,
                Payload: compressible ? Lz4Tests.Compressible(new Random(contentSeed), length) : Lz4Tests.RandomBytes(new Random(contentSeed), length));

        Prop.ForAll(frames.ToArbitrary(), frame =>
        {
            var bytes = Encode(frame.Opcode, frame.RequestId, frame.Payload);
            var buffer = Sequences.SplitAt(bytes, Math.Min(frame.Split, bytes.Length));
            var parsed = ParsedFrame.ReadAll(ref buffer);
            return parsed.Count == 1 && buffer.IsEmpty && parsed[0].Opcode == frame.Opcode
                && parsed[0].RequestId == frame.RequestId && parsed[0].Payload.AsSpan().SequenceEqual(frame.Payload)
                && parsed[0].Flags == (frame.Compressible && frame.Payload.Length > ProtocolLimits.CompressionThresholdBytes
                    ? FrameFlags.Compressed : FrameFlags.None);
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void The_generic_payload_writer_produces_the_same_bytes_as_the_span_writer()
    {
        var random = TestSeed.NewRandom();
        foreach (var length in new[] { 0, 1, 1024, 1025, 5000, 70_000 })
        {
            foreach (var compressible in new[] { false, true })
            {
                var payload = compressible ? Lz4Tests.Compressible(random, length) : Lz4Tests.RandomBytes(random, length);
                var requestId = (ulong)random.NextInt64();
                foreach (var allowCompression in new[] { false, true })
                {
                    var writer = new ArrayBufferWriter<byte>();
                    FrameWriter.Write(writer, Opcode.ReplicaWrite, requestId, new SpanPayload(payload), allowCompression);
                    Assert.That(
                        writer.WrittenSpan.ToArray(),
                        Is.EqualTo(Encode(Opcode.ReplicaWrite, requestId, payload, allowCompression)),
                        $"length {length}, compressible {compressible}, compression allowed {allowCompression}");
                }
            }
        }
    }

    [Test]
    public void Only_payloads_over_the_threshold_that_shrink_are_compressed()
    {
        var random = TestSeed.NewRandom();
        var threshold = ProtocolLimits.CompressionThresholdBytes;
        Assert.That(FlagsOf(Lz4Tests.Compressible(random, threshold)), Is.EqualTo(FrameFlags.None), "at the threshold");
        Assert.That(FlagsOf(Lz4Tests.Compressible(random, threshold + 1)), Is.EqualTo(FrameFlags.Compressed), "over it");
        Assert.That(FlagsOf(Lz4Tests.RandomBytes(random, 10_000)), Is.EqualTo(FrameFlags.None), "incompressible");
        Assert.That(FlagsOf(Lz4Tests.Compressible(random, 10_000), allowCompression: false), Is.EqualTo(FrameFlags.None));

        var compressed = Encode(Opcode.Put, 1, Lz4Tests.Compressible(random, 10_000));
        Assert.That(compressed.Length - ProtocolLimits.FrameHeaderBytes, Is.LessThan(10_000));
    }

    [Test]
    public void A_payload_over_the_limit_is_refused_with_a_request_scoped_error()
    {
        var tooLarge = new byte[ProtocolLimits.UncompressedFrameBytesMax + 1];
        var error = Assert.Throws<ProtocolException>(() => Encode(Opcode.Put, 9, tooLarge, allowCompression: false));
        Assert.That(error!.Code, Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
        Assert.That(error.RequestId, Is.EqualTo(9));

        var writer = new ArrayBufferWriter<byte>();
        error = Assert.Throws<ProtocolException>(() => FrameWriter.Write(writer, Opcode.Put, 9, new DeclaredLengthPayload(tooLarge.Length)));
        Assert.That(error!.Code, Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(writer.WrittenCount, Is.Zero, "nothing written");
    }

    [Test]
    public void Writing_frames_does_not_allocate_in_steady_state()
    {
        var random = TestSeed.NewRandom();
        var small = Lz4Tests.RandomBytes(random, 100);
        var compressible = Lz4Tests.Compressible(random, 8000);
        var incompressible = Lz4Tests.RandomBytes(random, 8000);
        var writer = new ArrayBufferWriter<byte>(64 * 1024);

        void WriteAll()
        {
            writer.ResetWrittenCount();
            FrameWriter.Write(writer, Opcode.Get, 1, small);
            FrameWriter.Write(writer, Opcode.Put, 2, compressible);
            FrameWriter.Write(writer, Opcode.Put, 3, incompressible);
            FrameWriter.Write(writer, Opcode.Get, 4, new SpanPayload(small));
            FrameWriter.Write(writer, Opcode.Put, 5, new SpanPayload(compressible));
            FrameWriter.Write(writer, Opcode.Put, 6, new SpanPayload(incompressible));
        }

        for (var i = 0; i < 100; i++)
        {
            WriteAll();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            WriteAll();
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.That(ParsedFrame.ReadAll(ref buffer).Select(f => f.RequestId), Is.EqualTo(new ulong[] { 1, 2, 3, 4, 5, 6 }));
    }

    private static FrameFlags FlagsOf(byte[] payload, bool allowCompression = true)
    {
        var buffer = new ReadOnlySequence<byte>(Encode(Opcode.Put, 1, payload, allowCompression));
        var frames = ParsedFrame.ReadAll(ref buffer);
        Assert.That(frames.Single().Payload, Is.EqualTo(payload));
        return frames[0].Flags;
    }

    /// <summary>A payload that only declares its length; the writer must refuse it before asking for bytes.</summary>
    private readonly ref struct DeclaredLengthPayload(int length) : IPayload
    {
        public int Length => length;

        public void WriteTo(Span<byte> destination) => throw new InvalidOperationException("must not be written");
    }
}
