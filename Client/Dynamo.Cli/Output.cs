using System.Globalization;
using System.Text;
using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>How replies are printed.</summary>
internal static class Output
{
    public const string Help = """
        Commands (names and options ignore case):
          PING                              check the node answers: PONG
          GET key [R=n] [STRICT]            the value; (nil) when missing; concurrent values as
                                            1) value 2) value ... then (context) <ctx>
          SET key value [W=n] [CTX=ctx] [STRICT]
                                            write (alias PUT); without CTX a write to an existing key
                                            adds a sibling; pass CTX from a GET to replace what it showed
          DEL key [W=n] [CTX=ctx] [STRICT]  delete (writes a tombstone); without CTX it deletes every
                                            value a read of the key sees
                                            STRICT: strict quorum, only the key's primaries count toward
                                            R or W (no fallbacks); fails when too few are up
          RING [key]                        partitions and owners; with a key, its partition,
                                            primaries and fallbacks
          INFO                              the node's field:value status lines
          REPAIR [TIMEOUT=ms]               run anti-entropy on the node now, with every peer; prints
                                            exchanges, failures, differing keys and keys repaired
          MEMBERS                           the members the node knows: address, up or down, epoch,
                                            heartbeat
          HELP                              this text
          QUIT, EXIT                        leave the prompt
        Quoting: "double quotes" take \" \\ \n \r \t \b \a and \xHH (any byte); 'single quotes' are
        literal (\' for a quote). Values print as text; control characters and bytes that are not
        UTF-8 print as \xHH.
        """;

    /// <summary>
    /// The members from a node's Info text (its <c>member.&lt;id&gt;:address up|down epoch heartbeat</c> lines), one
    /// per line, and a count of those up.
    /// </summary>
    public static string FormatMembers(string info)
    {
        var rows = new List<(string Id, string[] Fields)>();
        foreach (var line in info.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.StartsWith("member.", StringComparison.Ordinal) && colon > 7)
            {
                rows.Add((line[7..colon], line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            }
        }

        if (rows.Count == 0)
        {
            return "(no member list: the node does not report one)";
        }

        var text = new StringBuilder();
        var width = rows.Max(r => r.Id.Length);
        var addressWidth = rows.Max(r => r.Fields.Length > 0 ? r.Fields[0].Length : 0);
        var up = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var (id, fields) = rows[i];
            var state = fields.Length > 1 ? fields[1] : "?";
            up += state == "up" ? 1 : 0;
            text.Append(CultureInfo.InvariantCulture, $"{i + 1}) {id.PadRight(width)}  {(fields.Length > 0 ? fields[0] : "-").PadRight(addressWidth)}  {state,-4}")
                .Append(CultureInfo.InvariantCulture, $"  epoch {(fields.Length > 2 ? fields[2] : "?")}  heartbeat {(fields.Length > 3 ? fields[3] : "?")}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{up} of {rows.Count} members up");
        return text.ToString();
    }

    /// <summary>
    /// A value as text: UTF-8 as it is, except control characters and bytes that are not valid UTF-8, which print
    /// as <c>\xHH</c> (as redis-cli does), so one reply stays on one line.
    /// </summary>
    public static string FormatValue(ReadOnlySpan<byte> value)
    {
        var text = new StringBuilder(value.Length);
        while (!value.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(value, out var rune, out var consumed) == System.Buffers.OperationStatus.Done
                && !Rune.IsControl(rune))
            {
                text.Append(rune.ToString());
            }
            else
            {
                consumed = Math.Max(consumed, 1);
                foreach (var b in value[..consumed])
                {
                    text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
                }
            }

            value = value[consumed..];
        }

        return text.ToString();
    }

    public static string FormatGet(GetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Found)
        {
            return "(nil)";
        }

        if (!result.HasSiblings)
        {
            return FormatValue(result.Values[0].Span);
        }

        var text = new StringBuilder();
        for (var i = 0; i < result.Values.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i + 1}) {FormatValue(result.Values[i].Span)}\n");
        }

        return text.Append(CultureInfo.InvariantCulture, $"(context) {result.Context}").ToString();
    }

    public static string FormatError(string message) => "(error) " + message.ReplaceLineEndings(" ");

    /// <summary>What a repair did, one <c>field: value</c> per line; a message last when the node gave one.</summary>
    public static string FormatRepair(RepairResult result)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"completed: {(result.Completed ? "yes" : "no")}\n");
        text.Append(CultureInfo.InvariantCulture, $"exchanges: {result.Exchanges}\n");
        text.Append(CultureInfo.InvariantCulture, $"exchanges_failed: {result.ExchangesFailed}\n");
        text.Append(CultureInfo.InvariantCulture, $"differences: {result.Differences}\n");
        text.Append(CultureInfo.InvariantCulture, $"keys_repaired: {result.KeysRepaired}");
        if (result.Message is { } message)
        {
            text.Append("\nmessage: ").Append(message);
        }

        return text.ToString();
    }

    public static string FormatRing(ClusterInfo cluster, byte[]? key)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var text = new StringBuilder();
        if (key is null)
        {
            text.Append(CultureInfo.InvariantCulture, $"partitions: {cluster.PartitionCount}\n");
            text.Append(CultureInfo.InvariantCulture, $"fingerprint: {cluster.Fingerprint:x16}\n");
            text.Append(CultureInfo.InvariantCulture, $"defaults: N={cluster.DefaultN} R={cluster.DefaultR} W={cluster.DefaultW}\n");
            text.Append(CultureInfo.InvariantCulture, $"members: {cluster.Members.Count}");
            for (var i = 0; i < cluster.Members.Count; i++)
            {
                var member = cluster.Members[i];
                text.Append(CultureInfo.InvariantCulture, $"\n{i + 1}) {member.NodeId} {member.Endpoint} partitions={member.PartitionCount}");
            }

            return text.ToString();
        }

        var placement = cluster.GetPlacement([], key);
        text.Append(CultureInfo.InvariantCulture, $"key: {FormatValue(key)}\n");
        text.Append(CultureInfo.InvariantCulture, $"partition: {placement.Partition} of {cluster.PartitionCount}\n");
        text.Append(CultureInfo.InvariantCulture, $"primaries: {Nodes(placement.Primaries)}\n");
        text.Append(CultureInfo.InvariantCulture, $"fallbacks: {Nodes(placement.Fallbacks)}");
        return text.ToString();
    }

    private static string Nodes(IReadOnlyList<ClusterNode> nodes) =>
        nodes.Count == 0 ? "(none)" : string.Join(", ", nodes.Select(node => $"{node.NodeId} {node.Endpoint}"));
}
