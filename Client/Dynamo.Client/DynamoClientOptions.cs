using System.Globalization;
using Dynamo.Engine;
using Microsoft.Extensions.Logging;

namespace Dynamo.Client;

/// <summary>
/// How a <see cref="DynamoClient"/> finds the cluster and what it does by default. A client takes a copy when it is
/// created: changing the options afterwards does not change the client. Every setting except
/// <see cref="LoggerFactory"/> and <see cref="TimeProvider"/> can also be given as a connection string
/// (<see cref="Parse"/>), for example <c>nodes=10.0.0.1:7101,10.0.0.2:7101;timeout=2s;r=2;w=2</c>.
/// </summary>
public sealed class DynamoClientOptions
{
    /// <summary>Creates options with no endpoint yet (add them to <see cref="Endpoints"/>).</summary>
    public DynamoClientOptions()
    {
    }

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
    /// for the cluster information and learns every member's endpoint from it. Connection string key: <c>nodes</c>.
    /// </summary>
    public IList<string> Endpoints { get; } = new List<string>();

    /// <summary>
    /// Deadline of a request that does not set its own; at most <see cref="ClientLimits.RequestTimeoutMaxMs"/>. It
    /// also bounds the first connection of a client that connects on first use. Key: <c>timeout</c>.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMilliseconds(ClientLimits.RequestTimeoutDefaultMs);

    /// <summary>Bucket of a request that does not name its own; the empty bucket by default. Key: <c>bucket</c>.</summary>
    public string DefaultBucket { get; set; } = string.Empty;

    /// <summary>
    /// Read quorum R of a get that does not set its own; null (the default) leaves it to the bucket's R on the node.
    /// Checked against the request's N when it is sent. Key: <c>r</c>.
    /// </summary>
    public int? DefaultR { get; set; }

    /// <summary>
    /// Write quorum W of a put or delete that does not set its own; null (the default) leaves it to the bucket's W on
    /// the node. Checked against the request's N when it is sent. Key: <c>w</c>.
    /// </summary>
    public int? DefaultW { get; set; }

    /// <summary>
    /// Strict quorum for requests that do not set <see cref="RequestOptions.Strict"/> (see there); false by default.
    /// Key: <c>strict</c>.
    /// </summary>
    public bool DefaultStrict { get; set; }

    /// <summary>
    /// Most requests in flight on one connection; a request beyond it waits for a slot until its deadline.
    /// Key: <c>maxInFlight</c>.
    /// </summary>
    public int MaxInFlightPerConnection { get; set; } = ClientLimits.InFlightRequestsDefault;

    /// <summary>Deadline for opening a connection to one node. Key: <c>connectTimeout</c>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(ClientLimits.ConnectTimeoutDefaultMs);

    /// <summary>
    /// How often the client re-reads the cluster information and, when anything it routes by changed (the ring, a
    /// member's endpoint, the default N, R or W), routes with the new information; <see cref="TimeSpan.Zero"/> leaves
    /// it to <see cref="DynamoClient.RefreshAsync"/>. At most <see cref="ClientLimits.RingRefreshIntervalMaxMs"/>.
    /// Key: <c>ringRefresh</c>.
    /// </summary>
    public TimeSpan RingRefreshInterval { get; set; } = TimeSpan.FromMilliseconds(ClientLimits.RingRefreshIntervalDefaultMs);

    /// <summary>
    /// Which failed requests the driver repeats by itself (Overloaded answers, reads lost in flight); see
    /// <see cref="DynamoRetryPolicy"/>. Keys: <c>retries</c>, <c>retryLostReads</c>.
    /// </summary>
    public DynamoRetryPolicy RetryPolicy { get; set; } = new();

    /// <summary>
    /// Where the client logs connections opened and lost, nodes marked down and back, cluster changes, retries and
    /// failovers; null logs nothing. With <c>AddDynamoClient</c>, the container's factory is used when this is null.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock used for deadlines, retry waits and reconnection back-off.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Reads options from a connection string: <c>key=value</c> pairs separated by <c>;</c>, keys case-insensitive,
    /// <c>nodes</c> required. Durations are a whole number followed by <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>
    /// (<c>500ms</c>, <c>2s</c>, <c>1m</c>), or <c>hh:mm:ss[.fffffff]</c>; a value holding <c>;</c> is written in
    /// double quotes (a quote inside doubled). docs/CLIENT.md lists every key.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="connectionString"/> is null.</exception>
    /// <exception cref="FormatException">The string is malformed, names an unknown key, gives a key twice, gives a
    /// value that is not what its key expects, or names no nodes; the message names the key and what was expected.</exception>
    public static DynamoClientOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var options = new DynamoClientOptions();
        OptionKeys.ApplyConnectionString(options, connectionString);
        return options;
    }

    /// <summary>
    /// The options as a connection string that <see cref="Parse"/> reads back: the nodes, then every other setting
    /// that differs from its default. <see cref="LoggerFactory"/> and <see cref="TimeProvider"/> have no text form.
    /// </summary>
    public override string ToString() => OptionKeys.Format(this);

    /// <summary>A copy for a client to keep (the retry policy copied too; the logger factory and clock shared).</summary>
    internal DynamoClientOptions Clone()
    {
        var copy = new DynamoClientOptions([.. Endpoints])
        {
            DefaultTimeout = DefaultTimeout,
            DefaultBucket = DefaultBucket,
            DefaultR = DefaultR,
            DefaultW = DefaultW,
            DefaultStrict = DefaultStrict,
            MaxInFlightPerConnection = MaxInFlightPerConnection,
            ConnectTimeout = ConnectTimeout,
            RingRefreshInterval = RingRefreshInterval,
            RetryPolicy = RetryPolicy?.Clone()!,
            LoggerFactory = LoggerFactory,
            TimeProvider = TimeProvider,
        };
        return copy;
    }

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
        CheckQuorum(DefaultR, nameof(DefaultR));
        CheckQuorum(DefaultW, nameof(DefaultW));
        if (MaxInFlightPerConnection < 1 || MaxInFlightPerConnection > ClientLimits.InFlightRequestsMax)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxInFlightPerConnection),
                MaxInFlightPerConnection,
                string.Create(CultureInfo.InvariantCulture, $"Must be from 1 to {ClientLimits.InFlightRequestsMax}."));
        }

        if (RingRefreshInterval < TimeSpan.Zero || RingRefreshInterval.TotalMilliseconds > ClientLimits.RingRefreshIntervalMaxMs)
        {
            throw new ArgumentOutOfRangeException(
                nameof(RingRefreshInterval),
                RingRefreshInterval,
                string.Create(CultureInfo.InvariantCulture, $"Must be from 0 (off) to {ClientLimits.RingRefreshIntervalMaxMs} ms."));
        }

        ArgumentNullException.ThrowIfNull(RetryPolicy);
        RetryPolicy.Validate();
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    private static void CheckQuorum(int? quorum, string name)
    {
        if (quorum is { } value && (value < 1 || value > Limits.ReplicasMax))
        {
            throw new ArgumentOutOfRangeException(
                name, value, string.Create(CultureInfo.InvariantCulture, $"Must be from 1 to {Limits.ReplicasMax}, or null for the bucket's default."));
        }
    }
}
