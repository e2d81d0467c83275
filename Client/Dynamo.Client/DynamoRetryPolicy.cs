using System.Globalization;

namespace Dynamo.Client;

/// <summary>
/// When the driver repeats a request by itself. It repeats only what is safe to repeat:
/// <list type="bullet">
/// <item>A request the node refused as Overloaded: the node did nothing with it, so a read or a write may be sent
/// again. The driver waits the node's retry-after (at least <see cref="ClientLimits.OverloadedRetryDelayMinMs"/>)
/// and sends it again, at most <see cref="MaxOverloadedRetries"/> times, and only while the wait fits in what is left
/// of the request's deadline; otherwise the caller gets the <see cref="OverloadedException"/> at once.</item>
/// <item>A read lost in flight (the connection dropped after the request was written): with
/// <see cref="RetryLostReads"/>, it is sent once more, to the next node of the key's preference list. A read changes
/// nothing, so repeating it is harmless.</item>
/// </list>
/// A write (put or delete) lost in flight is never repeated: the node may have applied it, and a blind repeat could
/// apply it twice. It fails with a <see cref="DynamoConnectionException"/> whose
/// <see cref="DynamoConnectionException.RequestSent"/> is true: its outcome is unknown, and the caller decides.
/// A request that failed before it was written (the node could not be reached) is not a retry: it goes to the next
/// node of the preference list, as routing always does.
/// </summary>
public sealed class DynamoRetryPolicy
{
    /// <summary>Most times one request is sent again after Overloaded answers; 0 turns these retries off.</summary>
    public int MaxOverloadedRetries { get; set; } = ClientLimits.OverloadedRetriesDefault;

    /// <summary>Whether a read lost in flight is sent once more to another node of the key's preference list.</summary>
    public bool RetryLostReads { get; set; } = true;

    /// <summary>A policy that repeats nothing: every failure reaches the caller as it happened.</summary>
    public static DynamoRetryPolicy None => new() { MaxOverloadedRetries = 0, RetryLostReads = false };

    /// <summary>A copy, so that a client keeps the policy it was created with.</summary>
    internal DynamoRetryPolicy Clone() => new() { MaxOverloadedRetries = MaxOverloadedRetries, RetryLostReads = RetryLostReads };

    /// <summary>Checks the settings, throwing <see cref="ArgumentOutOfRangeException"/> with the reason.</summary>
    internal void Validate()
    {
        if (MaxOverloadedRetries < 0 || MaxOverloadedRetries > ClientLimits.OverloadedRetriesMax)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxOverloadedRetries),
                MaxOverloadedRetries,
                string.Create(CultureInfo.InvariantCulture, $"Must be from 0 to {ClientLimits.OverloadedRetriesMax}."));
        }
    }
}
