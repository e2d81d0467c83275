using System.Globalization;
using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using Dynamo.Engine.Versions;

namespace Dynamo.Simulation.Tests;

/// <summary>The sizes of one fault-injected run.</summary>
/// <param name="Operations">Client commands issued while faults happen.</param>
/// <param name="Keys">Keys the clients share.</param>
/// <param name="GroupCommit">False: nodes acknowledge before their writes are synced (a broken shell).</param>
/// <param name="Wipes">Most disks wiped in the run (a crashed node restarts empty).</param>
/// <param name="EpochRule">False: restarts keep the epoch even with the store lost (Riak's KV679).</param>
internal sealed record FaultRunShape(int Operations = 300, int Keys = 5, bool GroupCommit = true, int Wipes = 1, bool EpochRule = true);

/// <summary>What one seed's run found and counted.</summary>
internal sealed class FaultRunOutcome
{
    public List<string> Violations { get; } = [];

    public ulong HistoryHash { get; set; }

    public int Nodes { get; set; }

    public int Clients { get; set; }

    public int Operations { get; set; }

    public int WritesChecked { get; set; }

    public int AcknowledgedWrites { get; set; }

    public int ReadsChecked { get; set; }

    public int NotOk { get; set; }

    public long Dropped { get; set; }

    public long Duplicated { get; set; }

    public long Crashes { get; set; }

    public int EpochsAdvanced { get; set; }

    public int Wipes { get; set; }

    public long UnsyncedBytesLost { get; set; }

    public int MaxSiblings { get; set; }

    /// <summary>Hinted keys pending when everything healed (all delivered by the end of the run, or a violation).</summary>
    public long HintsAtHeal { get; set; }

    /// <summary>Commands sent with strict quorum.</summary>
    public int Strict { get; set; }

    public History History { get; set; } = new();
}

/// <summary>
/// One seed of the fault-injected cluster run: 3 to 5 durable nodes (N = 3), 3 to 5 clients doing read-modify-write
/// cycles, blind puts and deletes with context over a few keys, at random R and W, while the network loses,
/// duplicates and holds back messages, partitions come and go (both ways and one way), and nodes pause, crash
/// (between batches or inside one, before its fsync) and restart. Then everything heals, every key is read at R = N,
/// the <see cref="HistoryChecker"/> judges the history, and the replicas of every key must be equal.
/// </summary>
internal static class FaultRun
{
    private const int ReplicaCount = 3;

    /// <summary>How long handoff may take after healing: a delivery backs off up to 30 s (Limits.HintRetryBackoffMaxMs).</summary>
    private const int HandoffDeadlineMs = 65_000;

    /// <summary>The environment variable naming a file that receives the event log of each seed run.</summary>
    public const string TraceVariable = "DYNAMO_SIM_TRACE";

