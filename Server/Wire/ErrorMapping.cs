using System.Collections.Immutable;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;

namespace Dynamo.Server.Wire;

/// <summary>
/// The one table between the core's <see cref="ClientStatus"/> and the protocol's <see cref="ErrorCode"/>, read both
/// ways: a client command that failed is answered with its status's code (<see cref="ReplyEncoder"/>), and a peer's
/// error reply comes back to the core as the status of that code (<see cref="PeerCodec"/>). Every status but
/// <see cref="ClientStatus.Ok"/> has exactly one code and comes back as itself.
/// </summary>
internal static class ErrorMapping
{
    private static readonly ImmutableArray<(ClientStatus Status, ErrorCode Code)> s_table =
    [
        (ClientStatus.BadRequest, ErrorCode.BadRequest),
        (ClientStatus.TooLarge, ErrorCode.TooLarge),
        (ClientStatus.QuorumNotMet, ErrorCode.QuorumNotMet),
        (ClientStatus.Timeout, ErrorCode.Timeout),
        (ClientStatus.Unavailable, ErrorCode.Unavailable),
        (ClientStatus.VersionLimit, ErrorCode.VersionLimit),
        (ClientStatus.Overloaded, ErrorCode.Overloaded),
        (ClientStatus.StorageFailed, ErrorCode.StorageFailed),
    ];

    /// <summary>The error code of a failed client command; <see cref="ErrorCode.Internal"/> for a status with none (Ok).</summary>
    public static ErrorCode ToErrorCode(ClientStatus status)
    {
        foreach (var (s, code) in s_table)
        {
            if (s == status)
            {
                return code;
            }
        }

        return ErrorCode.Internal;
    }

    /// <summary>
    /// The core's status for a request a peer refused with <paramref name="code"/>; null for the codes about the
    /// connection itself (framing, checksums, unknown opcodes) and for <see cref="ErrorCode.Internal"/>, which say the
    /// peer failed rather than refused.
    /// </summary>
    public static ClientStatus? ToClientStatus(ErrorCode code)
    {
        foreach (var (status, c) in s_table)
        {
            if (c == code)
            {
                return status;
            }
        }

        return null;
    }
}
