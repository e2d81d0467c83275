using System.Buffers;
using BenchmarkDotNet.Attributes;
using Dynamo.Protocol;

namespace Dynamo.Bench.Micro;

/// <summary>
/// Encoding one whole frame (payload, payload CRC, header, header CRC) with <see cref="FrameWriter"/> into a
/// reused buffer writer, as a connection's pipe writer is reused between flushes. The 4 KiB case is over
/// <see cref="ProtocolLimits.CompressionThresholdBytes"/>: it encodes into a pooled scratch buffer and goes through
/// LZ4.
/// </summary>
[Config(typeof(MicroConfig))]
public class FrameEncodeBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(64 * 1024);
    private byte[] _bucket = [];
    private byte[] _key = [];
    private byte[] _value = [];
    private byte[] _context = [];
    private byte[] _compressible = [];
    private SiblingValue[] _siblings = [];

    /// <summary>Prepares the fields and grows the writer once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _bucket = Samples.Bucket;
        _key = Samples.Key;
        _value = Samples.Value;
        _context = Samples.Context;
        _compressible = Samples.CompressibleValue;
        _siblings = [new SiblingValue(Samples.Value)];

        // The 4 KiB case measures the compression path only if the frame really goes out compressed.
        WriteCompressedPutRequest();
        var frame = new ReadOnlySequence<byte>(_writer.WrittenMemory);
        if (!FrameReader.TryReadFrame(ref frame, out var header, out _) || !header.IsCompressed)
        {
            throw new InvalidOperationException("The 4 KiB sample was not sent compressed.");
        }

        Console.WriteLine($"// 4 KiB put: {header.FrameLength} bytes on the wire, header included.");
    }

    /// <summary>A Get request with a 16-byte key.</summary>
    [Benchmark(Baseline = true)]
    public int WriteGetRequest()
    {
        _writer.ResetWrittenCount();
        FrameWriter.Write(_writer, GetRequest.Opcode, Samples.RequestId, new GetRequest(_bucket, _key, r: 2, timeoutMs: 500));
        return _writer.WrittenCount;
    }

    /// <summary>A Put request with a 100-byte value and a context.</summary>
    [Benchmark]
    public int WritePutRequest()
    {
        _writer.ResetWrittenCount();
        FrameWriter.Write(
            _writer, PutRequest.Opcode, Samples.RequestId, new PutRequest(_bucket, _key, _value, _context, w: 2, timeoutMs: 500));
        return _writer.WrittenCount;
    }

    /// <summary>A Get reply with a context and one 100-byte sibling.</summary>
    [Benchmark]
    public int WriteGetReply()
    {
        _writer.ResetWrittenCount();
        FrameWriter.Write(_writer, GetReply.Opcode, Samples.RequestId, new GetReply(_context, _siblings));
        return _writer.WrittenCount;
    }

    /// <summary>A Put request with a 4 KiB compressible value: the LZ4 path.</summary>
    [Benchmark]
    public int WriteCompressedPutRequest()
    {
        _writer.ResetWrittenCount();
        FrameWriter.Write(
            _writer, PutRequest.Opcode, Samples.RequestId, new PutRequest(_bucket, _key, _compressible, _context, w: 2));
        return _writer.WrittenCount;
    }
}
