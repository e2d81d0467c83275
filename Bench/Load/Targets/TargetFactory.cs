using Dynamo.Client;

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
            var list = url[DynamoScheme.Length..].TrimEnd('/');
            ParseEndpoints(url, list, many: true);
            return new DynamoTarget(url, list.Split(','));
        }

        if (url.StartsWith(RedisScheme, StringComparison.OrdinalIgnoreCase))
        {
            var endpoints = ParseEndpoints(url, url[RedisScheme.Length..].TrimEnd('/'), many: false);
            return new RespTarget(url, endpoints[0].Host, endpoints[0].Port);
        }

        throw new ArgumentException(
            $"'{url}' is not a target: use dynamo://host:port[,host:port...] or redis://host:port.", nameof(url));
    }

    private static NodeEndpoint[] ParseEndpoints(string url, string list, bool many)
    {
        var parts = list.Split(',');
        if (!many && parts.Length != 1)
        {
            throw new ArgumentException($"'{url}' names several endpoints; a redis:// target takes one host:port.", nameof(url));
        }

        var endpoints = new NodeEndpoint[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!NodeEndpoint.TryParse(parts[i], out endpoints[i]))
            {
                throw new ArgumentException(
                    $"'{url}': '{parts[i]}' is not an endpoint host:port with a port from 1 to 65535.", nameof(url));
            }
        }

        return endpoints;
    }
}
