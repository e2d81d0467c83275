// QuickStart: Dynamo.Client from its NuGet package in a console application with dependency injection.
//
//   dotnet run --project Client/Samples/QuickStart -- "nodes=127.0.0.1:7101,127.0.0.1:7102;timeout=2s;w=2"
//
// The connection string comes from the first argument, or else from DYNAMO_CONNECTION_STRING. The application
// writes a key and reads it back, makes two concurrent writes that become siblings, resolves them with the read's
// context, deletes the first key and prints what it did. Exit codes: 0 done, 1 a request failed, 2 bad usage.
using Dynamo.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var connectionString = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("DYNAMO_CONNECTION_STRING");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("usage: QuickStart \"nodes=host:port[,host:port...][;timeout=2s;r=2;w=2...]\" (or set DYNAMO_CONNECTION_STRING)");
    return 2;
}

var services = new ServiceCollection();

// The driver logs to the container's logger factory: warnings (a node marked down, a lost connection) go to stderr.
services.AddLogging(logging => logging
    .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
    .SetMinimumLevel(LogLevel.Warning));
try
{
    services.AddDynamoClient(connectionString);
}
catch (FormatException error)
{
    Console.Error.WriteLine($"bad connection string: {error.Message}");
    return 2;
}

// The container builds the client and disposes it; the client connects on its first request.
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IDynamoClient>();

// Keys of this run only, so that runs against the same cluster do not see each other's writes.
var run = Guid.NewGuid().ToString("N")[..8];
var greeting = $"quickstart:{run}:greeting";
var cart = $"quickstart:{run}:cart";
try
{
    var cluster = await client.GetClusterInfoAsync();
    Console.WriteLine($"connected: {cluster.Members.Count} members ({string.Join(", ", cluster.Members.Select(m => $"{m.NodeId} at {m.Endpoint}"))}), N = {cluster.DefaultN}");

    await client.PutAsync(greeting, "hello from Dynamo.Client");
    Console.WriteLine("put greeting = hello from Dynamo.Client");
    var read = await client.GetAsync(greeting);
    Console.WriteLine($"get greeting -> {read.GetString()}");

    // Two writes without a context supersede nothing: the key keeps both, as siblings.
    await client.PutAsync(cart, "apples");
    await client.PutAsync(cart, "pears");
    var conflicted = await client.GetAsync(cart);
    var items = Enumerable.Range(0, conflicted.Values.Count).Select(conflicted.GetString).Order(StringComparer.Ordinal).ToList();
    Console.WriteLine($"get cart -> {conflicted.SiblingCount} siblings: {string.Join(" | ", items)}");

    // Resolve them: write the merge with the read's context, which supersedes exactly the versions the read saw.
    await client.PutAsync(cart, string.Join(",", items), conflicted.Context);
    var resolved = await client.GetAsync(cart);
    Console.WriteLine($"resolved cart -> {resolved.GetString()} ({resolved.SiblingCount} sibling)");

    await client.DeleteAsync(greeting, read.Context);
    var gone = await client.GetAsync(greeting);
    Console.WriteLine($"deleted greeting -> found afterwards: {(gone.Found ? "yes" : "no")}");
    return 0;
}
catch (DynamoException error)
{
    Console.Error.WriteLine($"request failed: {error.GetType().Name}: {error.Message}");
    return 1;
}
