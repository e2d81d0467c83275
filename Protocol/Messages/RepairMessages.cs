using System.Numerics;

namespace Dynamo.Protocol;

/// <summary>
/// The operator asks a node to run an anti-entropy exchange of every partition it holds with every peer that shares
/// it, now. Reply: <see cref="RepairReply"/>.
/// <code>
/// +-------+-----------+
/// | flags | timeoutMs |   flags: all bits reserved (0); timeoutMs: 0 = the node's default
/// |  u8   |    u32    |
/// +-------+-----------+
/// </code>
/// </summary>
public readonly ref struct RepairRequest : IMessage<RepairRequest>
{
    /// <summary>Builds a repair request.</summary>
    public RepairRequest(uint timeoutMs) => TimeoutMs = timeoutMs;

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Repair;

    /// <summary>The deadline of the whole repair in milliseconds; 0 means the node's default.</summary>
    public uint TimeoutMs { get; }

    /// <inheritdoc/>
    public int Length => 1 + sizeof(uint);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteU8(0);
        writer.WriteU32(TimeoutMs);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static RepairRequest Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        reader.ReadFlags(0, MessageFields.Flags);
        var timeoutMs = reader.ReadU32("timeout");
        reader.EnsureEnd();
        return new RepairRequest(timeoutMs);
    }
}

/// <summary>
/// The reply to <see cref="RepairRequest"/>: what the node's exchanges found and repaired.
/// <code>
/// +-------+-----------+--------+-------------+----------+---------+
/// | flags | exchanges | failed | differences | repaired | message |
/// |  u8   |  varint   | varint |     u64     |   u64    |  bytes  |
/// +-------+-----------+--------+-------------+----------+---------+
/// flags: bit 0 = completed (every exchange finished before the deadline); bits 1-7 reserved (0)
/// exchanges, failed: 0 to 2^31 - 1; differences, repaired: 0 to 2^63 - 1
/// message: UTF-8, at most ErrorMessageBytesMax bytes; empty when all went well
/// </code>
/// Building one throws <see cref="ProtocolException"/> when a count is negative or the message is over its limit
/// or not UTF-8.
/// </summary>
/// <param name="completed">True when every exchange finished before the deadline.</param>
/// <param name="exchanges">Exchanges completed.</param>
/// <param name="exchangesFailed">Exchanges skipped or abandoned.</param>
/// <param name="differences">Keys found to differ.</param>
/// <param name="keysRepaired">Keys whose copy was updated on the node or on a peer.</param>
/// <param name="message">A description for the operator, UTF-8; empty when all went well.</param>
public readonly ref struct RepairReply(
    bool completed, int exchanges, int exchangesFailed, long differences, long keysRepaired, ReadOnlySpan<byte> message)
    : IMessage<RepairReply>
{
    /// <summary>The flag bit marking a repair that completed.</summary>
    public const byte CompletedFlag = 0x01;

    private const string MessageField = "message";

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.RepairReply;

    /// <summary>True when every exchange finished before the deadline.</summary>
    public bool Completed { get; } = completed;

    /// <summary>Exchanges completed.</summary>
    public int Exchanges { get; } = NotNegative(exchanges);

    /// <summary>Exchanges skipped or abandoned (peer unreachable, deadline).</summary>
    public int ExchangesFailed { get; } = NotNegative(exchangesFailed);

    /// <summary>Keys found to differ.</summary>
    public long Differences { get; } = NotNegative(differences);

    /// <summary>Keys whose copy was updated on the node or on a peer.</summary>
    public long KeysRepaired { get; } = NotNegative(keysRepaired);

    /// <summary>A description for the operator, UTF-8; empty when all went well.</summary>
    public ReadOnlySpan<byte> Message { get; } =
        MessageFields.CheckedText(message, ProtocolLimits.ErrorMessageBytesMax, required: false, MessageField);

    /// <inheritdoc/>
    public int Length =>
        1 + Leb128.Size((uint)Exchanges) + Leb128.Size((uint)ExchangesFailed) + (2 * sizeof(ulong))
        + MessageWriter.BytesSize(Message.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
        var writer = new MessageWriter(destination, Length);
        writer.WriteU8(Completed ? CompletedFlag : (byte)0);
        writer.WriteVarint((uint)Exchanges);
        writer.WriteVarint((uint)ExchangesFailed);
        writer.WriteU64((ulong)Differences);
        writer.WriteU64((ulong)KeysRepaired);
        writer.WriteBytes(Message);
        writer.Finish();
    }

    /// <inheritdoc/>
    public static RepairReply Read(ReadOnlySpan<byte> payload)
    {
        var reader = new MessageReader(payload);
        var flags = reader.ReadFlags(CompletedFlag, MessageFields.Flags);
        var exchanges = reader.ReadVarint("exchanges");
        var failed = reader.ReadVarint("failed exchanges");
        var differences = reader.ReadU64("differences");
        var repaired = reader.ReadU64("keys repaired");
        var message = reader.ReadBytes(ProtocolLimits.ErrorMessageBytesMax, MessageField);
        reader.EnsureEnd();
        if (exchanges > int.MaxValue || failed > int.MaxValue || differences > long.MaxValue || repaired > long.MaxValue)
        {
            throw MessageErrors.BadRequest("A repair count is out of range.");
        }

        return new RepairReply(
            (flags & CompletedFlag) != 0, (int)exchanges, (int)failed, (long)differences, (long)repaired, message);
    }

    private static T NotNegative<T>(T count)
        where T : INumberBase<T> =>
        T.IsNegative(count) ? throw MessageErrors.BadRequest("A repair count is negative.") : count;
}
