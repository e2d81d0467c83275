using Dynamo.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>
/// <c>services.AddDynamoClient(...)</c>: one client for the container, connecting on first use (once for every
/// request that arrives meanwhile, each within its own deadline), disposed with the container, with options from an
/// action, a connection string or a configuration section, logging to the container's logger factory.
/// </summary>
public sealed class DependencyInjectionTests
{
    [Test]
    public async Task The_client_resolves_as_one_singleton_and_connects_on_its_first_request_not_when_resolved()
    {
        await using var node = new TestResponder();
        var services = new ServiceCollection().AddDynamoClient($"nodes={node.Endpoint};ringRefresh=0");
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var client = provider.GetRequiredService<IDynamoClient>();
        Assert.That(provider.GetRequiredService<DynamoClient>(), Is.SameAs(client));
        Assert.That(provider.GetRequiredService<IDynamoClient>(), Is.SameAs(client));
        Assert.That(((DynamoClient)client).IsConnected, Is.False);
        Assert.That(node.ConnectionsAccepted, Is.Zero, "resolving does not connect");
        Assert.Throws<InvalidOperationException>(() => _ = ((DynamoClient)client).Cluster);

        await client.PutAsync("k", "v").WaitAsync(DriverKit.Wait);

        Assert.That(((DynamoClient)client).IsConnected, Is.True);
        Assert.That((node.Received(Opcode.ClusterInfo), node.Received(Opcode.Put)), Is.EqualTo((1, 1)));
    }

    [Test]
    public async Task Requests_arriving_while_the_client_connects_share_one_cluster_read()
    {
        await using var node = new TestResponder();
        var held = new TaskCompletionSource<ReceivedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.ClusterInfo && !held.Task.IsCompleted)
            {
                held.TrySetResult(request);
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = new DynamoClient(new DynamoClientOptions(node.Endpoint) { RingRefreshInterval = TimeSpan.Zero });

        var reads = Enumerable.Range(0, 20).Select(i => client.GetAsync($"k{i}")).ToArray();
        var clusterRead = await held.Task.WaitAsync(DriverKit.Wait);
        Assert.That(reads.Any(read => read.IsCompleted), Is.False, "every request waits for the cluster information");
        clusterRead.ReplyAsEmptyNode();
        await Task.WhenAll(reads).WaitAsync(DriverKit.Wait);

        Assert.That((node.Received(Opcode.ClusterInfo), node.Received(Opcode.Get)), Is.EqualTo((1, 20)));
    }

    [Test]
    public async Task A_first_request_waits_for_the_connection_no_longer_than_its_deadline_and_a_failed_connection_is_tried_again()
    {
        await using var node = new TestResponder();
        var clusterReads = 0;
        node.Handler = request =>
        {
            if (request.Opcode == Opcode.ClusterInfo && Interlocked.Increment(ref clusterReads) == 1)
            {
                return; // the first read is never answered
            }

            if (request.Opcode == Opcode.ClusterInfo && clusterReads == 2)
            {
                request.ReplyError(ErrorCode.Internal, message: "not ready");
                return;
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = new DynamoClient(new DynamoClientOptions(node.Endpoint)
        {
            RingRefreshInterval = TimeSpan.Zero,
            DefaultTimeout = TimeSpan.FromSeconds(2),
        });
        var started = TimeProvider.System.GetTimestamp();

        var timedOut = Assert.ThrowsAsync<DynamoTimeoutException>(() => client.GetAsync("k", new GetOptions { Timeout = TimeSpan.FromMilliseconds(150) }).WaitAsync(DriverKit.Wait));
        Assert.That(TimeProvider.System.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(2)), "the request's own deadline, not the connection's");
        Assert.That(timedOut!.Message, Does.Contain("connecting to the cluster"));

        // The shared attempt ends at its own deadline (the default timeout); the next request starts a new one,
        // which the node refuses, and the one after that connects.
        var refused = Assert.ThrowsAsync<DynamoProtocolException>(async () =>
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                try
                {
                    await client.GetAsync("k").WaitAsync(DriverKit.Wait);
                    return;
                }
                catch (DynamoTimeoutException)
                {
                    // still the first, unanswered attempt, which ends at the default timeout
                }
            }
        });
        Assert.That(refused!.Message, Does.Contain("not ready"));
        var read = await client.GetAsync("k").WaitAsync(DriverKit.Wait);

