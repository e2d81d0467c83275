using Dynamo.Engine;
using Dynamo.Engine.Cluster;
using NUnit.Framework;

namespace Dynamo.Simulation.Tests;

public sealed class BucketPropsTests
{
    [Test]
    public void The_defaults_are_N_3_R_2_W_2_and_5000_ms()
    {
        var props = BucketProps.Default;
        Assert.That((props.N, props.R, props.W, props.TimeoutMs), Is.EqualTo((3, 2, 2, 5000)));
        Assert.That(new BucketProps(), Is.EqualTo(props));
    }

    [TestCase(1, 1, 1, 1)]
    [TestCase(Limits.ReplicasMax, Limits.ReplicasMax, 1, Limits.RequestTimeoutMaxMs)]
    [TestCase(5, 3, 3, 100)]
    public void Settings_within_range_are_accepted(int n, int r, int w, int timeoutMs)
    {
        var props = new BucketProps(n, r, w, timeoutMs);
        Assert.That((props.N, props.R, props.W, props.TimeoutMs), Is.EqualTo((n, r, w, timeoutMs)));
    }

    [TestCase(0, 1, 1, 1000, "n")]
    [TestCase(Limits.ReplicasMax + 1, 1, 1, 1000, "n")]
    [TestCase(3, 0, 1, 1000, "r")]
    [TestCase(3, 4, 1, 1000, "r")]
    [TestCase(3, 2, 0, 1000, "w")]
    [TestCase(3, 2, 4, 1000, "w")]
    [TestCase(3, 2, 2, 0, "timeoutMs")]
    [TestCase(3, 2, 2, -5, "timeoutMs")]
    [TestCase(3, 2, 2, Limits.RequestTimeoutMaxMs + 1, "timeoutMs")]
    public void Settings_out_of_range_are_rejected_naming_the_setting(int n, int r, int w, int timeoutMs, string name)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BucketProps(n, r, w, timeoutMs));
        Assert.That(error!.ParamName, Is.EqualTo(name));
        Assert.That(BucketProps.TryValidate(n, r, w, timeoutMs, out var reason), Is.False);
        Assert.That(reason.Name, Is.EqualTo(name));
    }
}
