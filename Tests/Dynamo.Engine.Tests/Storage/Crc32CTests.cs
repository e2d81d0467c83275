using Dynamo.Engine.Storage;
using Dynamo.Tests.Shared;

namespace Dynamo.Engine.Tests.Storage;

/// <summary>The storage engine's CRC-32C meets the vectors shared with the wire's copy (Tests/Shared/Crc32CContract.cs).</summary>
public sealed class Crc32CTests : Crc32CContract
{
    protected override uint Compute(ReadOnlySpan<byte> data) => Crc32C.Compute(data);

    protected override uint Append(uint crc, ReadOnlySpan<byte> data) => Crc32C.Append(crc, data);
}
