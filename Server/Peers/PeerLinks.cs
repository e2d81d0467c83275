using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Server.Addresses;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Peers;

/// <summary>
/// The outbound links of a node: one per other member, by node id — the static member list's from the start, and
/// members learned by gossip as their addresses become known — and one per seed address whose node id is not known
/// yet (<see cref="SendToAddress"/>). A member whose advertised address changes gets a new link. Links are created,
/// looked up and sent on by the node loop only; each runs on the pool until the node stops.
/// </summary>
internal sealed class PeerLinks : IDisposable
{
    private readonly Dictionary<NodeId, PeerLink> _links = [];
    private readonly Dictionary<string, PeerLink> _byAddress = new(StringComparer.Ordinal);
    private readonly List<(PeerLink Link, CancellationTokenSource Stop)> _retired = [];
    private readonly Dictionary<PeerLink, CancellationTokenSource> _stops = [];
    private readonly List<Task> _running = [];
    private readonly object _runningLock = new();
    private readonly SocketConnectionContextFactory _factory;
    private readonly ILogger<PeerLink> _logger;
    private readonly Random _random;
    private readonly NodeId _self;
    private IPeerInbox? _loop;
    private CancellationToken _stopping;

    /// <summary>Creates a link to every member but <paramref name="self"/>; jitter comes from <paramref name="seed"/>.</summary>
    public PeerLinks(NodeId self, IEnumerable<MemberAddress> members, int seed, ILoggerFactory loggers)
    {
        _self = self;
        _factory = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                MaxReadBufferSize = ServerLimits.ReadBufferBytesMax,
                MaxWriteBufferSize = ServerLimits.PipePauseBytes,
                WaitForDataBeforeAllocatingBuffer = true,
            },
            loggers.CreateLogger("Dynamo.Server.Peers.Transport"));
        _logger = loggers.CreateLogger<PeerLink>();
        _random = new Random(seed);
        foreach (var member in members)
        {
            if (member.Id != self)
            {
                _links.Add(member.Id, new PeerLink(member, _factory, new Random(_random.Next()), _logger));
            }
        }
    }

    /// <summary>How many links to members (by id) are connected now.</summary>
    public int ConnectedCount => _links.Values.Count(l => l.IsConnected);

    /// <summary>The links to members, by peer.</summary>
    public IReadOnlyDictionary<NodeId, PeerLink> Links => _links;

    /// <summary>
    /// Makes sure a link to <paramref name="member"/> at <paramref name="endpoint"/> exists (node loop only): creates
    /// and starts one for a member not linked yet, and replaces the link of a member whose address changed.
    /// </summary>
    public void Ensure(NodeId member, HostPort endpoint)
    {
        if (member == _self)
        {
            return;
        }

        if (_links.TryGetValue(member, out var existing))
        {
            if (existing.Endpoint == endpoint)
            {
                return;
            }

            Retire(existing);
        }

        var link = new PeerLink(new MemberAddress(member, endpoint), _factory, new Random(_random.Next()), _logger);
        _links[member] = link;
        Start(link);
    }

    /// <summary>Queues a request to <paramref name="to"/>; false with the reason when it cannot go now.</summary>
    public bool TrySend(NodeId to, ulong operationId, NodeRequest request, long deadlineMs, out string reason)
    {
        if (!_links.TryGetValue(to, out var link))
        {
            reason = $"There is no link to {to}: its address is not known.";
            return false;
        }

        return link.TrySend(operationId, request, deadlineMs, out reason);
    }

    /// <summary>
    /// Queues a request to the node at <paramref name="address"/>, whose id is not known (a seed); its answer comes
    /// back with a default node id as the sender. The link is created on first use and kept (seeds are few).
    /// </summary>
    public bool TrySendToAddress(string address, ulong operationId, NodeRequest request, long deadlineMs, out string reason)
    {
        if (!_byAddress.TryGetValue(address, out var link))
        {
            if (!HostPort.TryParse(address, allowAnyPort: false, out var endpoint, out var error))
            {
                reason = $"The seed address '{address}' is not valid: {error}";
                return false;
            }

            if (_byAddress.Count >= Limits.MembersMax)
            {
                reason = $"{_byAddress.Count} seed links exist, the limit.";
                return false;
            }

            link = new PeerLink(new MemberAddress(default, endpoint), _factory, new Random(_random.Next()), _logger);
            _byAddress.Add(address, link);
            Start(link);
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

        foreach (var link in _byAddress.Values)
        {
            link.CollectOverdue(nowMs, into);
        }

        // A replaced link's pending operations still end exactly once: by its reader, its failure, or here.
        for (var i = _retired.Count - 1; i >= 0; i--)
        {
            var (link, stop) = _retired[i];
            link.CollectOverdue(nowMs, into);
            if (!link.HasPending)
            {
                stop.Cancel();
                stop.Dispose();
                _retired.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Runs every link until cancelled; links created later start at once and are awaited too. The links of the
    /// static member list start before this method first yields, so call it before the node loop starts.
    /// </summary>
    public async Task RunAsync(IPeerInbox loop, CancellationToken cancellationToken)
    {
        _loop = loop;
        _stopping = cancellationToken;
        foreach (var link in _links.Values)
        {
            Start(link);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The node is stopping: wait for the links to end below.
        }

        Task[] running;
        lock (_runningLock)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var stop in _stops.Values)
        {
            stop.Dispose();
        }

        _factory.Dispose();
    }

    private void Start(PeerLink link)
    {
        if (_loop is null || _stops.ContainsKey(link))
        {
            return;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        _stops.Add(link, stop);
        var task = link.RunAsync(_loop, stop.Token);
        lock (_runningLock)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    private void Retire(PeerLink link)
    {
        if (_stops.Remove(link, out var stop))
        {
            _retired.Add((link, stop));
        }
    }
}
