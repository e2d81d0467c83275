using System.Buffers.Binary;
using System.Collections.Immutable;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;
using Microsoft.Win32.SafeHandles;

namespace Dynamo.Server.Storage;

/// <summary>
/// The cluster state a node keeps in <c>&lt;data&gt;/ring</c> (docs/STORAGE.md § Ring file): the ring in force with its
/// version, and the bucket properties changed by <c>BUCKET SET</c> with their versions, so that a node that restarts
/// places keys by the ring the cluster agreed on and keeps the buckets' properties, not those of its command line.
/// Written whenever either changes, atomically and durably as the epoch file is; a file that cannot be read is an
/// error, never a guess.
/// <code>
/// +-------+--------+-------------+--------------+-------------+
/// | magic | crc32c | ring length | ring section | bucket list |
/// |  4 B  |  u32   |     u32     |              |             |
/// +-------+--------+-------------+--------------+-------------+
/// magic: "DYRG"; crc32c: of everything after it; ring section: as in gossip (docs/PROTOCOL.md), present = 1;
/// bucket list: as in gossip, the entries whose version counter is above 0 (seeds come from --bucket)
/// </code>
/// </summary>
internal static class RingFile
{
    /// <summary>The ring file's name inside the data directory.</summary>
    public const string FileName = "ring";

    private const string TemporaryName = "ring.tmp";
    private const int HeaderBytes = 12;

    /// <summary>The longest ring file accepted: the largest ring section, with its header.</summary>
    private const int FileBytesMax = HeaderBytes + 1 + 8 + 4 + 5 + (ProtocolLimits.MembersMax * (5 + ProtocolLimits.NameBytesMax))
        + (ProtocolLimits.PartitionsMax * sizeof(ushort)) + 5
        + (ProtocolLimits.BucketsMax * (5 + ProtocolLimits.BucketBytesMax + 3 + 4 + 8 + 5 + ProtocolLimits.NameBytesMax));

    private static ReadOnlySpan<byte> Magic => "DYRG"u8;

    /// <summary>The cluster state stored in <paramref name="directory"/>, or null when there is no ring file yet.</summary>
    /// <exception cref="RingFileException">The file exists but is corrupt or holds an invalid ring or bucket.</exception>
    public static KeptClusterState? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var length = RandomAccess.GetLength(handle);
        if (length < HeaderBytes || length > FileBytesMax)
        {
            throw Corrupt(path, $"it is {length} bytes long");
        }

        var bytes = new byte[length];
        var read = RandomAccess.Read(handle, bytes, 0);
        if (read != length || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw Corrupt(path, "it does not start with the ring file's magic");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != Crc32C.Compute(bytes.AsSpan(8)))
        {
            throw Corrupt(path, "its checksum does not match");
        }

        var ringLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (ringLength > length - HeaderBytes)
        {
            throw Corrupt(path, $"its ring section of {ringLength} bytes runs past its end");
        }

        var section = bytes.AsSpan(HeaderBytes, (int)ringLength);
        try
        {
            var ring = GossipRing.ReadSection(section);
            if (!ring.IsPresent)
            {
                throw Corrupt(path, "it holds no ring");
            }

            var members = new List<NodeId>(ring.Members.Count);
            foreach (var member in ring.Members)
            {
                if (!NodeId.TryParse(System.Text.Encoding.UTF8.GetString(member), out var node, out var reason))
                {
                    throw Corrupt(path, "a ring member's id is not valid: " + reason);
                }

                members.Add(node);
            }

            var owners = new ushort[ring.PartitionCount];
            for (var p = 0; p < owners.Length; p++)
            {
                owners[p] = (ushort)ring.GetOwner(p);
            }

            var state = new RingState(ring.Version, Ring.FromOwners(members, owners));
            return new KeptClusterState(state, ReadBuckets(path, BucketList.ReadSection(bytes.AsSpan(HeaderBytes + (int)ringLength))));
        }
        catch (Exception e) when (e is ProtocolException or ArgumentException)
        {
            throw Corrupt(path, e.Message);
        }
    }

    /// <summary>
    /// Writes <paramref name="state"/> and the entries of <paramref name="buckets"/> that a change made (version counter
    /// above 0) atomically and durably: temp file, fsync, rename, fsync directory.
    /// </summary>
    /// <exception cref="IOException">The file could not be written or synced.</exception>
    public static void Write(string directory, RingState state, ImmutableArray<BucketEntry> buckets)
    {
        var members = new ReadOnlyMemory<byte>[state.Ring.Members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = System.Text.Encoding.UTF8.GetBytes(state.Ring.Members[i].Value);
        }

        var owners = new ushort[state.Ring.PartitionCount];
        state.Ring.CopyOwnerIndexesTo(owners);
        var ring = new GossipRing(state.Version, members, owners);
        var changed = buckets.IsDefault ? [] : buckets.Where(e => e.Version.Counter > 0)
            .Select(e => new BucketInfo(e.Name, (byte)e.Props.N, (byte)e.Props.R, (byte)e.Props.W, (uint)e.Props.TimeoutMs, e.Version.Counter, e.Version.Node.Value))
            .ToArray();
        var bucketList = new BucketList(changed);
        var bytes = new byte[HeaderBytes + ring.SectionLength + bucketList.SectionLength];
        ring.WriteSection(bytes.AsSpan(HeaderBytes, ring.SectionLength));
        bucketList.WriteSection(bytes.AsSpan(HeaderBytes + ring.SectionLength));
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)ring.SectionLength);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32C.Compute(bytes.AsSpan(8)));

        var temporary = Path.Combine(directory, TemporaryName);
        using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temporary, Path.Combine(directory, FileName), overwrite: true);
        Libc.FsyncDirectory(directory);
    }

    private static ImmutableArray<BucketEntry> ReadBuckets(string path, BucketList buckets)
    {
        var entries = ImmutableArray.CreateBuilder<BucketEntry>(buckets.Count);
        foreach (var bucket in buckets)
        {
            var timeoutMs = (int)Math.Min(bucket.TimeoutMs, int.MaxValue);
            if (!NodeId.TryParse(bucket.NodeIdText, out var node, out var reason) || !BucketEntry.IsValidName(bucket.NameText, out reason))
            {
                throw Corrupt(path, $"bucket '{bucket.NameText}' is not valid: {reason}");
            }

            if (!BucketProps.TryValidate(bucket.N, bucket.R, bucket.W, timeoutMs, out var invalid))
            {
                throw Corrupt(path, $"bucket '{bucket.NameText}' is not valid: {invalid.Message}");
            }

            entries.Add(new BucketEntry(bucket.NameText, new BucketProps(bucket.N, bucket.R, bucket.W, timeoutMs), new BucketVersion(bucket.Counter, node)));
        }

        return entries.MoveToImmutable();
    }

    private static RingFileException Corrupt(string path, string why) =>
        new($"{path} is corrupt: {why}. Refusing to guess the ring; remove the file to take the ring from the cluster by gossip.");
}

/// <summary>What a ring file holds: the ring in force and the bucket entries changes made.</summary>
/// <param name="Ring">The ring in force and its version.</param>
/// <param name="Buckets">The bucket entries with a version counter above 0.</param>
internal sealed record KeptClusterState(RingState Ring, ImmutableArray<BucketEntry> Buckets);

/// <summary>The ring file cannot be trusted; the node must not start.</summary>
internal sealed class RingFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RingFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RingFileException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RingFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
