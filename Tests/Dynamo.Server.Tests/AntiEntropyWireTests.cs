using System.Buffers;
using Dynamo.Engine;
using Dynamo.Engine.AntiEntropy;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;
using Dynamo.Protocol;
using Dynamo.Server.Options;
using Dynamo.Server.Wire;
using NUnit.Framework;

namespace Dynamo.Server.Tests;

/// <summary>
/// Anti-entropy and repair across the wire mapping: what the core sends reaches the peer's core unchanged, what the
/// peer's core answers comes back unchanged, and the options reach the core's settings.
/// </summary>
public sealed class AntiEntropyWireTests
{
    private const string Peers = "n1@127.0.0.1:7101,n2@127.0.0.1:7102,n3@127.0.0.1:7103";

    [Test]
    public void Tree_and_keys_compares_sent_by_a_core_decode_to_the_same_requests_on_the_peer()
    {
        var tree = new TreeCompare(2, [new TreeHash(3, 17, 0xDEADBEEF), new TreeHash(65535, int.MaxValue, 0)]);
        var keys = new KeysCompare(
            [new TreeIndex(3, 17)],
            [new KeyVersion("b"u8.ToArray(), "k1"u8.ToArray(), 42), new KeyVersion([], "k2"u8.ToArray(), ulong.MaxValue)]);

        var backTree = (TreeCompare)SendAndDecode(tree);
        Assert.That((backTree.Level, backTree.Hashes.ToArray()), Is.EqualTo((tree.Level, tree.Hashes.ToArray())));

        var backKeys = (KeysCompare)SendAndDecode(keys);
        Assert.That(backKeys.Segments, Is.EqualTo(keys.Segments));
        Assert.That(backKeys.Keys.Select(k => (k.Bucket, k.Key, k.VersionHash)), Is.EqualTo(keys.Keys.Select(k => (k.Bucket, k.Key, k.VersionHash))));
    }

    [Test]
    public void Tree_and_keys_compare_results_come_back_to_the_initiating_core_unchanged()
    {
        var tree = new TreeCompareResult([new TreeIndex(1, 2), new TreeIndex(9, 300)], [4, 5]);
        var back = (TreeCompareResult)ReplyAndRead(Opcode.TreeCompare, tree);
        Assert.That((back.Differing.ToArray(), back.Unready.ToArray()), Is.EqualTo((tree.Differing.ToArray(), tree.Unready.ToArray())));

        var set = SiblingSet.Empty.Put(new Actor(NodeId.Parse("n1"), 3), CausalContext.Empty, "v"u8.ToArray(), isTombstone: false);
        var keys = new KeysCompareResult([new KeyCopy("b"u8.ToArray(), "k"u8.ToArray(), set), new KeyCopy("b"u8.ToArray(), "gone"u8.ToArray(), null)]);
        var backKeys = (KeysCompareResult)ReplyAndRead(Opcode.KeysCompare, keys);
        Assert.That(backKeys.Differing, Has.Length.EqualTo(2));
        Assert.That((backKeys.Differing[0].Key, backKeys.Differing[0].Set), Is.EqualTo(("k"u8.ToArray(), set)));
        Assert.That((backKeys.Differing[1].Key, backKeys.Differing[1].Set), Is.EqualTo(("gone"u8.ToArray(), (SiblingSet?)null)));
    }

    [Test]
    public void A_key_copy_whose_object_does_not_decode_fails_the_exchange_step()
    {
        var payload = Encode(new KeysCompareReply([new KeyCopyEntry("b"u8.ToArray(), "k"u8.ToArray(), new byte[] { 0xFF, 0xFF })]));
        Assert.That(PeerCodec.ReadReply(Opcode.KeysCompare, Opcode.KeysCompareReply, payload), Is.TypeOf<PeerFailure>());
        Assert.That(PeerCodec.ReadReply(Opcode.TreeCompare, Opcode.TreeCompareReply, [0x05]), Is.TypeOf<PeerFailure>());
    }

