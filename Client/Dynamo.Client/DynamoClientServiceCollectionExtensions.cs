using Dynamo.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a <see cref="DynamoClient"/> in a service collection: one client for the container, as
/// <see cref="DynamoClient"/> and as <see cref="IDynamoClient"/>, built from <see cref="DynamoClientOptions"/> (the
/// options pattern: later <c>Configure&lt;DynamoClientOptions&gt;</c> calls apply too). The client connects on its
/// first request, not when it is resolved, and the container disposes it. It logs to the container's
/// <see cref="ILoggerFactory"/> unless <see cref="DynamoClientOptions.LoggerFactory"/> names another.
/// </summary>
public static class DynamoClientServiceCollectionExtensions
{
    /// <summary>Registers the client with options set by <paramref name="configure"/>.</summary>
    /// <example><code>services.AddDynamoClient(options => options.Endpoints.Add("127.0.0.1:7101"));</code></example>
    public static IServiceCollection AddDynamoClient(this IServiceCollection services, Action<DynamoClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<DynamoClientOptions>().Configure(configure);
        return AddClient(services);
    }

    /// <summary>
    /// Registers the client with options read from a connection string (see <see cref="DynamoClientOptions.Parse"/>),
    /// checked now.
    /// </summary>
    /// <example><code>services.AddDynamoClient("nodes=10.0.0.1:7101,10.0.0.2:7101;timeout=2s;w=2");</code></example>
    /// <exception cref="FormatException">The connection string is not valid; the message names the key.</exception>
    public static IServiceCollection AddDynamoClient(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(connectionString);
        DynamoClientOptions.Parse(connectionString);
        services.AddOptions<DynamoClientOptions>().Configure(options => OptionKeys.ApplyConnectionString(options, connectionString));
        return AddClient(services);
    }

    /// <summary>
    /// Registers the client with options bound from a configuration section: either the section's own value is a
    /// connection string (<c>"Dynamo": "nodes=...;w=2"</c>), or its children are the connection string's keys, any
    /// case (<c>"Dynamo": { "Nodes": ["10.0.0.1:7101", "10.0.0.2:7101"], "Timeout": "2s", "W": 2 }</c>; nodes as
    /// an array or as one comma-separated value), with an optional <c>ConnectionString</c> child applied first. The
    /// section is read when the client is first resolved.
    /// </summary>
    /// <exception cref="FormatException">On resolution: a key is unknown or a value is not what its key expects; the
    /// message names the configuration path.</exception>
    /// <exception cref="InvalidOperationException">On resolution: the section is missing or empty.</exception>
    public static IServiceCollection AddDynamoClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DynamoClientOptions>().Configure(options => Bind(configuration, options));
        return AddClient(services);
    }

    private static IServiceCollection AddClient(IServiceCollection services)
    {
        services.TryAddSingleton(provider => new DynamoClient(
            provider.GetRequiredService<IOptions<DynamoClientOptions>>().Value, provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton<IDynamoClient>(provider => provider.GetRequiredService<DynamoClient>());
        return services;
    }

    private static void Bind(IConfiguration configuration, DynamoClientOptions options)
    {
        var section = configuration as IConfigurationSection;
        var path = section?.Path ?? "(root)";
        var children = configuration.GetChildren().ToList();
        if (section?.Value is { } connectionString)
        {
            OptionKeys.ApplyConnectionString(options, connectionString);
            return;
        }

        if (children.Count == 0)
        {
            throw new InvalidOperationException(
                $"The configuration section '{path}' for the Dynamo client is missing or empty; it needs at least its nodes (\"Nodes\": \"host:port,...\").");
        }

        var given = children.FirstOrDefault(child => string.Equals(child.Key, "ConnectionString", StringComparison.OrdinalIgnoreCase));
        if (given?.Value is { } text)
        {
            OptionKeys.ApplyConnectionString(options, text);
        }

        foreach (var child in children.Where(child => !ReferenceEquals(child, given)))
        {
            var value = child.Value;
            if (value is null && string.Equals(child.Key, OptionKeys.Nodes, StringComparison.OrdinalIgnoreCase))
            {
                value = string.Join(",", child.GetChildren().Select(node => node.Value));
            }

            OptionKeys.Apply(options, child.Key, value ?? string.Empty, $"Configuration '{child.Path}'");
        }

        if (options.Endpoints.Count == 0)
        {
            throw new InvalidOperationException(
                $"The configuration section '{path}' for the Dynamo client names no nodes; add \"Nodes\": \"host:port,...\".");
        }
    }
}
