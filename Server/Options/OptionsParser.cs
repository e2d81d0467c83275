using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Dynamo.CommandLineConventions;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Dynamo.Server.Addresses;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Options;

/// <summary>
/// Parses <c>dynamo-server</c>'s node options (the symbols are in <see cref="NodeOptionSet"/>) and their values.
/// Every mistake is reported with the option, what was wrong and what is allowed; the caller prints it and exits
/// with code 2.
/// </summary>
internal static class OptionsParser
{
    /// <summary>The names <c>--log-level</c> takes.</summary>
    public const string LogLevelNames = "trace, debug, information, warning, error, critical, none";

    /// <summary>
    /// Parses node options (no help, no subcommand): what <c>dynamo-server</c> runs a node with, and what
    /// <c>dev</c> hands each node. Returns false with <paramref name="error"/> saying what is wrong, one line per
    /// problem.
    /// </summary>
    public static bool TryParse(
        IReadOnlyList<string> args, [NotNullWhen(true)] out ServerOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        var set = new NodeOptionSet();
        var command = new Command("dynamo-server") { TreatUnmatchedTokensAsErrors = false };
        set.AddTo(command);
        var result = command.Parse(args, CommandLineRun.ParserSettings());
        var problems = CommandLineErrors.Describe(result, result.UnmatchedTokens, command);
        if (problems.Count > 0)
        {
            error = string.Join("\n", problems);
            return false;
        }

        return set.TryBuild(result, out options, out error);
    }

    /// <summary><c>--node</c>: a node id.</summary>
    public static bool TryParseNodeId(string text, out NodeId? id, [NotNullWhen(false)] out string? error)
    {
        id = null;
        if (!NodeId.TryParse(text, out var parsed, out var reason))
        {
            error = $"--node: {reason}";
            return false;
        }

        id = parsed;
        error = null;
        return true;
    }

    /// <summary><c>--listen</c>: <c>host:port</c>, port 0 allowed.</summary>
    public static bool TryParseListen(string text, out HostPort? endpoint, [NotNullWhen(false)] out string? error)
    {
        if (!HostPort.TryParse(text, allowAnyPort: true, out endpoint, out var reason))
        {
            error = $"--listen: {reason}";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary><c>--peers</c>: <c>id@host:port,...</c>, ids and endpoints unique.</summary>
    public static bool TryParsePeers(string text, out IReadOnlyList<MemberAddress>? peers, [NotNullWhen(false)] out string? error)
    {
        peers = null;
        var members = new List<MemberAddress>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
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

            if (!HostPort.TryParse(entry[(at + 1)..], allowAnyPort: false, out var endpoint, out reason))
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

        peers = members;
        error = null;
        return true;
    }

    /// <summary><c>--seeds</c>: <c>host:port,...</c>; repeated endpoints are dropped.</summary>
    public static bool TryParseSeeds(string text, out IReadOnlyList<HostPort>? seeds, [NotNullWhen(false)] out string? error)
    {
        seeds = null;
        var endpoints = new List<HostPort>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!HostPort.TryParse(entry, allowAnyPort: false, out var endpoint, out var reason))
            {
                error = $"--seeds: {reason}";
                return false;
            }

            if (!endpoints.Contains(endpoint))
            {
                endpoints.Add(endpoint);
            }
        }

        if (endpoints.Count == 0 || endpoints.Count > Limits.MembersMax)
        {
            error = $"--seeds: expected 1 to {Limits.MembersMax} endpoints.";
            return false;
        }

        seeds = endpoints;
        error = null;
        return true;
    }

    /// <summary><c>--data</c>: a directory name that is not blank.</summary>
    public static bool TryParseDirectory(string text, out string? directory, [NotNullWhen(false)] out string? error)
    {
        directory = string.IsNullOrWhiteSpace(text) ? null : text;
        error = directory is null ? "--data: the directory is empty." : null;
        return error is null;
    }

    /// <summary><c>--log-level</c>: a level by name.</summary>
    public static bool TryParseLogLevel(string text, out LogLevel? level, [NotNullWhen(false)] out string? error)
    {
        level = null;
        if (!Enum.TryParse<LogLevel>(text, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)
            || int.TryParse(text, CultureInfo.InvariantCulture, out _))
        {
            error = $"--log-level: '{text}' is not one of {LogLevelNames}.";
            return false;
        }

        level = parsed;
        error = null;
        return true;
    }

