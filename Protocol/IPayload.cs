namespace Dynamo.Protocol;

/// <summary>
/// A message payload that knows its encoded length and writes itself into a span. Messages are
/// <c>readonly ref struct</c>s, so writers take them through a generic parameter with <c>allows ref struct</c>.
/// </summary>
public interface IPayload
{
    /// <summary>The encoded length in bytes.</summary>
    int Length { get; }

    /// <summary>Writes exactly <see cref="Length"/> bytes into <paramref name="destination"/>.</summary>
    void WriteTo(Span<byte> destination);
}
