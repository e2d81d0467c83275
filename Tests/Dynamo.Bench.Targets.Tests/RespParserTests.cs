using System.Buffers;
using System.Text;
using Dynamo.Bench.Load;
using NUnit.Framework;

namespace Dynamo.Bench.Targets.Tests;

[TestFixture]
public sealed class RespParserTests
{
    private static readonly string[] s_samples =
    [
        "+OK\r\n",
        "-ERR unknown command 'FOO'\r\n",
        ":0\r\n",
        ":-9223372036854775808\r\n",
        "$5\r\nhello\r\n",
        "$0\r\n\r\n",
        "$-1\r\n",
        "$4\r\na\r\nb\r\n",
        "*-1\r\n",
        "*0\r\n",
        "*3\r\n$3\r\nfoo\r\n:42\r\n*2\r\n+x\r\n$-1\r\n",
    ];

    /// <summary>The reply and its parts as text, e.g. <c>Array[Bulk(foo),Integer(42)]</c>.</summary>
    private static string Describe(in RespReply reply) => reply.Kind switch
    {
        RespKind.SimpleString or RespKind.Error or RespKind.BulkString =>
            $"{reply.Kind}({Encoding.UTF8.GetString(reply.Payload)})",
        RespKind.Integer => $"Integer({reply.Integer})",
        RespKind.Array => $"Array[{string.Join(",", Elements(reply))}]",
        _ => reply.Kind.ToString(),
    };

    private static List<string> Elements(RespReply array)
    {
        var reader = new SequenceReader<byte>(array.Payload);
        var elements = new List<string>();
        while (RespParser.TryRead(ref reader, out var element))
        {
            elements.Add(Describe(element));
        }

        Assert.That(reader.End, Is.True, "the array's payload holds exactly its elements");
        Assert.That(elements, Has.Count.EqualTo(array.Integer));
        return elements;
    }

    private static string ParseWhole(ReadOnlySequence<byte> input, out long consumed)
    {
        var reader = new SequenceReader<byte>(input);
        Assert.That(RespParser.TryRead(ref reader, out var reply), Is.True);
        consumed = reader.Consumed;
        return Describe(reply);
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, params int[] offsets)
    {
        var segments = new List<byte[]>();
        var start = 0;
        foreach (var offset in offsets.Append(bytes.Length))
        {
            segments.Add(bytes[start..offset]);
            start = offset;
        }

        return Segments.Of(segments);
    }

