using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Server.Addresses;
using Dynamo.Server.Hosting;
using Dynamo.Server.Options;
using Dynamo.Server.Storage;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>The ring file (docs/STORAGE.md § Ring file): the ring in force survives a restart, and a bad file is never a guess.</summary>
public sealed class RingFileTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dynamo-ring-test-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static RingState Sample(ulong version, int partitions, params string[] members) =>
        new(version, Ring.Create(members.Select(NodeId.Parse), partitions));

    [Test]
    public void A_ring_state_written_reads_back_equal_and_no_temporary_file_is_left()
    {
        Assert.That(RingFile.Read(_directory), Is.Null, "no file yet: the node starts from its command line");
        var state = new RingState(7, Sample(0, 64, "n1", "n2", "n3").Ring.WithMembers([.. "n1 n2 n3 n4".Split(' ').Select(NodeId.Parse)]));
        RingFile.Write(_directory, state);
        Assert.That(RingFile.Read(_directory), Is.EqualTo(state));
        RingFile.Write(_directory, Sample(8, 64, "n1"));
        Assert.That(RingFile.Read(_directory), Is.EqualTo(Sample(8, 64, "n1")), "a newer state replaces the file");
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { RingFile.FileName }));
    }

    [TestCase("magic")]
    [TestCase("checksum")]
    [TestCase("truncated")]
    [TestCase("short")]
    [TestCase("no ring")]
    public void A_corrupt_ring_file_stops_the_start_with_a_message_naming_it(string damage)
    {
        RingFile.Write(_directory, Sample(3, 16, "n1", "n2"));
        var path = Path.Combine(_directory, RingFile.FileName);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage switch
        {
            "magic" => [(byte)'X', .. bytes[1..]],
            "checksum" => [.. bytes[..^1], (byte)(bytes[^1] ^ 1)],
            "truncated" => bytes[..^2],
            "short" => bytes[..5],
            _ => [.. bytes[..4], .. BitConverter.GetBytes(Dynamo.Protocol.Crc32C.Compute([0])), 0],
        });

        var error = Assert.Throws<RingFileException>(() => RingFile.Read(_directory))!;
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Message, Does.Contain(path).And.Contain("remove the file"));
    }

    [Test]
    public async Task A_node_keeps_its_ring_in_its_data_directory_and_starts_from_the_kept_ring_not_from_its_command_line()
    {
        await using (var host = await StartAsync(8))
        {
            using var client = await TestClient.ConnectAsync(host.EndPoint);
            var info = await client.InfoAsync(1);
            Assert.That((info["ring_version"], info["ring_members"]), Is.EqualTo(("0", "1")));
        }

        Assert.That(RingFile.Read(_directory), Is.EqualTo(Sample(0, 8, "n1")), "the first turn keeps the ring of the command line");

        // The cluster moved on while the node was away: it starts from the ring it kept.
        RingFile.Write(_directory, Sample(5, 8, "n1", "n2"));
        await using (var host = await StartAsync(8))
        {
            using var client = await TestClient.ConnectAsync(host.EndPoint);
            var info = await client.InfoAsync(1);
            Assert.That((info["ring_version"], info["ring_members"]), Is.EqualTo(("5", "2")));
        }
    }

    [Test]
    public void A_kept_ring_of_another_partition_count_than_the_command_line_stops_the_start()
    {
        RingFile.Write(_directory, Sample(2, 16, "n1"));
        var error = Assert.ThrowsAsync<RingFileException>(async () =>
        {
            await using var host = await StartAsync(8);
        })!;
        Assert.That(error.Message, Does.Contain("16 partitions").And.Contain("--partitions is 8"));
    }

    private async Task<NodeHost> StartAsync(int partitions) =>
        await NodeHost.StartAsync(new ServerOptions
        {
            Node = NodeId.Parse("n1"),
            Listen = new HostPort("127.0.0.1", 0),
            Members = [new MemberAddress(NodeId.Parse("n1"), new HostPort("127.0.0.1", 7999))],
            DataDirectory = _directory,
            Partitions = partitions,
            Defaults = new BucketProps(1, 1, 1, 2000),
            Store = StoreKind.Memory,
        });
}
