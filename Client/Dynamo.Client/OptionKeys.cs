using System.Globalization;
using System.Text;
using Dynamo.Engine;

namespace Dynamo.Client;

/// <summary>
/// The text form of <see cref="DynamoClientOptions"/>: the keys a connection string (and a configuration section)
/// may set, how each value is read and written back, and what a key expects when its value is wrong.
/// </summary>
/// <remarks>
/// A connection string is <c>key=value</c> pairs separated by <c>;</c>; spaces around keys and values are ignored,
/// as are empty pairs. A value that holds <c>;</c> (or starts with a quote) is written in double quotes, a quote
/// inside doubled, as in ADO.NET connection strings.
/// </remarks>
internal static class OptionKeys
{
    public const string Nodes = "nodes";

    private const string DurationForms = "a whole number followed by ms, s, m or h (500ms, 2s, 1m), or hh:mm:ss";

    private static readonly Key[] s_keys =
    [
        new(Nodes, "a comma-separated list of 1 to 64 endpoints host:port (a port from 1 to 65535, an IPv6 host in brackets)",
            TrySetNodes, options => string.Join(",", options.Endpoints)),
        new("timeout", $"a duration from 1ms to 24h: {DurationForms}",
            (options, text) => TrySetTimeout(text, value => options.DefaultTimeout = value),
            options => Changed(options.DefaultTimeout, ClientLimits.RequestTimeoutDefaultMs)),
        new("connectTimeout", $"a duration from 1ms to 24h: {DurationForms}",
            (options, text) => TrySetTimeout(text, value => options.ConnectTimeout = value),
            options => Changed(options.ConnectTimeout, ClientLimits.ConnectTimeoutDefaultMs)),
        new("r", $"a whole number from 1 to {Limits.ReplicasMax} (the default read quorum)",
            (options, text) => TryParseInt(text, 1, Limits.ReplicasMax, out var r) && Set(() => options.DefaultR = r),
            options => options.DefaultR?.ToString(CultureInfo.InvariantCulture)),
        new("w", $"a whole number from 1 to {Limits.ReplicasMax} (the default write quorum)",
            (options, text) => TryParseInt(text, 1, Limits.ReplicasMax, out var w) && Set(() => options.DefaultW = w),
            options => options.DefaultW?.ToString(CultureInfo.InvariantCulture)),
        new("bucket", "a bucket name of at most 255 UTF-8 bytes",
            (options, text) => Encoding.UTF8.GetByteCount(text) <= Protocol.ProtocolLimits.BucketBytesMax && Set(() => options.DefaultBucket = text),
            options => options.DefaultBucket.Length == 0 ? null : options.DefaultBucket),
        new("strict", "true or false (strict quorum by default)",
            (options, text) => bool.TryParse(text, out var strict) && Set(() => options.DefaultStrict = strict),
            options => options.DefaultStrict ? "true" : null),
        new("maxInFlight", $"a whole number from 1 to {ClientLimits.InFlightRequestsMax} (requests in flight per connection)",
            (options, text) => TryParseInt(text, 1, ClientLimits.InFlightRequestsMax, out var max) && Set(() => options.MaxInFlightPerConnection = max),
            options => options.MaxInFlightPerConnection == ClientLimits.InFlightRequestsDefault
                ? null
                : options.MaxInFlightPerConnection.ToString(CultureInfo.InvariantCulture)),
        new("ringRefresh", $"a duration from 0 (off) to 24h: {DurationForms}",
            (options, text) => TryParseDuration(text, out var interval)
                && interval.TotalMilliseconds <= ClientLimits.RingRefreshIntervalMaxMs
                && Set(() => options.RingRefreshInterval = interval),
            options => Changed(options.RingRefreshInterval, ClientLimits.RingRefreshIntervalDefaultMs)),
        new("retries", $"a whole number from 0 to {ClientLimits.OverloadedRetriesMax} (retries after Overloaded answers)",
            (options, text) => TryParseInt(text, 0, ClientLimits.OverloadedRetriesMax, out var retries)
                && Set(() => options.RetryPolicy = WithRetries(options.RetryPolicy, retries)),
            options => options.RetryPolicy is { } policy && policy.MaxOverloadedRetries != ClientLimits.OverloadedRetriesDefault
                ? policy.MaxOverloadedRetries.ToString(CultureInfo.InvariantCulture)
                : null),
        new("retryLostReads", "true or false (send a read lost in flight once more to another replica)",
            (options, text) => bool.TryParse(text, out var retry) && Set(() => options.RetryPolicy = WithLostReads(options.RetryPolicy, retry)),
            options => options.RetryPolicy is { RetryLostReads: false } ? "false" : null),
    ];

