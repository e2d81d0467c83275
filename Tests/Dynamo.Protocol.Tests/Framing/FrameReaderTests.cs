using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

public sealed class FrameReaderTests
{
    private const Opcode UnknownOpcode = (Opcode)0x7E;

    /// <summary>Several frames back to back: empty, small, compressed, incompressible, an unknown opcode.</summary>
    internal static byte[] Sample()
    {
        var random = new Random(20_07);
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, Opcode.Ping, 1, ReadOnlySpan<byte>.Empty);
        FrameWriter.Write(writer, Opcode.Get, 2, "bucket/key"u8);
        FrameWriter.Write(writer, Opcode.Put, 3, FrameWriterTests.RepetitivePayload());
        FrameWriter.Write(writer, Opcode.ReplicaWrite, 4, Lz4Tests.RandomBytes(random, 1500));
        FrameWriter.Write(writer, UnknownOpcode, 5, "?"u8);
        FrameWriter.Write(writer, Opcode.GetReply, ulong.MaxValue, new SpanPayload(Lz4Tests.Compressible(random, 3000)));
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A frame with any header fields and correct checksums (the writer never sets reserved bits).</summary>
    internal static byte[] Build(Opcode opcode, FrameFlags flags, ulong requestId, ReadOnlySpan<byte> wirePayload)
    {
        var frame = new byte[ProtocolLimits.FrameHeaderBytes + wirePayload.Length];
        wirePayload.CopyTo(frame.AsSpan(ProtocolLimits.FrameHeaderBytes));
        new FrameHeader(FrameHeader.CurrentVersion, opcode, flags, wirePayload.Length, requestId, Crc32C.Compute(wirePayload))
            .WriteTo(frame);
        return frame;
    }

