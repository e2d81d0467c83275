using Dynamo.Protocol;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Driver;

/// <summary>
/// <see cref="DynamoClientOptions.Parse"/> and <see cref="DynamoClientOptions.ToString"/>: every key, case-insensitive
/// keys, the duration forms, quoting, and a clear <see cref="FormatException"/> naming the key for each mistake.
/// </summary>
public sealed class ConnectionStringTests
{
    [Test]
    public void The_documented_example_sets_nodes_timeout_r_and_w()
    {
        var options = DynamoClientOptions.Parse("nodes=127.0.0.1:7101,127.0.0.1:7102;timeout=2s;r=2;w=2");

        Assert.That(options.Endpoints, Is.EqualTo(new[] { "127.0.0.1:7101", "127.0.0.1:7102" }));
        Assert.That(options.DefaultTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That((options.DefaultR, options.DefaultW), Is.EqualTo(((int?)2, (int?)2)));
        Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(ClientLimits.ConnectTimeoutDefaultMs)), "unnamed keys keep their defaults");
    }

    [Test]
    public void Every_key_is_read_in_any_case_with_spaces_around_keys_values_and_empty_pairs()
    {
        var options = DynamoClientOptions.Parse(
            " NODES = db1:7101 , [::1]:7102 ;Timeout=500ms; connecttimeout = 1m ;RingRefresh=0;MAXINFLIGHT=64;bucket=carts;"
            + "Strict=TRUE;R=1;w=3;retries=0;RetryLostReads=false;;");

        Assert.That(options.Endpoints, Is.EqualTo(new[] { "db1:7101", "[::1]:7102" }));
        Assert.That(options.DefaultTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
        Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(options.RingRefreshInterval, Is.EqualTo(TimeSpan.Zero));
        Assert.That(options.MaxInFlightPerConnection, Is.EqualTo(64));
        Assert.That(options.DefaultBucket, Is.EqualTo("carts"));
        Assert.That(options.DefaultStrict, Is.True);
        Assert.That((options.DefaultR, options.DefaultW), Is.EqualTo(((int?)1, (int?)3)));
        Assert.That((options.RetryPolicy.MaxOverloadedRetries, options.RetryPolicy.RetryLostReads), Is.EqualTo((0, false)));
    }

    [TestCase("750ms", 750)]
    [TestCase("2s", 2000)]
    [TestCase("1m", 60_000)]
    [TestCase("2h", 7_200_000)]
    [TestCase("00:00:01.5", 1500)]
    [TestCase("1.00:00:00", 86_400_000)]
    public void Durations_take_a_unit_or_the_hh_mm_ss_form(string text, int milliseconds)
    {
        var options = DynamoClientOptions.Parse($"nodes=h:1;timeout={text}");

        Assert.That(options.DefaultTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Test]
    public void A_quoted_value_may_hold_semicolons_and_doubled_quotes_and_ToString_quotes_it_back()
    {
        var options = DynamoClientOptions.Parse("nodes=h:1; bucket = \"tenant;a \"\"b\"\"\" ;w=2");

        Assert.That(options.DefaultBucket, Is.EqualTo("tenant;a \"b\""));
        Assert.That(options.DefaultW, Is.EqualTo(2));
        Assert.That(options.ToString(), Is.EqualTo("nodes=h:1;w=2;bucket=\"tenant;a \"\"b\"\"\""));
        Assert.That(DynamoClientOptions.Parse(options.ToString()).DefaultBucket, Is.EqualTo(options.DefaultBucket));
    }

    [Test]
    public void ToString_gives_the_nodes_and_every_setting_that_is_not_its_default_and_Parse_reads_it_back()
    {
        Assert.That(new DynamoClientOptions("h:1", "h:2").ToString(), Is.EqualTo("nodes=h:1,h:2"));

        var options = new DynamoClientOptions("h:1")
        {
            DefaultTimeout = TimeSpan.FromMilliseconds(2500),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            DefaultR = 2,
            DefaultW = 3,
            DefaultBucket = "b",
            DefaultStrict = true,
            MaxInFlightPerConnection = 10,
            RingRefreshInterval = TimeSpan.FromMinutes(5),
            RetryPolicy = new DynamoRetryPolicy { MaxOverloadedRetries = 7, RetryLostReads = false },
        };
        var text = options.ToString();

        Assert.That(text, Is.EqualTo(
            "nodes=h:1;timeout=2500ms;connectTimeout=3s;r=2;w=3;bucket=b;strict=true;maxInFlight=10;ringRefresh=5m;retries=7;retryLostReads=false"));
        Assert.That(DynamoClientOptions.Parse(text).ToString(), Is.EqualTo(text));
        Assert.That(DynamoClientOptions.Parse("nodes=h:1;ringRefresh=0").ToString(), Is.EqualTo("nodes=h:1;ringRefresh=0"));
    }

    [TestCase("", "The connection string is empty; it needs at least nodes=host:port.")]
    [TestCase(" ; ", "The connection string is empty; it needs at least nodes=host:port.")]
    [TestCase("timeout=2s", "The connection string names no nodes; add nodes=host:port[,host:port...].")]
    [TestCase("nodes=localhost", "The connection string's 'nodes' is 'localhost': expected a comma-separated list of 1 to 64 endpoints host:port")]
    [TestCase("nodes=h:1,,h:2", "The connection string's 'nodes' is 'h:1,,h:2': expected a comma-separated list")]
    [TestCase("nodes=h:70000", "'nodes' is 'h:70000': expected a comma-separated list of 1 to 64 endpoints host:port (a port from 1 to 65535")]
    [TestCase("nodes=h:1;timeout=2x", "The connection string's 'timeout' is '2x': expected a duration from 1ms to 24h: a whole number followed by ms, s, m or h (500ms, 2s, 1m), or hh:mm:ss.")]
    [TestCase("nodes=h:1;timeout=2", "The connection string's 'timeout' is '2': expected a duration from 1ms to 24h")]
    [TestCase("nodes=h:1;timeout=0s", "The connection string's 'timeout' is '0s': expected a duration from 1ms to 24h")]
    [TestCase("nodes=h:1;connectTimeout=-1s", "The connection string's 'connectTimeout' is '-1s': expected a duration")]
    [TestCase("nodes=h:1;ringRefresh=25h", "The connection string's 'ringRefresh' is '25h': expected a duration from 0 (off) to 24h")]
    [TestCase("nodes=h:1;r=0", "The connection string's 'r' is '0': expected a whole number from 1 to 16 (the default read quorum).")]
    [TestCase("nodes=h:1;w=two", "The connection string's 'w' is 'two': expected a whole number from 1 to 16 (the default write quorum).")]
    [TestCase("nodes=h:1;strict=maybe", "The connection string's 'strict' is 'maybe': expected true or false")]
    [TestCase("nodes=h:1;maxInFlight=0", "The connection string's 'maxInFlight' is '0': expected a whole number from 1 to 65536")]
    [TestCase("nodes=h:1;retries=101", "The connection string's 'retries' is '101': expected a whole number from 0 to 100")]
    [TestCase("nodes=h:1;tiemout=2s", "The connection string has an unknown key 'tiemout'; the keys are nodes, timeout, connectTimeout, r, w, bucket, strict, maxInFlight, ringRefresh, retries, retryLostReads.")]
    [TestCase("nodes=h:1;timeout=2s;TIMEOUT=3s", "The connection string gives 'timeout' more than once.")]
    [TestCase("nodes=h:1;timeout", "The connection string has 'timeout' without '=value'; write key=value pairs separated by ';'.")]
    [TestCase("nodes=h:1;=2s", "The connection string has a value without a key")]
    [TestCase("nodes=h:1;bucket=\"abc", "The connection string's 'bucket' has a quoted value with no closing quote.")]
    [TestCase("nodes=h:1;bucket=\"a\"b", "The connection string's 'bucket' has text after its closing quote")]
    public void A_bad_connection_string_is_a_FormatException_naming_the_key_and_what_it_expects(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => DynamoClientOptions.Parse(text));

        Assert.That(error!.Message, Does.StartWith(message).Or.Contain(message));
    }

    [Test]
    public void A_null_or_oversized_connection_string_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => DynamoClientOptions.Parse(null!));
        var error = Assert.Throws<FormatException>(() => DynamoClientOptions.Parse("nodes=h:1;bucket=" + new string('b', ClientLimits.ConnectionStringCharsMax)));
        Assert.That(error!.Message, Does.Contain($"at most {ClientLimits.ConnectionStringCharsMax} are accepted"));
    }

    [Test]
    public async Task The_defaults_of_a_connection_string_go_into_every_request_that_does_not_set_its_own()
    {
        await using var node = new TestResponder();
        node.ClusterInfo = TestResponder.ClusterInfoPayload(1, 3, 2, 2, [("n1", node.Endpoint)], new ushort[8]);
        var seen = new List<string>();
        node.Handler = request =>
        {
            lock (seen)
            {
                switch (request.Opcode)
                {
                    case Opcode.Get:
                        var get = GetRequest.Read(request.Payload);
                        seen.Add($"get {System.Text.Encoding.UTF8.GetString(get.Bucket)} R={get.R} strict={get.Strict} timeout<={get.TimeoutMs <= 1500}");
                        break;
                    case Opcode.Put:
                        var put = PutRequest.Read(request.Payload);
                        seen.Add($"put {System.Text.Encoding.UTF8.GetString(put.Bucket)} W={put.W} strict={put.Strict}");
                        break;
                }
            }

            request.ReplyAsEmptyNode();
        };
        var options = DynamoClientOptions.Parse($"nodes={node.Endpoint};r=1;w=3;bucket=carts;strict=true;timeout=1500ms;ringRefresh=0");
        await using var client = await DynamoClient.ConnectAsync(options).WaitAsync(DriverKit.Wait);

        await client.GetAsync("k").WaitAsync(DriverKit.Wait);
        await client.GetAsync("k", new GetOptions { R = 2, Bucket = "other", Strict = false }).WaitAsync(DriverKit.Wait);
        await client.PutAsync("k", "v").WaitAsync(DriverKit.Wait);
        await client.PutAsync("k", "v", options: new PutOptions { W = 1 }).WaitAsync(DriverKit.Wait);

        Assert.That(seen, Is.EqualTo(new[]
        {
            "get carts R=1 strict=True timeout<=True", "get other R=2 strict=False timeout<=True", "put carts W=3 strict=True", "put carts W=1 strict=True",
        }));
        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => client.PutAsync("k", "v", options: new PutOptions { N = 2 }));
        Assert.That(tooLarge!.Message, Does.Contain("W (the client's default) must be from 1 to N = 2; it is 3."));
    }
}
