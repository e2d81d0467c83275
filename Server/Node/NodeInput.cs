using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Protocol;
using Dynamo.Server.Wire;

namespace Dynamo.Server.Node;

/// <summary>Where the node loop sends a reply: the connection a request came on. Thread-safe.</summary>
internal interface IReplySink
{
    /// <summary>Queues a reply for the connection's writer; dropped when the connection has closed.</summary>
    void Enqueue(in OutboundReply reply);
}

/// <summary>The kinds of input the node loop handles.</summary>
internal enum NodeInputKind
{
    /// <summary>A request from a connection, for the core.</summary>
    Request,

    /// <summary>A peer's reply to a send, for the core.</summary>
    Response,

    /// <summary>An Info request: the loop reads the core's counters.</summary>
    Info,

    /// <summary>Time passed.</summary>
    Tick,
}

/// <summary>One input to the node loop. A struct, so queueing it allocates nothing beyond what it carries.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Sink">For a request or Info: the connection to answer on.</param>
/// <param name="RequestId">For a request or Info: the frame request id to answer with.</param>
/// <param name="Opcode">For a request: its opcode (decides the reply's shape).</param>
/// <param name="Request">For a request: what the core is asked.</param>
/// <param name="From">For a response: the peer that sent it.</param>
/// <param name="OperationId">For a response: the core's operation id.</param>
/// <param name="Response">For a response: the reply, or a <see cref="PeerFailure"/>.</param>
internal readonly record struct NodeInput(
    NodeInputKind Kind,
    IReplySink? Sink = null,
    ulong RequestId = 0,
    Opcode Opcode = 0,
    NodeRequest? Request = null,
    NodeId From = default,
    ulong OperationId = 0,
    NodeResponse? Response = null)
{
    /// <summary>A tick.</summary>
    public static NodeInput Tick => new(NodeInputKind.Tick);

    /// <summary>A request for the core.</summary>
    public static NodeInput ForRequest(IReplySink sink, ulong requestId, Opcode opcode, NodeRequest request) =>
        new(NodeInputKind.Request, sink, requestId, opcode, request);

    /// <summary>An Info request.</summary>
    public static NodeInput ForInfo(IReplySink sink, ulong requestId) => new(NodeInputKind.Info, sink, requestId, Opcode.Info);

    /// <summary>A peer's response.</summary>
    public static NodeInput ForResponse(NodeId from, ulong operationId, NodeResponse response) =>
        new(NodeInputKind.Response, From: from, OperationId: operationId, Response: response);
}
