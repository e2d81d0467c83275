using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Framing;

public sealed class FramePayloadTests
{
    private static ProtocolException OpenFails(byte[] frame)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True, "the frame itself is intact");
        return Assert.Throws<ProtocolException>(() =>
        {
            using var lease = FramePayload.Open(header, payload);
        })!;
    }

    private static byte[] CompressedPayload(uint declared, ReadOnlySpan<byte> block)
    {
        var payload = new byte[FramePayload.UncompressedLengthBytes + block.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, declared);
        block.CopyTo(payload.AsSpan(FramePayload.UncompressedLengthBytes));
        return payload;
    }

    private static byte[] Block(ReadOnlySpan<byte> plain)
    {
        var block = new byte[Lz4.CompressBound(plain.Length)];
        return block.AsSpan(0, Lz4.Compress(plain, block)).ToArray();
    }

    [Test]
    public void A_single_segment_plain_payload_is_read_in_place()
    {
        var frame = FrameReaderTests.Build(Opcode.Get, FrameFlags.None, 1, "in place"u8);
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);

        using var lease = FramePayload.Open(header, payload);
        Assert.That(lease.IsPooled, Is.False);
        Assert.That(Unsafe.AreSame(
            ref MemoryMarshal.GetReference(lease.Span), ref frame[ProtocolLimits.FrameHeaderBytes]), Is.True, "no copy");
    }

    [Test]
    public void A_multi_segment_payload_is_copied_into_a_pooled_buffer_that_dispose_returns()
    {
        var frame = FrameReaderTests.Build(Opcode.Get, FrameFlags.None, 1, "split payload"u8);
        var buffer = Sequences.SplitAt(frame, ProtocolLimits.FrameHeaderBytes + 3);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);

        var lease = FramePayload.Open(header, payload);
        Assert.That(lease.IsPooled, Is.True);
        Assert.That(lease.Span.SequenceEqual("split payload"u8), Is.True);
        lease.Dispose();
        Assert.That(lease.Span.IsEmpty, Is.True, "nothing to read after dispose");
        lease.Dispose();
    }

    [Test]
    public void A_compressed_payload_decompresses_to_its_declared_length()
    {
        var plain = Lz4Tests.Compressible(TestSeed.NewRandom(), 5000);
        var frame = FrameReaderTests.Build(Opcode.Put, FrameFlags.Compressed, 8, CompressedPayload(5000, Block(plain)));
        foreach (var buffer0 in new[] { new ReadOnlySequence<byte>(frame), Sequences.SplitAt(frame, 100) })
        {
            var buffer = buffer0;
            Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
            using var lease = FramePayload.Open(header, payload);
            Assert.That(lease.Span.SequenceEqual(plain), Is.True);
        }
    }

    [Test]
    public void A_compressed_payload_shorter_than_its_length_prefix_is_a_bad_request()
    {
        var error = OpenFails(FrameReaderTests.Build(Opcode.Put, FrameFlags.Compressed, 31, [1, 0, 0]));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
        Assert.That(error.RequestId, Is.EqualTo(31));
    }

    [Test]
    public void A_declared_uncompressed_length_over_the_limit_is_refused_before_memory_is_rented()
    {
        var block = new byte[100_000];
        var error = OpenFails(FrameReaderTests.Build(
            Opcode.Put, FrameFlags.Compressed, 32, CompressedPayload(ProtocolLimits.UncompressedFrameBytesMax + 1u, block)));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.TooLarge));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
        Assert.That(error.RequestId, Is.EqualTo(32));
    }

    [Test]
    public void A_declared_length_beyond_what_the_block_could_expand_to_is_refused()
    {
        var block = Block(new byte[1000]);
        var error = OpenFails(FrameReaderTests.Build(
            Opcode.Put, FrameFlags.Compressed, 33, CompressedPayload((uint)(block.Length * FramePayload.Lz4ExpansionMax) + 1, block)));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
    }

    [TestCase(-1)]
    [TestCase(1)]
    public void A_block_that_does_not_decompress_to_exactly_the_declared_length_is_refused(int difference)
    {
        var block = Block(Lz4Tests.Compressible(new Random(5), 3000));
        var error = OpenFails(FrameReaderTests.Build(
            Opcode.Put, FrameFlags.Compressed, 34, CompressedPayload((uint)(3000 + difference), block)));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.BadRequest));
        Assert.That(error.Scope, Is.EqualTo(ErrorScope.Request));
        Assert.That(error.RequestId, Is.EqualTo(34));
    }

    [Test]
    public void An_empty_block_declaring_nothing_opens_as_an_empty_payload()
    {
        var frame = FrameReaderTests.Build(Opcode.Put, FrameFlags.Compressed, 35, CompressedPayload(0, [0x00]));
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
        using var lease = FramePayload.Open(header, payload);
        Assert.That(lease.Span.IsEmpty, Is.True);
    }
}
