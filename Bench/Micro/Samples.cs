using System.Buffers;
using Dynamo.Protocol;

namespace Dynamo.Bench.Micro;

/// <summary>The typical requests the benchmarks parse and encode: a 16-byte key, a 100-byte value.</summary>
internal static class Samples
{
    public const ulong RequestId = 42;

    public static readonly byte[] Bucket = "users"u8.ToArray();

    public static byte[] Key => Filled(16, 'k');

    public static byte[] Value => Filled(100, 'v');

    /// <summary>An opaque context of the size a three-replica version encodes to.</summary>
    public static byte[] Context => Filled(40, 'c');

    /// <summary>4 KiB of text-like bytes: a short phrase repeated, which LZ4 shrinks well.</summary>
    public static byte[] CompressibleValue
    {
        get
        {
            var phrase = "{\"user\":\"alice\",\"cart\":[\"book\",\"lamp\"],\"total\":42} "u8;
            var bytes = new byte[4096];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = phrase[i % phrase.Length];
            }

            return bytes;
        }
    }

    /// <summary>A whole Get frame, header and payload.</summary>
    public static byte[] GetFrame()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(writer, GetRequest.Opcode, RequestId, new GetRequest(Bucket, Key, r: 2, timeoutMs: 500));
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A whole Put frame with a 100-byte value and a context, header and payload.</summary>
    public static byte[] PutFrame()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.Write(
            writer, PutRequest.Opcode, RequestId, new PutRequest(Bucket, Key, Value, Context, w: 2, timeoutMs: 500));
        return writer.WrittenSpan.ToArray();
    }

    /// <summary><paramref name="length"/> bytes that vary from one to the next, as hash and checksum input.</summary>
    public static byte[] Varying(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + 7);
        }

        return bytes;
    }

    private static byte[] Filled(int length, char c)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(c + (i % 10));
        }

        return bytes;
    }
}
