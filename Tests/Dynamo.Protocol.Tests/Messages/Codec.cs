using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>Encoding helpers that check the <see cref="IPayload"/> contract on every use.</summary>
internal static class Codec
{
    private const byte Sentinel = 0xA5;

    /// <summary>
    /// Encodes a message, checking that it writes exactly <see cref="IPayload.Length"/> bytes: nothing past the
    /// length is touched, and a destination one byte short is refused.
    /// </summary>
    public static byte[] Encode<T>(T message)
        where T : IPayload, allows ref struct
    {
        var length = message.Length;
        var buffer = new byte[length + 16];
        buffer.AsSpan().Fill(Sentinel);
        message.WriteTo(buffer);
        Assert.That(buffer.AsSpan(length).ContainsAnyExcept(Sentinel), Is.False, "wrote past Length");
        if (length > 0)
        {
            var refused = false;
            try
            {
                message.WriteTo(buffer.AsSpan(0, length - 1));
            }
            catch (ArgumentException)
            {
                refused = true;
            }

            Assert.That(refused, Is.True, "a destination shorter than Length was accepted");
        }

        return buffer[..length];
    }

    /// <summary>Decodes and encodes again; the encoding is canonical, so the bytes come back unchanged.</summary>
    public static void AssertReencodes<T>(ReadOnlySpan<byte> encoded)
        where T : IMessage<T>, allows ref struct
    {
        var again = Encode(T.Read(encoded));
        Assert.That(again.AsSpan().SequenceEqual(encoded), Is.True, $"{typeof(T).Name} re-encoded differently");
    }

    public static bool Same(ReadOnlySpan<byte> actual, ReadOnlyMemory<byte> expected) =>
        actual.SequenceEqual(expected.Span);
}