    /// <summary><c>--store</c>: log or memory.</summary>
    public static bool TryParseStore(string text, out StoreKind? store, [NotNullWhen(false)] out string? error) =>
        TryParseKeyword(text, "--store", [("log", StoreKind.Log), ("memory", StoreKind.Memory)], out store, out error);

    /// <summary><c>--durability</c>: always, interval or none.</summary>
    public static bool TryParseDurability(string text, out DurabilityMode? mode, [NotNullWhen(false)] out string? error) =>
        TryParseKeyword(
            text,
            "--durability",
            [("always", DurabilityMode.Always), ("interval", DurabilityMode.Interval), ("none", DurabilityMode.None)],
            out mode,
            out error);

    /// <summary><c>--anti-entropy</c>: on or off.</summary>
    public static bool TryParseOnOff(string text, out OnOff? enabled, [NotNullWhen(false)] out string? error) =>
        TryParseKeyword(text, "--anti-entropy", [("on", OnOff.On), ("off", OnOff.Off)], out enabled, out error);

    /// <summary><c>--phi-threshold</c>: a number from <see cref="Limits.PhiThresholdMin"/> to <see cref="Limits.PhiThresholdMax"/>.</summary>
    public static bool TryParsePhiThreshold(string text, out double? phi, [NotNullWhen(false)] out string? error)
    {
        phi = null;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed)
            || parsed < Limits.PhiThresholdMin || parsed > Limits.PhiThresholdMax)
        {
            error = $"--phi-threshold: '{text}' is not a number from {Limits.PhiThresholdMin} to {Limits.PhiThresholdMax}.";
            return false;
        }

        phi = parsed;
        error = null;
        return true;
    }

    /// <summary><c>--compaction-garbage-ratio</c>: a number strictly between 0 and 1.</summary>
    public static bool TryParseGarbageRatio(string text, out double? ratio, [NotNullWhen(false)] out string? error)
    {
        ratio = null;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed)
            || parsed <= 0 || parsed >= 1)
        {
            error = $"--compaction-garbage-ratio: '{text}' is not a number between 0 and 1 (both excluded).";
            return false;
        }

        ratio = parsed;
        error = null;
        return true;
    }

    /// <summary><c>--parent-pid</c>: a process id.</summary>
    public static bool TryParseParentPid(string text, out int? pid, [NotNullWhen(false)] out string? error)
    {
        if (!TryParseWhole(text, "--parent-pid", out pid, out error))
        {
            return false;
        }

        if (pid <= 0)
        {
            error = $"--parent-pid: {pid} is not a process id.";
            pid = null;
            return false;
        }

        return true;
    }

    /// <summary>A whole number in <paramref name="min"/> to <paramref name="max"/>, for <paramref name="option"/>.</summary>
    public static bool TryParseBounded(string text, string option, int min, int max, out int? result, [NotNullWhen(false)] out string? error)
    {
        if (!TryParseWhole(text, option, out result, out error))
        {
            return false;
        }

        if (result < min || result > max)
        {
            error = $"{option}: {result} is out of range; expected {min} to {max}.";
            result = null;
            return false;
        }

        return true;
    }

    /// <summary>A whole number (sign allowed; the range is checked later), for <paramref name="option"/>.</summary>
    public static bool TryParseWhole(string text, string option, out int? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            error = $"{option}: '{text}' is not a whole number.";
            return false;
        }

        result = parsed;
        error = null;
        return true;
    }

    /// <summary>
    /// One of <paramref name="keywords"/> (exactly, case included), for <paramref name="option"/>; the error lists
    /// them in order: <c>'x' is not a, b or c.</c>
    /// </summary>
    private static bool TryParseKeyword<T>(
        string text, string option, ReadOnlySpan<(string Name, T Value)> keywords, out T? value, [NotNullWhen(false)] out string? error)
        where T : struct
    {
        foreach (var (name, keywordValue) in keywords)
        {
            if (text == name)
            {
                value = keywordValue;
                error = null;
                return true;
            }
        }

        var names = new string[keywords.Length];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = keywords[i].Name;
        }

        value = null;
        error = $"{option}: '{text}' is not {string.Join(", ", names[..^1])} or {names[^1]}.";
        return false;
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
}
