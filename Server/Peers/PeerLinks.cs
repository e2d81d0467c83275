using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Server.Node;
using Dynamo.Server.Options;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Peers;

/// <summary>The outbound links of a node: one per other member of the static member list.</summary>
internal sealed class PeerLinks : IDisposable
{
    private readonly Dictionary<NodeId, PeerLink> _links = [];
    private readonly SocketConnectionContextFactory _factory;

    /// <summary>Creates a link to every member but <paramref name="self"/>; jitter comes from <paramref name="seed"/>.</summary>
    public PeerLinks(NodeId self, IEnumerable<MemberAddress> members, int seed, ILoggerFactory loggers)
    {
        _factory = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                MaxReadBufferSize = ServerLimits.ReadBufferBytesMax,
                MaxWriteBufferSize = ServerLimits.PipePauseBytes,
                WaitForDataBeforeAllocatingBuffer = true,
            },
            loggers.CreateLogger("Dynamo.Server.Peers.Transport"));
        var logger = loggers.CreateLogger<PeerLink>();
        var random = new Random(seed);
        foreach (var member in members)
        {
            if (member.Id != self)
            {
                _links.Add(member.Id, new PeerLink(member, _factory, new Random(random.Next()), logger));
            }
        }
    }

    /// <summary>How many links are connected now.</summary>
    public int ConnectedCount => _links.Values.Count(l => l.IsConnected);

    /// <summary>The links, by peer.</summary>
    public IReadOnlyDictionary<NodeId, PeerLink> Links => _links;

    /// <summary>Queues a request to <paramref name="to"/>; false with the reason when it cannot go now.</summary>
    public bool TrySend(NodeId to, ulong operationId, NodeRequest request, long deadlineMs, out string reason)
    {
        if (!_links.TryGetValue(to, out var link))
        {
            reason = $"There is no link to {to}: it is not another member.";
            return false;
        }

        return link.TrySend(operationId, request, deadlineMs, out reason);
    }

    /// <summary>Fails every operation past its deadline, on every link.</summary>
    public void CollectOverdue(long nowMs, List<PeerResponse> into)
    {
        foreach (var link in _links.Values)
        {
            link.CollectOverdue(nowMs, into);
        }
    }

    /// <summary>Runs every link until cancelled.</summary>
    public Task RunAsync(NodeLoop loop, CancellationToken cancellationToken) =>
        Task.WhenAll(_links.Values.Select(link => link.RunAsync(loop, cancellationToken)));

    /// <inheritdoc/>
    public void Dispose() => _factory.Dispose();
}
