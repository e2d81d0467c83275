using System.Buffers;
using System.Diagnostics;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Placement;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;
using Dynamo.Server.Wire;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// A measurement, not a test (docs/BENCHMARKS.md, "Anti-entropy"): the bytes two replicas exchange, as whole frames
/// in both directions, to find and repair one differing key among 100,000 and among 1,000,000. Two real node cores
/// talk through the shell's real codecs (<see cref="PeerCodec"/>, <see cref="RequestDecoder"/>,
/// <see cref="ReplyEncoder"/>, the frame writer with its compression); only the sockets are left out. Explicit: run it
/// with <c>dotnet test Tests/Dynamo.Server.Tests -c Release --filter Category=Soak</c>.
/// </summary>
[Category("Soak")]
[Explicit("A measurement that holds a million keys on two replicas in memory; run it by name or by category")]
public sealed class AntiEntropyWireCostMeasurement
{
    private static readonly NodeId s_a = NodeId.Parse("n1");
    private static readonly NodeId s_b = NodeId.Parse("n2");

    [TestCase(100_000, 1024)]
    [TestCase(1_000_000, 1024)]
    [TestCase(100_000, 64)]
    public void Bytes_to_find_and_repair_one_differing_key(int keys, int partitions)
    {
        var clock = Stopwatch.StartNew();
        var ring = Ring.Create([s_a, s_b], partitions);
        var (a, b) = (new InMemoryReplicaStore(), new InMemoryReplicaStore());
        var actor = new Actor(s_a, 1);
        var bucket = "b"u8.ToArray();
        var value = new byte[100];
        for (var i = 0; i < keys; i++)
        {
            var key = Encoding.ASCII.GetBytes($"key-{i:D8}");
            BitConverter.TryWriteBytes(value, i);
            var set = SiblingSet.Empty.Put(actor, CausalContext.Empty, (byte[])value.Clone(), isTombstone: false);
            a.Write(bucket, key, set);
            if (i != keys / 2)
            {
                b.Write(bucket, key, set);
            }
        }

        var coreA = Core(s_a, ring, a);
        var coreB = Core(s_b, ring, b);
        long now = 0;
        while (coreA.Stats.AntiEntropyTreesBuilding > 0 || coreB.Stats.AntiEntropyTreesBuilding > 0)
        {
            now += 5;
            coreA.OnTick(now);
            coreB.OnTick(now);
        }

        TestContext.Out.WriteLine($"{keys:N0} keys on each replica, trees built, in {clock.Elapsed.TotalSeconds:0.0} s");
        var exchange = new Exchange(coreA, coreB);
        var result = exchange.Repair(ref now);

        Assert.That(result, Is.EqualTo(new Engine.AntiEntropy.RepairResult(true, 1, 0, 1, 1, null)));
        Assert.That(b.Read(bucket, Encoding.ASCII.GetBytes($"key-{keys / 2:D8}")), Is.Not.Null, "the key reached the replica that lacked it");
        var total = exchange.BytesAToB + exchange.BytesBToA;
        TestContext.Out.WriteLine(
            $"Q={partitions}, {keys:N0} keys, 1 differing: {exchange.Frames} frames, {exchange.BytesAToB:N0} B initiator→peer + "
            + $"{exchange.BytesBToA:N0} B peer→initiator = {total:N0} B ({total / 1024.0:0.0} KiB)");
        foreach (var (opcode, bytes) in exchange.BytesByOpcode.OrderBy(p => p.Key))
        {
            TestContext.Out.WriteLine($"  {opcode}: {bytes:N0} B");
        }

        Assert.That(total, Is.LessThan(64 * 1024), "goal: under 64 KiB");
    }

    private static NodeCore Core(NodeId self, Ring ring, InMemoryReplicaStore store) =>
        new(
            new NodeOptions(self, 1, ring, new BucketProps(2, 1, 1, 5000), new Dictionary<string, BucketProps>())
            {
                AntiEntropyEnabled = false,
                AntiEntropyBuildKeysPerTick = 100_000,
            },
            store);

    /// <summary>
    /// Carries every message between the two cores as the shell would, through each core's node turn: encoded to a
    /// frame and decoded.
    /// </summary>
    private sealed class Exchange
    {
        private const ulong RepairToken = ulong.MaxValue;

