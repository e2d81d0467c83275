using System.Globalization;

namespace Dynamo.Client;

/// <summary>How a <see cref="DynamoClient"/> finds the cluster and what it does by default.</summary>
public sealed class DynamoClientOptions
{
    /// <summary>Creates options with the given seed endpoints ("host:port").</summary>
    public DynamoClientOptions(params string[] endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var endpoint in endpoints)
        {
            Endpoints.Add(endpoint);
        }
    }

    /// <summary>
    /// Seed endpoints, "host:port" (an IPv6 host in brackets: "[::1]:7101"). The client asks the first reachable one
    /// for the cluster information and learns every member's endpoint from it.
    /// </summary>
    public IList<string> Endpoints { get; } = new List<string>();

    /// <summary>Deadline of a request that does not set its own; at most <see cref="ClientLimits.RequestTimeoutMaxMs"/>.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMilliseconds(ClientLimits.RequestTimeoutDefaultMs);

    /// <summary>Bucket of a request that does not name its own; the empty bucket by default.</summary>
    public string DefaultBucket { get; set; } = string.Empty;

    /// <summary>Most requests in flight on one connection; a request beyond it waits for a slot until its deadline.</summary>
    public int MaxInFlightPerConnection { get; set; } = ClientLimits.InFlightRequestsDefault;

    /// <summary>Deadline for opening a connection to one node.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(ClientLimits.ConnectTimeoutDefaultMs);

    /// <summary>
    /// How often the client re-reads the cluster information and, when the ring's fingerprint changed, rebuilds its
    /// routing; <see cref="TimeSpan.Zero"/> leaves it to <see cref="DynamoClient.RefreshAsync"/>.
    /// </summary>
    public TimeSpan RingRefreshInterval { get; set; } = TimeSpan.FromMilliseconds(ClientLimits.RingRefreshIntervalDefaultMs);

    /// <summary>The clock used for deadlines and reconnection back-off.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks every setting, throwing <see cref="ArgumentException"/> with the reason.</summary>
    internal void Validate()
    {
        if (Endpoints.Count == 0 || Endpoints.Count > ClientLimits.EndpointsMax)
        {
            throw new ArgumentException(
                $"Give 1 to {ClientLimits.EndpointsMax} endpoints; {Endpoints.Count} were given.", nameof(Endpoints));
        }

        foreach (var endpoint in Endpoints)
        {
            NodeEndpoint.Parse(endpoint);
        }

        RequestChecks.CheckTimeout(DefaultTimeout, nameof(DefaultTimeout));
        RequestChecks.CheckTimeout(ConnectTimeout, nameof(ConnectTimeout));
        RequestChecks.CheckBucket(DefaultBucket);
        if (MaxInFlightPerConnection < 1 || MaxInFlightPerConnection > ClientLimits.InFlightRequestsMax)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxInFlightPerConnection),
                MaxInFlightPerConnection,
                string.Create(CultureInfo.InvariantCulture, $"Must be from 1 to {ClientLimits.InFlightRequestsMax}."));
        }

        if (RingRefreshInterval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RingRefreshInterval), RingRefreshInterval, "Must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
