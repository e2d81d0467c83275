using BenchmarkDotNet.Attributes;
using Dynamo.Engine;
using Dynamo.Engine.Placement;

namespace Dynamo.Bench.Micro;

/// <summary>
/// What a coordinator does to route a key: hash it (<see cref="KeyHash.Of"/>) and take its preference list for
/// N = 3. Each operation looks up a different key of a fixed set of 256, so lookups land on many partitions and the
/// figure is not that of one hot cache line.
/// </summary>
[Config(typeof(MicroConfig))]
public class RingBenchmarks
{
    private const int KeyCount = 256;
    private const int N = 3;

    private readonly byte[] _bucket = Samples.Bucket;
    private byte[][] _keys = [];
    private Ring _ring = null!;

    /// <summary>Members of the ring; Q = 1024.</summary>
    [Params(3, 16, 64)]
    public int Members { get; set; }

    /// <summary>Builds the ring and the keys.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var members = new List<NodeId>();
        for (var i = 0; i < Members; i++)
        {
            members.Add(NodeId.Parse($"node-{i:D2}"));
        }

        _ring = Ring.Create(members, partitionCount: 1024);
        _keys = new byte[KeyCount][];
        for (var i = 0; i < KeyCount; i++)
        {
            _keys[i] = System.Text.Encoding.ASCII.GetBytes($"user:{i:D11}");
        }
    }

    /// <summary>Hash a 16-byte key and take its preference list, per key.</summary>
    [Benchmark(OperationsPerInvoke = KeyCount)]
    public int HashAndPreferenceList()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            var list = _ring.GetPreferenceList(KeyHash.Of(_bucket, key), N);
            sum += list.Partition + list.Primaries.Length;
        }

        return sum;
    }
}