    private delegate bool TryApply(DynamoClientOptions options, string value);

    /// <summary>Every key, as written in the documentation.</summary>
    public static IEnumerable<string> Names => s_keys.Select(key => key.Name);

    /// <summary>
    /// Sets <paramref name="options"/> from a connection string; the options not named keep their values.
    /// </summary>
    /// <exception cref="FormatException">With the key and what it expects.</exception>
    public static void ApplyConnectionString(DynamoClientOptions options, string text)
    {
        if (text.Length > ClientLimits.ConnectionStringCharsMax)
        {
            throw new FormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"The connection string has {text.Length} characters; at most {ClientLimits.ConnectionStringCharsMax} are accepted."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in Pairs(text))
        {
            var key = Find(name) ?? throw new FormatException(
                $"The connection string has an unknown key '{name}'; the keys are {string.Join(", ", Names)}.");
            if (!seen.Add(key.Name))
            {
                throw new FormatException($"The connection string gives '{key.Name}' more than once.");
            }

            Apply(options, key, value, $"The connection string's '{key.Name}'");
        }

        if (!seen.Contains(Nodes))
        {
            throw new FormatException(seen.Count == 0
                ? "The connection string is empty; it needs at least nodes=host:port."
                : "The connection string names no nodes; add nodes=host:port[,host:port...].");
        }
    }

    /// <summary>
    /// Sets one option named <paramref name="name"/> (any case) from <paramref name="value"/>; <paramref name="where"/>
    /// says where the value came from in an error ("Configuration 'Dynamo:timeout'").
    /// </summary>
    /// <exception cref="FormatException">The key is unknown, or the value is not what it expects.</exception>
    public static void Apply(DynamoClientOptions options, string name, string value, string where)
    {
        var key = Find(name) ?? throw new FormatException(
            $"{where} is not an option of the Dynamo client; the keys are {string.Join(", ", Names)}.");
        Apply(options, key, value, where);
    }

    /// <summary>The connection string of <paramref name="options"/>: the nodes, then each setting that is not its default.</summary>
    public static string Format(DynamoClientOptions options)
    {
        var text = new StringBuilder();
        foreach (var key in s_keys)
        {
            if (key.Format(options) is { } value)
            {
                text.Append(text.Length == 0 ? string.Empty : ";").Append(key.Name).Append('=').Append(Quote(value));
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads a duration: a whole number followed by <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>, a bare <c>0</c>, or
    /// the invariant <c>[d.]hh:mm:ss[.fffffff]</c> form of <see cref="TimeSpan"/>. Never negative.
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }

        if (text == "0")
        {
            return true;
        }

        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || digits > 10 || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }

        long? unitMs = text[digits..] switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => null,
        };
        if (unitMs is not { } unit || count > TimeSpan.MaxValue.TotalMilliseconds / unit / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(count * unit);
        return true;
    }

