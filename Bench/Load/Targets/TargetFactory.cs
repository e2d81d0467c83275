using System.Globalization;

namespace Dynamo.Bench.Load;

/// <summary>Builds the <see cref="ITarget"/> a URL names.</summary>
internal static class TargetFactory
{
    private const string DynamoScheme = "dynamo://";
    private const string RedisScheme = "redis://";

    /// <summary>
    /// The target of <paramref name="url"/>: <c>dynamo://host:port[,host:port...]</c> drives a Dynamo cluster through
    /// the driver, seeded with those endpoints; <c>redis://host:port</c> drives a server speaking the Redis protocol
    /// (Redis, Garnet).
    /// </summary>
    /// <exception cref="ArgumentException">The URL is not one of those forms.</exception>
    public static ITarget Create(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.StartsWith(DynamoScheme, StringComparison.OrdinalIgnoreCase))
        {
            var endpoints = ParseEndpoints(url, url[DynamoScheme.Length..].TrimEnd('/'), many: true);
            return new DynamoTarget(url, Array.ConvertAll(endpoints, e => e.Text));
        }

        if (url.StartsWith(RedisScheme, StringComparison.OrdinalIgnoreCase))
        {
            var endpoints = ParseEndpoints(url, url[RedisScheme.Length..].TrimEnd('/'), many: false);
            return new RespTarget(url, endpoints[0].Host, endpoints[0].Port);
        }

        throw new ArgumentException(
            $"'{url}' is not a target: use dynamo://host:port[,host:port...] or redis://host:port.", nameof(url));
    }

    private static (string Host, int Port, string Text)[] ParseEndpoints(string url, string list, bool many)
    {
        var parts = list.Split(',');
        if (!many && parts.Length != 1)
        {
            throw new ArgumentException($"'{url}' names several endpoints; a redis:// target takes one host:port.", nameof(url));
        }

        var endpoints = new (string Host, int Port, string Text)[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParseEndpoint(parts[i], out endpoints[i]))
            {
                throw new ArgumentException(
                    $"'{url}': '{parts[i]}' is not an endpoint host:port with a port from 1 to 65535.", nameof(url));
            }
        }

        return endpoints;
    }

    private static bool TryParseEndpoint(string text, out (string Host, int Port, string Text) endpoint)
    {
        endpoint = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return false; // an IPv6 address must be in brackets
        }

        if (host.Length == 0 || host.AsSpan().IndexOfAny("/[] ") >= 0)
        {
            return false;
        }

        endpoint = (host, port, text);
        return true;
    }
}
