using System.Diagnostics;

namespace Dynamo.Integration.Tests.Harness;

/// <summary>Waits on conditions with a deadline, and says what was expected when the deadline passes.</summary>
internal static class Deadline
{
    /// <summary>How long a cluster gets to start or to recover; generous for 2 shared cores.</summary>
    public static readonly TimeSpan Start = TimeSpan.FromSeconds(30);

    /// <summary>How long a single step (a process exit, a CLI run) gets.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    /// <summary>The pause between two checks of a condition that cannot be awaited directly.</summary>
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Checks <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; then throws a
    /// <see cref="TimeoutException"/> with <paramref name="expected"/> and the last state it reported.
    /// </summary>
    public static async Task UntilAsync(
        Func<CancellationToken, Task<(bool Done, string State)>> condition, TimeSpan timeout, string expected)
    {
        var clock = Stopwatch.StartNew();
        var state = "not checked yet";
        while (clock.Elapsed < timeout)
        {
            using var attempt = new CancellationTokenSource(timeout - clock.Elapsed);
            try
            {
                (var done, state) = await condition(attempt.Token);
                if (done)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (attempt.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(s_poll, CancellationToken.None);
        }

        throw new TimeoutException($"Expected {expected} within {timeout.TotalSeconds:0} s; last seen: {state}.");
    }

    /// <summary>Waits for a process to exit within <paramref name="timeout"/>, or throws saying which.</summary>
    public static async Task ExitAsync(Process process, TimeSpan timeout, string what)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Expected {what} (pid {process.Id}) to exit within {timeout.TotalSeconds:0} s.");
        }
    }
}
