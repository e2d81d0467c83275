using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;
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

    private static readonly BucketEntry s_changed = new("b", new BucketProps(2, 1, 2, 3000), new BucketVersion(4, NodeId.Parse("n2")));
    private static readonly BucketEntry s_seed = new("seeded", new BucketProps(1, 1, 1, 1000), new BucketVersion(0, NodeId.Parse("n1")));

    [Test]
    public void A_ring_state_and_the_changed_buckets_written_read_back_equal_and_no_temporary_file_is_left()
    {
        Assert.That(RingFile.Read(_directory), Is.Null, "no file yet: the node starts from its command line");
        var state = new RingState(7, Sample(0, 64, "n1", "n2", "n3").Ring.WithMembers([.. "n1 n2 n3 n4".Split(' ').Select(NodeId.Parse)]));
        RingFile.Write(_directory, state, [s_changed, s_seed]);
        var read = RingFile.Read(_directory)!;
        Assert.That(read.Ring, Is.EqualTo(state));
        Assert.That(read.Buckets, Is.EqualTo(new[] { s_changed }), "changes are kept; seeds come from --bucket at every start");
        RingFile.Write(_directory, Sample(8, 64, "n1"), []);
        Assert.That(RingFile.Read(_directory)!.Ring, Is.EqualTo(Sample(8, 64, "n1")), "a newer state replaces the file");
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { RingFile.FileName }));
    }

    [TestCase("magic")]
    [TestCase("checksum")]
    [TestCase("truncated")]
    [TestCase("short")]
    [TestCase("no ring")]
    [TestCase("bad bucket")]
    [TestCase("ring length")]
    public void A_corrupt_ring_file_stops_the_start_with_a_message_naming_it(string damage)
    {
        RingFile.Write(_directory, Sample(3, 16, "n1", "n2"), [s_changed]);
        var path = Path.Combine(_directory, RingFile.FileName);
        var bytes = File.ReadAllBytes(path);
        var ringLength = BitConverter.ToInt32(bytes, 8);
        byte[] body = damage switch
        {
            "no ring" => [.. BitConverter.GetBytes(1), 0, 0],

            // The bucket's node id "n2" becomes "n/": no node id the engine accepts.
            "bad bucket" => [.. bytes[8..^1], (byte)'/'],
            "ring length" => [.. BitConverter.GetBytes(bytes.Length), .. bytes[12..]],
            _ => bytes[8..],
        };
        byte[] rewritten = [.. bytes[..4], .. BitConverter.GetBytes(Dynamo.Protocol.Crc32C.Compute(body)), .. body];
        File.WriteAllBytes(path, damage switch
        {
            "magic" => [(byte)'X', .. bytes[1..]],
            "checksum" => [.. bytes[..^1], (byte)(bytes[^1] ^ 1)],
            "truncated" => bytes[..^2],
            "short" => bytes[..5],
            _ => rewritten,
        });
        Assert.That(ringLength, Is.GreaterThan(0));

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

        Assert.That(RingFile.Read(_directory)!.Ring, Is.EqualTo(Sample(0, 8, "n1")), "the first turn keeps the ring of the command line");

        // The cluster moved on while the node was away: it starts from the ring and the buckets it kept.
        RingFile.Write(_directory, Sample(5, 8, "n1", "n2"), [s_changed]);
        await using (var host = await StartAsync(8))
        {
            using var client = await TestClient.ConnectAsync(host.EndPoint);
            var info = await client.InfoAsync(1);
            Assert.That((info["ring_version"], info["ring_members"]), Is.EqualTo(("5", "2")));

            // Bucket "b" was changed to N = 2, W = 2 before the restart: on a ring of two members, one of them never
            // started, a put to it cannot reach W, while a put of the defaults (N = W = 1) to a key n1 owns succeeds.
            await client.SendAsync(TestClient.Frame(2, new PutRequest("b"u8, "k"u8, "v"u8, [])));
            var (bucketHeader, bucketPayload) = await client.ReadFrameAsync();
            var ring = Sample(5, 8, "n1", "n2").Ring;
            var owned = Enumerable.Range(0, 1000).Select(i => System.Text.Encoding.UTF8.GetBytes($"k{i}"))
                .First(key => ring.OwnerOf(ring.PartitionOf(KeyHash.Of("other"u8, key))) == NodeId.Parse("n1"));
            await client.SendAsync(TestClient.Frame(3, new PutRequest("other"u8, owned, "v"u8, [])));
            var (defaultHeader, _) = await client.ReadFrameAsync();
            TestContext.Out.WriteLine(bucketHeader.Opcode == Opcode.Error ? ErrorReply.Read(bucketPayload).MessageText : "no error");
            Assert.That((bucketHeader.Opcode, defaultHeader.Opcode), Is.EqualTo((Opcode.Error, Opcode.PutReply)),
                "the bucket's kept N = 2, W = 2 is in force after the restart, not the defaults");
        }
    }

    [Test]
    public void A_kept_ring_of_another_partition_count_than_the_command_line_stops_the_start()
    {
        RingFile.Write(_directory, Sample(2, 16, "n1"), []);
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
