using NUnit.Framework;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>The ring section of gossip (docs/PROTOCOL.md § Gossip): every rule is checked both when built and when read.</summary>
public sealed class GossipRingTests
{
    private static readonly GossipMember[] s_members = [new("a", "h:1", 1, GossipStatus.Up, 5)];

    // One member "a" up, then the ring section under test (and, where the ring is good, the bucket list).
    private static readonly byte[] s_head = [0x01, 0x01, (byte)'a', 0x03, (byte)'h', (byte)':', (byte)'1', 1, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0];

    private static readonly byte[] s_version = [7, 0, 0, 0, 0, 0, 0, 0];

    public static IEnumerable<TestCaseData> BadRings()
    {
        yield return new TestCaseData(new byte[] { 2 }, ErrorCode.BadRequest).SetName("a presence byte other than 0 or 1");
        yield return new TestCaseData(Ring(3, ["a"], [0, 0, 0]), ErrorCode.BadRequest).SetName("a partition count that is not a power of two");
        yield return new TestCaseData(Ring(2, [], []), ErrorCode.BadRequest).SetName("a ring of no member");
        yield return new TestCaseData(Ring(2, ["a", "a"], [0, 1]), ErrorCode.BadRequest).SetName("a member listed twice");
        yield return new TestCaseData(Ring(2, ["a", "b"], [0, 2]), ErrorCode.BadRequest).SetName("an owner that is not a member's index");
        yield return new TestCaseData(Ring(2, ["a", "b"], [0, 0]), ErrorCode.BadRequest).SetName("a member that owns no partition");
        yield return new TestCaseData(Ring(4, ["a", "b"], [0, 1, 0]), ErrorCode.BadRequest).SetName("an owners table shorter than Q");
        yield return new TestCaseData(Ring(2, ["a", "b", "c"], [0, 1]), ErrorCode.TooLarge).SetName("more members than partitions");
        yield return new TestCaseData((byte[])[.. Ring(2, ["a", "b"], [0, 1]), 0, 0], ErrorCode.BadRequest).SetName("bytes after the ring and the bucket list");
    }

    [TestCaseSource(nameof(BadRings))]
    public void A_gossip_whose_ring_breaks_a_rule_is_refused(byte[] ring, ErrorCode code)
    {
        byte[] payload = [.. s_head, .. ring];
        var request = Assert.Throws<ProtocolException>(() => GossipRequest.Read(payload))!;
        var reply = Assert.Throws<ProtocolException>(() => GossipReply.Read(payload))!;
        Assert.That((request.Code, reply.Code), Is.EqualTo((code, code)));
    }

    [Test]
    public void Building_a_ring_that_breaks_a_rule_throws_as_reading_it_would()
    {
        Assert.Throws<ProtocolException>(() => _ = new GossipRing(1, ["a"u8.ToArray(), "a"u8.ToArray()], [0, 1]));
        Assert.Throws<ProtocolException>(() => _ = new GossipRing(1, ["a"u8.ToArray(), "b"u8.ToArray()], [0, 0]));
        Assert.Throws<ProtocolException>(() => _ = new GossipRing(1, ["a"u8.ToArray()], [0, 0, 0]));
        Assert.Throws<ProtocolException>(() => _ = new GossipRing(1, [], [0]));
    }

    [Test]
    public void A_ring_section_alone_round_trips_and_refuses_a_missing_ring_or_trailing_bytes()
    {
        var ring = new GossipRing(9, ["a"u8.ToArray(), "b"u8.ToArray()], [1, 0, 1, 0]);
        var section = new byte[ring.SectionLength];
        ring.WriteSection(section);
        var read = GossipRing.ReadSection(section);
        Assert.That((read.Version, read.PartitionCount, read.Members.Count, read.GetOwner(0), read.GetOwner(1)), Is.EqualTo((9UL, 4, 2, 1, 0)));
        Assert.That(GossipRing.ReadSection([0]).IsPresent, Is.False);
        Assert.Throws<ProtocolException>(() => GossipRing.ReadSection([.. section, 0]));
        Assert.Throws<ProtocolException>(() => GossipRing.ReadSection(section.AsSpan(0, section.Length - 1)));
    }

    private static byte[] Ring(uint partitions, string[] members, ushort[] owners)
    {
        var bytes = new List<byte> { 1 };
        bytes.AddRange(s_version);
        bytes.AddRange(BitConverter.GetBytes(partitions));
        bytes.Add((byte)members.Length);
        foreach (var member in members)
        {
            bytes.Add((byte)member.Length);
            bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(member));
        }

        foreach (var owner in owners)
        {
            bytes.AddRange(BitConverter.GetBytes(owner));
        }

        return [.. bytes];
    }
}
