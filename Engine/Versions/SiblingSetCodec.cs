using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Dynamo.Engine.Versions;

/// <summary>
/// Encodes a whole <see cref="SiblingSet"/> (versions and values): the form replicas exchange and the storage
/// engine persists. One actor table is shared by every version in the set. Layout (little-endian;
/// docs/VERSIONS.md has the full diagram):
/// <code>
/// [u8 ver=1][u8 flags=0][u16 A][A actors][u16 S]
/// S × [u16 dot actor][u64 dot counter][u8 sibling flags][past: context body][u32 value length][value bytes]
/// </code>
/// Sibling flags: bit 0 = tombstone; bit 1 = value omitted (the value length follows, but no value bytes: only a
/// replica's answer to a read of a set over <see cref="Limits.ObjectBytesMax"/> carries it, and only decoders that ask
/// for it accept it); the other bits are reserved and must be zero. The encoding is canonical.
/// </summary>
public static class SiblingSetCodec
{
    /// <summary>Sibling flag bit: the sibling is a tombstone.</summary>
    private const byte TombstoneFlag = 0x01;

    /// <summary>Sibling flag bit: the value's length follows but its bytes were left out.</summary>
    private const byte OmittedFlag = 0x02;

    /// <summary>Most bytes one actor takes in the actor table: name length, the longest name, epoch.</summary>
    private const int ActorBytesMax = 1 + Limits.NodeIdBytesMax + 4;

    /// <summary>Fixed bytes of one sibling around its past and value.</summary>
    private const int SiblingFixedBytes = 2 + 8 + 1 + 4;

    /// <summary>The encoded size of <paramref name="set"/>, in bytes (omitted values count as absent).</summary>
    public static long GetEncodedLength(SiblingSet set) => EncodedLength(set, withValues: false);

    /// <summary>
    /// Whether <paramref name="set"/>, with every value present (omitted ones counted at their size), encodes to at
    /// most <see cref="Limits.ObjectBytesMax"/> bytes: the bound every stored and replicated object keeps
    /// (docs/VERSIONS.md § Objects over the bound). An upper bound computed without allocating answers for ordinary
    /// sets; the exact length is computed only near the bound. <paramref name="encodedBytes"/> is the exact length
    /// when it was computed, else that upper bound.
    /// </summary>
    public static bool FitsObjectBound(SiblingSet set, out long encodedBytes)
    {
        ArgumentNullException.ThrowIfNull(set);
        long upper = 2 + 2 + 2;
        foreach (var sibling in set.Siblings)
        {
            var past = sibling.Version.Past;
            var entries = past.Vector.Length + past.Cloud.Length;
            upper += SiblingFixedBytes + VersionWire.BodyBytes(past) + sibling.ValueLength + ((1L + entries) * ActorBytesMax);
        }

        encodedBytes = upper <= Limits.ObjectBytesMax ? upper : EncodedLength(set, withValues: true);
        return encodedBytes <= Limits.ObjectBytesMax;
    }

