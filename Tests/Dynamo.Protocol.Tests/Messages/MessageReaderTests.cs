using Dynamo.Tests.Shared;

namespace Dynamo.Protocol.Tests.Messages;

/// <summary>
/// The wire's span reader (<see cref="MessageReader"/>) meets the vectors shared with the engine's
/// <c>WireReader</c> (Tests/Shared/SpanReaderContract.cs); its truncation is a BadRequest.
/// </summary>
public sealed class MessageReaderTests : SpanReaderContract
{
    protected override IReadOnlyList<ReadOutcome> Run(byte[] input, IReadOnlyList<ReadStep> steps)
    {
        var reader = new MessageReader(input);
        var outcomes = new List<ReadOutcome>();
        foreach (var step in steps)
        {
            try
            {
                outcomes.Add(Read(ref reader, step));
            }
            catch (ProtocolException error) when (error.Code == ErrorCode.BadRequest && error.Scope == ErrorScope.Request)
            {
                outcomes.Add(new ReadOutcome(true, 0, string.Empty, reader.Position));
                break;
            }
        }

        return outcomes;
    }

    private static ReadOutcome Read(ref MessageReader reader, ReadStep step) => step.Kind switch
    {
        ReadKind.U8 => Value(reader.ReadU8("field"), reader),
        ReadKind.U16 => Value(reader.ReadU16("field"), reader),
        ReadKind.U32 => Value(reader.ReadU32("field"), reader),
        ReadKind.U64 => Value(reader.ReadU64("field"), reader),
        _ => new ReadOutcome(false, 0, Convert.ToHexStringLower(reader.Take(step.Count, "field")), reader.Position),
    };

    private static ReadOutcome Value(ulong value, in MessageReader reader) => new(false, value, string.Empty, reader.Position);
}