    [Test]
    public void A_repair_frame_becomes_the_repair_command_and_its_result_a_repair_reply()
    {
        var decoded = RequestDecoder.Decode(Opcode.Repair, Encode(new RepairRequest(2500)));
        Assert.That(decoded.Kind, Is.EqualTo(RequestKind.Core));
        Assert.That(decoded.Request, Is.EqualTo(new RepairCommand(2500)));

        var output = new ArrayBufferWriter<byte>();
        var result = new RepairResult(false, 4, 2, 10, 9, "n3 is unreachable");
        ReplyEncoder.Write(output, new OutboundReply(5, ReplyKind.Response, Opcode.Repair, Response: result), new ArrayBufferWriter<byte>());
        var (header, payload) = ReadFrame(output);
        Assert.That((header.Opcode, header.RequestId), Is.EqualTo((Opcode.RepairReply, 5UL)));
        var reply = RepairReply.Read(payload);
        Assert.That(
            (reply.Completed, reply.Exchanges, reply.ExchangesFailed, reply.Differences, reply.KeysRepaired, System.Text.Encoding.UTF8.GetString(reply.Message)),
            Is.EqualTo((false, 4, 2, 10L, 9L, "n3 is unreachable")));
    }

    [Test]
    public void A_malformed_anti_entropy_request_is_answered_with_an_error_for_that_request()
    {
        var decoded = RequestDecoder.Decode(Opcode.TreeCompare, [0x07, 0x00]);
        Assert.That((decoded.Kind, decoded.ErrorCode), Is.EqualTo((RequestKind.Error, ErrorCode.BadRequest)));
    }

    [Test]
    public void Anti_entropy_options_are_validated_and_default_to_the_core_defaults()
    {
        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", Peers], out var plain, out var error), Is.True, error);
        Assert.That(plain!.AntiEntropy, Is.EqualTo(new AntiEntropySettings(true, Limits.AntiEntropyIntervalDefaultMs, 1, Limits.AntiEntropyKeysPerSecondDefault)));

        Assert.That(
            OptionsParser.TryParse(
                ["--node", "n1", "--peers", Peers, "--anti-entropy", "off", "--ae-interval-ms", "300", "--ae-concurrency", "2", "--ae-keys-per-s=20000"],
                out var set,
                out error),
            Is.True,
            error);
        Assert.That(set!.AntiEntropy, Is.EqualTo(new AntiEntropySettings(false, 300, 2, 20_000)));

        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", Peers, "--anti-entropy", "yes"], out _, out error), Is.False);
        Assert.That(error, Does.Contain("--anti-entropy").And.Contain("on or off"));
        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", Peers, "--ae-interval-ms", "5"], out _, out error), Is.False);
        Assert.That(error, Does.Contain("--ae-interval-ms").And.Contain("100"));
        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", Peers, "--ae-concurrency", "0"], out _, out error), Is.False);
        Assert.That(OptionsParser.TryParse(["--node", "n1", "--peers", Peers, "--ae-keys-per-s", "many"], out _, out error), Is.False);
        Assert.That(error, Does.Contain("--ae-keys-per-s"));
        using var help = new StringWriter();
        new ServerCommandLine((_, _) => Task.FromResult(0), (_, _) => Task.FromResult(0)).WriteHelp(help);
        Assert.That(help.ToString(), Does.Contain("--anti-entropy <on|off>").And.Contain("--ae-keys-per-s <n>"));
    }

    private static NodeRequest SendAndDecode(NodeRequest request)
    {
        var output = new ArrayBufferWriter<byte>();
        PeerCodec.WriteRequest(output, 9, request, new ArrayBufferWriter<byte>());
        var (header, payload) = ReadFrame(output);
        Assert.That(header.Opcode, Is.EqualTo(PeerCodec.OpcodeOf(request)));
        var decoded = RequestDecoder.Decode(header.Opcode, payload);
        Assert.That(decoded.Kind, Is.EqualTo(RequestKind.Core), decoded.ErrorMessage);
        return decoded.Request!;
    }

    private static NodeResponse ReplyAndRead(Opcode requestOpcode, NodeResponse response)
    {
        var output = new ArrayBufferWriter<byte>();
        ReplyEncoder.Write(output, new OutboundReply(1, ReplyKind.Response, requestOpcode, Response: response), new ArrayBufferWriter<byte>());
        var (header, payload) = ReadFrame(output);
        return PeerCodec.ReadReply(requestOpcode, header.Opcode, payload);
    }

    private static (FrameHeader Header, byte[] Payload) ReadFrame(ArrayBufferWriter<byte> output)
    {
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.That(FrameReader.TryReadFrame(ref buffer, out var header, out var payload), Is.True);
        Assert.That(buffer.Length, Is.Zero, "exactly one frame");
        using var lease = FramePayload.Open(header, payload);
        return (header, lease.Span.ToArray());
    }

    private static byte[] Encode<T>(in T message)
        where T : IPayload, allows ref struct
    {
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        return bytes;
    }
}
