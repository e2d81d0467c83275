using Dynamo.Engine.Storage;
using Dynamo.Server.Storage;
using Dynamo.Tests.Shared;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

public sealed class FileMediumTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Path.Combine(Directory.CreateTempSubdirectory("dynamo-medium-").FullName, "store");

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);

    [Test]
    public void Appended_bytes_are_read_back_at_their_offsets_after_sync_and_after_reopening()
    {
        var random = TestSeed.NewRandom();
        var medium = new FileMedium(_directory);
        var written = new List<byte>();
        using (var file = medium.Create("000001.seg"))
        {
            for (var i = 0; i < 50; i++)
            {
                var chunk = new byte[random.Next(0, 3000)];
                random.NextBytes(chunk);
                file.Append(chunk);
                written.AddRange(chunk);
                Assert.That(file.Length, Is.EqualTo(written.Count));
            }

            file.Sync();
            var middle = new byte[100];
            Assert.That(file.Read(written.Count / 2, middle), Is.EqualTo(100));
            Assert.That(middle, Is.EqualTo(written.Skip(written.Count / 2).Take(100).ToArray()));
        }

        medium.SyncDirectory();
        using var reopened = new FileMedium(_directory).Open("000001.seg");
        var all = new byte[written.Count + 10];
        Assert.That(reopened.Length, Is.EqualTo(written.Count));
        Assert.That(reopened.Read(0, all), Is.EqualTo(written.Count), "a read past the end returns what there is");
        Assert.That(all.AsSpan(0, written.Count).ToArray(), Is.EqualTo(written.ToArray()));
        Assert.That(File.ReadAllBytes(Path.Combine(_directory, "000001.seg")), Is.EqualTo(written.ToArray()), "the bytes are in the real file");
    }

    [Test]
    public void Truncate_cuts_the_file_and_the_next_append_goes_at_the_new_end()
    {
        var medium = new FileMedium(_directory);
        using var file = medium.Create("a");
        file.Append("hello world"u8);
        file.Truncate(5);
        file.Append("!"u8);
        file.Sync();

        var bytes = new byte[16];
        Assert.That(file.Read(0, bytes), Is.EqualTo(6));
        Assert.That(bytes.AsSpan(0, 6).ToArray(), Is.EqualTo("hello!"u8.ToArray()));
        Assert.That(file.Read(6, bytes), Is.Zero);
    }

    [Test]
    public void Rename_replaces_the_target_and_the_listing_is_sorted_ordinally()
    {
        var medium = new FileMedium(_directory);
        foreach (var (name, content) in new[] { ("b.idx.tmp", "new"), ("b.idx", "old"), ("B", "x"), ("a", "y") })
        {
            using var file = medium.Create(name);
            file.Append(System.Text.Encoding.ASCII.GetBytes(content));
            file.Sync();
        }

        medium.Rename("b.idx.tmp", "b.idx");
        medium.SyncDirectory();
        medium.Delete("a");
        medium.SyncDirectory();

        Assert.That(medium.List(), Is.EqualTo(new[] { "B", "b.idx" }));
        Assert.That(File.ReadAllText(Path.Combine(_directory, "b.idx")), Is.EqualTo("new"));
    }

    [Test]
    public void Failures_are_storage_io_exceptions_naming_the_file()
    {
        var medium = new FileMedium(_directory);
        medium.Create("exists").Dispose();

        var create = Assert.Throws<StorageIOException>(() => medium.Create("exists"));
        Assert.That(create!.FileName, Is.EqualTo("exists"));
        Assert.That(create.Message, Does.Contain("exists"));
        var open = Assert.Throws<StorageIOException>(() => medium.Open("missing"));
        Assert.That(open!.FileName, Is.EqualTo("missing"));
        var rename = Assert.Throws<StorageIOException>(() => medium.Rename("missing", "other"));
        Assert.That(rename!.FileName, Is.EqualTo("missing"));
        Assert.Throws<ArgumentException>(() => medium.Create("../escape"));
    }

    [Test]
    public void Syncing_a_directory_that_is_gone_reports_the_errno()
    {
        var medium = new FileMedium(_directory);
        Directory.Delete(_directory);

        var error = Assert.Throws<StorageIOException>(medium.SyncDirectory);
        Assert.That(error!.Message, Does.Contain("errno 2"), "ENOENT");
    }

    [Test]
    public void The_lz4_adapter_round_trips_compressible_blocks_and_refuses_to_grow_incompressible_ones()
    {
        var random = TestSeed.NewRandom();
        var compressor = Lz4BlockCompressor.Instance;
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("sibling set of a cart ", 100)));
        var compressed = new byte[compressor.MaxCompressedLength(text.Length)];
        var length = compressor.Compress(text, compressed);
        Assert.That(length, Is.InRange(1, text.Length - 1));
        var back = new byte[text.Length];
        Assert.That(compressor.TryDecompress(compressed.AsSpan(0, length), back, out var written), Is.True);
        Assert.That((written, back), Is.EqualTo((text.Length, text)));

        var noise = new byte[2000];
        random.NextBytes(noise);
        Assert.That(compressor.Compress(noise, new byte[compressor.MaxCompressedLength(noise.Length)]), Is.Zero, "not smaller: 0");
        Assert.DoesNotThrow(() => compressor.TryDecompress(noise, back, out _), "garbage is refused, never a crash");
    }
}
