using System.Text;

namespace Dynamo.Cli;

/// <summary>
/// A small line editor for the interactive prompt: left and right arrows, Home and End (Ctrl+A, Ctrl+E), Backspace
/// and Delete, up and down arrows through the history, Ctrl+U to clear, Ctrl+C to drop the line, Ctrl+D on an empty
/// line to leave. The history is kept in a file, bounded to <see cref="CliLimits.HistoryLinesMax"/> lines.
/// </summary>
internal sealed class LineEditor
{
    private readonly string _historyPath;
    private readonly List<string> _history;

    public LineEditor(string historyPath)
    {
        _historyPath = historyPath;
        _history = File.Exists(historyPath)
            ? [.. File.ReadLines(historyPath).Where(line => line.Length > 0).TakeLast(CliLimits.HistoryLinesMax)]
            : [];
    }

    public static string DefaultHistoryPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dynamo_cli_history");

    /// <summary>Reads one line after <paramref name="prompt"/>; null at end of input (Ctrl+D on an empty line).</summary>
    public string? ReadLine(string prompt)
    {
        var line = new StringBuilder();
        var cursor = 0;
        var historyIndex = _history.Count;
        Console.Write(prompt);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return line.ToString();
                case ConsoleKey.D when control:
                    if (line.Length == 0)
                    {
                        Console.WriteLine();
                        return null;
                    }

                    break;
                case ConsoleKey.C when control:
                    Console.WriteLine("^C");
                    line.Clear();
                    cursor = 0;
                    Console.Write(prompt);
                    continue;
                case ConsoleKey.U when control:
                    line.Clear();
                    cursor = 0;
                    break;
                case ConsoleKey.LeftArrow:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case ConsoleKey.RightArrow:
                    cursor = Math.Min(line.Length, cursor + 1);
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when control:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when control:
                    cursor = line.Length;
                    break;
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    historyIndex--;
                    line.Clear().Append(_history[historyIndex]);
                    cursor = line.Length;
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    line.Clear().Append(historyIndex < _history.Count ? _history[historyIndex] : string.Empty);
                    cursor = line.Length;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar) && line.Length < CliLimits.LineCharsMax)
                    {
                        line.Insert(cursor++, key.KeyChar);
                    }

                    break;
            }

            Redraw(prompt, line, cursor);
        }
    }

    /// <summary>Adds a line to the history (not a repeat of the last one) and saves the bounded history.</summary>
    public void Remember(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || (_history.Count > 0 && _history[^1] == line))
        {
            return;
        }

        _history.Add(line);
        if (_history.Count > CliLimits.HistoryLinesMax)
        {
            _history.RemoveRange(0, _history.Count - CliLimits.HistoryLinesMax);
        }

        try
        {
            File.WriteAllLines(_historyPath, _history);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The history is a convenience: a read-only home directory must not stop the prompt.
        }
    }

    /// <summary>Redraws the line: carriage return, prompt and text, erase to the end, cursor back to its place.</summary>
    private static void Redraw(string prompt, StringBuilder line, int cursor)
    {
        var back = line.Length - cursor;
        Console.Write("\r" + prompt + line + "\u001b[K" + (back > 0 ? $"\u001b[{back}D" : string.Empty));
    }
}