    /// <summary>A duration in the largest of h, m, s and ms that writes it exactly (the TimeSpan form for sub-milliseconds).</summary>
    public static string FormatDuration(TimeSpan value)
    {
        if (value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return value.ToString("c", CultureInfo.InvariantCulture);
        }

        var ms = (long)value.TotalMilliseconds;
        return ms switch
        {
            0 => "0",
            _ when ms % 3_600_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000}h"),
            _ when ms % 60_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000}m"),
            _ when ms % 1000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ms}ms"),
        };
    }

    private static Key? Find(string name) =>
        Array.Find(s_keys, key => string.Equals(key.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    private static void Apply(DynamoClientOptions options, Key key, string value, string where)
    {
        if (!key.TryApply(options, value))
        {
            throw new FormatException($"{where} is '{value}': expected {key.Expected}.");
        }
    }

    /// <summary>The key=value pairs of a connection string, in order, with quoted values unquoted.</summary>
    private static IEnumerable<(string Key, string Value)> Pairs(string text)
    {
        var at = 0;
        while (at < text.Length)
        {
            var stop = text.IndexOfAny(['=', ';'], at);
            if (stop < 0 || text[stop] == ';')
            {
                var segment = text[at..(stop < 0 ? text.Length : stop)].Trim();
                if (segment.Length > 0)
                {
                    throw new FormatException($"The connection string has '{segment}' without '=value'; write key=value pairs separated by ';'.");
                }

                at = stop < 0 ? text.Length : stop + 1;
                continue;
            }

            var key = text[at..stop].Trim();
            if (key.Length == 0)
            {
                throw new FormatException($"The connection string has a value without a key near position {stop}; write key=value pairs separated by ';'.");
            }

            at = stop + 1;
            while (at < text.Length && text[at] is ' ' or '\t')
            {
                at++;
            }

            string value;
            if (at < text.Length && text[at] == '"')
            {
                (value, at) = Unquote(text, at, key);
            }
            else
            {
                var end = text.IndexOf(';', at);
                value = text[at..(end < 0 ? text.Length : end)].Trim();
                at = end < 0 ? text.Length : end + 1;
            }

            yield return (key, value);
        }
    }

    /// <summary>Reads the quoted value starting at <paramref name="at"/>; returns it and where the next pair starts.</summary>
    private static (string Value, int Next) Unquote(string text, int at, string key)
    {
        var value = new StringBuilder();
        for (at++; ; at++)
        {
            if (at >= text.Length)
            {
                throw new FormatException($"The connection string's '{key}' has a quoted value with no closing quote.");
            }

            if (text[at] != '"')
            {
                value.Append(text[at]);
            }
            else if (at + 1 < text.Length && text[at + 1] == '"')
            {
                value.Append('"');
                at++;
            }
            else
            {
                break;
            }
        }

        at++;
        while (at < text.Length && text[at] is ' ' or '\t')
        {
            at++;
        }

        if (at < text.Length && text[at] != ';')
        {
            throw new FormatException($"The connection string's '{key}' has text after its closing quote; separate pairs with ';'.");
        }

        return (value.ToString(), at + 1);
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.AsSpan().IndexOfAny(";\"") < 0 && value.Trim().Length == value.Length
            ? value
            : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static bool TrySetNodes(DynamoClientOptions options, string text)
    {
        var endpoints = text.Split(',', StringSplitOptions.TrimEntries);
        if (endpoints.Length > ClientLimits.EndpointsMax || !endpoints.All(endpoint => NodeEndpoint.TryParse(endpoint, out _)))
        {
            return false;
        }

        options.Endpoints.Clear();
        foreach (var endpoint in endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        return true;
    }

    private static bool TrySetTimeout(string text, Action<TimeSpan> set) =>
        TryParseDuration(text, out var value)
        && value > TimeSpan.Zero
        && value.TotalMilliseconds <= ClientLimits.RequestTimeoutMaxMs
        && Set(() => set(value));

    private static bool TryParseInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static bool Set(Action set)
    {
        set();
        return true;
    }

    private static string? Changed(TimeSpan value, int defaultMs) =>
        value == TimeSpan.FromMilliseconds(defaultMs) ? null : FormatDuration(value);

    private static DynamoRetryPolicy WithRetries(DynamoRetryPolicy? policy, int retries)
    {
        var copy = policy?.Clone() ?? new DynamoRetryPolicy();
        copy.MaxOverloadedRetries = retries;
        return copy;
    }

    private static DynamoRetryPolicy WithLostReads(DynamoRetryPolicy? policy, bool retry)
    {
        var copy = policy?.Clone() ?? new DynamoRetryPolicy();
        copy.RetryLostReads = retry;
        return copy;
    }

    private sealed record Key(string Name, string Expected, TryApply TryApply, Func<DynamoClientOptions, string?> Format);
}
