using System.Globalization;

namespace Dynamo.Client;

/// <summary>A node's "host:port": the port follows the last colon; an IPv6 host is written in brackets.</summary>
internal readonly record struct NodeEndpoint(string Host, int Port)
{
    /// <summary>Parses "host:port", throwing <see cref="ArgumentException"/> with the reason.</summary>
    public static NodeEndpoint Parse(string text)
    {
        if (!TryParse(text, out var endpoint))
        {
            throw new ArgumentException($"'{text}' is not an endpoint \"host:port\" with a port from 1 to 65535.", nameof(text));
        }

        return endpoint;
    }

    public static bool TryParse(string? text, out NodeEndpoint endpoint)
    {
        endpoint = default;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || colon == text.Length - 1)
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
            return false; // an IPv6 address must be in brackets, or its last group would be taken for the port
        }

        if (host.Length == 0 || host.AsSpan().IndexOfAny("/[] ") >= 0)
        {
            return false;
        }

        endpoint = new NodeEndpoint(host, port);
        return true;
    }
}
