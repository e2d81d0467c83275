namespace Dynamo.Protocol;

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
    public static PingRequest Read(ReadOnlySpan<byte> payload)
    {
        new MessageReader(payload).EnsureEnd();
        return default;
    }
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
    public static PongReply Read(ReadOnlySpan<byte> payload)
    {
        new MessageReader(payload).EnsureEnd();
        return default;
    }
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
    public static DeleteReply Read(ReadOnlySpan<byte> payload)
    {
        new MessageReader(payload).EnsureEnd();
        return default;
    }
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
    public static ClusterInfoRequest Read(ReadOnlySpan<byte> payload)
    {
        new MessageReader(payload).EnsureEnd();
        return default;
    }
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
    public static ReplicaWriteReply Read(ReadOnlySpan<byte> payload)
    {
        new MessageReader(payload).EnsureEnd();
        return default;
    }
}
