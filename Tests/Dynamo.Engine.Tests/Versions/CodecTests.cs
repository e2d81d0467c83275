using Dynamo.Engine.Versions;
using Dynamo.Tests.Shared;
using FsCheck;
using FsCheck.Fluent;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Versions;

public sealed class CodecTests
{
    private static readonly Gen<VersionWorld> s_worlds =
        Gen.Choose(0, int.MaxValue).Select(seed => VersionWorld.Run(seed, forged: seed % 2 == 0));

    [Test]
    public void A_context_round_trips_through_its_encoding()
    {
        Prop.ForAll(s_worlds.ToArbitrary(), world =>
        {
            var context = world.AnyContext();
            var bytes = V.Encode(context);
            return ContextCodec.TryDecode(bytes, out var decoded, out _)
                && decoded.Equals(context)
                && bytes.Length == ContextCodec.GetEncodedLength(context)
                && V.Encode(decoded).AsSpan().SequenceEqual(bytes);
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void A_sibling_set_round_trips_through_its_encoding()
    {
        Prop.ForAll(s_worlds.ToArbitrary(), world =>
        {
            var set = world.AnyState();
            var bytes = V.Encode(set);
            return SiblingSetCodec.TryDecode(bytes, out var decoded, out _)
                && decoded.Equals(set)
                && decoded.Context.Equals(set.Context)
                && bytes.Length == SiblingSetCodec.GetEncodedLength(set)
                && V.Encode(decoded).AsSpan().SequenceEqual(bytes);
        }).Check(TestSeed.Property(1000));
    }

    [Test]
    public void The_context_encoding_is_pinned()
    {
        var context = V.Ctx(V.D("a", 1, epoch: 1), V.D("a", 2, epoch: 1), V.D("a", 3, epoch: 1), V.D("b", 2));
        const string Expected =
            "0100" + "0200" // version 1, flags 0, 2 actors
            + "016101000000" + "016200000000" // a#1, b#0
            + "0100" + "00000300000000000000" // vector: a#1 up to 3
            + "0100" + "01000200000000000000"; // cloud: b#0:2
        Assert.That(Convert.ToHexString(V.Encode(context)), Is.EqualTo(Expected.ToUpperInvariant()));
        Assert.That(ContextCodec.Decode(Convert.FromHexString(Expected)), Is.EqualTo(context));
    }

    [Test]
    public void The_sibling_set_encoding_is_pinned()
    {
        var first = new Sibling(new DottedVersion(V.D("a", 1, epoch: 1), CausalContext.Empty), "hi"u8.ToArray(), false);
        var past = V.Ctx(V.D("c", 1), V.D("c", 3));
        var second = new Sibling(new DottedVersion(V.D("b", 2), past), ReadOnlyMemory<byte>.Empty, isTombstone: true);
        var set = SiblingSet.FromSiblings([second, first]);
        const string Expected =
            "0100" + "0300" // version 1, flags 0, 3 actors
            + "016101000000" + "016200000000" + "016300000000" // a#1, b#0, c#0
            + "0200" // 2 siblings
            + "0000" + "0100000000000000" + "00" + "0000" + "0000" + "02000000" + "6869" // a#1:1, no past, "hi"
            + "0100" + "0200000000000000" + "01" // b#0:2, tombstone
            + "0100" + "0200" + "0100000000000000" + "0100" + "0200" + "0300000000000000" // past {c#0:1} + [c#0:3]
            + "00000000"; // empty value
        Assert.That(Convert.ToHexString(V.Encode(set)), Is.EqualTo(Expected.ToUpperInvariant()));
        Assert.That(SiblingSetCodec.Decode(Convert.FromHexString(Expected)), Is.EqualTo(set));
    }

    [Test]
    public void Every_proper_prefix_of_an_encoding_is_refused()
    {
        var random = TestSeed.NewRandom();
        for (var round = 0; round < 200; round++)
        {
            var world = VersionWorld.Run(random.Next(), forged: true);
            var context = V.Encode(world.AnyContext());
            var set = V.Encode(world.AnyState());
            for (var length = 0; length < context.Length; length++)
            {
                Assert.That(ContextCodec.TryDecode(context.AsSpan(0, length), out _, out var error), Is.False);
                Assert.That(error, Is.Not.Empty);
            }

            for (var length = 0; length < set.Length; length++)
            {
                Assert.That(SiblingSetCodec.TryDecode(set.AsSpan(0, length), out _, out var error), Is.False);
                Assert.That(error, Is.Not.Empty);
            }
        }
    }

    [Test]
    public void Flipped_bits_are_refused_or_decode_to_a_value_with_exactly_those_bytes()
    {
        var random = TestSeed.NewRandom();
        var accepted = 0;
        for (var round = 0; round < 3000; round++)
        {
            var world = VersionWorld.Run(random.Next(), forged: true, steps: 15);
            var isContext = round % 2 == 0;
            var bytes = isContext ? V.Encode(world.AnyContext()) : V.Encode(world.AnyState());
            var flips = random.Next(1, 4);
            for (var i = 0; i < flips; i++)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (isContext && ContextCodec.TryDecode(bytes, out var context, out _))
            {
                accepted++;
                Assert.That(V.Encode(context), Is.EqualTo(bytes), "a decoded context must be the canonical encoding");
            }
            else if (!isContext && SiblingSetCodec.TryDecode(bytes, out var set, out _))
            {
                accepted++;
                Assert.That(V.Encode(set), Is.EqualTo(bytes), "a decoded set must be the canonical encoding");
            }
        }

        Assert.That(accepted, Is.GreaterThan(0), "no flip landed in a value or counter, so acceptance went untested");
    }

    [Test]
    public void Random_bytes_never_make_a_decoder_throw()
    {
        var random = TestSeed.NewRandom();
        for (var round = 0; round < 20000; round++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 1 && random.Next(4) > 0)
            {
                // Mostly a valid header, so the decoders get past the first check.
                bytes[0] = 1;
                bytes[1] = 0;
            }

            Assert.DoesNotThrow(() => ContextCodec.TryDecode(bytes, out _, out _));
            Assert.DoesNotThrow(() => SiblingSetCodec.TryDecode(bytes, out _, out _));
            try
            {
                ContextCodec.Decode(bytes);
                SiblingSetCodec.Decode(bytes);
            }
            catch (VersionFormatException)
            {
                // The one exception Decode may throw.
            }
        }
    }

    [TestCase("0200000000000000", "format version 2")]
    [TestCase("0101000000000000", "flags")]
    [TestCase("0100ffff", "65535 actors")]
    [TestCase("01000100" + "00" + "0000000000", "node id of 0 bytes")]
    [TestCase("01000100016100000000" + "0100" + "00000000000000000000" + "0000", "not canonical")]
    [TestCase("01000100016100000000" + "0100" + "05000100000000000000" + "0000", "outside the table")]
    [TestCase("01000100016100000000" + "0000" + "0000", "never referenced")]
    [TestCase("01000000" + "0000" + "0000" + "00", "1 bytes follow")]
    [TestCase("0100010001" + "20" + "00000000" + "0100" + "00000100000000000000" + "0000", "Invalid node id")]
    public void A_malformed_context_is_refused_with_a_reason(string hex, string reason)
    {
        Assert.That(ContextCodec.TryDecode(Convert.FromHexString(hex), out _, out var error), Is.False);
        Assert.That(error, Does.Contain(reason));
        var ex = Assert.Throws<VersionFormatException>(() => ContextCodec.Decode(Convert.FromHexString(hex)));
        Assert.That(ex!.Message, Is.EqualTo(error));
    }

    [Test]
    public void A_sibling_set_declaring_more_siblings_than_the_bytes_hold_is_refused_before_allocating()
    {
        var hex = "01000000" + "4006"; // 1600 siblings declared, nothing follows
        Assert.That(SiblingSetCodec.TryDecode(Convert.FromHexString(hex), out _, out var error), Is.False);
        Assert.That(error, Does.Contain("1600 siblings"));
        Assert.That(SiblingSetCodec.TryDecode(Convert.FromHexString("01000000" + "4106"), out _, out error), Is.False);
        Assert.That(error, Does.Contain("SiblingsStoredMax"));
    }

    [Test]
    public void A_sibling_set_whose_siblings_cover_each_other_is_refused()
    {
        var first = new Sibling(new DottedVersion(V.D("a", 1), CausalContext.Empty), new byte[] { 1 }, false);
        var second = new Sibling(new DottedVersion(V.D("a", 2), first.Version.History()), new byte[] { 2 }, false);
        var bytes = V.Encode(SiblingSet.FromSiblings([first]));
        var both = V.Encode(SiblingSet.FromSiblings([second]));
        Assert.That(bytes, Is.Not.EqualTo(both));

        // Splice the two siblings into one set by hand: header, one actor, count 2, then both bodies.
        var header = bytes.AsSpan(0, 2 + 2 + 6).ToArray();
        var bodyFirst = bytes.AsSpan(header.Length + 2).ToArray();
        var bodySecond = both.AsSpan(header.Length + 2).ToArray();
        var spliced = header.Concat(new byte[] { 2, 0 }).Concat(bodyFirst).Concat(bodySecond).ToArray();
        Assert.That(SiblingSetCodec.TryDecode(spliced, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("covered"));
    }
}
