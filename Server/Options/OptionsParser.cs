using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Options;

/// <summary>
/// Parses <c>dynamo-server</c>'s command line. Every mistake is reported with what was wrong and what is allowed;
/// the caller prints it and exits with code 2.
/// </summary>
internal static class OptionsParser
{
    /// <summary>The usage text printed by <c>--help</c> and after an error.</summary>
    public const string Usage = """
        Usage:
          dynamo-server --node <id> --peers <id@host:port,...> [options]
          dynamo-server --node <id> --listen <host:port> --seeds <host:port,...> [options]
          dynamo-server dev [--nodes 3] [--base-port 7101] [--data <dir>]

        Node options:
          --node <id>              this node's id (letters, digits, '.', '_', '-')
          --peers <list>           every member, this node included: id@host:port,id@host:port,...
                                   (every node must be given the same list and the same --partitions)
          --seeds <list>           host:port,... of nodes to gossip with; a node started with --seeds and no
                                   --peers knows only itself and learns the other members by gossip (it then
                                   needs --listen with a port other than 0: the address it advertises)
          --listen <host:port>     where to listen (default: this node's endpoint in --peers; port 0 = any)
          --data <dir>             data directory; holds the node's epoch (default: a new temporary directory)
          --partitions <Q>         ring partitions, a power of two from 8 to 65536 (default 1024)
          --n <N> --r <R> --w <W>  default replication and quorums (default 3, 2, 2)
          --timeout-ms <ms>        default request deadline (default 5000)
          --bucket <name>:n=3,r=2,w=2,timeout-ms=5000
                                   settings of one bucket (repeatable; omitted fields take the defaults)
          --store log|memory       replica store (default: log with --data, else memory)
          --durability <mode>      always: fsync each batch of writes before acknowledging it (default);
                                   interval: acknowledge at once, fsync every --sync-interval-ms;
                                   none: fsync only at a clean stop
          --sync-interval-ms <ms>  fsync period in interval mode (default 10)
          --segment-mb <MiB>       log segment size before it is sealed (default 64)
          --compaction-garbage-ratio <0..1>
                                   dead share of a sealed segment that makes it worth compacting (default 0.5)
          --compaction-mb-per-s <MiB/s>
                                   background compaction rate; 0 turns compaction off (default 16)
          --anti-entropy on|off    background anti-entropy between replicas (default on; REPAIR works either way)
          --ae-interval-ms <ms>    milliseconds between scheduled exchanges, 100 to 86400000 (default 10000)
          --ae-concurrency <n>     exchanges run at once by this node, 1 to 64 (default 1)
          --ae-keys-per-s <n>      keys repaired per second at most, 1 to 10000000 (default 5000)
          --gossip-interval-ms <ms>
                                   milliseconds between gossip rounds (default 1000)
          --member-down-after-ms <ms>
                                   failure detector: a member whose heartbeat did not advance for this long is
                                   believed down; more than --gossip-interval-ms (default 5000)
          --hints-per-target-max <n>
                                   most hinted keys kept for one node believed down (default 100000)
          --hints-per-second <n>   hinted handoff rate: most hints delivered per second (default 1000)
          --log-level <level>      trace, debug, information, warning, error (default information)
          --parent-pid <pid>       stop when that process exits
          --help                   print this text
          --version                print the version
        """;

    private delegate bool Setter(string value, Builder builder, out string? error);