    /// <summary>Rewrites a frame's header checksum after a test changed header bytes on purpose.</summary>
    internal static void Reseal(byte[] frame) =>
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(20), Crc32C.Compute(frame.AsSpan(0, 20)));

    private static List<ParsedFrame> Expected() => Parse(new ReadOnlySequence<byte>(Sample()), out _);

    private static List<ParsedFrame> Parse(ReadOnlySequence<byte> buffer, out long remaining)
    {
        var frames = ParsedFrame.ReadAll(ref buffer);
        remaining = buffer.Length;
        return frames;
    }

    [Test]
    public void The_sample_parses_to_the_frames_that_were_written()
    {
        var frames = Expected();
        Assert.That(frames.Select(f => f.RequestId), Is.EqualTo(new ulong[] { 1, 2, 3, 4, 5, ulong.MaxValue }));
        Assert.That(frames.Select(f => f.Flags), Is.EqualTo(new[]
        {
            FrameFlags.None, FrameFlags.None, FrameFlags.Compressed, FrameFlags.None, FrameFlags.None, FrameFlags.Compressed,
        }));
        Assert.That(frames[1].Payload, Is.EqualTo("bucket/key"u8.ToArray()));
        Assert.That(frames[2].Payload, Is.EqualTo(FrameWriterTests.RepetitivePayload()));
        Assert.That(frames[4].Opcode, Is.EqualTo(UnknownOpcode), "an unknown opcode is returned, not a framing error");
    }

    [Test]
    public void The_sample_parses_the_same_when_split_into_two_segments_at_every_offset()
    {
        var bytes = Sample();
        var expected = Expected();
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            var frames = Parse(Sequences.SplitAt(bytes, offset), out var remaining);
            Assert.That(frames, Is.EqualTo(expected), $"split at {offset}");
            Assert.That(remaining, Is.Zero, $"split at {offset}");
        }
    }

    [Test]
    public void The_sample_parses_the_same_one_byte_per_segment()
    {
        var frames = Parse(Sequences.OneBytePerSegment(Sample()), out var remaining);
        Assert.That(frames, Is.EqualTo(Expected()));
        Assert.That(remaining, Is.Zero);
    }

    [Test]
    public void Fed_incrementally_a_frame_is_returned_only_once_whole_and_nothing_is_consumed_before()
    {
        var bytes = Sample();
        var expected = Expected();
        var ends = new List<int>();
        var end = 0;
        foreach (var frame in expected)
        {
            end += ProtocolLimits.FrameHeaderBytes + frame.WireLength;
            ends.Add(end);
        }

        for (var available = 0; available <= bytes.Length; available++)
        {
            var prefix = bytes.AsSpan(0, available).ToArray();
            var frames = Parse(Sequences.SplitAt(prefix, available / 2), out var remaining);
            var whole = ends.Count(e => e <= available);
            var consumed = whole == 0 ? 0 : ends[whole - 1];
            Assert.That(frames, Is.EqualTo(expected.Take(whole)), $"{available} bytes available");
            Assert.That(remaining, Is.EqualTo(available - consumed), $"{available} bytes available: incomplete frame left in place");
        }
    }

    [Test]
    public void An_empty_buffer_yields_nothing()
    {
        var buffer = ReadOnlySequence<byte>.Empty;
        Assert.That(FrameReader.TryReadFrame(ref buffer, out _, out _), Is.False);
    }

    [TestCase((uint)int.MaxValue)]
    [TestCase(uint.MaxValue)]
    [TestCase(ProtocolLimits.FrameBytesMax + 1u)]
    public void A_declared_length_over_the_limit_is_refused_as_soon_as_the_header_arrives(uint declared)
    {
        var header = Build(Opcode.Put, FrameFlags.None, 77, ReadOnlySpan<byte>.Empty);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), declared);
        Reseal(header);

        var buffer = Sequences.SplitAt(header, 10);
        var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _, out _));
        Assert.That(error!.Code, Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Connection));
        Assert.That(error.RequestId, Is.EqualTo(77), "the verified header names the request");
    }

    [Test]
    public void A_declared_length_at_the_limit_waits_for_its_body()
    {
        var header = Build(Opcode.Put, FrameFlags.None, 1, ReadOnlySpan<byte>.Empty);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), ProtocolLimits.FrameBytesMax);
        Reseal(header);
        var buffer = new ReadOnlySequence<byte>(header);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out _, out _), Is.False);
        Assert.That(buffer.Length, Is.EqualTo(ProtocolLimits.FrameHeaderBytes));
    }

    [Test]
    public void A_bad_payload_checksum_fails_only_its_request_and_the_next_frame_is_read()
    {
        var bad = Build(Opcode.Put, FrameFlags.None, 1234, "value"u8);
        bad[^1] ^= 0x01;
        var good = Build(Opcode.Get, FrameFlags.None, 1235, "key"u8);
        byte[] both = [.. bad, .. good];

        foreach (var buffer0 in new[] { new ReadOnlySequence<byte>(both), Sequences.OneBytePerSegment(both) })
        {
            var buffer = buffer0;
            var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _, out _));
            Assert.That(error!.Code, Is.EqualTo(ErrorCode.ChecksumMismatch));
            Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
            Assert.That(error.RequestId, Is.EqualTo(1234));
            Assert.That(buffer.Length, Is.EqualTo(good.Length), "the bad frame was consumed");

            var frames = ParsedFrame.ReadAll(ref buffer);
            Assert.That(frames.Single().RequestId, Is.EqualTo(1235));
        }
    }

    [Test]
    public void Every_header_bit_flip_is_a_connection_scoped_error_and_consumes_nothing()
    {
        var frame = Build(Opcode.Put, FrameFlags.None, 0x0102030405060708, "payload"u8);
        for (var bit = 0; bit < ProtocolLimits.FrameHeaderBytes * 8; bit++)
        {
            var flipped = (byte[])frame.Clone();
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            var buffer = new ReadOnlySequence<byte>(flipped);
            var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _, out _), $"bit {bit}");
            Assert.That(error!.Scope, Is.EqualTo(ErrorScope.Connection), $"bit {bit}");
            var expectedCode = bit / 8 == 1 ? ErrorCode.UnsupportedVersion : ErrorCode.CorruptFrame;
            Assert.That(error.Code, Is.EqualTo(expectedCode), $"bit {bit}");
            Assert.That(buffer.Length, Is.EqualTo(flipped.Length), $"bit {bit}");
        }
    }

    [Test]
    public void Reserved_flag_bits_are_refused_even_with_a_valid_header_checksum()
    {
        for (var bit = 1; bit < 8; bit++)
        {
            var frame = Build(Opcode.Put, (FrameFlags)(1 << bit), 55, "x"u8);
            var buffer = new ReadOnlySequence<byte>(frame);
            var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _, out _));
            Assert.That(error!.Code, Is.EqualTo(ErrorCode.CorruptFrame), $"flag bit {bit}");
            Assert.That(error.Scope, Is.EqualTo(ErrorScope.Connection));
            Assert.That(error.RequestId, Is.EqualTo(55));
        }
    }

    [TestCase("*1\r\n$4\r\nPING\r\n", TestName = "RESP")]
    [TestCase("GET / HTTP/1.1\r\n", TestName = "HTTP")]
    [TestCase("\u0016\u0003\u0001", TestName = "TLS client hello")]
    public void A_stray_protocol_is_refused_at_its_first_byte(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text), 0, 1);
        var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _, out _));
        Assert.That(error!.Code, Is.EqualTo(ErrorCode.CorruptFrame));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Connection));
    }

    [TestCase(0)]
    [TestCase(2)]
    [TestCase(0xFF)]
    public void An_unsupported_version_is_refused_at_the_second_byte(byte version)
    {
        var buffer = new ReadOnlySequence<byte>([FrameHeader.Magic, version]);
        var error = Assert.Throws<ProtocolException>(() => FrameReader.TryReadFrame(ref buffer, out _, out _));
        Assert.That(error!.Code, Is.EqualTo(ErrorCode.UnsupportedVersion));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Connection));
    }

    [Test]
    public void A_valid_prefix_waits_for_the_rest_of_the_header()
    {
        var frame = Build(Opcode.Ping, FrameFlags.None, 1, ReadOnlySpan<byte>.Empty);
        for (var length = 1; length < frame.Length; length++)
        {
            var buffer = Sequences.OneBytePerSegment(frame.AsSpan(0, length).ToArray());
            Assert.That(FrameReader.TryReadFrame(ref buffer, out _, out _), Is.False, $"{length} bytes");
            Assert.That(buffer.Length, Is.EqualTo(length));
        }
    }

    [Test]
    public void Reading_frames_does_not_allocate_in_steady_state()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, Opcode.Ping, 1, ReadOnlySpan<byte>.Empty);
        FrameWriter.Write(writer, Opcode.Get, 2, "bucket/key"u8);
        FrameWriter.Write(writer, Opcode.ReplicaWrite, 3, Lz4Tests.RandomBytes(new Random(3), 1500));
        var bytes = writer.WrittenSpan.ToArray();
        var single = new ReadOnlySequence<byte>(bytes);
        var split = Sequences.SplitAt(bytes, 40);
        var oneByte = Sequences.OneBytePerSegment(bytes);

        Assert.That(AllocatedWhileReading(single, open: true), Is.Zero, "single segment, payloads opened in place");
        Assert.That(AllocatedWhileReading(split, open: false), Is.Zero, "two segments");
        Assert.That(AllocatedWhileReading(oneByte, open: false), Is.Zero, "one byte per segment");
    }

    [Test]
    public void Opening_pooled_payloads_does_not_allocate_in_steady_state()
    {
        var bytes = Sample();
        Assert.That(AllocatedWhileReading(new ReadOnlySequence<byte>(bytes), open: true), Is.Zero, "compressed payloads");
        Assert.That(AllocatedWhileReading(Sequences.SplitAt(bytes, 100), open: true), Is.Zero, "multi-segment payloads");
    }

    private static long AllocatedWhileReading(ReadOnlySequence<byte> input, bool open)
    {
        var checksum = 0;
        for (var i = 0; i < 100; i++)
        {
            checksum += ReadAll(input, open);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            checksum += ReadAll(input, open);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return checksum > 0 ? allocated : -1;
    }

    private static int ReadAll(ReadOnlySequence<byte> buffer, bool open)
    {
        var sum = 0;
        while (FrameReader.TryReadFrame(ref buffer, out var header, out var payload))
        {
            sum += header.PayloadLength + 1;
            if (open)
            {
                using var lease = FramePayload.Open(header, payload);
                sum += lease.Span.Length;
            }
        }

        return sum;
    }
}
