using System.Globalization;
using System.Text;
using Dynamo.Client;
using Dynamo.Integration.Tests.Harness;
using NUnit.Framework;

namespace Dynamo.Integration.Tests;

/// <summary>
/// A key whose siblings outgrow the object bound, on real processes: the write that would pass the bound is refused
/// with a clear error and nothing stored, the key stays readable and deletable, and no node believes another down.
/// </summary>
public sealed class ObjectBoundTests : ClusterTestBase
{
    private const int ValueBytes = 5_000_000;

    [Test]
    public async Task Four_blind_5MB_writes_refuse_the_fourth_and_the_key_stays_readable_writable_and_deletable()
    {
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        var refusedBefore = (await Task.WhenAll(Cluster.Nodes.Select(InfoAsync))).Sum(info => Field(info, "writes_refused_too_large"));
        var key = Encoding.UTF8.GetBytes("big:" + Guid.NewGuid().ToString("N"));
        for (var i = 0; i < 3; i++)
        {
            await client.PutAsync(key, Value(i));
        }

        var refused = Assert.ThrowsAsync<ObjectTooLargeException>(() => client.PutAsync(key, Value(3)));
        Assert.That(refused!.Message, Does.Contain("over the object bound of 16711680 bytes").And.Contain("nothing was stored").And.Contain("CTX="));

        var read = await client.GetAsync(key, new GetOptions { R = 3 });
        Assert.That((read.SiblingCount, read.ValuesOmitted), Is.EqualTo((3, false)), "the refused write left nothing behind");
        Assert.That(read.Values.Select(v => v.Span[0]), Is.EquivalentTo(new byte[] { 0, 1, 2 }));

        var infos = await Task.WhenAll(Cluster.Nodes.Select(InfoAsync));
        Assert.That(infos.Sum(info => Field(info, "writes_refused_too_large")) - refusedBefore, Is.EqualTo(1));
        Assert.That(infos.Select(info => Field(info, "members_up")), Is.All.EqualTo(3), "a refused write makes no node believe another down");
        Assert.That(Cluster.Nodes.SelectMany(node => node.OutputSince(0)).Any(line => line.Contains("Refused a Put at the object bound", StringComparison.Ordinal)), Is.True, "the refusal is logged");

        var repair = await client.RepairAsync(Cluster[0].Endpoint, TimeSpan.FromSeconds(20));
        Assert.That((repair.Completed, repair.ExchangesFailed), Is.EqualTo((true, 0)), repair.Message);

        await client.PutAsync(key, Value(4), read.Context);
        var resolved = await client.GetAsync(key, new GetOptions { R = 3 });
        Assert.That(resolved.SiblingCount, Is.EqualTo(1));
        Assert.That(resolved.Values[0].Span[0], Is.EqualTo((byte)4));

        await client.DeleteAsync(key, options: new DeleteOptions { W = 3 });
        Assert.That((await client.GetAsync(key, new GetOptions { R = 3 })).Found, Is.False);
    }

    [Test]
    public async Task Four_blind_5MB_sets_through_the_cli_refuse_the_fourth_with_the_bound_and_leave_the_key_usable()
    {
        var key = "cli-big-" + Guid.NewGuid().ToString("N");
        var value = new string('x', ValueBytes);
        var blind = string.Concat(Enumerable.Repeat($"SET {key} {value} BLIND\n", 4));

        var sets = await CliProcess.RunAsync(Cluster[0].Port, [], blind);

        Assert.That(sets.Lines.Take(3), Is.EqualTo(new[] { "OK", "OK", "OK" }), sets.ToString());
        Assert.That(sets.Lines[3], Does.StartWith($"(error) too large: The write to key '{key}' would leave 4 sibling values")
            .And.Contain("over the object bound of 16711680 bytes; nothing was stored").And.Contain("GET key WITHCTX"));
        Assert.That(sets.ExitCode, Is.EqualTo(1), "a command failed");

        var after = await CliProcess.RunAsync(Cluster[1].Port, [], $"SET {key} small\nGET {key} R=3\nDEL {key}\nGET {key}\n");

        Assert.That(after.Lines, Is.EqualTo(new[] { "OK", "small", "OK", "(nil)" }), after.ToString());
    }

    [Test]
    public async Task A_delete_without_a_context_removes_a_key_refused_at_the_bound()
    {
        await using var client = await TestCluster.ConnectClientAsync(Cluster[0]);
        var key = Encoding.UTF8.GetBytes("big:" + Guid.NewGuid().ToString("N"));
        for (var i = 0; i < 3; i++)
        {
            await client.PutAsync(key, Value(i));
        }

        Assert.ThrowsAsync<ObjectTooLargeException>(() => client.PutAsync(key, Value(3)));

        await client.DeleteAsync(key, options: new DeleteOptions { W = 3 });

        Assert.That((await client.GetAsync(key, new GetOptions { R = 3 })).Found, Is.False);
    }

    internal static async Task<Dictionary<string, string>> InfoAsync(NodeProcess node)
    {
        await using var connection = await RawConnection.ConnectAsync(node.Port, CancellationToken.None);
        using var limit = new CancellationTokenSource(Deadline.Step);
        return await connection.InfoAsync(limit.Token);
    }

