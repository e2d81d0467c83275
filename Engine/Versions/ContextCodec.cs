using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Dynamo.Engine.Versions;

/// <summary>
/// Encodes a <see cref="CausalContext"/> as the opaque bytes a client receives with a read and sends back with
/// its next write. Layout (little-endian; docs/VERSIONS.md has the full diagram):
/// <code>
/// +--------+--------+-----------+-------------+--------------------------------------------------+
/// | ver=1  | flags=0| u16 A     | A actors    | u16 V | V × (u16 actor, u64 max) | u16 C | C × (u16 actor, u64 counter) |
/// +--------+--------+-----------+-------------+--------------------------------------------------+
/// </code>
/// The encoding is canonical: one set has exactly one encoding, and a decoder accepts nothing else.
/// </summary>
public static class ContextCodec
{
    /// <summary>The encoded size of <paramref name="context"/>, in bytes.</summary>
    public static int GetEncodedLength(CausalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return 2 + VersionWire.ActorTableBytes(ActorsOf(context)) + VersionWire.BodyBytes(context);
    }

    /// <summary>Writes <paramref name="context"/> to <paramref name="writer"/>.</summary>
    /// <exception cref="VersionLimitException">
    /// The context names more than <see cref="Limits.VersionEntriesMax"/> actors or holds more than
    /// <see cref="Limits.VersionCloudDotsMax"/> cloud dots, so no decoder would accept it.
    /// </exception>
    public static void Encode(CausalContext context, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(writer);
        CheckBounds(context);
        var actors = ActorsOf(context);
        var length = 2 + VersionWire.ActorTableBytes(actors) + VersionWire.BodyBytes(context);
        var span = writer.GetSpan(length);
        span[0] = VersionWire.FormatVersion;
        span[1] = 0;
        var at = 2 + VersionWire.WriteActorTable(span[2..], actors);
        at += VersionWire.WriteBody(span[at..], context, actors);
        Invariant.Check(at == length);
        writer.Advance(length);
    }

    /// <summary>
    /// Decodes a context. Returns false with the reason in <paramref name="error"/> for anything that is not the
    /// canonical encoding of a context within bounds; never throws for any input.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out CausalContext? context, [NotNullWhen(false)] out string? error)
    {
        context = null;
        var reader = new WireReader(bytes);
        if (!VersionWire.TryReadHeader(ref reader, "context", out error)
            || !VersionWire.TryReadActorTable(ref reader, Limits.VersionEntriesMax, out var actors, out error))
        {
            return false;
        }

        var used = actors.Length <= 256 ? stackalloc bool[actors.Length] : new bool[actors.Length];
        if (!VersionWire.TryReadBody(ref reader, actors, used, out var decoded, out error)
            || !VersionWire.AllUsed(used, out error))
        {
            return false;
        }

        if (reader.Remaining != 0)
        {
            error = $"{reader.Remaining} bytes follow the end of the context.";
            return false;
        }

        context = decoded;
        return true;
    }

    /// <summary>Decodes a context, throwing <see cref="VersionFormatException"/> with the reason when it is not valid.</summary>
    public static CausalContext Decode(ReadOnlySpan<byte> bytes) =>
        TryDecode(bytes, out var context, out var error) ? context : throw new VersionFormatException(error);

    /// <summary>Throws <see cref="VersionLimitException"/> when a context (a client's, or a sibling's past) is over a bound.</summary>
    internal static void CheckBounds(CausalContext context)
    {
        if (context.ActorCount > Limits.VersionEntriesMax)
        {
            throw new VersionLimitException(
                new VersionLimitError(VersionBound.VersionEntries, Limits.VersionEntriesMax, (ulong)context.ActorCount));
        }

        if (context.Cloud.Length > Limits.VersionCloudDotsMax)
        {
            throw new VersionLimitException(
                new VersionLimitError(VersionBound.CloudDots, Limits.VersionCloudDotsMax, (ulong)context.Cloud.Length));
        }
    }

    private static Actor[] ActorsOf(CausalContext context)
    {
        var actors = new SortedSet<Actor>();
        VersionWire.AddActors(context, actors);
        return [.. actors];
    }
}
