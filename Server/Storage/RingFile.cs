using System.Buffers.Binary;
using Dynamo.Engine;
using Dynamo.Engine.Membership;
using Dynamo.Engine.Placement;
using Dynamo.Protocol;
using Microsoft.Win32.SafeHandles;

namespace Dynamo.Server.Storage;

/// <summary>
/// The ring in force and its version, kept in <c>&lt;data&gt;/ring</c> (docs/STORAGE.md § Ring file), so that a node
/// that restarts places keys by the ring the cluster agreed on, not by the ring of its command line. Written whenever
/// the ring in force changes, atomically and durably as the epoch file is; a file that cannot be read is an error,
/// never a guess.
/// <code>
/// +-------+--------+--------------+
/// | magic | crc32c | ring section |   magic: "DYRG"; crc32c: of the ring section
/// |  4 B  |  u32   |              |   ring section: as in gossip (docs/PROTOCOL.md), present = 1
/// +-------+--------+--------------+
/// </code>
/// </summary>
internal static class RingFile
{
    /// <summary>The ring file's name inside the data directory.</summary>
    public const string FileName = "ring";

    private const string TemporaryName = "ring.tmp";
    private const int HeaderBytes = 8;

    /// <summary>The longest ring file accepted: the largest ring section, with its header.</summary>
    private const int FileBytesMax = HeaderBytes + 1 + 8 + 4 + 5 + (ProtocolLimits.MembersMax * (5 + ProtocolLimits.NameBytesMax))
        + (ProtocolLimits.PartitionsMax * sizeof(ushort));

    private static ReadOnlySpan<byte> Magic => "DYRG"u8;

    /// <summary>The ring state stored in <paramref name="directory"/>, or null when there is no ring file yet.</summary>
    /// <exception cref="RingFileException">The file exists but is corrupt or holds an invalid ring.</exception>
    public static RingState? Read(string directory)
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

        var section = bytes.AsSpan(HeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != Crc32C.Compute(section))
        {
            throw Corrupt(path, "its checksum does not match");
        }

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

            return new RingState(ring.Version, Ring.FromOwners(members, owners));
        }
        catch (Exception e) when (e is ProtocolException or ArgumentException)
        {
            throw Corrupt(path, e.Message);
        }
    }

    /// <summary>Writes <paramref name="state"/> atomically and durably: temp file, fsync, rename, fsync directory.</summary>
    /// <exception cref="IOException">The file could not be written or synced.</exception>
    public static void Write(string directory, RingState state)
    {
        var members = new ReadOnlyMemory<byte>[state.Ring.Members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = System.Text.Encoding.UTF8.GetBytes(state.Ring.Members[i].Value);
        }

        var owners = new ushort[state.Ring.PartitionCount];
        state.Ring.CopyOwnerIndexesTo(owners);
        var ring = new GossipRing(state.Version, members, owners);
        var bytes = new byte[HeaderBytes + ring.SectionLength];
        ring.WriteSection(bytes.AsSpan(HeaderBytes));
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32C.Compute(bytes.AsSpan(HeaderBytes)));

        var temporary = Path.Combine(directory, TemporaryName);
        using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temporary, Path.Combine(directory, FileName), overwrite: true);
        Libc.FsyncDirectory(directory);
    }

    private static RingFileException Corrupt(string path, string why) =>
        new($"{path} is corrupt: {why}. Refusing to guess the ring; remove the file to take the ring from the cluster by gossip.");
}

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
