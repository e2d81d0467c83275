using Dynamo.Engine;

namespace Dynamo.Server.Options;

/// <summary>
/// How this node runs background anti-entropy (<c>--anti-entropy</c>, <c>--ae-interval-ms</c>,
/// <c>--ae-concurrency</c>, <c>--ae-keys-per-s</c>); mapped onto the core's <c>NodeOptions</c>.
/// </summary>
/// <param name="Enabled">Whether exchanges run on their schedule (the Repair command works either way).</param>
/// <param name="IntervalMs">Milliseconds between the starts of scheduled exchanges.</param>
/// <param name="Concurrency">Most exchanges the node runs at once, as initiator.</param>
/// <param name="KeysPerSecond">Most keys anti-entropy repairs per second on this node.</param>
internal sealed record AntiEntropySettings(bool Enabled, int IntervalMs, int Concurrency, int KeysPerSecond)
{
    /// <summary>The settings when no option is given: on, at the core's default interval and rate, one at a time.</summary>
    public static AntiEntropySettings Default { get; } =
        new(true, Limits.AntiEntropyIntervalDefaultMs, 1, Limits.AntiEntropyKeysPerSecondDefault);
}
