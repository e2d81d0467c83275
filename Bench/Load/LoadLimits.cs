namespace Dynamo.Bench.Load;

/// <summary>Every limit of the load harness, in one place; each name ends with its unit.</summary>
internal static class LoadLimits
{
    /// <summary>Most concurrent clients (connections per target).</summary>
    public const int ClientsMax = 10_000;

    /// <summary>Most operations in flight per client.</summary>
    public const int PipelineMax = 1_024;

    /// <summary>Largest value written, in bytes.</summary>
    public const int ValueBytesMax = 16 * 1024 * 1024;

    /// <summary>Most records a key space holds (keys have <see cref="KeyDigits"/> digits).</summary>
    public const long RecordsMax = 100_000_000_000;

    /// <summary>Digits of the zero-padded number in a key: <c>user000000000042</c>.</summary>
    public const int KeyDigits = 12;

    /// <summary>Most interleaved rounds.</summary>
    public const int RoundsMax = 1_000;

    /// <summary>
    /// Open loop: most scheduled operations whose start time has passed but which have not started. Past this
    /// backlog an operation is dropped from the schedule (counted and reported) instead of queued.
    /// </summary>
    public const long ScheduleBacklogOpsMax = 100_000;

    /// <summary>Default deadline of one operation, in milliseconds.</summary>
    public const int OperationTimeoutMsDefault = 5_000;

    /// <summary>Interval of the live progress line, in milliseconds.</summary>
    public const int ProgressIntervalMs = 1_000;
}
