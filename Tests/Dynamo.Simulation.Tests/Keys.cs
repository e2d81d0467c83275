using System.Text;
using Dynamo.Engine;
using Dynamo.Engine.Placement;

namespace Dynamo.Simulation.Tests;

/// <summary>Keys of the default bucket chosen by where the ring places them.</summary>
internal static class Keys
{
    /// <summary>Keys k0, k1, ... (of the first 10,000) whose preference list at N = 3 satisfies the condition.</summary>
    public static IEnumerable<string> Find(GossipCluster cluster, Func<(NodeId[] Primaries, NodeId[] Fallbacks), bool> condition) =>
        Enumerable.Range(0, 10_000).Select(i => $"k{i}").Where(key => condition(Lists(cluster, key)));

    public static NodeId[] Primaries(GossipCluster cluster, string key) => Lists(cluster, key).Primaries;

    public static NodeId[] Fallbacks(GossipCluster cluster, string key) => Lists(cluster, key).Fallbacks;

    private static (NodeId[] Primaries, NodeId[] Fallbacks) Lists(GossipCluster cluster, string key)
    {
        var list = cluster[0].Core.Ring.GetPreferenceList(KeyHash.Of([], Encoding.UTF8.GetBytes(key)), 3);
        return (list.Primaries.ToArray(), list.Fallbacks.ToArray());
    }
}