    /// <summary>Writes <paramref name="set"/> to <paramref name="writer"/>.</summary>
    /// <exception cref="VersionLimitException">
    /// The set holds more than <see cref="Limits.SiblingsStoredMax"/> siblings, more than
    /// <see cref="Limits.SiblingSetActorsMax"/> actors, or a version whose past is over the context bounds, so no
    /// decoder would accept it. Nothing is written.
    /// </exception>
    public static void Encode(SiblingSet set, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(writer);
        var actors = ActorsOf(set);
        CheckBounds(set, actors.Length);
        var headerLength = 2 + VersionWire.ActorTableBytes(actors) + 2;
        var span = writer.GetSpan(headerLength);
        span[0] = VersionWire.FormatVersion;
        span[1] = 0;
        var at = 2 + VersionWire.WriteActorTable(span[2..], actors);
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)set.Count);
        writer.Advance(headerLength);
        foreach (var sibling in set.Siblings)
        {
            var past = sibling.Version.Past;
            var length = SiblingFixedBytes + VersionWire.BodyBytes(past);
            span = writer.GetSpan(length);
            at = VersionWire.WriteEntry(span, VersionWire.IndexOf(actors, sibling.Dot.Actor), sibling.Dot.Counter);
            span[at++] = (byte)((sibling.IsTombstone ? TombstoneFlag : 0) | (sibling.IsValueOmitted ? OmittedFlag : 0));
            at += VersionWire.WriteBody(span[at..], past, actors);
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], checked((uint)sibling.ValueLength));
            Invariant.Check(at + 4 == length);
            writer.Advance(length);
            VersionWire.WriteLarge(writer, sibling.Value.Span);
        }
    }

    /// <summary>
    /// Writes <paramref name="set"/> with every live value left out (its length kept): a replica's answer to a read of
    /// a key whose set is over <see cref="Limits.ObjectBytesMax"/>, so the coordinator still learns the key's versions.
    /// </summary>
    /// <exception cref="VersionLimitException">As <see cref="Encode"/>.</exception>
    public static void EncodeWithoutValues(SiblingSet set, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(set);
        Encode(SiblingSet.FromCanonical([.. set.Siblings.Select(s => s.WithoutValue())]), writer);
    }

    /// <summary>
    /// Decodes a sibling set, copying the values out of <paramref name="bytes"/>. Returns false with the reason in
    /// <paramref name="error"/> for anything that is not the canonical encoding of a set within bounds; never throws
    /// for any input.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out SiblingSet? set, [NotNullWhen(false)] out string? error) =>
        TryDecode(bytes, allowOmittedValues: false, out set, out error);

    /// <summary>
    /// As <see cref="TryDecode(ReadOnlySpan{byte}, out SiblingSet?, out string?)"/>; with
    /// <paramref name="allowOmittedValues"/> a sibling may carry the value-omitted flag (a replica's answer to a read
    /// of a set over the object bound). Only a coordinator reading replicas asks for it: such a set is never stored.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> bytes, bool allowOmittedValues, [NotNullWhen(true)] out SiblingSet? set, [NotNullWhen(false)] out string? error)
    {
        set = null;
        var reader = new WireReader(bytes);
        if (!VersionWire.TryReadHeader(ref reader, "sibling set", out error)
            || !VersionWire.TryReadActorTable(ref reader, Limits.SiblingSetActorsMax, out var actors, out error))
        {
            return false;
        }

        if (!reader.TryReadUInt16(out var count))
        {
            error = reader.Truncated("the sibling count");
            return false;
        }

        if (count > Limits.SiblingsStoredMax)
        {
            error = $"The set declares {count} siblings; the limit (SiblingsStoredMax) is {Limits.SiblingsStoredMax}.";
            return false;
        }

        if (count * (SiblingFixedBytes + VersionWire.BodyBytesMin) > reader.Remaining)
        {
            error = $"The set declares {count} siblings but only {reader.Remaining} bytes follow.";
            return false;
        }

        var used = actors.Length <= 256 ? stackalloc bool[actors.Length] : new bool[actors.Length];
        var siblings = count == 0 ? [] : new Sibling[count];
        for (var i = 0; i < count; i++)
        {
            if (!TryReadSibling(ref reader, actors, used, i, allowOmittedValues, out siblings[i]!, out error))
            {
                return false;
            }
        }

        if (!VersionWire.AllUsed(used, out error))
        {
            return false;
        }

        if (reader.Remaining != 0)
        {
            error = $"{reader.Remaining} bytes follow the end of the sibling set.";
            return false;
        }

        if (!SiblingSet.IsCanonical(siblings))
        {
            error = "The siblings are not canonical: they must be sorted by distinct dot and none may be covered by another.";
            return false;
        }

        set = SiblingSet.FromCanonical(siblings);
        return true;
    }

    /// <summary>Decodes a sibling set, throwing <see cref="VersionFormatException"/> with the reason when it is not valid.</summary>
    public static SiblingSet Decode(ReadOnlySpan<byte> bytes) =>
        TryDecode(bytes, out var set, out var error) ? set : throw new VersionFormatException(error);

    private static bool TryReadSibling(
        ref WireReader reader,
        Actor[] actors,
        scoped Span<bool> used,
        int position,
        bool allowOmittedValues,
        out Sibling? sibling,
        [NotNullWhen(false)] out string? error)
    {
        sibling = null;
        if (!VersionWire.TryReadEntry(ref reader, actors, used, out var index, out var counter, out error))
        {
            return false;
        }

        if (counter == 0)
        {
            error = $"Sibling {position} has dot counter 0; counters start at 1.";
            return false;
        }

        if (!reader.TryReadByte(out var flags))
        {
            error = reader.Truncated("the sibling flags");
            return false;
        }

        var allowed = allowOmittedValues ? TombstoneFlag | OmittedFlag : TombstoneFlag;
        if ((flags & ~allowed) != 0)
        {
            error = $"Sibling {position} has reserved flag bits set (0x{flags:X2}).";
            return false;
        }

        if (flags == (TombstoneFlag | OmittedFlag))
        {
            error = $"Sibling {position} is a tombstone with its value omitted; a tombstone has no value.";
            return false;
        }

        if (!VersionWire.TryReadBody(ref reader, actors, used, out var past, out error))
        {
            return false;
        }

        if (!reader.TryReadUInt32(out var valueLength))
        {
            error = reader.Truncated("the value length");
            return false;
        }

        var dot = new Dot(actors[index], counter);
        if ((flags & OmittedFlag) != 0)
        {
            sibling = Sibling.WithValueOmitted(new DottedVersion(dot, past), valueLength);
            return true;
        }

        if (valueLength > (uint)reader.Remaining)
        {
            error = $"Sibling {position} declares a value of {valueLength} bytes but only {reader.Remaining} bytes follow.";
            return false;
        }

        reader.TryReadBytes((int)valueLength, out var value);
        sibling = new Sibling(new DottedVersion(dot, past), value.ToArray(), (flags & TombstoneFlag) != 0);
        return true;
    }

    private static void CheckBounds(SiblingSet set, int actorCount)
    {
        if (set.Count > Limits.SiblingsStoredMax)
        {
            throw new VersionLimitException(
                new VersionLimitError(VersionBound.Siblings, Limits.SiblingsStoredMax, (ulong)set.Count));
        }

        if (actorCount > Limits.SiblingSetActorsMax)
        {
            throw new VersionLimitException(
                new VersionLimitError(VersionBound.VersionEntries, Limits.SiblingSetActorsMax, (ulong)actorCount));
        }

        foreach (var sibling in set.Siblings)
        {
            ContextCodec.CheckBounds(sibling.Version.Past);
        }
    }

    private static long EncodedLength(SiblingSet set, bool withValues)
    {
        ArgumentNullException.ThrowIfNull(set);
        var actors = ActorsOf(set);
        long length = 2 + VersionWire.ActorTableBytes(actors) + 2;
        foreach (var sibling in set.Siblings)
        {
            length += SiblingFixedBytes + VersionWire.BodyBytes(sibling.Version.Past) + (withValues ? sibling.ValueLength : sibling.Value.Length);
        }

        return length;
    }

    private static Actor[] ActorsOf(SiblingSet set)
    {
        var actors = new SortedSet<Actor>();
        foreach (var sibling in set.Siblings)
        {
            actors.Add(sibling.Dot.Actor);
            VersionWire.AddActors(sibling.Version.Past, actors);
        }

        return [.. actors];
    }
}