        Assert.That(read.Found, Is.False);
        Assert.That(client.IsConnected, Is.True);
        Assert.That(clusterReads, Is.EqualTo(3));
    }

    [Test]
    public async Task Disposing_the_container_disposes_the_client_and_closes_its_connections()
    {
        await using var node = new TestResponder();
        var provider = new ServiceCollection().AddDynamoClient(options => options.Endpoints.Add(node.Endpoint)).BuildServiceProvider();
        var client = provider.GetRequiredService<IDynamoClient>();
        await client.PutAsync("k", "v").WaitAsync(DriverKit.Wait);
        Assert.That(node.OpenConnections, Is.EqualTo(1));

        await provider.DisposeAsync();

        await DriverKit.UntilAsync(() => node.OpenConnections == 0, "the client's connection to close");
        Assert.Throws<ObjectDisposedException>(() => client.GetAsync("k"));
    }

    [Test]
    public async Task A_container_disposed_synchronously_disposes_the_client_too()
    {
        await using var node = new TestResponder();
        var provider = new ServiceCollection().AddDynamoClient($"nodes={node.Endpoint}").BuildServiceProvider();
        var client = provider.GetRequiredService<DynamoClient>();
        await client.ConnectAsync().WaitAsync(DriverKit.Wait);

        provider.Dispose();

        await DriverKit.UntilAsync(() => node.OpenConnections == 0, "the client's connection to close");
        Assert.Throws<ObjectDisposedException>(() => client.PutAsync("k", "v"));
    }

    [Test]
    public void Options_are_bound_from_a_configuration_section_with_the_connection_string_keys_in_any_case()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dynamo:Nodes:0"] = "10.1.0.1:7101",
            ["Dynamo:Nodes:1"] = "10.1.0.2:7101",
            ["Dynamo:Timeout"] = "2s",
            ["Dynamo:ConnectTimeout"] = "00:00:00.750",
            ["Dynamo:R"] = "2",
            ["Dynamo:W"] = "3",
            ["Dynamo:Bucket"] = "carts",
            ["Dynamo:Strict"] = "True",
            ["Dynamo:MaxInFlight"] = "128",
            ["Dynamo:RingRefresh"] = "1m",
            ["Dynamo:Retries"] = "5",
            ["Dynamo:RetryLostReads"] = "false",
        }).Build();
        using var provider = new ServiceCollection().AddDynamoClient(configuration.GetSection("Dynamo")).BuildServiceProvider();

        var options = provider.GetRequiredService<DynamoClient>().Options;

        Assert.That(options.ToString(), Is.EqualTo(
            "nodes=10.1.0.1:7101,10.1.0.2:7101;timeout=2s;connectTimeout=750ms;r=2;w=3;bucket=carts;strict=true;maxInFlight=128;ringRefresh=1m;retries=5;retryLostReads=false"));
    }

    [Test]
    public void A_configuration_value_may_be_a_whole_connection_string_or_hold_one_that_other_keys_refine()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Dynamo"] = "nodes=10.1.0.1:7101;w=2",
            ["Other:ConnectionString"] = "nodes=10.1.0.9:7101;w=2;timeout=1s",
            ["Other:w"] = "1",
        }).Build();

        using (var provider = new ServiceCollection().AddDynamoClient(configuration.GetSection("ConnectionStrings:Dynamo")).BuildServiceProvider())
        {
            Assert.That(provider.GetRequiredService<DynamoClient>().Options.ToString(), Is.EqualTo("nodes=10.1.0.1:7101;w=2"));
        }

        using (var provider = new ServiceCollection().AddDynamoClient(configuration.GetSection("Other")).BuildServiceProvider())
        {
            Assert.That(provider.GetRequiredService<DynamoClient>().Options.ToString(), Is.EqualTo("nodes=10.1.0.9:7101;timeout=1s;w=1"));
        }
    }

    [Test]
    public void Bad_or_missing_configuration_fails_on_resolution_naming_the_configuration_path()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dynamo:Nodes"] = "10.1.0.1:7101",
            ["Dynamo:Timeout"] = "soon",
            ["Typo:Nodes"] = "10.1.0.1:7101",
            ["Typo:Retrys"] = "2",
            ["NoNodes:W"] = "2",
        }).Build();

        FormatException Resolve(string section) => Assert.Throws<FormatException>(() =>
        {
            using var provider = new ServiceCollection().AddDynamoClient(configuration.GetSection(section)).BuildServiceProvider();
            provider.GetRequiredService<IDynamoClient>();
        })!;

        Assert.That(Resolve("Dynamo").Message, Does.StartWith("Configuration 'Dynamo:Timeout' is 'soon': expected a duration from 1ms to 24h"));
        Assert.That(Resolve("Typo").Message, Does.StartWith("Configuration 'Typo:Retrys' is not an option of the Dynamo client; the keys are nodes, timeout"));
        foreach (var (section, expected) in new[] { ("Missing", "'Missing' for the Dynamo client is missing or empty"), ("NoNodes", "'NoNodes' for the Dynamo client names no nodes") })
        {
            var error = Assert.Throws<InvalidOperationException>(() =>
            {
                using var provider = new ServiceCollection().AddDynamoClient(configuration.GetSection(section)).BuildServiceProvider();
                provider.GetRequiredService<IDynamoClient>();
            });
            Assert.That(error!.Message, Does.Contain(expected));
        }
    }

    [Test]
    public void A_bad_connection_string_fails_when_it_is_registered()
    {
        var error = Assert.Throws<FormatException>(() => new ServiceCollection().AddDynamoClient("nodes=h:1;w=0"));

        Assert.That(error!.Message, Does.Contain("'w' is '0'"));
    }

    [Test]
    public async Task The_client_logs_to_the_containers_logger_factory_and_later_Configure_calls_apply()
    {
        await using var node = new TestResponder();
        var logs = new RecordingLoggerFactory();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddDynamoClient(options => options.Endpoints.Add(node.Endpoint));
        services.Configure<DynamoClientOptions>(options => options.DefaultR = 1);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<DynamoClient>();
        await client.GetAsync("k").WaitAsync(DriverKit.Wait);

        Assert.That(provider.GetRequiredService<IOptions<DynamoClientOptions>>().Value.DefaultR, Is.EqualTo(1));
        Assert.That(client.Options.DefaultR, Is.EqualTo(1));
        var opened = logs.Named("ConnectionOpened");
        Assert.That(opened, Has.Count.EqualTo(1), string.Join("\n", logs.Entries));
        Assert.That(opened[0].Category, Is.EqualTo("Dynamo.Client.DynamoClient"));
        Assert.That(opened[0]["Endpoint"], Is.EqualTo(node.Endpoint));
    }
}