    private static StreamWriter? OpenTrace(ulong seed)
    {
        var path = Environment.GetEnvironmentVariable(TraceVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var writer = new StreamWriter(path, append: true);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# seed {seed}"));
        return writer;
    }

    public static FaultRunOutcome Run(ulong seed, FaultRunShape? shape = null)
    {
        shape ??= new FaultRunShape();
        var random = new Random(unchecked((int)(seed * 0x9E3779B97F4A7C15UL >> 33)));
        var sim = new Simulation(seed, random.Next(3, 6), new BucketProps(ReplicaCount, 2, 2, 500), durable: true)
        {
            MaxDelayMs = random.Next(2, 20),
            DropProbability = random.Next(6) / 100.0,
            DuplicateProbability = random.Next(6) / 100.0,
            SlowProbability = random.Next(6) / 100.0,
            ClientDeadlineMs = 1_500,
            GroupCommit = shape.GroupCommit,
            EpochRule = shape.EpochRule,
        };
        using var trace = OpenTrace(seed);
        sim.Trace = trace;
        var outcome = new FaultRunOutcome { Nodes = sim.NodeIds.Count, Clients = random.Next(3, 6) };
        var history = outcome.History;
        var writes = new Dictionary<string, WriteRecord>();
        sim.MintObserver = mint =>
        {
            // A put's value and a delete's tag are the write's id; a forward carries the client's command unchanged.
            if (writes.TryGetValue(Simulation.Text(mint.Command.Value), out var write))
            {
                write.Dots.Add(new MintedDot(mint.Dot, mint.Committed));
            }
        };

        var keys = Enumerable.Range(0, shape.Keys).Select(k => $"key{k}").ToArray();
        var clients = Enumerable.Range(0, outcome.Clients).Select(c => new Client(c, keys.Length)).ToArray();
        var issued = 0;
        var nextFault = random.Next(5, 30);
        while (issued < shape.Operations || clients.Any(c => c.Call is not null))
        {
            foreach (var client in clients)
            {
                if (client.Call is { Done: true })
                {
                    client.Collect(history, keys, outcome);
                }

                if (client.Call is null && issued < shape.Operations)
                {
                    client.Issue(sim, random, keys, history, writes, issued++);
                    if (issued == nextFault)
                    {
                        InjectFault(sim, random, shape);
                        nextFault += random.Next(5, 30);
                    }
                }
            }

            if (clients.Any(c => c.Call is not null))
            {
                Invariant.Check(sim.RunUntil(() => clients.Any(c => c.Call is { Done: true }), 10_000));
            }
        }

        sim.Heal();
        if (!sim.RunUntilIdle(10_000))
        {
            outcome.Violations.Add("operations were still in flight 10 s after healing");
        }

        // After healing, the failure detectors see every node up again and hinted handoff empties every queue.
        if (!sim.RunUntil(() => sim.AllBelievedUp, 10_000))
        {
            outcome.Violations.Add(
                "10 s after healing, a failure detector still believes a member down: " +
                string.Join("; ", sim.Nodes.Where(n => n.Core.Stats.MembersDown > 0).Select(n =>
                    $"{n.Id} (epoch {n.Epoch}) sees " + string.Join(", ", n.Core.Members.Select(m => $"{m.Node} e{m.Epoch} {m.Status} hb {m.Heartbeat}")))) +
                " | own heartbeats: " + string.Join(", ", sim.Nodes.Select(n => $"{n.Id} {n.Core.Members.First(m => m.Node == n.Id).Heartbeat}")));
        }

        outcome.HintsAtHeal = sim.HintsPending;
        if (!sim.RunUntil(() => sim.HintsPending == 0, HandoffDeadlineMs))
        {
            outcome.Violations.Add(
                $"{HandoffDeadlineMs / 1000} s after healing, {sim.HintsPending} hints are still pending: " +
                string.Join(", ", sim.Nodes.Where(n => n.HintCount > 0).Select(n => $"{n.Id} holds {n.HintCount}")));
        }

        if (!sim.RunUntilIdle(10_000))
        {
            outcome.Violations.Add("operations were still in flight 10 s after handoff");
        }

        history.CopiesLost = sim.Wipes;
        FinalReads(sim, random, keys, history, outcome);
        outcome.Violations.AddRange(HistoryChecker.Check(history));
        outcome.Operations = issued;
        outcome.WritesChecked = history.Writes.Count;
        outcome.AcknowledgedWrites = history.Writes.Count(w => w.Acknowledged);
        outcome.ReadsChecked = history.Reads.Count(r => r.Ok) + history.Final.Count;
        outcome.MaxSiblings = history.Reads.Select(r => r.Siblings.Count).Concat(history.Final.Values.Select(f => f.Count)).DefaultIfEmpty().Max();
        outcome.Dropped = sim.Dropped;
        outcome.Duplicated = sim.Duplicated;
        outcome.Crashes = sim.Crashes;
        outcome.EpochsAdvanced = sim.Nodes.Sum(n => n.EpochsAdvanced);
        outcome.Wipes = sim.Wipes;
        outcome.UnsyncedBytesLost = sim.UnsyncedBytesLost;
        outcome.HistoryHash = sim.HistoryHash;
        return outcome;
    }

    /// <summary>One fault, chosen by the seed; at most two nodes are down (paused or crashed) at once.</summary>
    private static void InjectFault(Simulation sim, Random random, FaultRunShape shape)
    {
        var ids = sim.NodeIds;
        var a = ids[random.Next(ids.Count)];
        var b = ids[random.Next(ids.Count)];
        var down = sim.Nodes.Where(n => n.Stopped).ToList();
        if (down.Count > 0 && random.Next(3) == 0)
        {
            // Nodes come back sooner than they go down, so most of a run has most of the cluster up.
            var back = down[random.Next(down.Count)];
            if (back.Crashed)
            {
                sim.Restart(back.Id);
            }
            else
            {
                sim.Resume(back.Id);
            }

            return;
        }

        switch (random.Next(9))
        {
            case 0 when a != b:
                sim.Partition(a, b);
                break;
            case 1 when a != b:
                sim.PartitionOneWay(a, b);
                break;
            case 2:
                sim.HealPartitions();
                break;
            case 3 when down.Count < 2 && !sim[a].Stopped:
                sim.Crash(a);
                break;
            case 4 when down.Count < 2 && !sim[a].Stopped && !sim[a].CrashInNextBatch:
                sim.CrashDuringNextBatch(a);
                break;
            case 5 when down.Count < 2 && !sim[a].Stopped:
                sim.Stop(a);
                break;
            case 6:
                foreach (var node in sim.Nodes.Where(n => n.Stopped).ToList())
                {
                    if (node.Crashed)
                    {
                        sim.Restart(node.Id);
                    }
                    else
                    {
                        sim.Resume(node.Id);
                    }
                }

                break;
            case 8 when down.Count < 2 && !sim[a].Stopped && sim.Wipes < shape.Wipes:
                sim.Crash(a);
                sim.Wipe(a);
                break;
            case 7:
                sim.DropProbability = random.Next(11) / 100.0;
                sim.DuplicateProbability = random.Next(11) / 100.0;
                sim.SlowProbability = random.Next(11) / 100.0;
                break;
            default:
                break;
        }
    }

    /// <summary>Reads every key at R = N once everything healed (retried, since a read may still be refused as Overloaded).</summary>
    private static void FinalReads(Simulation sim, Random random, string[] keys, History history, FaultRunOutcome outcome)
    {
        foreach (var key in keys)
        {
            ClientResult? final = null;
            for (var attempt = 0; attempt < 5 && final is not { Status: ClientStatus.Ok }; attempt++)
            {
                final = sim.Execute(sim.NodeIds[random.Next(sim.NodeIds.Count)], Simulation.Get(key, r: ReplicaCount));
            }

            if (final is not { Status: ClientStatus.Ok })
            {
                outcome.Violations.Add($"{key}: the final R = N read after healing ended {final?.Status}: {final?.Message}");
                continue;
            }

            history.Final[key] = Versions(final.Siblings!);
        }

        // The final reads heard from every primary, so their read repair has made the replicas equal.
        if (!sim.RunUntilIdle(10_000))
        {
            outcome.Violations.Add("the final reads' read repair did not finish within 10 s");
        }

        foreach (var key in keys)
        {
            var copies = sim.PrimariesOf(key, ReplicaCount).Select(p => sim[p].Store.Read([], Encoding.UTF8.GetBytes(key))).ToList();
            if (copies.Any(c => !Equals(c, copies[0])))
            {
                outcome.Violations.Add($"{key}: replicas differ after healing and a read at R = N: {string.Join(" | ", copies)}");
            }
        }
    }

    private static List<SeenVersion> Versions(SiblingSet set) =>
        [.. set.Siblings.Select(s => new SeenVersion(s.Dot, s.IsTombstone ? null : Simulation.Text(s.Value)))];

    /// <summary>A client: one command in flight at a time; remembers its last Ok read of each key.</summary>
    private sealed class Client(int number, int keyCount)
    {
        private readonly (string Id, CausalContext Context)?[] _lastRead = new (string, CausalContext)?[keyCount];
        private int _pendingWrite = -1;
        private WriteRecord? _write;
        private string? _readId;

        public ClientCall? Call { get; private set; }

        public void Issue(Simulation sim, Random random, string[] keys, History history, Dictionary<string, WriteRecord> writes, int sequence)
        {
            var node = sim.NodeIds[random.Next(sim.NodeIds.Count)];
            var quorum = random.Next(1, ReplicaCount + 1);
            var strict = random.Next(5) == 0;
            int k;
            string? readId = null;
            var context = CausalContext.Empty;
            var roll = random.Next(100);
            if (_pendingWrite >= 0 && _lastRead[_pendingWrite] is { } read && roll < 90)
            {
                // The modify-write half of a read-modify-write cycle, with the read's context.
                k = _pendingWrite;
                (readId, context) = read;
                roll = roll < 75 ? 50 : 95;
            }
            else
            {
                k = random.Next(keys.Length);
                if (roll >= 80 && _lastRead[k] is { } stale)
                {
                    // A write with the context of this client's last read of the key, however old.
                    (readId, context) = stale;
                }
            }

            _pendingWrite = -1;
            var id = $"c{number}-{sequence}";
            if (roll < 45)
            {
                _readId = id;
                Call = sim.Submit(node, Simulation.Get(keys[k], quorum, strict));
                return;
            }

            var isDelete = roll >= 92 && readId is not null;
            _write = new WriteRecord(id, number, keys[k], isDelete ? null : id, readId) { Quorum = quorum };
            history.Writes.Add(_write);
            writes.Add(id, _write);
            Call = sim.Submit(node, isDelete
                ? Simulation.Delete(keys[k], context, quorum, tag: id, strict)
                : Simulation.Put(keys[k], id, context, quorum, strict));
        }

        public void Collect(History history, string[] keys, FaultRunOutcome outcome)
        {
            var call = Call!;
            var result = call.Result!;
            var ok = result.Status == ClientStatus.Ok;
            outcome.Strict += call.Command.Strict ? 1 : 0;
            if (!ok)
            {
                outcome.NotOk++;
            }

            var k = Array.IndexOf(keys, Simulation.Text(call.Command.Key));
            if (call.Command.Operation == ClientOperation.Get)
            {
                var siblings = ok ? Versions(result.Siblings!) : [];
                history.Reads.Add(new ReadRecord(_readId!, number, keys[k], ok, siblings));
                if (ok)
                {
                    _lastRead[k] = (_readId!, result.Context);
                    _pendingWrite = k;
                }
            }
            else
            {
                _write!.Acknowledged = ok;
                _write.Outcome = ok ? "Ok" : $"{result.Status}: {result.Message}";
            }

            Call = null;
        }
    }
}
