using Dynamo.Cli;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Cli;

/// <summary>Errors print as the driver's message alone, never with .NET's parameter and value decorations.</summary>
public sealed class ErrorTextTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    public static IEnumerable<TestCaseData> DriverArgumentErrors()
    {
        yield return new TestCaseData(new ArgumentOutOfRangeException("R", 9, "R must be from 1 to N = 3; it is 9."), "R must be from 1 to N = 3; it is 9.")
            .SetName("an out-of-range R loses its parameter name and its actual value");
        yield return new TestCaseData(new ArgumentException("A key is at most 4096 bytes; this one has 5000.", "key"), "A key is at most 4096 bytes; this one has 5000.")
            .SetName("a key too long loses its parameter name");
        yield return new TestCaseData(new ArgumentOutOfRangeException("timeout", TimeSpan.FromHours(2), "Must be positive and at most 3600000 ms."), "Must be positive and at most 3600000 ms.")
            .SetName("an out-of-range timeout loses its actual value");
        yield return new TestCaseData(new ArgumentNullException("value", "A value is required."), "A value is required.")
            .SetName("a null argument loses its parameter name");
    }

    [TestCaseSource(nameof(DriverArgumentErrors))]
    public void Argument_errors_print_their_message_alone(ArgumentException error, string expected)
    {
        Assert.That(error.Message, Is.Not.EqualTo(expected), "the runtime decorates the message");

        Assert.That(ErrorText.Of(error), Is.EqualTo(expected));
    }

    [Test]
    public void A_message_without_a_parameter_name_stays_as_it_is()
    {
        Assert.That(ErrorText.Of(new ArgumentException("No parameter named.")), Is.EqualTo("No parameter named."));
        Assert.That(ErrorText.Of(new ArgumentOutOfRangeException(null, "Out of range.")), Is.EqualTo("Out of range."));
    }

    [Test]
    public async Task An_argument_error_from_the_driver_replies_with_the_message_alone()
    {
        var client = new FakeClient();
        client.Failures["k"] = new ArgumentOutOfRangeException("R", 9, "R must be from 1 to N = 3; it is 9.");

        var reply = await Executor.RunLineAsync("GET k R=9", client, CancellationToken.None).WaitAsync(s_wait);

        Assert.That(reply, Is.EqualTo(new Reply("(error) R must be from 1 to N = 3; it is 9.", true)));
    }

    [Test]
    public async Task The_real_driver_refusing_an_R_over_N_gives_a_clean_error()
    {
        await using var node = new Driver.TestResponder();
        node.ClusterInfo = Driver.TestResponder.ClusterInfoPayload(1, 3, 2, 2, [("n1", node.Endpoint)], new ushort[8]);
        await using var client = await DynamoClient.ConnectAsync(new DynamoClientOptions(node.Endpoint)).WaitAsync(s_wait);

        var get = await Executor.RunLineAsync("GET k R=9", client, CancellationToken.None).WaitAsync(s_wait);
        var set = await Executor.RunLineAsync("SET k v W=4 BLIND", client, CancellationToken.None).WaitAsync(s_wait);

        Assert.That(get, Is.EqualTo(new Reply("(error) R must be from 1 to N = 3; it is 9.", true)));
        Assert.That(set, Is.EqualTo(new Reply("(error) W must be from 1 to N = 3; it is 4.", true)));
    }
}