    private static readonly Dictionary<string, Setter> s_setters = new(StringComparer.Ordinal)
    {
        ["--node"] = SetNode,
        ["--listen"] = (string v, Builder b, out string? e) => TryParseEndpoint(v, allowAnyPort: true, out b.Listen, out e),
        ["--peers"] = SetPeers,
        ["--data"] = SetData,
        ["--partitions"] = (string v, Builder b, out string? e) => TryParseOptionalInt(v, "--partitions", out b.Partitions, out e),
        ["--n"] = (string v, Builder b, out string? e) => TryParseOptionalInt(v, "--n", out b.N, out e),
        ["--r"] = (string v, Builder b, out string? e) => TryParseOptionalInt(v, "--r", out b.R, out e),
        ["--w"] = (string v, Builder b, out string? e) => TryParseOptionalInt(v, "--w", out b.W, out e),
        ["--timeout-ms"] = (string v, Builder b, out string? e) => TryParseOptionalInt(v, "--timeout-ms", out b.TimeoutMs, out e),
        ["--bucket"] = (string v, Builder b, out string? e) =>
        {
            b.BucketTexts.Add(v);
            e = null;
            return true;
        },
        ["--log-level"] = SetLogLevel,
        ["--store"] = SetStore,
        ["--durability"] = SetDurability,
        ["--sync-interval-ms"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--sync-interval-ms", 1, ServerLimits.SyncIntervalMaxMs, out b.SyncIntervalMs, out e),
        ["--segment-mb"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--segment-mb", 1, ServerLimits.SegmentMbMax, out b.SegmentMb, out e),
        ["--compaction-mb-per-s"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--compaction-mb-per-s", 0, ServerLimits.CompactionMbPerSecondMax, out b.CompactionMbPerSecond, out e),
        ["--compaction-garbage-ratio"] = SetGarbageRatio,
        ["--parent-pid"] = SetParentPid,
        ["--anti-entropy"] = SetAntiEntropy,
        ["--ae-interval-ms"] = (string v, Builder b, out string? e) => TryParseBounded(
            v, "--ae-interval-ms", ServerLimits.AntiEntropyIntervalMinMs, ServerLimits.AntiEntropyIntervalMaxMs, out b.AeIntervalMs, out e),
        ["--ae-concurrency"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--ae-concurrency", 1, ServerLimits.AntiEntropyConcurrencyMax, out b.AeConcurrency, out e),
        ["--ae-keys-per-s"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--ae-keys-per-s", 1, ServerLimits.AntiEntropyKeysPerSecondMax, out b.AeKeysPerSecond, out e),
        ["--seeds"] = SetSeeds,
        ["--gossip-interval-ms"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--gossip-interval-ms", 1, ServerLimits.GossipIntervalMaxMs, out b.GossipIntervalMs, out e),
        ["--member-down-after-ms"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--member-down-after-ms", 2, ServerLimits.MemberDownAfterMaxMs, out b.MemberDownAfterMs, out e),
        ["--hints-per-target-max"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--hints-per-target-max", 1, ServerLimits.HintsPerTargetMax, out b.HintsPerTargetMax, out e),
        ["--hints-per-second"] = (string v, Builder b, out string? e) =>
            TryParseBounded(v, "--hints-per-second", 1, ServerLimits.HintsPerSecondMax, out b.HintsPerSecond, out e),
    };

    /// <summary>
    /// Parses node options. Returns false with <paramref name="error"/> saying what is wrong. <c>--help</c> is
    /// handled by the caller before this is called.
    /// </summary>
    public static bool TryParse(
        IReadOnlyList<string> args, [NotNullWhen(true)] out ServerOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        var builder = new Builder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, value, consumed) = SplitOption(args, i);
            if (!s_setters.TryGetValue(name, out var setter))
            {
                error = $"Unknown option '{args[i]}'.";
                return false;
            }

            if (name != "--bucket" && !seen.Add(name))
            {
                error = $"Option {name} is given twice.";
                return false;
            }

            if (value is null)
            {
                error = $"Option {name} needs a value.";
                return false;
            }

            if (!setter(value, builder, out var reason))
            {
                error = reason ?? $"Option {name}: '{value}' is not valid.";
                return false;
            }

            i += consumed;
        }

        return builder.TryBuild(out options, out error);
    }

    /// <summary>
    /// Parses <c>host:port</c>: the port follows the last colon (so <c>[::1]:7000</c> works), decimal without
    /// leading zeros, 1 to 65535 (0 too when <paramref name="allowAnyPort"/>).
    /// </summary>
    public static bool TryParseEndpoint(
        string text, bool allowAnyPort, [NotNullWhen(true)] out HostPort? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"'{text}' is not an endpoint: expected host:port.";
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        var lowest = allowAnyPort ? 0 : 1;
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port < lowest || port > 65535 || (portText.Length > 1 && portText[0] == '0'))
        {
            error = $"'{text}' has a bad port '{portText}': expected a number from {lowest} to 65535.";
            return false;
        }

        if (host.Contains(':', StringComparison.Ordinal) && !(host.StartsWith('[') && host.EndsWith(']')))
        {
            error = $"'{text}' has an IPv6 host without brackets: write [{host}]:{portText}.";
            return false;
        }

        if (host.Any(char.IsWhiteSpace) || Encoding.UTF8.GetByteCount(text) > ProtocolLimits.NameBytesMax)
        {
            error = $"'{text}' is not a valid endpoint (no spaces, at most {ProtocolLimits.NameBytesMax} bytes).";
            return false;
        }

        endpoint = new HostPort(host, port);
        error = null;
        return true;
    }

    private static (string Name, string? Value, int Consumed) SplitOption(IReadOnlyList<string> args, int i)
    {
        var arg = args[i];
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
        {
            return (arg[..equals], arg[(equals + 1)..], 0);
        }

        return i + 1 < args.Count ? (arg, args[i + 1], 1) : (arg, null, 0);
    }

    private static bool SetNode(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        if (!NodeId.TryParse(value, out var id, out var reason))
        {
            error = $"--node: {reason}";
            return false;
        }

        builder.Node = id;
        error = null;
        return true;
    }

    private static bool SetPeers(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        var members = new List<MemberAddress>();
        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var at = entry.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0)
            {
                error = $"--peers: '{entry}' is not id@host:port.";
                return false;
            }

            if (!NodeId.TryParse(entry[..at], out var id, out var reason))
            {
                error = $"--peers: {reason}";
                return false;
            }

            if (!TryParseEndpoint(entry[(at + 1)..], allowAnyPort: false, out var endpoint, out reason))
            {
                error = $"--peers: {reason}";
                return false;
            }

            if (members.Any(m => m.Id == id))
            {
                error = $"--peers: node id '{id}' appears twice.";
                return false;
            }

            if (members.Any(m => m.Endpoint == endpoint))
            {
                error = $"--peers: endpoint {endpoint} appears twice.";
                return false;
            }

            members.Add(new MemberAddress(id, endpoint));
        }

        if (members.Count == 0)
        {
            error = "--peers: the list is empty.";
            return false;
        }

        if (members.Count > Limits.MembersMax)
        {
            error = $"--peers: {members.Count} members; at most {Limits.MembersMax}.";
            return false;
        }

        builder.Members = members;
        error = null;
        return true;
    }

    private static bool SetSeeds(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        var seeds = new List<HostPort>();
        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParseEndpoint(entry, allowAnyPort: false, out var endpoint, out var reason))
            {
                error = $"--seeds: {reason}";
                return false;
            }

            if (!seeds.Contains(endpoint))
            {
                seeds.Add(endpoint);
            }
        }

        if (seeds.Count == 0 || seeds.Count > Limits.MembersMax)
        {
            error = $"--seeds: expected 1 to {Limits.MembersMax} endpoints.";
            return false;
        }

        builder.Seeds = seeds;
        error = null;
        return true;
    }

    private static bool SetData(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "--data: the directory is empty.";
            return false;
        }

        builder.DataDirectory = value;
        error = null;
        return true;
    }

