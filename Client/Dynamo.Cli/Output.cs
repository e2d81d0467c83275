using System.Globalization;
using System.Text;
using Dynamo.Client;

namespace Dynamo.Cli;

/// <summary>How replies are printed.</summary>
internal static class Output
{
    /// <summary>A bucket's settings: <c>bucket b: n=2 r=1 w=1 timeout=5000ms (version 1 by n1)</c>.</summary>
    public static string FormatBucket(BucketSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"bucket {settings.Name}: {settings}";
    }

    /// <summary>A bucket the table does not hold: it takes the defaults.</summary>
    public static string FormatDefaultBucket(string name, ClusterInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return string.Create(
            CultureInfo.InvariantCulture, $"bucket {name}: n={info.DefaultN} r={info.DefaultR} w={info.DefaultW} (the defaults: no properties set)");
    }

    public const string Help = """
        Commands (names and options ignore case):
          PING                              check the node answers: PONG
          GET key [R=n] [STRICT] [WITHCTX]  the value; (nil) when missing; concurrent values (siblings)
                                            as 1) value 2) value ... then (context) <ctx>
                                            WITHCTX: the (context) line after a single value too, and
                                            after (nil) when the key holds tombstones
          SET key value [W=n] [CTX=ctx | BLIND] [STRICT]
                                            write (alias PUT). Without CTX it reads the key first (at
                                            the default R) and replaces what that read saw, so SET a 1
                                            then SET a 2 leaves 2. CTX=ctx (from GET) replaces exactly
                                            the versions ctx names; BLIND writes without reading: the
                                            value becomes a sibling beside whatever is there
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
          BUCKET SET name [n=N] [r=R] [w=W] [timeout=ms]
                                            change a bucket's properties on every node (any subset;
                                            the rest keep their values); prints the new ones
          BUCKET GET name                   the bucket's N, R, W and timeout as the cluster holds them
                                            GET, SET and DEL take BUCKET=name: the key's bucket
          HELP                              this text
          QUIT, EXIT                        leave the prompt (or Ctrl-D on an empty line)
        Siblings whose values together pass the object bound print as 1) (value omitted: <n> bytes)
        ...: SET key value CTX=<ctx> replaces them, DEL key deletes them.
        Quoting: "double quotes" take \" \\ \n \r \t \b \a and \xHH (any byte); 'single quotes' are
        literal (\' for a quote). Values print as text; control characters and bytes that are not
        UTF-8 print as \xHH.
        Prompt: arrows and Home/End (Ctrl-A, Ctrl-E) move, Up and Down walk the history (kept in
        ~/.dynamo_cli_history), Tab completes command names and options, Ctrl-U and Ctrl-K cut
        before and after the cursor, Ctrl-C drops the line (or stops the running command).
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

    /// <summary>
    /// A read as GET prints it: <c>(nil)</c> when no value is live; the value alone; or, for siblings, the values
    /// numbered and then the context line. With <paramref name="withContext"/> (GET ... WITHCTX) the context line
    /// follows a single value too, and <c>(nil)</c> when the key still has a context (tombstones). When the node left
    /// the values out (over the object bound together), each sibling's size stands in for its value, followed by how
    /// to resolve the key and the context line, with or without WITHCTX.
    /// </summary>
    public static string FormatGet(GetResult result, bool withContext = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.ValuesOmitted)
        {
            return FormatOmitted(result);
        }

        var text = new StringBuilder();
        if (!result.Found)
        {
            text.Append("(nil)");
        }
        else if (!result.HasSiblings)
        {
            text.Append(FormatValue(result.Values[0].Span));
        }
        else
        {
            for (var i = 0; i < result.Values.Count; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{i + 1}) {FormatValue(result.Values[i].Span)}\n");
            }

            return AppendContext(text, result.Context).ToString();
        }

        return withContext && !result.Context.IsEmpty ? AppendContext(text.Append('\n'), result.Context).ToString() : text.ToString();
    }

    /// <summary>The siblings' sizes in place of their values, how to resolve the key, and the context line.</summary>
    private static string FormatOmitted(GetResult result)
    {
        var text = new StringBuilder();
        for (var i = 0; i < result.ValueSizes.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i + 1}) (value omitted: {result.ValueSizes[i]} bytes)\n");
        }

        var total = result.ValueSizes.Sum();
        text.Append(CultureInfo.InvariantCulture, $"(values omitted: together {total} bytes, they pass the object bound of {Protocol.ProtocolLimits.ObjectBytesMax} bytes; ")
            .Append("SET key value CTX=<context> replaces them, DEL key deletes them)\n");
        return AppendContext(text, result.Context).ToString();
    }

    private static StringBuilder AppendContext(StringBuilder text, DynamoContext context) =>
        text.Append(CultureInfo.InvariantCulture, $"(context) {context}");

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
