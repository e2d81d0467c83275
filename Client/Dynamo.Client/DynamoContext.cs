using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using Dynamo.Protocol;

namespace Dynamo.Client;

/// <summary>
/// The opaque causal context of a read: pass it back with the next put or delete of the key so that the write
/// supersedes exactly the versions the read saw (concurrent ones stay as siblings). Its text form is base64url
/// without padding, for carrying it through text (the CLI's <c>CTX=</c>).
/// </summary>
public sealed class DynamoContext : IEquatable<DynamoContext>
{
    private readonly byte[] _bytes;

    private DynamoContext(byte[] bytes) => _bytes = bytes;

    /// <summary>The empty context: a blind write, superseding nothing.</summary>
    public static DynamoContext Empty { get; } = new([]);

    /// <summary>The context's bytes, as the node sent them.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>True for the empty context.</summary>
    public bool IsEmpty => _bytes.Length == 0;

    /// <summary>A context from its bytes (copied).</summary>
    /// <exception cref="ArgumentException">Longer than <see cref="ProtocolLimits.ContextBytesMax"/>.</exception>
    public static DynamoContext FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ProtocolLimits.ContextBytesMax)
        {
            throw new ArgumentException(
                $"A context is at most {ProtocolLimits.ContextBytesMax} bytes; this one has {bytes.Length}.", nameof(bytes));
        }

        return bytes.IsEmpty ? Empty : new DynamoContext(bytes.ToArray());
    }

    /// <summary>Parses the base64url text of <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException">The text is not base64url or decodes to more than the context limit.</exception>
    public static DynamoContext Parse(string text)
    {
        if (!TryParse(text, out var context))
        {
            throw new FormatException("The context is not base64url text of at most "
                + $"{ProtocolLimits.ContextBytesMax} bytes.");
        }

        return context;
    }

    /// <summary>Parses the base64url text of <see cref="ToString"/> without throwing.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DynamoContext? context)
    {
        context = null;
        if (text is null || Base64Url.GetMaxDecodedLength(text.Length) > ProtocolLimits.ContextBytesMax + 3)
        {
            return false;
        }

        if (!Base64Url.IsValid(text, out var length) || length > ProtocolLimits.ContextBytesMax)
        {
            return false;
        }

        var buffer = new byte[length];
        if (!Base64Url.TryDecodeFromChars(text, buffer, out var written))
        {
            return false;
        }

        context = written == 0 ? Empty : new DynamoContext(buffer[..written]);
        return true;
    }

    /// <summary>The context as base64url text without padding.</summary>
    public override string ToString() => Base64Url.EncodeToString(_bytes);

    /// <inheritdoc/>
    public bool Equals(DynamoContext? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DynamoContext other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}