    private static bool SetLogLevel(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        if (!Enum.TryParse<LogLevel>(value, ignoreCase: true, out var level) || !Enum.IsDefined(level)
            || int.TryParse(value, CultureInfo.InvariantCulture, out _))
        {
            error = $"--log-level: '{value}' is not one of trace, debug, information, warning, error, critical, none.";
            return false;
        }

        builder.LogLevel = level;
        error = null;
        return true;
    }

    private static bool SetStore(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        builder.Store = value switch
        {
            "log" => StoreKind.Log,
            "memory" => StoreKind.Memory,
            _ => null,
        };
        error = builder.Store is null ? $"--store: '{value}' is not log or memory." : null;
        return error is null;
    }

    private static bool SetDurability(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        DurabilityMode? mode = value switch
        {
            "always" => DurabilityMode.Always,
            "interval" => DurabilityMode.Interval,
            "none" => DurabilityMode.None,
            _ => null,
        };
        builder.Durability = mode ?? DurabilityMode.Always;
        error = mode is null ? $"--durability: '{value}' is not always, interval or none." : null;
        return error is null;
    }

    private static bool SetAntiEntropy(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        builder.AeEnabled = value switch
        {
            "on" => true,
            "off" => false,
            _ => null,
        };
        error = builder.AeEnabled is null ? $"--anti-entropy: '{value}' is not on or off." : null;
        return error is null;
    }