        private readonly NodeCore _initiator;
        private readonly NodeCore _peer;
        private readonly NodeTurn _initiatorTurn;
        private readonly NodeTurn _peerTurn;
        private readonly Dictionary<ulong, (ulong OperationId, Opcode Opcode)> _peerRequests = [];
        private readonly ArrayBufferWriter<byte> _scratch = new();
        private ulong _nextToken;
        private long _now;
        private Engine.AntiEntropy.RepairResult? _result;

        public Exchange(NodeCore initiator, NodeCore peer)
        {
            _initiator = initiator;
            _peer = peer;
            _initiatorTurn = new NodeTurn(initiator, new Shell(this, toPeer: true));
            _peerTurn = new NodeTurn(peer, new Shell(this, toPeer: false));
        }

        public long BytesAToB { get; private set; }

        public long BytesBToA { get; private set; }

        public int Frames { get; private set; }

        public Dictionary<Opcode, long> BytesByOpcode { get; } = [];

        public Engine.AntiEntropy.RepairResult Repair(ref long now)
        {
            _now = now;
            _initiator.OnRequest(RepairToken, new RepairCommand(60_000), now);
            for (var idle = 0; idle < 10_000; idle++)
            {
                _initiatorTurn.Complete(_now);
                if (_result is { } result)
                {
                    now = _now;
                    return result;
                }

                _now += 5;
                _initiator.OnTick(_now);
                _peer.OnTick(_now);
                _peerTurn.Complete(_now);
            }

            throw new TimeoutException("The repair did not answer.");
        }

        private void Deliver(Send send)
        {
            var request = Frame(output => PeerCodec.WriteRequest(output, send.OperationId, send.Request, _scratch), toPeer: true);
            var decoded = RequestDecoder.Decode(request.Header.Opcode, request.Payload);
            Invariant.Check(decoded.Kind == RequestKind.Core);
            var token = ++_nextToken;
            _peerRequests[token] = (send.OperationId, request.Header.Opcode);
            _peer.OnRequest(token, decoded.Request!, _now);
            _peerTurn.Complete(_now);
        }

        private void Answer(Reply reply)
        {
            var (operationId, opcode) = _peerRequests[reply.ReplyToken];
            _peerRequests.Remove(reply.ReplyToken);
            var outbound = new OutboundReply(operationId, ReplyKind.Response, opcode, Response: reply.Response);
            var frame = Frame(output => ReplyEncoder.Write(output, outbound, _scratch), toPeer: false);
            _initiator.OnResponse(s_b, operationId, PeerCodec.ReadReply(opcode, frame.Header.Opcode, frame.Payload), _now);
        }

        /// <summary>One core's side of its turn: memory stores, sends encoded to the other core.</summary>
        private sealed class Shell(Exchange exchange, bool toPeer) : INodeShell
        {
            public PersistOutcome Persist(PersistStores stores, out string? reason)
            {
                reason = null;
                return PersistOutcome.Done;
            }

            public bool TrySend(Send send, out string reason)
            {
                reason = string.Empty;
                Invariant.Check(toPeer);
                exchange.Deliver(send);
                return true;
            }

            public bool TrySend(SendToAddress send, out string reason) => throw new InvalidOperationException($"Unexpected {send}.");

            public void Reply(Reply reply)
            {
                if (toPeer)
                {
                    Invariant.Check(reply is { ReplyToken: RepairToken, Response: Engine.AntiEntropy.RepairResult });
                    exchange._result = (Engine.AntiEntropy.RepairResult)reply.Response;
                }
                else
                {
                    exchange.Answer(reply);
                }
            }
        }

        private (FrameHeader Header, byte[] Payload) Frame(Action<ArrayBufferWriter<byte>> write, bool toPeer)
        {
            var output = new ArrayBufferWriter<byte>();
            write(output);
            var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
            Invariant.Check(FrameReader.TryReadFrame(ref buffer, out var header, out var payload) && buffer.IsEmpty);
            using var lease = FramePayload.Open(header, payload);
            Frames++;
            if (toPeer)
            {
                BytesAToB += output.WrittenCount;
            }
            else
            {
                BytesBToA += output.WrittenCount;
            }

            BytesByOpcode[header.Opcode] = BytesByOpcode.GetValueOrDefault(header.Opcode) + output.WrittenCount;
            return (header, lease.Span.ToArray());
        }
    }
}
