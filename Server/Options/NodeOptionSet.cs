using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Server.Addresses;
using Microsoft.Extensions.Logging;
using static Dynamo.CommandLineConventions.SingleValueOption;

namespace Dynamo.Server.Options;

/// <summary>
/// The options of one <c>dynamo-server</c> node as System.CommandLine symbols: each parses and checks its own value
/// (with the message the user sees), and <see cref="TryBuild"/> checks them together and makes the
/// <see cref="ServerOptions"/>. A value left out is null here; its default is applied in <see cref="TryBuild"/> and
/// printed by <c>--help</c> from the same constant.
/// </summary>
internal sealed class NodeOptionSet
{
    /// <summary>Creates the options; add them to a command with <see cref="AddTo"/>.</summary>
    public NodeOptionSet()
    {
        Node = Single<NodeId?>("--node", "id", "This node's id: letters, digits, '.', '_', '-' (required).", null, OptionsParser.TryParseNodeId);
        Peers = Single<IReadOnlyList<MemberAddress>?>(
            "--peers",
            "id@host:port,...",
            "Every member, this node included. Every node must be given the same list and the same --partitions. " +
            "--peers or --seeds is required.",
            null,
            OptionsParser.TryParsePeers);
        Seeds = Single<IReadOnlyList<HostPort>?>(
            "--seeds",
            "host:port,...",
            "Nodes to gossip with. A node started with --seeds and no --peers knows only itself and learns the other " +
            "members by gossip; it then needs --listen with a host others can reach and a port other than 0 (the address it advertises).",
            null,
            OptionsParser.TryParseSeeds);
        Listen = Single<HostPort?>("--listen", "host:port", "Where to listen; port 0 binds any free port.", "this node's endpoint in --peers", OptionsParser.TryParseListen);
        Data = Single<string?>(
            "--data", "dir", "Data directory: the node's epoch, replicas and hints.", "a new temporary directory", OptionsParser.TryParseDirectory);
        Partitions = Whole(
            "--partitions",
            "Q",
            $"Ring partitions: a power of two from {Limits.PartitionsMin} to {Limits.PartitionsMax}, and at least the member count.",
            Limits.PartitionsDefault);
        N = Whole("--n", "N", "Default replication factor of a bucket.", Limits.ReplicasDefault);
        R = Whole("--r", "R", "Default read quorum of a bucket.", Limits.ReadQuorumDefault);
        W = Whole("--w", "W", "Default write quorum of a bucket.", Limits.WriteQuorumDefault);
        TimeoutMs = Whole("--timeout-ms", "ms", "Default request deadline of a bucket, in milliseconds.", Limits.RequestTimeoutDefaultMs);
        Buckets = new Option<List<string>>("--bucket")
        {
            HelpName = "name:n=3,r=2,w=2,timeout-ms=5000",
            Description = "Seeds one bucket's settings in the cluster's bucket table; repeatable. Fields left out take --n, --r, --w and --timeout-ms.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        Store = Single<StoreKind?>("--store", "log|memory", "Replica store.", "log with --data, else memory", OptionsParser.TryParseStore);
        Durability = Single<DurabilityMode?>(
            "--durability",
            "always|interval|none",
            "always: fsync each batch of writes before acknowledging it; interval: acknowledge at once, fsync every " +
            "--sync-interval-ms; none: fsync only at a clean stop.",
            "always",
            OptionsParser.TryParseDurability);
        SyncIntervalMs = Bounded("--sync-interval-ms", "ms", "Fsync period in interval mode, in milliseconds", 1, ServerLimits.SyncIntervalMaxMs, ServerOptions.SyncIntervalDefaultMs);
        SegmentMb = Bounded("--segment-mb", "MiB", "Log segment size before it is sealed", 1, ServerLimits.SegmentMbMax, ServerOptions.SegmentMbDefault);
        GarbageRatio = Single<double?>(
            "--compaction-garbage-ratio",
            "ratio",
            "Dead share of a sealed segment that makes it worth compacting, between 0 and 1 (both excluded).",
            ServerOptions.CompactionGarbageRatioDefault.ToString(CultureInfo.InvariantCulture),
            OptionsParser.TryParseGarbageRatio);
        CompactionMbPerSecond = Bounded(
            "--compaction-mb-per-s", "MiB/s", "Background compaction rate; 0 turns compaction off", 0, ServerLimits.CompactionMbPerSecondMax,
            ServerOptions.CompactionMbPerSecondDefault);
        AntiEntropy = Single<OnOff?>(
            "--anti-entropy", "on|off", "Background anti-entropy between replicas (REPAIR works either way).", "on", OptionsParser.TryParseOnOff);
        var ae = AntiEntropySettings.Default;
        AeIntervalMs = Bounded(
            "--ae-interval-ms", "ms", "Milliseconds between scheduled anti-entropy exchanges", ServerLimits.AntiEntropyIntervalMinMs,
            ServerLimits.AntiEntropyIntervalMaxMs, ae.IntervalMs);
        AeConcurrency = Bounded(
            "--ae-concurrency", "n", "Anti-entropy exchanges this node runs at once", 1, ServerLimits.AntiEntropyConcurrencyMax, ae.Concurrency);
        AeKeysPerSecond = Bounded(
            "--ae-keys-per-s", "n", "Keys anti-entropy repairs per second at most", 1, ServerLimits.AntiEntropyKeysPerSecondMax, ae.KeysPerSecond);
        GossipIntervalMs = Bounded(
            "--gossip-interval-ms", "ms", "Milliseconds between gossip rounds", 1, ServerLimits.GossipIntervalMaxMs, Limits.GossipIntervalDefaultMs);
        MemberDownAfterMs = Bounded(
            "--member-down-after-ms",
            "ms",
            "Failure detector's bound on silence: a member whose heartbeat did not advance for this many milliseconds is " +
            "believed down, whatever its phi; more than --gossip-interval-ms",
            2,
            ServerLimits.MemberDownAfterMaxMs,
            $"{Limits.MemberDownAfterDefaultMs}, or 5 gossip intervals when that is more");
        PhiThreshold = Single<double?>(
            "--phi-threshold",
            "phi",
            "Failure detector: a member is believed down once phi, -log10 of the chance that the silence since its last " +
            $"heartbeat is only a late heartbeat, passes this ({Limits.PhiThresholdMin.ToString(CultureInfo.InvariantCulture)} to " +
            $"{Limits.PhiThresholdMax.ToString(CultureInfo.InvariantCulture)}).",
            Limits.PhiThresholdDefault.ToString(CultureInfo.InvariantCulture),
            OptionsParser.TryParsePhiThreshold);
        HintsPerTargetMax = Bounded(
            "--hints-per-target-max", "n", "Most hinted keys kept for one node believed down", 1, ServerLimits.HintsPerTargetMax,
            Limits.HintsPerTargetDefault);
        HintsPerSecond = Bounded(
            "--hints-per-second", "n", "Hinted handoff rate: most hints delivered per second", 1, ServerLimits.HintsPerSecondMax,
            Limits.HintsPerSecondDefault);
        LogLevel = Single<LogLevel?>(
            "--log-level", "level", "Least severe level logged: " + OptionsParser.LogLevelNames + ".", "information", OptionsParser.TryParseLogLevel);
        ParentProcessId = Single<int?>("--parent-pid", "pid", "Stop when that process exits.", null, OptionsParser.TryParseParentPid);
    }

    /// <summary><c>--node</c>.</summary>
    public Option<NodeId?> Node { get; }

    /// <summary><c>--peers</c>.</summary>
    public Option<IReadOnlyList<MemberAddress>?> Peers { get; }

    /// <summary><c>--seeds</c>.</summary>
    public Option<IReadOnlyList<HostPort>?> Seeds { get; }

    /// <summary><c>--listen</c>.</summary>
    public Option<HostPort?> Listen { get; }

    /// <summary><c>--data</c>.</summary>
    public Option<string?> Data { get; }

    /// <summary><c>--partitions</c>.</summary>
    public Option<int?> Partitions { get; }

    /// <summary><c>--n</c>.</summary>
    public Option<int?> N { get; }

    /// <summary><c>--r</c>.</summary>
    public Option<int?> R { get; }

    /// <summary><c>--w</c>.</summary>
    public Option<int?> W { get; }

    /// <summary><c>--timeout-ms</c>.</summary>
    public Option<int?> TimeoutMs { get; }

    /// <summary><c>--bucket</c>, repeatable.</summary>
    public Option<List<string>> Buckets { get; }

    /// <summary><c>--store</c>.</summary>
    public Option<StoreKind?> Store { get; }

    /// <summary><c>--durability</c>.</summary>
    public Option<DurabilityMode?> Durability { get; }

    /// <summary><c>--sync-interval-ms</c>.</summary>
    public Option<int?> SyncIntervalMs { get; }

    /// <summary><c>--segment-mb</c>.</summary>
    public Option<int?> SegmentMb { get; }

    /// <summary><c>--compaction-garbage-ratio</c>.</summary>
    public Option<double?> GarbageRatio { get; }

    /// <summary><c>--compaction-mb-per-s</c>.</summary>
    public Option<int?> CompactionMbPerSecond { get; }

    /// <summary><c>--anti-entropy</c>.</summary>
    public Option<OnOff?> AntiEntropy { get; }

    /// <summary><c>--ae-interval-ms</c>.</summary>
    public Option<int?> AeIntervalMs { get; }

    /// <summary><c>--ae-concurrency</c>.</summary>
    public Option<int?> AeConcurrency { get; }

    /// <summary><c>--ae-keys-per-s</c>.</summary>
    public Option<int?> AeKeysPerSecond { get; }

    /// <summary><c>--gossip-interval-ms</c>.</summary>
    public Option<int?> GossipIntervalMs { get; }

    /// <summary><c>--member-down-after-ms</c>.</summary>
    public Option<int?> MemberDownAfterMs { get; }

    /// <summary><c>--phi-threshold</c>.</summary>
    public Option<double?> PhiThreshold { get; }

    /// <summary><c>--hints-per-target-max</c>.</summary>
    public Option<int?> HintsPerTargetMax { get; }

    /// <summary><c>--hints-per-second</c>.</summary>
    public Option<int?> HintsPerSecond { get; }

    /// <summary><c>--log-level</c>.</summary>
    public Option<LogLevel?> LogLevel { get; }

    /// <summary><c>--parent-pid</c>.</summary>
    public Option<int?> ParentProcessId { get; }

    /// <summary>Every option, in the order <c>--help</c> lists them.</summary>
    public IReadOnlyList<Option> All =>
    [
        Node, Peers, Seeds, Listen, Data, Partitions, N, R, W, TimeoutMs, Buckets, Store, Durability, SyncIntervalMs, SegmentMb,
        GarbageRatio, CompactionMbPerSecond, AntiEntropy, AeIntervalMs, AeConcurrency, AeKeysPerSecond, GossipIntervalMs,
        MemberDownAfterMs, PhiThreshold, HintsPerTargetMax, HintsPerSecond, LogLevel, ParentProcessId,
    ];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Add(option);
        }
    }

    /// <summary>
    /// Checks the options of a parse without errors together and applies the defaults. False with
    /// <paramref name="error"/> saying what is wrong.
    /// </summary>
    public bool TryBuild(ParseResult result, [NotNullWhen(true)] out ServerOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        var node = result.GetValue(Node);
        var members = result.GetValue(Peers);
        var seeds = result.GetValue(Seeds);
        var listen = result.GetValue(Listen);
        if (node is not { } id || (members is null && seeds is null))
        {
            error = node is null ? "--node is required." : "--peers or --seeds is required.";
            return false;
        }

        if (members is null)
        {
            // Seeds only: this node knows itself, at the address it listens on, and learns the rest by gossip.
            if (listen is null || listen.Port == 0 || listen.Host is "*" or "+" or "0.0.0.0")
            {
                error = "--seeds without --peers needs --listen with a host and port others can reach (not port 0 or a wildcard host): it is the address this node advertises.";
                return false;
            }

            members = [new MemberAddress(id, listen)];
        }

        var gossipMs = result.GetValue(GossipIntervalMs) ?? Limits.GossipIntervalDefaultMs;
        var downAfterMs = result.GetValue(MemberDownAfterMs) ?? Math.Max(Limits.MemberDownAfterDefaultMs, gossipMs * 5);
        if (downAfterMs <= gossipMs)
        {
            error = $"--member-down-after-ms ({downAfterMs}) must be more than --gossip-interval-ms ({gossipMs}).";
            return false;
        }

        var self = members.FirstOrDefault(m => m.Id == id);
        if (self is null)
        {
            error = $"--node '{id}' is not in --peers ({string.Join(", ", members.Select(m => m.Id))}).";
            return false;
        }

        var partitions = result.GetValue(Partitions) ?? Limits.PartitionsDefault;
        if (partitions < Limits.PartitionsMin || partitions > Limits.PartitionsMax || !BitOperations.IsPow2(partitions)
            || partitions < members.Count)
        {
            error = $"--partitions: {partitions} must be a power of two from {Limits.PartitionsMin} to {Limits.PartitionsMax}, and at least the member count ({members.Count}).";
            return false;
        }

        if (!TryBuildBuckets(result, out var defaults, out var buckets, out error))
        {
            return false;
        }

        options = new ServerOptions
        {
            Node = id,
            Listen = listen ?? self.Endpoint,
            Members = members,
            DataDirectory = result.GetValue(Data),
            Partitions = partitions,
            Defaults = defaults,
            Buckets = buckets,
            ParentProcessId = result.GetValue(ParentProcessId),
            LogLevel = result.GetValue(LogLevel) ?? Microsoft.Extensions.Logging.LogLevel.Information,
            Store = result.GetValue(Store),
            Durability = result.GetValue(Durability) ?? DurabilityMode.Always,
            SyncIntervalMs = result.GetValue(SyncIntervalMs) ?? ServerOptions.SyncIntervalDefaultMs,
            SegmentBytes = (result.GetValue(SegmentMb) ?? ServerOptions.SegmentMbDefault) * 1024L * 1024,
            CompactionGarbageRatio = result.GetValue(GarbageRatio) ?? ServerOptions.CompactionGarbageRatioDefault,
            CompactionBytesPerSecond = (result.GetValue(CompactionMbPerSecond) ?? ServerOptions.CompactionMbPerSecondDefault) * 1024L * 1024,
            AntiEntropy = AntiEntropyFrom(result),
            Seeds = seeds ?? [],
            GossipIntervalMs = gossipMs,
            MemberDownAfterMs = downAfterMs,
            PhiThreshold = result.GetValue(PhiThreshold) ?? Limits.PhiThresholdDefault,
            HintsPerTargetMax = result.GetValue(HintsPerTargetMax) ?? Limits.HintsPerTargetDefault,
            HintsPerSecond = result.GetValue(HintsPerSecond) ?? Limits.HintsPerSecondDefault,
        };
        error = null;
        return true;
    }

    private bool TryBuildBuckets(
        ParseResult result,
        [NotNullWhen(true)] out BucketProps? defaults,
        [NotNullWhen(true)] out Dictionary<string, BucketProps>? buckets,
        [NotNullWhen(false)] out string? error)
    {
        buckets = null;
        var fallback = BucketProps.Default;
        if (!OptionsParser.TryCreate(
            result.GetValue(N) ?? fallback.N,
            result.GetValue(R) ?? fallback.R,
            result.GetValue(W) ?? fallback.W,
            result.GetValue(TimeoutMs) ?? fallback.TimeoutMs,
            "--n, --r, --w, --timeout-ms",
            out defaults,
            out error))
        {
            return false;
        }

        buckets = new Dictionary<string, BucketProps>(StringComparer.Ordinal);
        foreach (var text in result.GetValue(Buckets) ?? [])
        {
            if (!OptionsParser.TryParseBucket(text, defaults, out var name, out var settings, out error))
            {
                return false;
            }

            if (!BucketEntry.IsValidName(name, out var nameError))
            {
                error = $"--bucket {name}: {nameError}";
                return false;
            }

            if (!buckets.TryAdd(name, settings))
            {
                error = $"--bucket {name} is given twice.";
                return false;
            }
        }

        if (buckets.Count > Limits.BucketsMax)
        {
            error = $"--bucket is given {buckets.Count} times; the cluster's bucket table holds at most {Limits.BucketsMax} buckets.";
            return false;
        }

        error = null;
        return true;
    }

    private AntiEntropySettings AntiEntropyFrom(ParseResult result)
    {
        var fallback = AntiEntropySettings.Default;
        return new AntiEntropySettings(
            result.GetValue(AntiEntropy) is { } given ? given == OnOff.On : fallback.Enabled,
            result.GetValue(AeIntervalMs) ?? fallback.IntervalMs,
            result.GetValue(AeConcurrency) ?? fallback.Concurrency,
            result.GetValue(AeKeysPerSecond) ?? fallback.KeysPerSecond);
    }

    private static Option<int?> Whole(string name, string helpName, string description, int defaultValue) =>
        Single<int?>(
            name,
            helpName,
            description,
            defaultValue.ToString(CultureInfo.InvariantCulture),
            (string text, out int? value, out string? error) => OptionsParser.TryParseWhole(text, name, out value, out error));

    private static Option<int?> Bounded(string name, string helpName, string description, int min, int max, int defaultValue) =>
        Bounded(name, helpName, description, min, max, defaultValue.ToString(CultureInfo.InvariantCulture));

    private static Option<int?> Bounded(string name, string helpName, string description, int min, int max, string defaultText) =>
        Single<int?>(
            name,
            helpName,
            $"{description} ({min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}).",
            defaultText,
            (string text, out int? value, out string? error) => OptionsParser.TryParseBounded(text, name, min, max, out value, out error));
}

/// <summary>
/// The value of a switch such as <c>--anti-entropy on|off</c>. (Not <c>bool</c>: System.CommandLine reads a boolean
/// option as a flag and takes only true or false as its value.)
/// </summary>
internal enum OnOff
{
    /// <summary><c>on</c>.</summary>
    On,

    /// <summary><c>off</c>.</summary>
    Off,
}
