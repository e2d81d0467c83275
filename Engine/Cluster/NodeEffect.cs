namespace Dynamo.Engine.Cluster;

/// <summary>Something the shell must carry out for the core.</summary>
public abstract record NodeEffect;

/// <summary>
/// Send <paramref name="Request"/> to node <paramref name="To"/> with frame request id
/// <paramref name="OperationId"/>; later call <see cref="NodeCore.OnResponse"/> exactly once for it, with the decoded
/// reply or a <see cref="PeerFailure"/>.
/// </summary>
/// <param name="To">The peer.</param>
/// <param name="OperationId">Unique per node core; the frame request id.</param>
/// <param name="Request">What to send.</param>
public sealed record Send(NodeId To, ulong OperationId, NodeRequest Request) : NodeEffect;

/// <summary>Answer the request that came with <paramref name="ReplyToken"/>.</summary>
/// <param name="ReplyToken">The token given to <see cref="NodeCore.OnRequest"/>.</param>
/// <param name="Response">The answer.</param>
public sealed record Reply(ulong ReplyToken, NodeResponse Response) : NodeEffect;

/// <summary>
/// Send <paramref name="Request"/> to the node listening at <paramref name="Address"/>, whose id is not known yet (a
/// seed); later call <see cref="NodeCore.OnResponse"/> exactly once for it, with a default <see cref="NodeId"/> as the
/// sender, and the decoded reply or a <see cref="PeerFailure"/>.
/// </summary>
/// <param name="Address">The peer's host:port.</param>
/// <param name="OperationId">Unique per node core; the frame request id.</param>
/// <param name="Request">What to send.</param>
public sealed record SendToAddress(string Address, ulong OperationId, NodeRequest Request) : NodeEffect;
