using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Protocol;

namespace Dynamo.Server.Addresses;

/// <summary>A <c>host:port</c> pair as given on the command line or gossiped. The port follows the last colon.</summary>
/// <param name="Host">A name, an IPv4 address or a bracketed IPv6 address.</param>
/// <param name="Port">The TCP port (0 only for a listen address: any free port).</param>
internal sealed record HostPort(string Host, int Port)
{
    /// <summary>The host without IPv6 brackets, as the resolver and the socket layer want it.</summary>
    public string BareHost => Host.StartsWith('[') && Host.EndsWith(']') ? Host[1..^1] : Host;

    /// <summary>
    /// Parses <c>host:port</c>: the port follows the last colon (so <c>[::1]:7000</c> works), decimal without
    /// leading zeros, 1 to 65535 (0 too when <paramref name="allowAnyPort"/>).
    /// </summary>
    public static bool TryParse(
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

    /// <inheritdoc/>
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>A member of the static member list: its node id and the endpoint other nodes and clients reach it at.</summary>
/// <param name="Id">The node id.</param>
/// <param name="Endpoint">Its endpoint.</param>
internal sealed record MemberAddress(NodeId Id, HostPort Endpoint);
