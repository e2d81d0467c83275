using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// The hot messages decode and encode without allocating once warmed up: decoding slices the payload, sibling
/// walks are ref struct enumerators, encoding writes into the caller's span.
/// </summary>
public sealed class AllocationTests
{
    private const int WarmUps = 200;
    private const int Iterations = 2000;

    private readonly byte[] _value = new byte[300];
    private readonly byte[] _context = new byte[40];
    private readonly byte[] _destination = new byte[4096];
    private SiblingValue[] _siblings = [];
    private byte[] _get = [];
    private byte[] _put = [];
    private byte[] _getReply = [];
    private long _sink;

    [SetUp]
    public void CreateSamples()
    {
        _value.AsSpan().Fill(0x76);
        _context.AsSpan().Fill(0xC7);
        _siblings = [new(_value), SiblingValue.Tombstone, new(_value.AsMemory(0, 17))];
        _get = Codec.Encode(new GetRequest("bucket"u8, "some-key"u8, 2, 1000));
        _put = Codec.Encode(new PutRequest("bucket"u8, "some-key"u8, _value, _context, 2, true, 1000));
        _getReply = Codec.Encode(new GetReply(_context, _siblings));
    }

    [Test]
    public void Decoding_a_get_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var get = GetRequest.Read(_get);
            _sink += get.Key.Length + get.R;
        }), Is.Zero);
    }

    [Test]
    public void Decoding_a_put_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var put = PutRequest.Read(_put);
            _sink += put.Value.Length + put.Context.Length;
        }), Is.Zero);
    }

    [Test]
    public void Decoding_a_get_reply_and_walking_its_siblings_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var reply = GetReply.Read(_getReply);
            foreach (var sibling in reply.Siblings)
            {
                _sink += sibling.Value.Length + (sibling.IsTombstone ? 1 : 0);
            }
        }), Is.Zero);
    }

    [Test]
    public void Encoding_a_put_into_a_span_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var put = new PutRequest("bucket"u8, "some-key"u8, _value, _context, 2, true, 1000);
            put.WriteTo(_destination);
            _sink += put.Length;
        }), Is.Zero);
    }

    [Test]
    public void Encoding_a_get_reply_into_a_span_allocates_nothing()
    {
        Assert.That(AllocatedBy(() =>
        {
            var reply = new GetReply(_context, _siblings);
            reply.WriteTo(_destination);
            _sink += reply.Length;
        }), Is.Zero);
    }

    [Test]
    public void The_measure_sees_an_allocation()
    {
        Assert.That(AllocatedBy(() => _sink += GetRequest.Read(_get).Key.ToArray().Length), Is.GreaterThan(0));
    }

    private static long AllocatedBy(Action action)
    {
        for (var i = 0; i < WarmUps; i++)
        {
            action();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            action();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
