using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Dynamo.Engine.Versions;

/// <summary>
/// The pieces both version codecs share: the actor table and the context body. Layouts are drawn in
/// docs/VERSIONS.md; every integer is little-endian.
/// <code>
/// actor:         [u8 node length L, 1..64][L bytes node id, ASCII][u32 epoch]
/// context body:  [u16 V][V × (u16 actor index, u64 max)][u16 C][C × (u16 actor index, u64 counter)]
/// </code>
/// </summary>
internal static class VersionWire
{
    /// <summary>The only format version either codec writes or reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Bytes of the smallest actor: a one-byte node id and the epoch.</summary>
    public const int ActorBytesMin = 1 + 1 + 4;

    /// <summary>Bytes of one vector entry or one cloud dot.</summary>
    public const int EntryBytes = 2 + 8;

    /// <summary>Bytes of an empty context body.</summary>
    public const int BodyBytesMin = 2 + 2;

    public static void AddActors(CausalContext context, SortedSet<Actor> actors)
    {
        foreach (var entry in context.Vector)
        {
            actors.Add(entry.Actor);
        }

        foreach (var dot in context.Cloud)
        {
            actors.Add(dot.Actor);
        }
    }

    public static int ActorTableBytes(Actor[] actors)
    {
        var bytes = 2;
        foreach (var actor in actors)
        {
            bytes += 1 + actor.Node.Value.Length + 4;
        }

        return bytes;
    }

    public static int BodyBytes(CausalContext context) =>
        BodyBytesMin + ((context.Vector.Length + context.Cloud.Length) * EntryBytes);

