using NUnit.Framework;

namespace Dynamo.Engine.Tests;

public sealed class InvariantTests
{
    [Test]
    public void A_failed_check_names_the_condition()
    {
        var partitions = 3;
        var ex = Assert.Throws<InvariantException>(() => Invariant.Check(partitions % 2 == 0));
        Assert.That(ex!.Message, Does.Contain("partitions % 2 == 0"));
    }

    [Test]
    public void A_held_check_does_nothing()
    {
        Assert.DoesNotThrow(() => Invariant.Check(1 + 1 == 2));
    }
}
