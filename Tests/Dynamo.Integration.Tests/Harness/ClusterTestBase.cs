using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>
/// A fixture with one <see cref="TestCluster"/> for all its tests: started once, killed in the one-time teardown
/// whatever happened. A failed test prints the nodes' output from its own start onwards.
/// </summary>
[Category("Integration")]
[NonParallelizable]
public abstract class ClusterTestBase
{
    private TestCluster? _cluster;
    private int[] _marks = [];

    internal TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster did not start.");

    /// <summary>The cluster's shape; three nodes, N = 3, R = W = 2 unless a fixture says otherwise.</summary>
    internal virtual ClusterSettings Settings => new();

    [OneTimeSetUp]
    public async Task StartCluster() => _cluster = await TestCluster.StartAsync(Settings);

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [SetUp]
    public void MarkOutput() => _marks = _cluster?.MarkOutput() ?? [];

    [TearDown]
    public void PrintOutputOnFailure()
    {
        if (_cluster is not null && TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed)
        {
            TestContext.Out.WriteLine("---- node output during the test ----");
            _cluster.WriteOutput(TestContext.Out, _marks);
        }
    }
}
