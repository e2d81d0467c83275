using System.Text;
using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>Keys and values as <c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/> and text, on the client and through the interface.</summary>
public sealed class KeyAndValueFormsTests
{
    [Test]
    public async Task Every_form_of_key_and_value_reaches_the_node_as_the_same_bytes()
    {
        await using var node = new TestResponder();
        var seen = new List<string>();
        node.Handler = request =>
        {
            lock (seen)
            {
                seen.Add(request.Opcode switch
                {
                    Opcode.Put => $"put {request.Key}={Convert.ToHexString(PutRequest.Read(request.Payload).Value)}",
                    Opcode.Get or Opcode.Delete => $"{request.Opcode.ToString().ToLowerInvariant()} {request.Key}",
                    _ => "other",
                });
            }

            request.ReplyAsEmptyNode();
        };
        await using var client = await DriverKit.ConnectAsync(node);
        IDynamoClient through = client;
        byte[] keyBytes = Encoding.UTF8.GetBytes("k1");
        ReadOnlyMemory<byte> keyMemory = Encoding.UTF8.GetBytes("k2");
        byte[] value = [0xCA, 0xFE];

        await client.PutAsync(keyBytes, value).WaitAsync(DriverKit.Wait);
        await client.PutAsync(keyMemory, "é").WaitAsync(DriverKit.Wait);
        await client.PutAsync("k3", value).WaitAsync(DriverKit.Wait);
        await client.PutAsync("k4", "text").WaitAsync(DriverKit.Wait);
        await through.PutAsync("k5", new ReadOnlyMemory<byte>(value)).WaitAsync(DriverKit.Wait);
        await through.PutAsync("k6", "text").WaitAsync(DriverKit.Wait);
        await client.GetAsync(keyBytes).WaitAsync(DriverKit.Wait);
        await through.GetAsync("k2").WaitAsync(DriverKit.Wait);
        await client.DeleteAsync(keyBytes, DynamoContext.FromBytes([1])).WaitAsync(DriverKit.Wait);
        await through.DeleteAsync("k3", DynamoContext.FromBytes([1])).WaitAsync(DriverKit.Wait);

        Assert.That(seen.Where(line => line != "other"), Is.EqualTo(new[]
        {
            "put k1=CAFE", "put k2=C3A9", "put k3=CAFE", "put k4=74657874", "put k5=CAFE", "put k6=74657874",
            "get k1", "get k2", "delete k1", "delete k3",
        }));
        Assert.Throws<ArgumentNullException>(() => through.GetAsync((string)null!));
        Assert.Throws<ArgumentNullException>(() => through.PutAsync("k", (string)null!));
    }
}
