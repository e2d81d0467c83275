using System.Net;
using System.Net.Sockets;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Storage;
using Dynamo.Server.Addresses;
using Dynamo.Server.Connections;
using Dynamo.Server.Node;
using Dynamo.Server.Options;
using Dynamo.Server.Peers;
using Dynamo.Server.Storage;
using Dynamo.Server.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dynamo.Server.Hosting;

/// <summary>
/// A running node: Kestrel listening with <see cref="FrameConnectionHandler"/>, the node loop, its ticker, the
/// peer links and, when started by <c>dev</c>, a watch on the parent process. Several can run in one process
/// (tests): nothing here is static.
/// </summary>
internal sealed class NodeHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;
    private readonly Task _background;
    private readonly PeerLinks _links;
    private readonly ILogger _logger;

    private NodeHost(
        WebApplication app,
        CancellationTokenSource stopping,
        Task background,
        PeerLinks links,
        NodeStorage storage,
        NodeId node,
        IPEndPoint endPoint,
        uint epoch,
        string dataDirectory,
        ILogger logger)
    {
        Node = node;
        _app = app;
        _stopping = stopping;
        _background = background;
        _links = links;
        Storage = storage;
        EndPoint = endPoint;
        Epoch = epoch;
        DataDirectory = dataDirectory;
        _logger = logger;
    }

    /// <summary>This node's id.</summary>
    public NodeId Node { get; }

    /// <summary>Where the node listens (the real port when it was asked for port 0).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The epoch this start took.</summary>
    public uint Epoch { get; }

    /// <summary>The data directory in use.</summary>
    public string DataDirectory { get; }

    /// <summary>The node loop (tests look at it).</summary>
    internal NodeLoop Loop => _app.Services.GetRequiredService<NodeLoop>();

    /// <summary>The open connections (tests look at them).</summary>
    internal ConnectionRegistry Connections => _app.Services.GetRequiredService<ConnectionRegistry>();

    /// <summary>The node's store and its durability policy (tests look at it).</summary>
    internal NodeStorage Storage { get; }

    /// <summary>The peer links.</summary>
    internal PeerLinks Links => _links;

    /// <summary>Completes when the node stops: by <see cref="DisposeAsync"/>, SIGTERM or Ctrl-C, or a failed node loop.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>
    /// Takes the next epoch, builds the core and starts serving. <paramref name="configureLogging"/> replaces the
    /// console logging (tests).
    /// </summary>
    /// <exception cref="EpochFileException">The epoch file cannot be trusted.</exception>
    /// <exception cref="IOException">The listen address cannot be bound, or the data directory written.</exception>
    public static async Task<NodeHost> StartAsync(
        ServerOptions options, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default) =>
        await StartAsync(options, medium: null, configureLogging, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// As <see cref="StartAsync(ServerOptions, Action{ILoggingBuilder}?, CancellationToken)"/>, with the log store on
    /// <paramref name="medium"/> instead of files in <c>&lt;data&gt;/store</c> (tests inject a fault-injecting medium).
    /// </summary>
    /// <exception cref="EpochFileException">The epoch file cannot be trusted.</exception>
    /// <exception cref="RingFileException">The ring file cannot be trusted, or holds another partition count.</exception>
    /// <exception cref="IOException">The listen address cannot be bound, or the data directory or store written.</exception>
    /// <exception cref="StorageFormatException">The store holds a file of an unknown format version.</exception>
    public static async Task<NodeHost> StartAsync(
        ServerOptions options, IStorageMedium? medium, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        var dataDirectory = options.DataDirectory ?? Directory.CreateTempSubdirectory($"dynamo-{options.Node}-").FullName;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        ConfigureLogging(builder.Logging, options.LogLevel, configureLogging);
        ListenOptions? listen = null;
        var address = await ResolveListenAddressAsync(options.Listen, cancellationToken).ConfigureAwait(false);
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.MaxReadBufferSize = ServerLimits.ReadBufferBytesMax;
            sockets.MaxWriteBufferSize = ServerLimits.PipePauseBytes;
            sockets.NoDelay = true;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, options.Listen.Port, l =>
            {
                l.UseConnectionHandler<FrameConnectionHandler>();
                listen = l;
            });
        });

        // The store decides the epoch, which the core and the links need: open it first, logging its recovery
        // through a factory of its own (the host's exists only once the app is built).
        NodeStorage storage;
        using (var startupLogging = LoggerFactory.Create(logging => ConfigureLogging(logging, options.LogLevel, configureLogging)))
        {
            var startupLogger = startupLogging.CreateLogger("Dynamo.Server.Node");
            storage = NodeStorage.Open(options, dataDirectory, medium, startupLogger);
            Log.EpochChosen(startupLogger, storage.Epoch, storage.EpochReason);
        }

        // The ring the cluster agreed on, as this node last knew it, wins over the ring of the command line.
        var kept = storage.StoredState;
        var stored = kept?.Ring;
        if (stored is not null && stored.Ring.PartitionCount != options.Partitions)
        {
            storage.Close();
            throw new RingFileException(
                $"The data directory holds a ring of {stored.Ring.PartitionCount} partitions, but --partitions is "
                + $"{options.Partitions}; a cluster's partition count cannot change.");
        }

        var ring = stored?.Ring ?? Ring.Create(options.Members.Select(m => m.Id), options.Partitions);
        var status = new NodeStatus(
            options.Self.Endpoint.ToString(), ClusterInfoWire.Payload(options.Defaults, ring, StaticAddresses(options)) ?? []);
        var epoch = storage.Epoch;
        var core = new NodeCore(
            new NodeOptions(options.Node, epoch, ring, options.Defaults, options.Buckets)
            {
                RingVersion = stored?.Version ?? 0,
                KeptBuckets = kept?.Buckets ?? [],
                AntiEntropyEnabled = options.AntiEntropy.Enabled,
                AntiEntropyIntervalMs = options.AntiEntropy.IntervalMs,
                AntiEntropyConcurrency = options.AntiEntropy.Concurrency,
                AntiEntropyKeysPerSecond = options.AntiEntropy.KeysPerSecond,
                GossipEnabled = true,
                Address = options.Self.Endpoint.ToString(),
                Seeds = [.. options.Seeds.Select(s => s.ToString())],
                Random = new Random(SeedOf(options.Node, epoch) ^ 0x5EED),
                GossipIntervalMs = options.GossipIntervalMs,
                MemberDownAfterMs = options.MemberDownAfterMs,
                PhiThreshold = options.PhiThreshold,
                HintsPerSecond = options.HintsPerSecond,
            },
            storage.Store,
            storage.Hints);
        builder.Services.AddSingleton(services =>
            new PeerLinks(options.Node, options.Members, SeedOf(options.Node, epoch), services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton(services =>
            new NodeLoop(
                core,
                storage,
                services.GetRequiredService<PeerLinks>(),
                status,
                TimeProvider.System,
                StaticAddresses(options),
                services.GetRequiredService<ILoggerFactory>().CreateLogger("Dynamo.Server.Node")));
        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton<ConnectionRegistry>();
        WebApplication app;
        try
        {
            app = builder.Build();
        }
        catch
        {
            storage.Close();
            throw;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Dynamo.Server.Node");
        storage.Logger = logger;
        var links = app.Services.GetRequiredService<PeerLinks>();
        var loop = app.Services.GetRequiredService<NodeLoop>();
        if (options.DataDirectory is null)
        {
            Log.TemporaryDataDirectory(logger, dataDirectory);
        }

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            storage.Close();
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var endPoint = listen!.IPEndPoint ?? new IPEndPoint(address, options.Listen.Port);
        var stopping = new CancellationTokenSource();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var background = RunBackgroundAsync(loop, links, options.ParentProcessId, lifetime, logger, stopping.Token);
        Log.NodeStarted(
            logger, options.Node, epoch, endPoint, string.Join(",", options.Members.Select(m => $"{m.Id}@{m.Endpoint}")),
            ring.PartitionCount, options.Defaults.N, options.Defaults.R, options.Defaults.W, options.Defaults.TimeoutMs, dataDirectory);
        return new NodeHost(app, stopping, background, links, storage, options.Node, endPoint, epoch, dataDirectory, logger);
    }

    /// <summary>Stops serving: Kestrel first (no new requests), then the loop, the ticker and the links.</summary>
    public async ValueTask DisposeAsync()
    {
        Log.NodeStopping(_logger, Node);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _background.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked.
        }
        finally
        {
            // The loop has stopped: nothing else touches the store. Final fsync and clean-shutdown marker.
            Storage.Close();
        }

        _stopping.Dispose();
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The endpoints of the static member list, by node id.</summary>
    internal static IReadOnlyDictionary<NodeId, string> StaticAddresses(ServerOptions options) =>
        options.Members.ToDictionary(m => m.Id, m => m.Endpoint.ToString());

    private static async Task RunBackgroundAsync(
        NodeLoop loop, PeerLinks links, int? parentPid, IHostApplicationLifetime lifetime, ILogger logger, CancellationToken cancellationToken)
    {
        // The links first: their static links start before the loop can create links of its own.
        var tasks = new List<Task>
        {
            links.RunAsync(loop, cancellationToken),
            RunLoopAsync(loop, lifetime, logger, cancellationToken),
            TickAsync(loop, cancellationToken),
        };
        if (parentPid is { } pid)
        {
            tasks.Add(WatchParentAsync(pid, lifetime, logger, cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task RunLoopAsync(NodeLoop loop, IHostApplicationLifetime lifetime, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await loop.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A broken invariant in the core: stop the node rather than serve from a state nobody can reason about.
            Log.NodeLoopFailed(logger, error);
            lifetime.StopApplication();
            throw;
        }
    }

    private static async Task TickAsync(NodeLoop loop, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(ServerLimits.TickIntervalMs));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            loop.PostTick();
        }
    }

    private static async Task WatchParentAsync(int pid, IHostApplicationLifetime lifetime, ILogger logger, CancellationToken cancellationToken)
    {
        // When the watched process is the real parent, adoption says it died even if it lingers as a zombie that
        // nobody reaps (kill(pid, 0) still succeeds on a zombie).
        var direct = Libc.ParentProcessId() == pid;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(ServerLimits.ParentCheckIntervalMs));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (direct ? Libc.ParentProcessId() != pid : !Libc.ProcessExists(pid))
            {
                Log.ParentGone(logger, pid);
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, LogLevel level, Action<ILoggingBuilder>? configure)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddFilter("Dynamo", level);
        if (configure is not null)
        {
            configure(logging);
            return;
        }

        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
            console.UseUtcTimestamp = false;
        });
    }

    /// <summary>The address to bind: names resolve (localhost to loopback), <c>*</c> and <c>0.0.0.0</c> mean any.</summary>
    internal static async Task<IPAddress> ResolveListenAddressAsync(HostPort listen, CancellationToken cancellationToken)
    {
        var host = listen.BareHost;
        if (host is "*" or "+" or "0.0.0.0")
        {
            return IPAddress.Any;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out var parsed))
        {
            return parsed;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new IOException($"The listen host '{host}' resolves to no address.");
    }

    /// <summary>The seed of the links' jitter: fixed for a node and epoch (FNV-1a of the id), different across nodes.</summary>
    private static int SeedOf(NodeId node, uint epoch)
    {
        var hash = 2166136261u;
        foreach (var c in node.Value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash ^ epoch);
    }
}
