using Dynamo.Server.Storage;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

public sealed class EpochFileTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dynamo-epoch-test-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Test]
    public void A_fresh_directory_starts_at_the_current_second_and_every_start_after_takes_the_next()
    {
        Assert.That(EpochFile.Read(_directory), Is.EqualTo(0u));
        Assert.That(EpochFile.Advance(_directory, s_now), Is.EqualTo(1_800_000_000u));
        Assert.That(EpochFile.Advance(_directory, s_now.AddHours(1)), Is.EqualTo(1_800_000_001u), "an existing epoch counts on");
        Assert.That(EpochFile.Advance(_directory, s_now), Is.EqualTo(1_800_000_002u));
        Assert.That(EpochFile.Read(_directory), Is.EqualTo(1_800_000_002u), "the epoch survives in the file");
        Assert.That(File.ReadAllText(Path.Combine(_directory, EpochFile.FileName)), Is.EqualTo("1800000002\n"));
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { EpochFile.FileName }), "no temporary file is left behind");
    }

    [Test]
    public void A_wiped_directory_never_reuses_an_epoch_of_its_earlier_life()
    {
        var first = EpochFile.Advance(_directory, s_now);
        var second = EpochFile.Advance(_directory, s_now.AddSeconds(5));
        File.Delete(Path.Combine(_directory, EpochFile.FileName));

        var afterWipe = EpochFile.Advance(_directory, s_now.AddSeconds(10));

        Assert.That(afterWipe, Is.GreaterThan(second).And.GreaterThan(first));
    }

    [Test]
    public void A_missing_data_directory_is_created()
    {
        var nested = Path.Combine(_directory, "a", "b");

        Assert.That(EpochFile.Advance(nested, s_now), Is.EqualTo(1_800_000_000u));
        Assert.That(EpochFile.Read(nested), Is.EqualTo(1_800_000_000u));
    }

    [TestCase("")]
    [TestCase("7")]
    [TestCase("x\n")]
    [TestCase("-1\n")]
    [TestCase("4294967296\n")]
    [TestCase("1\n2\n")]
    public void A_corrupt_epoch_file_stops_the_start_instead_of_guessing(string content)
    {
        File.WriteAllText(Path.Combine(_directory, EpochFile.FileName), content);

        Assert.That(() => EpochFile.Advance(_directory, s_now), Throws.TypeOf<EpochFileException>().With.Message.Contains("epoch"));
        Assert.That(File.ReadAllText(Path.Combine(_directory, EpochFile.FileName)), Is.EqualTo(content), "the file is left as it was");
    }

    [Test]
    public void An_exhausted_epoch_is_refused()
    {
        EpochFile.Write(_directory, uint.MaxValue);

        Assert.That(() => EpochFile.Advance(_directory, s_now), Throws.TypeOf<EpochFileException>().With.Message.Contains("maximum"));
    }

    [Test]
    public void Directory_fsync_goes_through_libc_and_reports_failure()
    {
        Assert.That(() => Libc.FsyncDirectory(_directory), Throws.Nothing);
        Assert.That(
            () => Libc.FsyncDirectory(Path.Combine(_directory, "missing")),
            Throws.TypeOf<IOException>().With.Message.Contains("open"));
    }
}
