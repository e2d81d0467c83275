using BenchmarkDotNet.Attributes;
using Dynamo.Engine.Placement;

namespace Dynamo.Bench.Micro;

/// <summary>XXH64 over a typical key and over a 1 KiB input (the 32-byte stripe loop).</summary>
[Config(typeof(MicroConfig))]
public class KeyHashBenchmarks
{
    private byte[] _data = [];

    /// <summary>Bytes hashed per operation.</summary>
    [Params(16, 1024)]
    public int Bytes { get; set; }

    /// <summary>Fills the input with bytes that vary.</summary>
    [GlobalSetup]
    public void Setup() => _data = Samples.Varying(Bytes);

    /// <summary>One XXH64 of the whole input.</summary>
    [Benchmark]
    public ulong Xxh64() => KeyHash.Xxh64(_data);
}
