using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>The commands of the CLI.</summary>
internal enum CommandKind
{
    Ping,
    Get,
    Set,
    Delete,
    Ring,
    Info,
    Repair,
    Members,
    BucketSet,
    BucketGet,
    Help,
    Quit,
}

/// <summary>A parsed command: its kind, key, value and options (R or W, context, strict quorum).</summary>
internal sealed record Command(
    CommandKind Kind, byte[]? Key = null, byte[]? Value = null, int? Quorum = null, DynamoContext? Context = null, bool Strict = false)
{
    /// <summary>For REPAIR: the deadline of the whole repair, or null for the driver's default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>For SET: write without any context (a new sibling beside what is there) instead of reading first.</summary>
    public bool Blind { get; init; }

    /// <summary>For GET: print the context line for a single value and for a missing key with tombstones too.</summary>
    public bool WithContext { get; init; }

    /// <summary>For GET, SET and DEL: the key's bucket (BUCKET=name); for BUCKET SET and GET: the bucket named.</summary>
    public string? Bucket { get; init; }

    /// <summary>For BUCKET SET: the values to change; null keeps one.</summary>
    public BucketArguments? Change { get; init; }
}

/// <summary>What BUCKET SET changes: N, R, W and the timeout in milliseconds, each null when not given.</summary>
internal sealed record BucketArguments(int? N, int? R, int? W, int? TimeoutMs);

/// <summary>Parses tokenized arguments into a <see cref="Command"/>; command names and option names ignore case.</summary>
internal static class CommandParser
{
    public static bool TryParse(IReadOnlyList<byte[]> arguments, [NotNullWhen(true)] out Command? command, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        command = null;
        if (arguments.Count == 0)
        {
            error = "empty command";
            return false;
        }

        var name = Encoding.UTF8.GetString(arguments[0]).ToUpperInvariant();
        var rest = arguments.Skip(1).ToList();
        (command, error) = name switch
        {
            "PING" => Exact(rest, 0, "PING", new Command(CommandKind.Ping)),
            "INFO" => Exact(rest, 0, "INFO", new Command(CommandKind.Info)),
            "MEMBERS" => Exact(rest, 0, "MEMBERS", new Command(CommandKind.Members)),
            "HELP" => Exact(rest, 0, "HELP", new Command(CommandKind.Help)),
            "REPAIR" => Repair(rest),
            "BUCKET" => Bucket(rest),
            "QUIT" or "EXIT" => Exact(rest, 0, name, new Command(CommandKind.Quit)),
            "RING" => rest.Count <= 1
                ? (new Command(CommandKind.Ring, rest.Count == 1 ? rest[0] : null), null)
                : (null, "wrong number of arguments: RING [key]"),
            "GET" => Keyed(rest, CommandKind.Get, "GET key [R=n] [STRICT] [WITHCTX] [BUCKET=name]", hasValue: false, "R", allowContext: false, flag: "WITHCTX"),
            "SET" or "PUT" => Keyed(
                rest, CommandKind.Set, name + " key value [W=n] [CTX=context | BLIND] [STRICT] [BUCKET=name]", hasValue: true, "W", allowContext: true, flag: "BLIND"),
            "DEL" or "DELETE" => Keyed(
                rest, CommandKind.Delete, name + " key [W=n] [CTX=context] [STRICT] [BUCKET=name]", hasValue: false, "W", allowContext: true, flag: null),
            _ => (null, $"unknown command '{Output.FormatValue(arguments[0])}', try HELP"),
        };
        return command is not null;
    }

    private static (Command?, string?) Exact(List<byte[]> rest, int count, string usage, Command command) =>
        rest.Count == count ? (command, null) : (null, $"wrong number of arguments: {usage}");

    /// <summary><c>REPAIR [TIMEOUT=ms]</c>.</summary>
    private static (Command?, string?) Repair(List<byte[]> rest)
    {
        const string Usage = "REPAIR [TIMEOUT=ms]";
        if (rest.Count == 0)
        {
            return (new Command(CommandKind.Repair), null);
        }

        var text = Encoding.UTF8.GetString(rest[0]);
        if (rest.Count > 1 || !text.StartsWith("TIMEOUT=", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"wrong arguments: {Usage}");
        }

        var value = text["TIMEOUT=".Length..];
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms < 1 || ms > ClientLimits.RepairTimeoutMaxMs)
        {
            return (null, $"TIMEOUT must be milliseconds from 1 to {ClientLimits.RepairTimeoutMaxMs}, not '{value}'");
        }

