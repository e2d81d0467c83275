using BenchmarkDotNet.Attributes;
using Dynamo.Protocol;

namespace Dynamo.Bench.Micro;

/// <summary>CRC-32C over a small value, a page-sized payload and a large payload.</summary>
[Config(typeof(MicroConfig))]
public class Crc32CBenchmarks
{
    private byte[] _data = [];

    /// <summary>Bytes checksummed per operation.</summary>
    [Params(100, 4096, 65536)]
    public int Bytes { get; set; }

    /// <summary>Fills the input with bytes that vary.</summary>
    [GlobalSetup]
    public void Setup() => _data = Samples.Varying(Bytes);

    /// <summary>One checksum of the whole input.</summary>
    [Benchmark]
    public uint Compute() => Crc32C.Compute(_data);
}
