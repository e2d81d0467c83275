namespace Dynamo.Protocol;

// The messages whose payload is empty. Each writes nothing and reads through MessageReader.ReadEmpty, which
// rejects any byte; they differ only in their opcode.

/// <summary>A liveness check. Its payload is empty. Reply: <see cref="PongReply"/>.</summary>
public readonly ref struct PingRequest : IMessage<PingRequest>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Ping;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static PingRequest Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<PingRequest>(payload);
}

/// <summary>The reply to <see cref="PingRequest"/>. Its payload is empty.</summary>
public readonly ref struct PongReply : IMessage<PongReply>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Pong;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static PongReply Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<PongReply>(payload);
}

/// <summary>The reply to <see cref="DeleteRequest"/>: the tombstone reached the write quorum. Its payload is empty.</summary>
public readonly ref struct DeleteReply : IMessage<DeleteReply>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.DeleteReply;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static DeleteReply Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<DeleteReply>(payload);
}

/// <summary>Asks a node for its members and ring. Its payload is empty. Reply: <see cref="ClusterInfoReply"/>.</summary>
public readonly ref struct ClusterInfoRequest : IMessage<ClusterInfoRequest>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.ClusterInfo;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static ClusterInfoRequest Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<ClusterInfoRequest>(payload);
}

/// <summary>The reply to <see cref="ReplicaWriteRequest"/>: the replica merged and persisted the object. Its payload is empty.</summary>
public readonly ref struct ReplicaWriteReply : IMessage<ReplicaWriteReply>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.ReplicaWriteReply;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static ReplicaWriteReply Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<ReplicaWriteReply>(payload);
}

/// <summary>The reply to <see cref="HintedWriteRequest"/>: the fallback stored the hint. Its payload is empty.</summary>
public readonly ref struct HintedWriteReply : IMessage<HintedWriteReply>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.HintedWriteReply;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static HintedWriteReply Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<HintedWriteReply>(payload);
}

/// <summary>
/// Asks a node for its status: the administration family's first message. Its payload is empty.
/// Reply: <see cref="InfoReply"/>.
/// </summary>
public readonly ref struct InfoRequest : IMessage<InfoRequest>
{
    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.Info;

    /// <inheritdoc/>
    public int Length => 0;

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination)
    {
    }

    /// <inheritdoc/>
    public static InfoRequest Read(ReadOnlySpan<byte> payload) => MessageReader.ReadEmpty<InfoRequest>(payload);
}