    public static int WriteActorTable(Span<byte> span, Actor[] actors)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)actors.Length));
        var at = 2;
        foreach (var actor in actors)
        {
            var node = actor.Node.Value;
            span[at++] = (byte)node.Length;
            at += Encoding.ASCII.GetBytes(node, span[at..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], actor.Epoch);
            at += 4;
        }

        return at;
    }

    public static int WriteBody(Span<byte> span, CausalContext context, Actor[] actors)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)context.Vector.Length));
        var at = 2;
        foreach (var entry in context.Vector)
        {
            at += WriteEntry(span[at..], IndexOf(actors, entry.Actor), entry.Max);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], checked((ushort)context.Cloud.Length));
        at += 2;
        foreach (var dot in context.Cloud)
        {
            at += WriteEntry(span[at..], IndexOf(actors, dot.Actor), dot.Counter);
        }

        return at;
    }

    public static int WriteEntry(Span<byte> span, int actorIndex, ulong value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)actorIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(span[2..], value);
        return EntryBytes;
    }

    public static int IndexOf(Actor[] actors, Actor actor)
    {
        var index = Array.BinarySearch(actors, actor);
        Invariant.Check(index >= 0);
        return index;
    }

    /// <summary>Writes <paramref name="bytes"/> in pieces the writer can hand out.</summary>
    public static void WriteLarge(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes) => writer.Write(bytes);

    /// <summary>Reads the format version and the reserved flags byte, which must be zero.</summary>
    public static bool TryReadHeader(ref WireReader reader, string what, [NotNullWhen(false)] out string? error)
    {
        if (!reader.TryReadByte(out var version) || !reader.TryReadByte(out var flags))
        {
            error = $"A {what} needs at least 2 bytes of header; it has {reader.Length}.";
            return false;
        }

        if (version != FormatVersion)
        {
            error = $"Unknown {what} format version {version}; this node reads version {FormatVersion}.";
            return false;
        }

        if (flags != 0)
        {
            error = $"Reserved {what} flags must be zero; found 0x{flags:X2}.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Reads a strictly sorted actor table of at most <paramref name="max"/> actors.</summary>
    public static bool TryReadActorTable(
        ref WireReader reader, int max, [NotNullWhen(true)] out Actor[]? actors, [NotNullWhen(false)] out string? error)
    {
        actors = null;
        if (!reader.TryReadUInt16(out var count))
        {
            error = reader.Truncated("the actor count");
            return false;
        }

        if (count > max)
        {
            error = $"The actor table declares {count} actors; the limit is {max}.";
            return false;
        }

        if (count * ActorBytesMin > reader.Remaining)
        {
            error = $"The actor table declares {count} actors but only {reader.Remaining} bytes follow.";
            return false;
        }

        var table = new Actor[count];
        for (var i = 0; i < count; i++)
        {
            if (!TryReadActor(ref reader, out table[i], out error))
            {
                return false;
            }

            if (i > 0 && table[i - 1] >= table[i])
            {
                error = $"Actor {i} ({table[i]}) does not order after actor {i - 1} ({table[i - 1]}); the table must be sorted and distinct.";
                return false;
            }
        }

        actors = table;
        error = null;
        return true;
    }

    /// <summary>
    /// Reads a context body referring to <paramref name="actors"/>, checks its canonical form and its bounds, and
    /// marks the actors it uses in <paramref name="used"/>.
    /// </summary>
    public static bool TryReadBody(
        ref WireReader reader,
        Actor[] actors,
        scoped Span<bool> used,
        [NotNullWhen(true)] out CausalContext? context,
        [NotNullWhen(false)] out string? error)
    {
        context = null;
        if (!TryReadCount(ref reader, "vector entries", Limits.VersionEntriesMax, out var vectorCount, out error))
        {
            return false;
        }

        var vector = vectorCount == 0 ? [] : new VectorEntry[vectorCount];
        for (var i = 0; i < vectorCount; i++)
        {
            if (!TryReadEntry(ref reader, actors, used, out var index, out var max, out error))
            {
                return false;
            }

            if (max == 0 || (i > 0 && actors[index] <= vector[i - 1].Actor))
            {
                error = $"Vector entry {i} is not canonical: entries are sorted by distinct actor and have a maximum of at least 1.";
                return false;
            }

            vector[i] = new VectorEntry(actors[index], max);
        }

        if (!TryReadCount(ref reader, "cloud dots", Limits.VersionCloudDotsMax, out var cloudCount, out error))
        {
            return false;
        }

        var cloud = cloudCount == 0 ? [] : new Dot[cloudCount];
        for (var i = 0; i < cloudCount; i++)
        {
            if (!TryReadEntry(ref reader, actors, used, out var index, out var counter, out error))
            {
                return false;
            }

            if (counter == 0)
            {
                error = $"Cloud dot {i} has counter 0; counters start at 1.";
                return false;
            }

            cloud[i] = new Dot(actors[index], counter);
            if ((i > 0 && cloud[i - 1] >= cloud[i]) || counter <= VectorMax(vector, actors[index]) + 1)
            {
                error = $"Cloud dot {i} ({cloud[i]}) is not canonical: dots are sorted, distinct and not contiguous with the vector.";
                return false;
            }
        }

        context = CausalContext.FromCanonical(vector, cloud);
        if (context.ActorCount > Limits.VersionEntriesMax)
        {
            error = $"The context names {context.ActorCount} actors; the limit (VersionEntriesMax) is {Limits.VersionEntriesMax}.";
            context = null;
            return false;
        }

        return true;
    }

    public static bool TryReadEntry(
        ref WireReader reader, Actor[] actors, scoped Span<bool> used, out int index, out ulong value, [NotNullWhen(false)] out string? error)
    {
        index = 0;
        value = 0;
        if (!reader.TryReadUInt16(out var rawIndex) || !reader.TryReadUInt64(out value))
        {
            error = reader.Truncated("an entry");
            return false;
        }

        if (rawIndex >= actors.Length)
        {
            error = $"Actor index {rawIndex} at byte {reader.Position - EntryBytes} is outside the table of {actors.Length} actors.";
            return false;
        }

        index = rawIndex;
        used[index] = true;
        error = null;
        return true;
    }

    public static bool AllUsed(ReadOnlySpan<bool> used, [NotNullWhen(false)] out string? error)
    {
        var unused = used.IndexOf(false);
        error = unused < 0 ? null : $"Actor {unused} of the table is never referenced; the table holds only actors in use.";
        return unused < 0;
    }

    private static bool TryReadCount(
        ref WireReader reader, string what, int max, out int count, [NotNullWhen(false)] out string? error)
    {
        count = 0;
        if (!reader.TryReadUInt16(out var raw))
        {
            error = reader.Truncated($"the count of {what}");
            return false;
        }

        if (raw > max)
        {
            error = $"A context declares {raw} {what}; the limit is {max}.";
            return false;
        }

        if (raw * EntryBytes > reader.Remaining)
        {
            error = $"A context declares {raw} {what} but only {reader.Remaining} bytes follow.";
            return false;
        }

        count = raw;
        error = null;
        return true;
    }

    private static bool TryReadActor(ref WireReader reader, out Actor actor, [NotNullWhen(false)] out string? error)
    {
        actor = default;
        if (!reader.TryReadByte(out var length))
        {
            error = reader.Truncated("an actor");
            return false;
        }

        if (length is 0 or > Limits.NodeIdBytesMax)
        {
            error = $"A node id of {length} bytes at byte {reader.Position - 1}; node ids have 1 to {Limits.NodeIdBytesMax}.";
            return false;
        }

        if (!reader.TryReadBytes(length, out var name) || !reader.TryReadUInt32(out var epoch))
        {
            error = reader.Truncated("an actor");
            return false;
        }

        if (!Ascii.IsValid(name))
        {
            error = $"The node id at byte {reader.Position - length - 4} is not ASCII.";
            return false;
        }

        if (!NodeId.TryParse(Encoding.ASCII.GetString(name), out var node, out var reason))
        {
            error = $"Invalid node id in the actor table: {reason}";
            return false;
        }

        actor = new Actor(node, epoch);
        error = null;
        return true;
    }

    private static ulong VectorMax(VectorEntry[] vector, Actor actor)
    {
        foreach (var entry in vector)
        {
            if (entry.Actor == actor)
            {
                return entry.Max;
            }
        }

        return 0;
    }
}

/// <summary>A little-endian reader over a span that reports truncation instead of throwing.</summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _bytes;

    public WireReader(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public int Position { get; private set; }

    public readonly int Length => _bytes.Length;

    public readonly int Remaining => _bytes.Length - Position;

    public bool TryReadByte(out byte value)
    {
        value = 0;
        if (Remaining < 1)
        {
            return false;
        }

        value = _bytes[Position++];
        return true;
    }

    public bool TryReadUInt16(out ushort value) =>
        Advance(BinaryPrimitives.TryReadUInt16LittleEndian(_bytes[Position..], out value), sizeof(ushort));

    public bool TryReadUInt32(out uint value) =>
        Advance(BinaryPrimitives.TryReadUInt32LittleEndian(_bytes[Position..], out value), sizeof(uint));

    public bool TryReadUInt64(out ulong value) =>
        Advance(BinaryPrimitives.TryReadUInt64LittleEndian(_bytes[Position..], out value), sizeof(ulong));

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (count < 0 || Remaining < count)
        {
            return false;
        }

        bytes = _bytes.Slice(Position, count);
        Position += count;
        return true;
    }

    public readonly string Truncated(string what) => $"The bytes end inside {what} (at byte {Position} of {Length}).";

    /// <summary>Moves past a value of <paramref name="size"/> bytes when it was <paramref name="read"/>; returns <paramref name="read"/>.</summary>
    private bool Advance(bool read, int size)
    {
        if (read)
        {
            Position += size;
        }

        return read;
    }
}
