using BenchmarkDotNet.Attributes;
using Dynamo.Engine;
using Dynamo.Engine.Versions;

namespace Dynamo.Bench.Micro;

/// <summary>
/// The version work of one request: comparing two dotted versions (a replica deciding whether an incoming version
/// is news), merging two replicas' sibling sets (read repair, anti-entropy, hint delivery) and putting a value into
/// a key's sibling set with the context of an earlier read (the coordinator's write). Histories span three actors,
/// as with N = 3.
/// </summary>
[Config(typeof(MicroConfig))]
public class VersionBenchmarks
{
    private static readonly Actor s_a = new(NodeId.Parse("node-a"), 1);
    private static readonly Actor s_b = new(NodeId.Parse("node-b"), 1);
    private static readonly Actor s_c = new(NodeId.Parse("node-c"), 1);
    private static readonly Actor s_d = new(NodeId.Parse("node-d"), 1);

    private readonly byte[] _value = Samples.Value;
    private DottedVersion _version;
    private DottedVersion _equalCopy;
    private DottedVersion _concurrent;
    private DottedVersion _older;
    private SiblingSet _threeSiblings = SiblingSet.Empty;
    private SiblingSet _threeSiblingsInSync = SiblingSet.Empty;
    private SiblingSet _threeOtherSiblings = SiblingSet.Empty;
    private SiblingSet _oneSibling = SiblingSet.Empty;
    private CausalContext _readContext = CausalContext.Empty;

    /// <summary>Builds the versions and sibling sets.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // a:5 after {a:1..4, b:1..3, c:1..2}; an equal copy built apart; b:4 after the same past (concurrent);
        // a:4 after {a:1..3, b:1..3, c:1..2}, which the first descends from.
        var past = Vector((s_a, 4), (s_b, 3), (s_c, 2));
        _version = new DottedVersion(new Dot(s_a, 5), past);
        _equalCopy = new DottedVersion(new Dot(s_a, 5), Vector((s_a, 4), (s_b, 3), (s_c, 2)));
        _concurrent = new DottedVersion(new Dot(s_b, 4), past);
        _older = new DottedVersion(new Dot(s_a, 4), Vector((s_a, 3), (s_b, 3), (s_c, 2)));

        // One replica: three blind writes through a, b and c: {a:1, b:1, c:1}; a second replica in sync with it.
        // A third replica: a:1, then b:2 written over b:1, and d:1: {a:1, b:2, d:1}. Their merge is
        // {a:1, b:2, c:1, d:1}, a new set.
        _threeSiblings = Blind(s_a, s_b, s_c);
        _threeSiblingsInSync = Blind(s_a, s_b, s_c);
        _threeOtherSiblings = Blind(s_a, s_b)
            .Put(s_b, CausalContext.Empty.Add(new Dot(s_b, 1)), _value, isTombstone: false)
            .Put(s_d, CausalContext.Empty, _value, isTombstone: false);

        _oneSibling = Blind(s_a);
        _readContext = _oneSibling.Context;
        CheckShapes();
    }

    /// <summary>Two equal versions (built apart, so nothing is shared).</summary>
    [Benchmark]
    public Ordering CompareEqual() => DottedVersion.Compare(_version, _equalCopy);

    /// <summary>Two concurrent versions with the same past.</summary>
    [Benchmark]
    public Ordering CompareConcurrent() => DottedVersion.Compare(_version, _concurrent);

    /// <summary>A version and one it descends from.</summary>
    [Benchmark]
    public Ordering CompareDescending() => DottedVersion.Compare(_version, _older);

    /// <summary>Two 3-sibling sets that differ: the result is a new 4-sibling set.</summary>
    [Benchmark]
    public int MergeDiverged() => _threeSiblings.Merge(_threeOtherSiblings).Count;

    /// <summary>Two equal 3-sibling sets held apart (replicas in sync): the merge returns an input.</summary>
    [Benchmark]
    public int MergeInSync() => _threeSiblings.Merge(_threeSiblingsInSync).Count;

    /// <summary>A write with the context of a read into a 1-sibling set: the new value replaces the sibling.</summary>
    [Benchmark]
    public int PutWithContext() => _oneSibling.Put(s_b, _readContext, _value, isTombstone: false).Count;

    // The figures only mean what the names say if the inputs have these shapes.
    private void CheckShapes()
    {
        Expect(CompareEqual() == Ordering.Equal, "equal versions compare Equal");
        Expect(CompareConcurrent() == Ordering.Concurrent, "concurrent versions compare Concurrent");
        Expect(CompareDescending() == Ordering.Descends, "the newer version Descends");
        Expect(_threeSiblings.Count == 3 && _threeOtherSiblings.Count == 3, "both replicas hold 3 siblings");
        Expect(MergeDiverged() == 4, "the diverged merge holds 4 siblings");
        Expect(ReferenceEquals(_threeSiblings.Merge(_threeSiblingsInSync), _threeSiblings), "an in-sync merge returns an input");
        Expect(_oneSibling.Count == 1 && PutWithContext() == 1, "a put with the read's context replaces the sibling");
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark input is not as described: {what}.");
        }
    }

    private static CausalContext Vector(params (Actor Actor, ulong Max)[] entries) =>
        CausalContext.FromVector(entries.Select(e => new VectorEntry(e.Actor, e.Max)));

    private SiblingSet Blind(params Actor[] coordinators)
    {
        var set = SiblingSet.Empty;
        foreach (var coordinator in coordinators)
        {
            set = set.Put(coordinator, CausalContext.Empty, _value, isTombstone: false);
        }

        return set;
    }
}
