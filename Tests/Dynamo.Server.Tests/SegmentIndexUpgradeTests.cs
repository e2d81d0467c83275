using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Versions;
using Dynamo.Server.Addresses;
using Dynamo.Server.Options;
using Dynamo.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// A data directory written before segment index files took the name <c>*.idx</c> holds them as <c>*.hint</c>, in the
/// replica store's folder and in the hint store's. It still opens from them, fast, and keeps them under the new name.
/// </summary>
public sealed class SegmentIndexUpgradeTests
{
    private static readonly NodeId s_target = NodeId.Parse("n2");
    private string _data = null!;

    [SetUp]
    public void CreateDataDirectory() => _data = Directory.CreateTempSubdirectory("dynamo-index-upgrade-").FullName;

    [TearDown]
    public void DeleteDataDirectory() => Directory.Delete(_data, recursive: true);

    [Test]
    public void A_data_directory_with_old_name_index_files_opens_from_them_and_info_counts_them()
    {
        var options = new ServerOptions
        {
            Node = NodeId.Parse("n1"),
            Listen = new HostPort("127.0.0.1", 0),
            Members = [new MemberAddress(NodeId.Parse("n1"), new HostPort("127.0.0.1", 1))],
            DataDirectory = _data,
            Durability = DurabilityMode.Always,
            Store = StoreKind.Log,
            SegmentBytes = 1024,
            HintsPerTargetMax = 1000,
        };
        var storage = NodeStorage.Open(options, _data, null, NullLogger.Instance);
        for (var i = 0; i < 300; i++)
        {
            storage.Store.Write([], Key(i), Set(i));
            Assert.That(storage.Hints.TryAdd(s_target, [], Key(i), Set(i), out var refusal), Is.True, refusal);
        }

        Assert.That(storage.SyncBatch(1), Is.True);
        storage.Close();

        var store = Path.Combine(_data, NodeStorage.StoreFolderName);
        var hints = Path.Combine(_data, NodeStorage.HintsFolderName);
        var storeIndexes = RenameToFormerName(store);
        var hintIndexes = RenameToFormerName(hints);
        Assert.That(storeIndexes, Is.GreaterThan(3), "the replica store has sealed segments");
        Assert.That(hintIndexes, Is.GreaterThan(3), "the hint store has sealed segments");

        var reopened = NodeStorage.Open(options, _data, null, NullLogger.Instance);
        var info = Info(reopened);
        Assert.That(info["recovered_from_index"], Is.EqualTo(storeIndexes.ToString(System.Globalization.CultureInfo.InvariantCulture)), "every old-name index of the replica store was read");
        Assert.That(reopened.Log!.Recovery.IndexFilesRenamed, Is.EqualTo(storeIndexes));
        Assert.That(reopened.HintLog!.Log.Recovery.SegmentsFromIndex, Is.EqualTo(hintIndexes), "and of the hint store");
        Assert.That(reopened.HintLog.Log.Recovery.IndexFilesRenamed, Is.EqualTo(hintIndexes));
        for (var i = 0; i < 300; i++)
        {
            Assert.That(reopened.Store.Read([], Key(i)), Is.EqualTo(Set(i)), $"key {i}");
        }

        Assert.That(reopened.Hints.PendingFor(s_target), Is.EqualTo(300));
        reopened.Close();
        Assert.That(Directory.GetFiles(_data, "*.hint", SearchOption.AllDirectories), Is.Empty, "no file keeps the former name");
        Assert.That(Directory.GetFiles(store, "*.idx"), Has.Length.GreaterThanOrEqualTo(storeIndexes));
    }

    /// <summary>Renames every segment index file of a folder to its former name; returns how many.</summary>
    private static int RenameToFormerName(string folder)
    {
        var indexes = Directory.GetFiles(folder, "*.idx");
        foreach (var index in indexes)
        {
            File.Move(index, Path.ChangeExtension(index, ".hint"));
        }

        return indexes.Length;
    }

    private static Dictionary<string, string> Info(NodeStorage storage)
    {
        var text = new StringBuilder();
        storage.AppendInfo(text);
        return text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }

    private static byte[] Key(int i) => Encoding.ASCII.GetBytes($"key-{i}");

    private static SiblingSet Set(int i) =>
        SiblingSet.Empty.Put(new Actor(NodeId.Parse("n1"), 1), CausalContext.Empty, Encoding.ASCII.GetBytes($"value-{i}"), isTombstone: false);
}