    private static bool SetGarbageRatio(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio)
            || ratio <= 0 || ratio >= 1)
        {
            error = $"--compaction-garbage-ratio: '{value}' is not a number between 0 and 1 (both excluded).";
            return false;
        }

        builder.GarbageRatio = ratio;
        error = null;
        return true;
    }

    private static bool TryParseBounded(string value, string option, int min, int max, out int? result, out string? error)
    {
        result = null;
        if (!TryParseInt(value, option, out var parsed, out error))
        {
            return false;
        }

        if (parsed < min || parsed > max)
        {
            error = $"{option}: {parsed} is out of range; expected {min} to {max}.";
            return false;
        }

        result = parsed;
        return true;
    }

    private static bool SetParentPid(string value, Builder builder, [NotNullWhen(false)] out string? error)
    {
        if (!TryParseInt(value, "--parent-pid", out var pid, out error))
        {
            return false;
        }

        if (pid <= 0)
        {
            error = $"--parent-pid: {pid} is not a process id.";
            return false;
        }

        builder.ParentProcessId = pid;
        return true;
    }

    private static bool TryParseInt(string value, string option, out int result, [NotNullWhen(false)] out string? error)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result))
        {
            error = $"{option}: '{value}' is not a whole number.";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryParseOptionalInt(string value, string option, out int? result, out string? error)
    {
        var ok = TryParseInt(value, option, out int parsed, out error);
        result = ok ? parsed : null;
        return ok;
    }

    /// <summary>Builds bucket settings, or says which one is out of range; <paramref name="what"/> names them.</summary>
    internal static bool TryCreate(
        int n, int r, int w, int timeoutMs, string what, [NotNullWhen(true)] out BucketProps? props, [NotNullWhen(false)] out string? error)
    {
        props = null;
        if (!BucketProps.TryValidate(n, r, w, timeoutMs, out var reason))
        {
            error = $"{what}: {reason.Message}";
            return false;
        }

        props = new BucketProps(n, r, w, timeoutMs);
        error = null;
        return true;
    }

    /// <summary>Parses <c>name:n=3,r=2,w=2,timeout-ms=5000</c>; fields left out take <paramref name="defaults"/>.</summary>
    internal static bool TryParseBucket(
        string text, BucketProps defaults, out string name, [NotNullWhen(true)] out BucketProps? settings, [NotNullWhen(false)] out string? error)
    {
        settings = null;
        var colon = text.LastIndexOf(':');
        name = colon < 0 ? text : text[..colon];
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) > ProtocolLimits.BucketBytesMax)
        {
            error = $"--bucket: '{text}' needs a name of 1 to {ProtocolLimits.BucketBytesMax} bytes before ':'.";
            return false;
        }

        var (n, r, w, timeout) = (defaults.N, defaults.R, defaults.W, defaults.TimeoutMs);
        var fields = colon < 0 ? [] : text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var field in fields)
        {
            var parts = field.Split('=', 2);
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"--bucket {name}: '{field}' is not field=number.";
                return false;
            }

            switch (parts[0])
            {
                case "n":
                    n = number;
                    break;
                case "r":
                    r = number;
                    break;
                case "w":
                    w = number;
                    break;
                case "timeout-ms":
                    timeout = number;
                    break;
                default:
                    error = $"--bucket {name}: unknown field '{parts[0]}' (expected n, r, w or timeout-ms).";
                    return false;
            }
        }

        return TryCreate(n, r, w, timeout, $"--bucket {name}", out settings, out error);
    }

    private sealed class Builder
    {
        public NodeId Node;
        public HostPort? Listen;
        public List<MemberAddress>? Members;
        public string? DataDirectory;
        public int? Partitions;
        public int? N;
        public int? R;
        public int? W;
        public int? TimeoutMs;
        public int? ParentProcessId;
        public LogLevel LogLevel = LogLevel.Information;
        public StoreKind? Store;
        public DurabilityMode Durability = DurabilityMode.Always;
        public int? SyncIntervalMs;
        public int? SegmentMb;
        public int? CompactionMbPerSecond;
        public double? GarbageRatio;
        public bool? AeEnabled;
        public int? AeIntervalMs;
        public int? AeConcurrency;
        public int? AeKeysPerSecond;
        public List<HostPort>? Seeds;
        public int? GossipIntervalMs;
        public int? MemberDownAfterMs;
        public int? HintsPerTargetMax;
        public int? HintsPerSecond;
        public readonly List<string> BucketTexts = [];

        public bool TryBuild([NotNullWhen(true)] out ServerOptions? options, [NotNullWhen(false)] out string? error)
        {
            options = null;
            if (Node.IsDefault || (Members is null && Seeds is null))
            {
                error = Node.IsDefault ? "--node is required." : "--peers or --seeds is required.";
                return false;
            }

            if (Members is null)
            {
                // Seeds only: this node knows itself, at the address it listens on, and learns the rest by gossip.
                if (Listen is null || Listen.Port == 0 || Listen.Host is "*" or "+" or "0.0.0.0")
                {
                    error = "--seeds without --peers needs --listen with a host and port others can reach (not port 0 or a wildcard host): it is the address this node advertises.";
                    return false;
                }

                Members = [new MemberAddress(Node, Listen)];
            }

            var gossipMs = GossipIntervalMs ?? Limits.GossipIntervalDefaultMs;
            var downAfterMs = MemberDownAfterMs ?? Math.Max(Limits.MemberDownAfterDefaultMs, gossipMs * 5);
            if (downAfterMs <= gossipMs)
            {
                error = $"--member-down-after-ms ({downAfterMs}) must be more than --gossip-interval-ms ({gossipMs}).";
                return false;
            }

            var self = Members.FirstOrDefault(m => m.Id == Node);
            if (self is null)
            {
                error = $"--node '{Node}' is not in --peers ({string.Join(", ", Members.Select(m => m.Id))}).";
                return false;
            }

            var partitions = Partitions ?? Limits.PartitionsDefault;
            if (partitions < Limits.PartitionsMin || partitions > Limits.PartitionsMax || !BitOperations.IsPow2(partitions)
                || partitions < Members.Count)
            {
                error = $"--partitions: {partitions} must be a power of two from {Limits.PartitionsMin} to {Limits.PartitionsMax}, and at least the member count ({Members.Count}).";
                return false;
            }

            var fallback = BucketProps.Default;
            if (!TryCreate(
                N ?? fallback.N, R ?? fallback.R, W ?? fallback.W, TimeoutMs ?? fallback.TimeoutMs, "--n, --r, --w, --timeout-ms", out var defaults, out error))
            {
                return false;
            }

            var buckets = new Dictionary<string, BucketProps>(StringComparer.Ordinal);
            foreach (var text in BucketTexts)
            {
                if (!TryParseBucket(text, defaults, out var name, out var settings, out error))
                {
                    return false;
                }

                if (!buckets.TryAdd(name, settings))
                {
                    error = $"--bucket {name} is given twice.";
                    return false;
                }
            }

            options = new ServerOptions
            {
                Node = Node,
                Listen = Listen ?? self.Endpoint,
                Members = Members,
                DataDirectory = DataDirectory,
                Partitions = partitions,
                Defaults = defaults,
                Buckets = buckets,
                ParentProcessId = ParentProcessId,
                LogLevel = LogLevel,
                Store = Store,
                Durability = Durability,
                SyncIntervalMs = SyncIntervalMs ?? ServerOptions.SyncIntervalDefaultMs,
                SegmentBytes = (SegmentMb ?? ServerOptions.SegmentMbDefault) * 1024L * 1024,
                CompactionGarbageRatio = GarbageRatio ?? ServerOptions.CompactionGarbageRatioDefault,
                CompactionBytesPerSecond = (CompactionMbPerSecond ?? ServerOptions.CompactionMbPerSecondDefault) * 1024L * 1024,
                AntiEntropy = AntiEntropyFromOptions(),
                Seeds = Seeds ?? [],
                GossipIntervalMs = gossipMs,
                MemberDownAfterMs = downAfterMs,
                HintsPerTargetMax = HintsPerTargetMax ?? Limits.HintsPerTargetDefault,
                HintsPerSecond = HintsPerSecond ?? Limits.HintsPerSecondDefault,
            };
            error = null;
            return true;
        }

        private AntiEntropySettings AntiEntropyFromOptions()
        {
            var fallback = AntiEntropySettings.Default;
            return new AntiEntropySettings(
                AeEnabled ?? fallback.Enabled,
                AeIntervalMs ?? fallback.IntervalMs,
                AeConcurrency ?? fallback.Concurrency,
                AeKeysPerSecond ?? fallback.KeysPerSecond);
        }
    }
}
