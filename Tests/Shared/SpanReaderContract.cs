using NUnit.Framework;

namespace Dynamo.Tests.Shared;

/// <summary>What one read of a <see cref="SpanReaderContract"/> vector asks for.</summary>
public enum ReadKind
{
    /// <summary>One byte.</summary>
    U8,

    /// <summary>A little-endian 16-bit integer.</summary>
    U16,

    /// <summary>A little-endian 32-bit integer.</summary>
    U32,

    /// <summary>A little-endian 64-bit integer.</summary>
    U64,

    /// <summary>A slice of <see cref="ReadStep.Count"/> bytes.</summary>
    Bytes,
}

/// <summary>One read of a vector.</summary>
/// <param name="Kind">What to read.</param>
/// <param name="Count">For <see cref="ReadKind.Bytes"/>: how many bytes.</param>
public readonly record struct ReadStep(ReadKind Kind, int Count = 0);

/// <summary>What one read gave.</summary>
/// <param name="Truncated">The input ended inside the field.</param>
/// <param name="Value">The integer read, or 0.</param>
/// <param name="Bytes">The slice read, as lower-case hex, or empty.</param>
/// <param name="Position">The reader's position after the read (unchanged when truncated).</param>
public readonly record struct ReadOutcome(bool Truncated, ulong Value, string Bytes, int Position);

/// <summary>
/// One set of vectors for the two little-endian span readers that Engine and Protocol each keep because they may not
/// reference each other: <c>Dynamo.Engine.Versions.WireReader</c> (reports truncation) and
/// <c>Dynamo.Protocol.MessageReader</c> (throws it). Each test project derives a fixture that runs the reads with its
/// reader, stopping at the first truncated one; both must give exactly these outcomes: integers of every width read
/// little-endian, slices taken in place, and truncation at every width reported without consuming anything.
/// </summary>
public abstract class SpanReaderContract
{
    /// <summary>Runs <paramref name="steps"/> in order over <paramref name="input"/>; stops after a truncated one.</summary>
    protected abstract IReadOnlyList<ReadOutcome> Run(byte[] input, IReadOnlyList<ReadStep> steps);

    /// <summary>Inputs, reads and their outcomes.</summary>
    public static IEnumerable<TestCaseData> Vectors()
    {
        yield return Vector(
            "every width, little-endian",
            "01" + "0203" + "04050607" + "08090a0b0c0d0e0f",
            (new(ReadKind.U8), Value(0x01, 1)),
            (new(ReadKind.U16), Value(0x0302, 3)),
            (new(ReadKind.U32), Value(0x07060504, 7)),
            (new(ReadKind.U64), Value(0x0F0E0D0C0B0A0908, 15)));
        yield return Vector(
            "every width at its maximum",
            new string('f', 30),
            (new(ReadKind.U64), Value(ulong.MaxValue, 8)),
            (new(ReadKind.U32), Value(uint.MaxValue, 12)),
            (new(ReadKind.U16), Value(ushort.MaxValue, 14)),
            (new(ReadKind.U8), Value(byte.MaxValue, 15)));
        yield return Vector(
            "the high bit of each width is not a sign",
            "80" + "0080" + "00000080" + "0000000000000080",
            (new(ReadKind.U8), Value(0x80, 1)),
            (new(ReadKind.U16), Value(0x8000, 3)),
            (new(ReadKind.U32), Value(0x80000000, 7)),
            (new(ReadKind.U64), Value(0x8000000000000000, 15)));
        yield return Vector(
            "slices of every size up to the end, then truncation",
            "616263646566",
            (new(ReadKind.Bytes, 2), Slice("6162", 2)),
            (new(ReadKind.Bytes, 0), Slice(string.Empty, 2)),
            (new(ReadKind.Bytes, 4), Slice("63646566", 6)),
            (new(ReadKind.Bytes, 0), Slice(string.Empty, 6)),
            (new(ReadKind.U8), Truncated(6)));
        yield return Vector("no bytes: a byte is truncated", string.Empty, (new(ReadKind.U8), Truncated(0)));
        yield return Vector("one byte short of a u16", "01", (new(ReadKind.U16), Truncated(0)));
        yield return Vector("one byte short of a u32", "010203", (new(ReadKind.U32), Truncated(0)));
        yield return Vector("one byte short of a u64", "01020304050607", (new(ReadKind.U64), Truncated(0)));
        yield return Vector("a slice one byte longer than the input", "010203", (new(ReadKind.Bytes, 4), Truncated(0)));
        yield return Vector(
            "truncation after reads keeps the position of the last whole field",
            "2a" + "0100" + "78797a",
            (new(ReadKind.U8), Value(0x2A, 1)),
            (new(ReadKind.U16), Value(0x0001, 3)),
            (new(ReadKind.U32), Truncated(3)));
        yield return Vector(
            "a slice then integers after it",
            "ff" + "0102" + "0300",
            (new(ReadKind.Bytes, 1), Slice("ff", 1)),
            (new(ReadKind.Bytes, 2), Slice("0102", 3)),
            (new(ReadKind.U16), Value(0x0003, 5)),
            (new(ReadKind.U8), Truncated(5)));
    }

    [TestCaseSource(nameof(Vectors))]
    public void Reads_give_the_vector_outcomes(byte[] input, ReadStep[] steps, ReadOutcome[] expected)
    {
        Assert.That(Run(input, steps), Is.EqualTo(expected));
    }

    private static ReadOutcome Value(ulong value, int position) => new(false, value, string.Empty, position);

    private static ReadOutcome Slice(string hex, int position) => new(false, 0, hex, position);

    private static ReadOutcome Truncated(int position) => new(true, 0, string.Empty, position);

    private static TestCaseData Vector(string name, string inputHex, params (ReadStep Step, ReadOutcome Outcome)[] reads) =>
        new TestCaseData(
            Convert.FromHexString(inputHex),
            reads.Select(r => r.Step).ToArray(),
            reads.Select(r => r.Outcome).ToArray()).SetName($"{{m}}: {name}");
}
