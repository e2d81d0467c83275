using System.Buffers;
using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

/// <summary>
/// The object bound (<see cref="Limits.ObjectBytesMax"/>): the size check every write and merge goes through, and the
/// value-omitted form in which a replica answers a read of a set over it.
/// </summary>
public sealed class ObjectBoundTests
{
    private static readonly Gen<VersionWorld> s_worlds =
        Gen.Choose(0, int.MaxValue).Select(seed => VersionWorld.Run(seed, forged: seed % 2 == 0));

    [Test]
    public void The_bound_check_agrees_with_the_exact_encoded_length_of_ordinary_sets()
    {
        Prop.ForAll(s_worlds.ToArbitrary(), world =>
        {
            var set = world.AnyState();
            var fits = SiblingSetCodec.FitsObjectBound(set, out var bytes);
            return fits && bytes >= SiblingSetCodec.GetEncodedLength(set);
        }).Check(TestSeed.Property(500));
    }

    [Test]
    public void Near_the_bound_the_check_decides_by_the_exact_length()
    {
        var random = TestSeed.NewRandom();
        for (var round = 0; round < 40; round++)
        {
            // A few siblings with values that add up to within a few hundred bytes of the bound, either side.
            var count = random.Next(2, 5);
            var exactWithoutValues = SiblingSetCodec.GetEncodedLength(Concurrent(count, _ => 0));
            var target = Limits.ObjectBytesMax - exactWithoutValues + random.Next(-300, 300);
            var sizes = Split(target, count);
            var set = Concurrent(count, i => sizes[i]);
            var exact = SiblingSetCodec.GetEncodedLength(set);

            var fits = SiblingSetCodec.FitsObjectBound(set, out var bytes);

            Assert.That(fits, Is.EqualTo(exact <= Limits.ObjectBytesMax), $"exact length {exact}");
            Assert.That(bytes, fits ? Is.GreaterThanOrEqualTo(exact) : Is.EqualTo(exact), "over the bound the exact length is reported");
        }
    }

    [Test]
    public void Omitted_values_count_at_their_size_so_a_set_without_its_values_does_not_pass_for_small()
    {
        var set = Concurrent(4, _ => 5_000_000);
        var omitted = SiblingSet.FromCanonical([.. set.Siblings.Select(s => s.WithoutValue())]);

        Assert.That(SiblingSetCodec.FitsObjectBound(set, out var full), Is.False);
        Assert.That(SiblingSetCodec.FitsObjectBound(omitted, out var counted), Is.False);
        Assert.That(counted, Is.EqualTo(full));
        Assert.That(omitted.HasOmittedValues, Is.True);
        Assert.That(SiblingSetCodec.GetEncodedLength(omitted), Is.LessThan(1024), "the encoding itself carries no values");
    }

    [Test]
    public void A_set_encoded_without_values_keeps_versions_and_sizes_and_only_a_reader_that_asks_accepts_it()
    {
        var set = Concurrent(3, i => 1000 * (i + 1));
        var writer = new ArrayBufferWriter<byte>();
        SiblingSetCodec.EncodeWithoutValues(set, writer);
        var bytes = writer.WrittenSpan.ToArray();

        Assert.That(SiblingSetCodec.TryDecode(bytes, out _, out var refusal), Is.False, "storage and replica writes refuse it");
        Assert.That(refusal, Does.Contain("reserved flag bits"));
        Assert.That(SiblingSetCodec.TryDecode(bytes, allowOmittedValues: true, out var decoded, out var error), Is.True, error);
        Assert.That(decoded!.Siblings.Select(s => (s.Dot, s.IsValueOmitted, s.ValueLength, s.Value.Length)),
            Is.EqualTo(set.Siblings.Select(s => (s.Dot, true, s.ValueLength, 0))));
        Assert.That(decoded.Context, Is.EqualTo(set.Context));
        Assert.That(V.Encode(decoded), Is.EqualTo(bytes), "the omitted form is canonical too");
    }

    [Test]
    public void The_omitted_sibling_encoding_is_pinned()
    {
        var sibling = new Sibling(new DottedVersion(V.D("a", 1, epoch: 1), CausalContext.Empty), "hello"u8.ToArray(), false);
        var writer = new ArrayBufferWriter<byte>();
        SiblingSetCodec.EncodeWithoutValues(SiblingSet.FromSiblings([sibling]), writer);
        const string Expected =
            "0100" + "0100" + "016101000000" // version 1, flags 0, 1 actor: a#1
            + "0100" // 1 sibling
            + "0000" + "0100000000000000" + "02" + "0000" + "0000" + "05000000"; // a#1:1, value omitted, no past, 5 bytes

        Assert.That(Convert.ToHexString(writer.WrittenSpan), Is.EqualTo(Expected));
    }

    [Test]
    public void A_tombstone_marked_as_omitted_is_refused()
    {
        const string Hex = "0100" + "0100" + "016101000000" + "0100" + "0000" + "0100000000000000" + "03" + "0000" + "0000" + "00000000";

        Assert.That(SiblingSetCodec.TryDecode(Convert.FromHexString(Hex), allowOmittedValues: true, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("tombstone"));
    }

    [Test]
    public void A_merge_keeps_the_copy_with_its_value_over_the_copy_without_in_either_order()
    {
        var set = Concurrent(3, i => 10 + i);
        var omitted = SiblingSet.FromCanonical([.. set.Siblings.Select(s => s.WithoutValue())]);
        var half = SiblingSet.FromCanonical([set.Siblings[0], omitted.Siblings[1], omitted.Siblings[2]]);

        Assert.That(set.Merge(omitted), Is.EqualTo(set));
        Assert.That(omitted.Merge(set), Is.EqualTo(set));
        Assert.That(half.Merge(set).HasOmittedValues, Is.False);
        Assert.That(omitted.Merge(half), Is.EqualTo(half));
        Assert.That(half.Merge(omitted), Is.EqualTo(half));
    }

    /// <summary>Concurrent writes by <paramref name="count"/> actors: that many siblings, values of the given sizes.</summary>
    private static SiblingSet Concurrent(int count, Func<int, int> size)
    {
        var set = SiblingSet.Empty;
        for (var i = 0; i < count; i++)
        {
            set = set.Put(V.A("n" + i), CausalContext.Empty, new byte[size(i)], isTombstone: false);
        }

        return set;
    }

    private static int[] Split(long total, int parts)
    {
        var sizes = new int[parts];
        for (var i = 0; i < parts; i++)
        {
            sizes[i] = (int)(total / parts) + (i < total % parts ? 1 : 0);
        }

        return sizes;
    }
}