        return (new Command(CommandKind.Repair) { Timeout = TimeSpan.FromMilliseconds(ms) }, null);
    }

    /// <summary>
    /// <c>BUCKET SET name [n=N] [r=R] [w=W] [timeout=ms]</c> (at least one, each at most once, names ignore case) or
    /// <c>BUCKET GET name</c>. R and W over the N given are refused here; against the bucket's current N, by the node.
    /// </summary>
    private static (Command?, string?) Bucket(List<byte[]> rest)
    {
        const string Usage = "BUCKET SET name [n=N] [r=R] [w=W] [timeout=ms] | BUCKET GET name";
        var sub = rest.Count > 0 ? Encoding.UTF8.GetString(rest[0]).ToUpperInvariant() : string.Empty;
        if (rest.Count < 2 || sub is not ("SET" or "GET"))
        {
            return (null, $"wrong arguments: {Usage}");
        }

        var name = Encoding.UTF8.GetString(rest[1]);
        if (Encoding.UTF8.GetByteCount(name) > Engine.Limits.BucketNameBytesMax || name.Length == 0)
        {
            return (null, $"a bucket name is 1 to {Engine.Limits.BucketNameBytesMax} bytes");
        }

        if (sub == "GET")
        {
            return rest.Count == 2 ? (new Command(CommandKind.BucketGet) { Bucket = name }, null) : (null, $"wrong number of arguments: {Usage}");
        }

        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var option in rest.Skip(2))
        {
            var text = Encoding.UTF8.GetString(option);
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? text[..equals].ToUpperInvariant() : string.Empty;
            if (key is not ("N" or "R" or "W" or "TIMEOUT") || values.ContainsKey(key))
            {
                return (null, $"unknown or repeated option '{text}': {Usage}");
            }

            var max = key == "TIMEOUT" ? Engine.Limits.RequestTimeoutMaxMs : Engine.Limits.ReplicasMax;
            var unit = key == "TIMEOUT" ? " (milliseconds)" : string.Empty;
            if (!int.TryParse(text[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
            {
                return (null, $"{key.ToLowerInvariant()} must be a number from 1 to {max}{unit}, not '{text[(equals + 1)..]}'");
            }

            values.Add(key, value);
        }

        if (values.Count == 0)
        {
            return (null, $"nothing to change: {Usage}");
        }

        var change = new BucketArguments(Get(values, "N"), Get(values, "R"), Get(values, "W"), Get(values, "TIMEOUT"));
        foreach (var (quorum, given) in new[] { ("r", change.R), ("w", change.W) })
        {
            if (given > change.N)
            {
                return (null, $"{quorum}={given} is more than n={change.N}: R and W must be from 1 to N");
            }
        }

        return (new Command(CommandKind.BucketSet) { Bucket = name, Change = change }, null);
    }

    private static int? Get(Dictionary<string, int> values, string key) => values.TryGetValue(key, out var value) ? value : null;

    /// <summary>
    /// A command on a key: the key, the value when <paramref name="hasValue"/>, then options in any order, each at most
    /// once: <c>R=n</c> or <c>W=n</c>, <c>CTX=</c> when <paramref name="allowContext"/>, <c>STRICT</c>, and the
    /// command's own bare <paramref name="flag"/> (BLIND for SET, WITHCTX for GET).
    /// </summary>
    private static (Command?, string?) Keyed(
        List<byte[]> rest, CommandKind kind, string usage, bool hasValue, string quorumName, bool allowContext, string? flag)
    {
        var fixedCount = hasValue ? 2 : 1;
        if (rest.Count < fixedCount)
        {
            return (null, $"wrong number of arguments: {usage}");
        }

        int? quorum = null;
        string? bucket = null;
        DynamoContext? context = null;
        var strict = false;
        var flagged = false;
        foreach (var option in rest.Skip(fixedCount))
        {
            var text = Encoding.UTF8.GetString(option);
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var optionName = equals > 0 ? text[..equals].ToUpperInvariant() : string.Empty;
            var optionValue = equals > 0 ? text[(equals + 1)..] : string.Empty;
            if (equals < 0 && string.Equals(text, "STRICT", StringComparison.OrdinalIgnoreCase) && !strict)
            {
                strict = true;
            }
            else if (equals < 0 && flag is not null && string.Equals(text, flag, StringComparison.OrdinalIgnoreCase) && !flagged)
            {
                flagged = true;
            }
            else if (optionName == quorumName && quorum is null)
            {
                if (!int.TryParse(optionValue, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > Engine.Limits.ReplicasMax)
                {
                    return (null, $"{quorumName} must be a number from 1 to {Engine.Limits.ReplicasMax}, not '{optionValue}'");
                }

                quorum = n;
            }
            else if (optionName == "BUCKET" && bucket is null)
            {
                if (Encoding.UTF8.GetByteCount(optionValue) > Engine.Limits.BucketNameBytesMax)
                {
                    return (null, $"BUCKET must be a name of at most {Engine.Limits.BucketNameBytesMax} bytes");
                }

                bucket = optionValue;
            }
            else if (optionName == "CTX" && allowContext && context is null)
            {
                if (!DynamoContext.TryParse(optionValue, out context))
                {
                    return (null, "CTX must be a context as GET prints it (base64url)");
                }
            }
            else
            {
                return (null, $"unknown or repeated option '{text}': {usage}");
            }
        }

        if (kind == CommandKind.Set && flagged && context is not null)
        {
            return (null, "CTX and BLIND cannot be combined: CTX replaces the versions it names, BLIND writes beside them all");
        }

        return (new Command(kind, rest[0], hasValue ? rest[1] : null, quorum, context, strict)
        {
            Blind = kind == CommandKind.Set && flagged,
            WithContext = kind == CommandKind.Get && flagged,
            Bucket = bucket,
        }, null);
    }
}
