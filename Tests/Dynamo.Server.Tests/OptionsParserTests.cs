using Dynamo.Engine;
using Dynamo.Server.Addresses;
using Dynamo.Server.Options;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

public sealed class OptionsParserTests
{
    private const string Peers = "n1@127.0.0.1:7101,n2@127.0.0.1:7102,n3@[::1]:7103";

    [Test]
    public void A_full_command_line_gives_every_setting()
    {
        var ok = OptionsParser.TryParse(
            [
                "--node", "n2", "--listen", "0.0.0.0:7102", "--peers", Peers, "--data", "/tmp/d2", "--partitions", "64",
                "--n", "3", "--r", "1", "--w", "3", "--timeout-ms", "900", "--bucket", "carts:n=2,r=1,w=2",
                "--bucket=logs:timeout-ms=100", "--log-level", "debug", "--parent-pid", "42",
            ],
            out var options,
            out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(options!.Node, Is.EqualTo(NodeId.Parse("n2")));
        Assert.That(options.Listen, Is.EqualTo(new HostPort("0.0.0.0", 7102)));
        Assert.That(options.Members.Select(m => m.Endpoint.ToString()), Is.EqualTo(new[] { "127.0.0.1:7101", "127.0.0.1:7102", "[::1]:7103" }));
        Assert.That(options.DataDirectory, Is.EqualTo("/tmp/d2"));
        Assert.That(options.Partitions, Is.EqualTo(64));
        Assert.That((options.Defaults.N, options.Defaults.R, options.Defaults.W, options.Defaults.TimeoutMs), Is.EqualTo((3, 1, 3, 900)));
        Assert.That((options.Buckets["carts"].N, options.Buckets["carts"].R, options.Buckets["carts"].W), Is.EqualTo((2, 1, 2)));
        Assert.That(options.Buckets["carts"].TimeoutMs, Is.EqualTo(900), "fields left out take the defaults");
        Assert.That((options.Buckets["logs"].N, options.Buckets["logs"].TimeoutMs), Is.EqualTo((3, 100)));
        Assert.That(options.LogLevel, Is.EqualTo(LogLevel.Debug));
        Assert.That(options.ParentProcessId, Is.EqualTo(42));
    }

    [Test]
    public void Without_listen_the_node_listens_on_its_own_member_endpoint_with_the_paper_defaults()
    {
        Assert.That(OptionsParser.TryParse(["--node", "n3", "--peers", Peers], out var options, out var error), Is.True, error);
        Assert.That(options!.Listen, Is.EqualTo(new HostPort("[::1]", 7103)));
        Assert.That(options.Listen.BareHost, Is.EqualTo("::1"));
        Assert.That((options.Defaults.N, options.Defaults.R, options.Defaults.W), Is.EqualTo((3, 2, 2)));
        Assert.That(options.Partitions, Is.EqualTo(Limits.PartitionsDefault));
        Assert.That(options.DataDirectory, Is.Null);
    }

    [Test]
    public void The_storage_options_are_parsed_and_default_to_an_fsynced_log_store_with_a_data_directory()
    {
        var ok = OptionsParser.TryParse(
            [
                "--node", "n1", "--peers", "n1@h:1", "--data", "/tmp/d", "--durability", "interval", "--sync-interval-ms", "25",
                "--segment-mb", "8", "--compaction-garbage-ratio", "0.25", "--compaction-mb-per-s", "0", "--store", "memory",
            ],
            out var options,
            out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(options!.Durability, Is.EqualTo(DurabilityMode.Interval));
        Assert.That(options.SyncIntervalMs, Is.EqualTo(25));
        Assert.That(options.SegmentBytes, Is.EqualTo(8L * 1024 * 1024));
        Assert.That(options.CompactionGarbageRatio, Is.EqualTo(0.25));
        Assert.That(options.CompactionBytesPerSecond, Is.Zero, "0 turns compaction off");
        Assert.That(options.EffectiveStore, Is.EqualTo(StoreKind.Memory));

        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", "n1@h:1", "--data", "/tmp/d"], out var defaults, out error), Is.True, error);
        Assert.That(defaults!.Durability, Is.EqualTo(DurabilityMode.Always));
        Assert.That(defaults.SyncIntervalMs, Is.EqualTo(10));
        Assert.That(defaults.SegmentBytes, Is.EqualTo(64L * 1024 * 1024));
        Assert.That(defaults.CompactionGarbageRatio, Is.EqualTo(0.5));
        Assert.That(defaults.CompactionBytesPerSecond, Is.EqualTo(16L * 1024 * 1024));
        Assert.That(defaults.EffectiveStore, Is.EqualTo(StoreKind.Log), "with --data the data survives restarts");

        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", "n1@h:1"], out var bare, out error), Is.True, error);
        Assert.That(bare!.EffectiveStore, Is.EqualTo(StoreKind.Memory), "without --data there is nothing to survive in");
    }

    [Test]
    public void A_node_started_with_seeds_knows_only_itself_at_its_listen_address_and_takes_the_membership_options()
    {
        var ok = OptionsParser.TryParse(
            [
                "--node", "n4", "--listen", "127.0.0.1:7104", "--seeds", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7101",
                "--gossip-interval-ms", "200", "--member-down-after-ms", "1500", "--phi-threshold", "10.5",
                "--hints-per-target-max", "50", "--hints-per-second", "300",
            ],
            out var options,
            out var error);

        Assert.That(ok, Is.True, error);
        Assert.That(options!.Members, Is.EqualTo(new[] { new MemberAddress(NodeId.Parse("n4"), new HostPort("127.0.0.1", 7104)) }));
        Assert.That(options.Seeds, Is.EqualTo(new[] { new HostPort("127.0.0.1", 7101), new HostPort("127.0.0.1", 7102) }), "duplicates dropped");
        Assert.That((options.GossipIntervalMs, options.MemberDownAfterMs, options.HintsPerTargetMax, options.HintsPerSecond), Is.EqualTo((200, 1500, 50, 300)));
        Assert.That(options.PhiThreshold, Is.EqualTo(10.5));

        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", "n1@h:1"], out var defaults, out error), Is.True, error);
        Assert.That(defaults!.Seeds, Is.Empty);
        Assert.That((defaults.GossipIntervalMs, defaults.MemberDownAfterMs), Is.EqualTo((Limits.GossipIntervalDefaultMs, Limits.MemberDownAfterDefaultMs)));
        Assert.That(defaults.PhiThreshold, Is.EqualTo(8));
        Assert.That((defaults.HintsPerTargetMax, defaults.HintsPerSecond), Is.EqualTo((Limits.HintsPerTargetDefault, Limits.HintsPerSecondDefault)));
    }

    [TestCase("--node n1 --peers n1@h:1 --bogus 1", "Unknown option '--bogus'")]
    [TestCase("--node n1 --peers n1@h:1 --data", "needs a value")]
    [TestCase("--peers n1@h:1", "--node is required")]
    [TestCase("--node n1", "--peers or --seeds is required")]
    [TestCase("--node n1 --seeds h:1", "--seeds without --peers needs --listen")]
    [TestCase("--node n1 --seeds h:1 --listen h:0", "--seeds without --peers needs --listen")]
    [TestCase("--node n1 --seeds h --listen h:2", "--seeds: 'h' is not an endpoint")]
    [TestCase("--node n1 --peers n1@h:1 --gossip-interval-ms 0", "--gossip-interval-ms: 0 is out of range")]
    [TestCase("--node n1 --peers n1@h:1 --gossip-interval-ms 500 --member-down-after-ms 500", "must be more than --gossip-interval-ms")]
    [TestCase("--node n1 --peers n1@h:1 --phi-threshold 0.5", "--phi-threshold: '0.5' is not a number from 1 to 16.")]
    [TestCase("--node n1 --peers n1@h:1 --phi-threshold 16.01", "--phi-threshold: '16.01' is not a number from 1 to 16.")]
    [TestCase("--node n1 --peers n1@h:1 --phi-threshold high", "--phi-threshold: 'high' is not a number from 1 to 16.")]
    [TestCase("--node n1 --peers n1@h:1 --hints-per-target-max 0", "--hints-per-target-max: 0 is out of range")]
    [TestCase("--node n1 --peers n1@h:1 --hints-per-second 0", "--hints-per-second: 0 is out of range")]
    [TestCase("--node n9 --peers n1@h:1,n2@h:2", "'n9' is not in --peers")]
    [TestCase("--node n1 --peers n1@h:1,n1@h:2", "'n1' appears twice")]
    [TestCase("--node n1 --peers n1@h:1,n2@h:1", "h:1 appears twice")]
    [TestCase("--node n1 --peers n1@h", "not an endpoint")]
    [TestCase("--node n1 --peers n1@h:0", "bad port")]
    [TestCase("--node n1 --peers n1@h:65536", "bad port")]
    [TestCase("--node n1 --peers n1@h:07", "bad port")]
    [TestCase("--node n1 --peers n1@::1:7000", "IPv6 host without brackets")]
    [TestCase("--node n1 --peers n1", "not id@host:port")]
    [TestCase("--node bad/id --peers n1@h:1", "--node")]
    [TestCase("--node n1 --peers n1@h:1 --listen nowhere", "not an endpoint")]
    [TestCase("--node n1 --peers n1@h:1 --r 4", "R must be from 1 to N = 3")]
    [TestCase("--node n1 --peers n1@h:1 --w 0", "W must be from 1 to N = 3")]
    [TestCase("--node n1 --peers n1@h:1 --n 17", "N must be from 1 to 16")]
    [TestCase("--node n1 --peers n1@h:1 --timeout-ms 0", "timeout")]
    [TestCase("--node n1 --peers n1@h:1 --n x", "not a whole number")]
    [TestCase("--node n1 --peers n1@h:1 --partitions 100", "power of two")]
    [TestCase("--node n1 --peers n1@h:1 --partitions 4", "power of two")]
    [TestCase("--node n1 --peers n1@h:1 --bucket b:n=2,r=3", "--bucket b: R must be from 1 to N = 2")]
    [TestCase("--node n1 --peers n1@h:1 --bucket b:q=2", "unknown field 'q'")]
    [TestCase("--node n1 --peers n1@h:1 --bucket :n=2", "needs a name")]
    [TestCase("--node n1 --peers n1@h:1 --bucket b:n=2 --bucket b:n=1,r=1,w=1", "given twice")]
    [TestCase("--node n1 --node n1 --peers n1@h:1", "--node is given twice")]
    [TestCase("--node n1 --peers n1@h:1 --log-level loud", "--log-level")]
    [TestCase("--node n1 --peers n1@h:1 --parent-pid 0", "not a process id")]
    [TestCase("--node n1 --peers n1@h:1 --durability sometimes", "--durability: 'sometimes' is not always, interval or none")]
    [TestCase("--node n1 --peers n1@h:1 --store disk", "--store: 'disk' is not log or memory")]
    [TestCase("--node n1 --peers n1@h:1 --sync-interval-ms 0", "--sync-interval-ms: 0 is out of range")]
    [TestCase("--node n1 --peers n1@h:1 --sync-interval-ms 5000", "--sync-interval-ms: 5000 is out of range")]
    [TestCase("--node n1 --peers n1@h:1 --segment-mb 0", "--segment-mb: 0 is out of range")]
    [TestCase("--node n1 --peers n1@h:1 --compaction-mb-per-s -1", "--compaction-mb-per-s: -1 is out of range")]
    [TestCase("--node n1 --peers n1@h:1 --compaction-garbage-ratio 1", "--compaction-garbage-ratio")]
    [TestCase("--node n1 --peers n1@h:1 --compaction-garbage-ratio half", "--compaction-garbage-ratio")]
    public void A_bad_command_line_is_refused_with_the_reason(string commandLine, string expected)
    {
        var ok = OptionsParser.TryParse(commandLine.Split(' '), out var options, out var error);

        Assert.That(ok, Is.False);
        Assert.That(options, Is.Null);
        Assert.That(error, Does.Contain(expected));
    }
}