    internal static long Field(Dictionary<string, string> info, string name) =>
        long.Parse(info[name], CultureInfo.InvariantCulture);

    internal static byte[] Value(int tag)
    {
        var value = new byte[ValueBytes];
        value.AsSpan().Fill((byte)tag);
        return value;
    }
}

/// <summary>
/// Concurrent writes through different coordinators whose merge passes the object bound, on real processes: the
/// replicas refuse the merge (nothing stored over the bound, no node believed down), a read returns every version's
/// size and the context, and a write with that context resolves the key everywhere.
/// </summary>
public sealed class DivergedObjectBoundTests : ClusterTestBase
{
    internal override ClusterSettings Settings => new(
        ServerArguments: ["--anti-entropy", "off"]);

    [Test]
    public async Task Writes_merged_past_the_bound_read_as_sizes_with_a_context_that_resolves_them()
    {
        var (n1, n2, n3) = (Cluster[0], Cluster[1], Cluster[2]);
        var key = Encoding.UTF8.GetBytes("diverged:" + Guid.NewGuid().ToString("N"));

        // n1 alone takes three 5 MB writes and keeps them as hints for n2 and n3.
        await n2.KillAsync();
        await n3.KillAsync();
        await using (var first = await TestCluster.ConnectClientAsync(n1))
        {
            for (var i = 0; i < 3; i++)
            {
                await first.PutAsync(key, ObjectBoundTests.Value(i), options: new PutOptions { W = 1 });
            }
        }

        // n2 and n3, without n1, take two more: each side holds a set within the bound.
        await n1.KillAsync();
        await Cluster.RestartAsync(n2);
        await Cluster.RestartAsync(n3);
        await using (var second = await TestCluster.ConnectClientAsync(n2))
        {
            for (var i = 3; i < 5; i++)
            {
                await second.PutAsync(key, ObjectBoundTests.Value(i), options: new PutOptions { W = 2 });
            }
        }

        // n1 returns: the hints each side keeps for the other would merge into 25 MB, which no replica takes.
        await Cluster.RestartAsync(n1);
        await Deadline.UntilAsync(
            async _ =>
            {
                var refused = 0L;
                foreach (var node in Cluster.Nodes)
                {
                    refused += ObjectBoundTests.Field(await ObjectBoundTests.InfoAsync(node), "merges_refused_too_large");
                }

                return (refused > 0, $"merges_refused_too_large: {refused}");
            },
            Deadline.Start,
            "hinted handoff to try the merge that passes the bound");

        await using var client = await TestCluster.ConnectClientAsync(n1);
        var read = await client.GetAsync(key, new GetOptions { R = 3 });
        Assert.That(read.ValuesOmitted, Is.True);
        Assert.That(read.ValueSizes, Is.EqualTo(Enumerable.Repeat(5_000_000L, 5)));
        Assert.That(read.Context.IsEmpty, Is.False);
        foreach (var node in Cluster.Nodes)
        {
            var info = await ObjectBoundTests.InfoAsync(node);
            Assert.That(
                ObjectBoundTests.Field(info, "members_up"),
                Is.EqualTo(3),
                $"{node.Id} believes every node up: " + string.Join("; ", info.Where(f => f.Key.StartsWith("member", StringComparison.Ordinal)).Select(f => $"{f.Key}={f.Value}")));
        }

        var keyText = Encoding.UTF8.GetString(key);
        var withContext = await CliProcess.RunAsync(n2.Port, ["GET", keyText, "R=3", "WITHCTX"]);
        Assert.That(withContext.Lines.Take(5), Is.EqualTo(Enumerable.Range(1, 5).Select(i => $"{i}) (value omitted: 5000000 bytes)")), withContext.ToString());
        Assert.That(withContext.Lines[5], Does.StartWith("(values omitted: together 25000000 bytes, they pass the object bound of 16711680 bytes"));
        Assert.That(withContext.Lines[6], Is.EqualTo($"(context) {read.Context}"));

        // The context that read printed covers all five, whatever their size: a SET with it replaces them.
        var context = withContext.Lines[6]["(context) ".Length..];
        var set = await CliProcess.RunAsync(n3.Port, ["SET", keyText, "resolved", "CTX=" + context, "W=3"]);
        Assert.That((set.ExitCode, set.Output), Is.EqualTo((0, "OK\n")), set.ToString());

        var after = await client.GetAsync(key, new GetOptions { R = 3 });
        Assert.That(after.SiblingCount, Is.EqualTo(1));
        Assert.That(after.GetString(), Is.EqualTo("resolved"));
        await Deadline.UntilAsync(
            async _ =>
            {
                var pending = 0L;
                foreach (var node in Cluster.Nodes)
                {
                    pending += ObjectBoundTests.Field(await ObjectBoundTests.InfoAsync(node), "hints_pending");
                }

                return (pending == 0, $"hints_pending: {pending}");
            },
            Deadline.Start,
            "the hints held for the refused merges to drain once the key is resolved");
    }
}
