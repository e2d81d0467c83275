using System.Buffers;
using BenchmarkDotNet.Attributes;
using Dynamo.Protocol;

namespace Dynamo.Bench.Micro;

/// <summary>
/// Reading one request frame out of a pipe's buffer: <see cref="FrameReader.TryReadFrame"/> alone (header checks
/// and both CRC32C checks), and the whole decode of a request (read, open the payload, decode the message). The
/// multi-segment cases split the frame inside its header and inside its payload, as a pipe does when a frame spans
/// two of its buffers; opening such a payload copies it into a pooled buffer.
/// </summary>
[Config(typeof(MicroConfig))]
public class FrameParseBenchmarks
{
    private ReadOnlySequence<byte> _get;
    private ReadOnlySequence<byte> _put;
    private ReadOnlySequence<byte> _putSegmented;

    /// <summary>Encodes the sample frames once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _get = new ReadOnlySequence<byte>(Samples.GetFrame());
        var put = Samples.PutFrame();
        _put = new ReadOnlySequence<byte>(put);
        _putSegmented = Sequences.Split(put, 10, 24 + 50);
    }

    /// <summary>A Get frame (16-byte key) in one segment.</summary>
    [Benchmark(Baseline = true)]
    public int ReadGetFrame() => Read(_get);

    /// <summary>A Put frame (100-byte value) in one segment.</summary>
    [Benchmark]
    public int ReadPutFrame() => Read(_put);

    /// <summary>The same Put frame in three segments: the header and the payload each split.</summary>
    [Benchmark]
    public int ReadPutFrameMultiSegment() => Read(_putSegmented);

    /// <summary>Read, open and decode a Get request.</summary>
    [Benchmark]
    public int DecodeGetRequest()
    {
        var buffer = _get;
        Check(FrameReader.TryReadFrame(ref buffer, out var header, out var payload));
        using var lease = FramePayload.Open(header, payload);
        var request = GetRequest.Read(lease.Span);
        return request.Key.Length + request.R;
    }

    /// <summary>Read, open and decode a Put request.</summary>
    [Benchmark]
    public int DecodePutRequest() => DecodePut(_put);

    /// <summary>Read, open and decode a Put request split over three segments.</summary>
    [Benchmark]
    public int DecodePutRequestMultiSegment() => DecodePut(_putSegmented);

    private static int Read(in ReadOnlySequence<byte> frame)
    {
        var buffer = frame;
        Check(FrameReader.TryReadFrame(ref buffer, out var header, out var payload));
        return header.PayloadLength + (int)payload.Length;
    }

    private static int DecodePut(in ReadOnlySequence<byte> frame)
    {
        var buffer = frame;
        Check(FrameReader.TryReadFrame(ref buffer, out var header, out var payload));
        using var lease = FramePayload.Open(header, payload);
        var request = PutRequest.Read(lease.Span);
        return request.Value.Length + request.W;
    }

    private static void Check(bool parsed)
    {
        if (!parsed)
        {
            throw new InvalidOperationException("The sample frame did not parse.");
        }
    }
}
