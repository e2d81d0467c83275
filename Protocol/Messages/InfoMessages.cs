namespace Dynamo.Protocol;

/// <summary>
/// The reply to <see cref="InfoRequest"/>: the node's status as UTF-8 text, one <c>field:value</c> per line
/// (lines end with <c>\n</c>), as Redis's INFO prints it.
/// <code>
/// +-------+
/// | text  |   UTF-8, at most ProtocolLimits.InfoBytesMax bytes
/// | bytes |
/// +-------+
/// </code>
/// </summary>
public readonly ref struct InfoReply : IMessage<InfoReply>
{
    /// <summary>Builds an info reply; throws <see cref="ProtocolException"/> when the text is too long or not UTF-8.</summary>
    public InfoReply(ReadOnlySpan<byte> text)
    {
        MessageFields.CheckText(text, ProtocolLimits.InfoBytesMax, required: false, MessageFields.Text);
        Text = text;
    }

    /// <inheritdoc/>
    public static Opcode Opcode => Opcode.InfoReply;

    /// <summary>The status text: <c>field:value</c> lines.</summary>
    public ReadOnlySpan<byte> Text { get; }

    /// <inheritdoc/>
    public int Length => MessageWriter.BytesSize(Text.Length);

    /// <inheritdoc/>
    public void WriteTo(Span<byte> destination) => MessageWriter.WriteSingleBytes(destination, Text);

    /// <inheritdoc/>
    public static InfoReply Read(ReadOnlySpan<byte> payload) =>
        new(MessageReader.ReadSingleBytes(payload, ProtocolLimits.InfoBytesMax, MessageFields.Text));
}
