using System.Buffers.Binary;
using Dynamo.Engine.Versions;

namespace Dynamo.Engine.Tests.Versions;

/// <summary>Short constructors for the version tests.</summary>
internal static class V
{
    public static Actor A(string node, uint epoch = 0) => new(NodeId.Parse(node), epoch);

    public static Dot D(string node, ulong counter, uint epoch = 0) => new(A(node, epoch), counter);

    public static CausalContext Ctx(params Dot[] dots) => CausalContext.FromDots(dots);

    /// <summary>Every dot of a context, spelled out (test counters are small).</summary>
    public static HashSet<Dot> Expand(CausalContext context)
    {
        var dots = new HashSet<Dot>();
        foreach (var entry in context.Vector)
        {
            for (var c = 1UL; c <= entry.Max; c++)
            {
                dots.Add(new Dot(entry.Actor, c));
            }
        }

        foreach (var dot in context.Cloud)
        {
            dots.Add(dot);
        }

        return dots;
    }

    public static HashSet<Dot> History(DottedVersion version)
    {
        var dots = Expand(version.Past);
        dots.Add(version.Dot);
        return dots;
    }

    public static byte[] Encode(CausalContext context)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        ContextCodec.Encode(context, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Encode(SiblingSet set)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        SiblingSetCodec.Encode(set, writer);
        return writer.WrittenSpan.ToArray();
    }
}

/// <summary>
/// A small simulated cluster for generating realistic version states: replicas that coordinate puts as their own
/// (node, epoch) actor, clients that write with contexts from earlier reads (stale, fresh, from other replicas,
/// empty, or the union of the histories of any writes), replica merges, and replicas that lose their data and come
/// back with a new epoch. With <c>forged</c> on, clients also send contexts of arbitrary dots, which need not be
/// causally closed.
/// </summary>
internal sealed class VersionWorld
{
    private static readonly string[] s_nodes = ["a", "b", "c", "d"];

    private readonly Random _random;
    private readonly bool _forged;
    private readonly SiblingSet[] _replicas;
    private readonly Actor[] _actors;
    private readonly List<CausalContext> _reads = [];
    private int _nextValue;

    private VersionWorld(int seed, bool forged)
    {
        _random = new Random(seed);
        _forged = forged;
        var count = _random.Next(2, 5);
        _replicas = Enumerable.Repeat(SiblingSet.Empty, count).ToArray();
        _actors = Enumerable.Range(0, count).Select(i => V.A(s_nodes[i])).ToArray();
    }

    /// <summary>Every state any replica went through.</summary>
    public List<SiblingSet> States { get; } = [SiblingSet.Empty];

    /// <summary>Every sibling a put created.</summary>
    public List<Sibling> Written { get; } = [];

    public static VersionWorld Run(int seed, bool forged, int steps = 30)
    {
        var world = new VersionWorld(seed, forged);
        for (var i = 0; i < steps; i++)
        {
            world.Step();
        }

        return world;
    }

    public SiblingSet AnyState() => States[_random.Next(States.Count)];

    public DottedVersion AnyVersion() => Written.Count == 0
        ? new DottedVersion(V.D("a", 1), CausalContext.Empty)
        : Written[_random.Next(Written.Count)].Version;

    public CausalContext AnyContext() => ChooseContext(_random.Next(_replicas.Length));

    public Actor AnyActor() => _actors[_random.Next(_actors.Length)];

    public override string ToString() => $"world with {States.Count} states, {Written.Count} writes";

    private void Step()
    {
        var r = _random.Next(_replicas.Length);
        var roll = _random.Next(100);
        if (roll < 45)
        {
            Put(r);
        }
        else if (roll < 75)
        {
            _replicas[r] = _replicas[r].Merge(_replicas[_random.Next(_replicas.Length)]);
        }
        else if (roll < 93)
        {
            _reads.Add(_replicas[r].Context);
        }
        else
        {
            // The replica loses its data and comes back under a new epoch (Riak KV679).
            _replicas[r] = SiblingSet.Empty;
            _actors[r] = new Actor(_actors[r].Node, _actors[r].Epoch + 1);
        }

        States.Add(_replicas[r]);
    }

    private void Put(int r)
    {
        var context = ChooseContext(r);
        var value = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(value, _nextValue++);
        var tombstone = _random.Next(10) == 0;
        var dot = _replicas[r].NextDot(_actors[r], context);
        if (_replicas[r].TryPut(_actors[r], context, tombstone ? Array.Empty<byte>() : value, tombstone, out var result, out _))
        {
            _replicas[r] = result;
            Written.Add(result.Siblings.Single(s => s.Dot == dot));
        }
    }

    private CausalContext ChooseContext(int r)
    {
        switch (_random.Next(7))
        {
            case 0:
                return CausalContext.Empty;
            case 1 or 2 when _reads.Count > 0:
                return _reads[_random.Next(_reads.Count)];
            case 3:
                return _replicas[_random.Next(_replicas.Length)].Context;
            case 4:
                var union = CausalContext.Empty;
                foreach (var sibling in Written.Where(_ => _random.Next(3) == 0))
                {
                    union = union.Union(sibling.Version.History());
                }

                return union;
            case 5 when _forged:
                return ForgedContext();
            default:
                return _replicas[r].Context;
        }
    }

    private CausalContext ForgedContext()
    {
        var dots = new List<Dot>();
        var count = _random.Next(1, 6);
        for (var i = 0; i < count; i++)
        {
            var actor = new Actor(NodeId.Parse(s_nodes[_random.Next(s_nodes.Length)]), (uint)_random.Next(2));
            dots.Add(new Dot(actor, (ulong)_random.Next(1, 12)));
        }

        return CausalContext.FromDots(dots);
    }
}