    [Test]
    public void Each_reply_type_parses_to_its_kind_and_payload()
    {
        string Parse(string text) => ParseWhole(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text)), out _);

        Assert.Multiple(() =>
        {
            Assert.That(Parse("+OK\r\n"), Is.EqualTo("SimpleString(OK)"));
            Assert.That(Parse("-ERR bad\r\n"), Is.EqualTo("Error(ERR bad)"));
            Assert.That(Parse(":-12\r\n"), Is.EqualTo("Integer(-12)"));
            Assert.That(Parse("$5\r\nhello\r\n"), Is.EqualTo("BulkString(hello)"));
            Assert.That(Parse("$4\r\na\r\nb\r\n"), Is.EqualTo("BulkString(a\r\nb)"), "a bulk string may hold CRLF");
            Assert.That(Parse("$-1\r\n"), Is.EqualTo("NullBulkString"));
            Assert.That(Parse("*-1\r\n"), Is.EqualTo("NullArray"));
            Assert.That(
                Parse("*3\r\n$3\r\nfoo\r\n:42\r\n*2\r\n+x\r\n$-1\r\n"),
                Is.EqualTo("Array[BulkString(foo),Integer(42),Array[SimpleString(x),NullBulkString]]"));
        });
    }

    [Test]
    public void Every_sample_parses_the_same_when_split_at_any_offset_and_byte_by_byte()
    {
        foreach (var sample in s_samples)
        {
            var bytes = Encoding.UTF8.GetBytes(sample);
            var expected = ParseWhole(new ReadOnlySequence<byte>(bytes), out var consumedWhole);
            Assert.That(consumedWhole, Is.EqualTo(bytes.Length), sample);
            for (var offset = 0; offset <= bytes.Length; offset++)
            {
                Assert.That(ParseWhole(Split(bytes, offset), out var consumed), Is.EqualTo(expected), $"{sample} split at {offset}");
                Assert.That(consumed, Is.EqualTo(bytes.Length));
            }

            var oneByteSegments = Split(bytes, [.. Enumerable.Range(1, bytes.Length - 1)]);
            Assert.That(ParseWhole(oneByteSegments, out _), Is.EqualTo(expected), $"{sample} one byte per segment");
        }
    }

    [Test]
    public void Every_proper_prefix_of_a_sample_is_incomplete_and_consumes_nothing()
    {
        foreach (var sample in s_samples)
        {
            var bytes = Encoding.UTF8.GetBytes(sample);
            for (var length = 0; length < bytes.Length; length++)
            {
                var reader = new SequenceReader<byte>(Split(bytes[..length], length / 2));
                Assert.That(RespParser.TryRead(ref reader, out _), Is.False, $"{sample} cut at {length}");
                Assert.That(reader.Consumed, Is.Zero);
            }
        }
    }

    [Test]
    public void Pipelined_replies_parse_one_after_another_in_order()
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(s_samples));
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            var reader = new SequenceReader<byte>(Split(bytes, offset));
            var count = 0;
            while (RespParser.TryRead(ref reader, out _))
            {
                count++;
            }

            Assert.That(count, Is.EqualTo(s_samples.Length), $"split at {offset}");
            Assert.That(reader.End, Is.True);
        }
    }

    [TestCase("?what\r\n", "unknown RESP2 reply type byte 0x3f")]
    [TestCase(":12a\r\n", "not a 64-bit integer")]
    [TestCase(":\r\n", "not a 64-bit integer")]
    [TestCase(":99999999999999999999\r\n", "not a 64-bit integer")]
    [TestCase("$-2\r\n", "bulk string length -2")]
    [TestCase("$16777217\r\n", "bulk string length 16777217")]
    [TestCase("$3\r\nabcd\r\n", "does not end with CRLF")]
    [TestCase("*-5\r\n", "array length -5")]
    [TestCase("*1\r\n!\r\n", "unknown RESP2 reply type byte 0x21")]
    [TestCase("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "nested deeper than 8")]
    public void Malformed_replies_are_protocol_errors_that_say_what_is_wrong(string input, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var error = Assert.Throws<RespProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            RespParser.TryRead(ref reader, out _);
        });
        Assert.That(error!.Message, Does.Contain(message));
    }

    [Test]
    public void A_declared_bulk_length_over_the_limit_fails_before_its_bytes_arrive()
    {
        var bytes = Encoding.UTF8.GetBytes($"${RespLimits.BulkBytesMax + 1}\r\n");
        Assert.Throws<RespProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            RespParser.TryRead(ref reader, out _);
        });
    }

    [Test]
    public void A_line_without_CRLF_longer_than_the_limit_fails_instead_of_waiting()
    {
        var almost = new byte[RespLimits.LineBytesMax + 1];
        almost.AsSpan().Fill((byte)'a');
        almost[0] = (byte)'+';
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(almost));
        Assert.That(RespParser.TryRead(ref reader, out _), Is.False, "up to the limit, more may still come");

        var over = new byte[RespLimits.LineBytesMax + 3];
        over.AsSpan().Fill((byte)'a');
        over[0] = (byte)'+';
        Assert.Throws<RespProtocolException>(() =>
        {
            var tooLong = new SequenceReader<byte>(new ReadOnlySequence<byte>(over));
            RespParser.TryRead(ref tooLong, out _);
        });
    }
}
