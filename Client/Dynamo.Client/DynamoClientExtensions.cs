using System.Text;

namespace Dynamo.Client;

/// <summary>
/// Keys and values as text (UTF-8) for every <see cref="IDynamoClient"/>, beside the byte forms of the interface. A
/// <c>byte[]</c> key or value goes to the <see cref="ReadOnlyMemory{T}"/> forms as it is.
/// </summary>
public static class DynamoClientExtensions
{
    /// <summary>Reads a key given as text (UTF-8).</summary>
    /// <inheritdoc cref="DynamoClient.GetAsync(ReadOnlyMemory{byte}, GetOptions?, CancellationToken)"/>
    public static Task<GetResult> GetAsync(
        this IDynamoClient client, string key, GetOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.GetAsync(Utf8(key, nameof(key)), options, cancellationToken);
    }

    /// <summary>Writes a value given as text (UTF-8) under a key given as text.</summary>
    /// <inheritdoc cref="DynamoClient.PutAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, DynamoContext?, PutOptions?, CancellationToken)"/>
    public static Task<PutResult> PutAsync(
        this IDynamoClient client,
        string key,
        string value,
        DynamoContext? context = null,
        PutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PutAsync(Utf8(key, nameof(key)), Utf8(value, nameof(value)), context, options, cancellationToken);
    }

    /// <summary>Writes a value given as bytes under a key given as text (UTF-8).</summary>
    /// <inheritdoc cref="DynamoClient.PutAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, DynamoContext?, PutOptions?, CancellationToken)"/>
    public static Task<PutResult> PutAsync(
        this IDynamoClient client,
        string key,
        ReadOnlyMemory<byte> value,
        DynamoContext? context = null,
        PutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PutAsync(Utf8(key, nameof(key)), value, context, options, cancellationToken);
    }

    /// <summary>Writes a value given as text (UTF-8) under a key given as bytes.</summary>
    /// <inheritdoc cref="DynamoClient.PutAsync(ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, DynamoContext?, PutOptions?, CancellationToken)"/>
    public static Task<PutResult> PutAsync(
        this IDynamoClient client,
        ReadOnlyMemory<byte> key,
        string value,
        DynamoContext? context = null,
        PutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PutAsync(key, Utf8(value, nameof(value)), context, options, cancellationToken);
    }

    /// <summary>Deletes a key given as text (UTF-8).</summary>
    /// <inheritdoc cref="DynamoClient.DeleteAsync(ReadOnlyMemory{byte}, DynamoContext?, DeleteOptions?, CancellationToken)"/>
    public static Task DeleteAsync(
        this IDynamoClient client, string key, DynamoContext? context = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.DeleteAsync(Utf8(key, nameof(key)), context, options, cancellationToken);
    }

    private static byte[] Utf8(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text, name);
        return Encoding.UTF8.GetBytes(text);
    }
}
