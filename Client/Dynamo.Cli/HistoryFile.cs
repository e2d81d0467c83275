namespace Dynamo.Cli;

/// <summary>
/// The prompt's history, kept in a file (<c>~/.dynamo_cli_history</c>) one line per command, bounded to
/// <see cref="CliLimits.HistoryLinesMax"/> lines (the oldest go first) of at most
/// <see cref="CliLimits.HistoryLineCharsMax"/> characters. The history is a convenience: a file that cannot be read
/// or written (a read-only home, no home at all) leaves the history in memory only and never stops the prompt.
/// </summary>
internal sealed class HistoryFile
{
    private readonly string? _path;
    private readonly List<string> _lines;

    /// <summary>Loads the history from <paramref name="path"/>; null keeps it in memory only.</summary>
    public HistoryFile(string? path)
    {
        _path = path;
        _lines = path is null ? [] : Load(path);
    }

    /// <summary><c>~/.dynamo_cli_history</c>, or null when there is no home directory.</summary>
    public static string? DefaultPath
    {
        get
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".dynamo_cli_history");
        }
    }

    /// <summary>The lines, oldest first.</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>
    /// Adds a line (not a blank one, a repeat of the last one, one with a line break or one over the length bound)
    /// and saves the bounded history. Returns whether the line was added.
    /// </summary>
    public bool Add(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!IsKept(line) || (_lines.Count > 0 && _lines[^1] == line))
        {
            return false;
        }

        _lines.Add(line);
        if (_lines.Count > CliLimits.HistoryLinesMax)
        {
            _lines.RemoveRange(0, _lines.Count - CliLimits.HistoryLinesMax);
        }

        Save();
        return true;
    }

    private static bool IsKept(string line) =>
        !string.IsNullOrWhiteSpace(line) && line.Length <= CliLimits.HistoryLineCharsMax && line.IndexOfAny(['\r', '\n']) < 0;

    private static List<string> Load(string path)
    {
        try
        {
            // Reads line by line and keeps the last lines only, so a file grown by hand costs no more memory.
            var lines = new Queue<string>();
            foreach (var line in File.ReadLines(path).Where(IsKept))
            {
                lines.Enqueue(line);
                if (lines.Count > CliLimits.HistoryLinesMax)
                {
                    lines.Dequeue();
                }
            }

            return [.. lines];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }

        try
        {
            // Commands can hold values worth keeping private: the file is created readable by its owner only.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var writer = new StreamWriter(_path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
            foreach (var line in _lines)
            {
                writer.Write(line);
                writer.Write('\n');
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Read-only home, full disk: the history stays in memory for this session.
        }
    }
}
