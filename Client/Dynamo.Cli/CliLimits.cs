namespace Dynamo.Cli;

/// <summary>The CLI's limits and defaults, in one place; each name ends with its unit.</summary>
internal static class CliLimits
{
    /// <summary>Default host.</summary>
    public const string HostDefault = "127.0.0.1";

    /// <summary>Default port.</summary>
    public const int PortDefault = 7101;

    /// <summary>Lines kept in <c>~/.dynamo_cli_history</c> (the oldest go first).</summary>
    public const int HistoryLinesMax = 1000;

    /// <summary>Longest line the history keeps; a longer command still runs but is not remembered.</summary>
    public const int HistoryLineCharsMax = 64 * 1024;

    /// <summary>Fewest columns left for typing after the prompt; a narrower terminal gets the short prompt "&gt; ".</summary>
    public const int PromptInputColumnsMin = 16;

    /// <summary>Commands in flight at once when reading commands from a pipe; reading waits beyond it.</summary>
    public const int PipelineCommandsMax = 1024;

    /// <summary>
    /// Longest command line read from a pipe or the prompt, in characters: a longer line from a pipe gets an error
    /// reply and is not run (so memory stays bounded whatever the input); at the prompt, keys past it are ignored.
    /// </summary>
    public const int LineCharsMax = 16 * 1024 * 1024;
}
