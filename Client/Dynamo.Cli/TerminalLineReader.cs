using System.Text;
using RadLine;
using Spectre.Console;

namespace Dynamo.Cli;

/// <summary>
/// The prompt's line editor on a terminal, built on RadLine: a line longer than the terminal scrolls sideways on the
/// prompt's own row (the prompt is drawn once, whatever the width), arrows and Home/End (Ctrl-A, Ctrl-E) move, Up and
/// Down walk the history, Tab completes command names and options, Ctrl-U and Ctrl-K cut before and after the
/// cursor, Ctrl-C drops the line, Ctrl-D on an empty line ends the prompt (elsewhere it deletes the character under
/// the cursor). The history is loaded from and saved to a <see cref="HistoryFile"/>.
/// </summary>
internal sealed class TerminalLineReader : ILineReader
{
    private readonly IAnsiConsole _console;
    private readonly IInputSource _source;
    private readonly HistoryFile _history;
    private readonly EndpointPrompt _prompt;
    private LineEditor _editor;
    private PromptInputKind? _ending;

    /// <param name="endpoint">The node's endpoint, which the prompt shows.</param>
    /// <param name="history">The history to offer and to add to.</param>
    /// <param name="console">The terminal; Spectre.Console's own by default.</param>
    /// <param name="source">Where keys come from; the console by default.</param>
    /// <param name="lineCharsMax">The most characters typed or pasted into one line; keys past it are ignored.</param>
    public TerminalLineReader(
        string endpoint, HistoryFile history, IAnsiConsole? console = null, IInputSource? source = null, int lineCharsMax = CliLimits.LineCharsMax)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(history);
        _console = console ?? AnsiConsole.Console;
        _source = new BoundedKeys(source ?? new ConsoleKeys(), lineCharsMax);
        _history = history;
        _prompt = new EndpointPrompt(_console, endpoint);
        _editor = CreateEditor();
    }

    /// <summary>True when standard output is a terminal that takes ANSI sequences and the session is interactive.</summary>
    public static bool IsSupported => LineEditor.IsSupported(AnsiConsole.Console);

    public async Task<PromptInput> ReadLineAsync(CancellationToken cancellationToken)
    {
        _ending = null;
        var text = await _editor.ReadLine(cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return _ending == PromptInputKind.Interrupted ? PromptInput.Interrupted : PromptInput.End;
        }

        _history.Add(text);

        // The editor keeps its own copy of the history and never forgets; a new editor over the bounded history keeps
        // memory bounded in a long session.
        if (_editor.History.Count > 2 * CliLimits.HistoryLinesMax)
        {
            _editor = CreateEditor();
        }

        return new PromptInput(PromptInputKind.Line, text);
    }

    private LineEditor CreateEditor()
    {
        var editor = new LineEditor(_console, _source) { Prompt = _prompt, Completion = new CommandCompletion() };
        var keys = editor.KeyBindings;

        // RadLine moves between the rows of a multi-line text with Up and Down; a one-line prompt walks the history.
        keys.Add<PreviousHistoryCommand>(ConsoleKey.UpArrow);
        keys.Add<NextHistoryCommand>(ConsoleKey.DownArrow);
        keys.Add<MoveHomeCommand>(ConsoleKey.A, ConsoleModifiers.Control);
        keys.Add<MoveEndCommand>(ConsoleKey.E, ConsoleModifiers.Control);
        keys.Add(ConsoleKey.U, ConsoleModifiers.Control, () => new CutCommand(beforeCursor: true));
        keys.Add(ConsoleKey.K, ConsoleModifiers.Control, () => new CutCommand(beforeCursor: false));
        keys.Add(ConsoleKey.C, ConsoleModifiers.Control, () => new EndLineCommand(this, PromptInputKind.Interrupted));
        keys.Add(ConsoleKey.D, ConsoleModifiers.Control, () => new EndLineCommand(this, PromptInputKind.End));
        foreach (var line in _history.Lines)
        {
            editor.History.Add(line);
        }

        return editor;
    }

    /// <summary>
    /// Ctrl-C: drops the line. Ctrl-D: on an empty line ends the prompt, elsewhere deletes the character under the
    /// cursor (as readline does). Both leave the editor through its Cancel, which returns no text; the reader tells
    /// them apart by what the command recorded.
    /// </summary>
    private sealed class EndLineCommand(TerminalLineReader reader, PromptInputKind kind) : LineEditorCommand
    {
        public override void Execute(LineEditorContext context)
        {
            var buffer = context.Buffer;
            if (kind == PromptInputKind.End && buffer.Length > 0)
            {
                buffer.Clear(buffer.Position, 1);
                return;
            }

            // Cleared first: the editor redraws the line it leaves and would keep a dropped line in its history.
            buffer.Clear(0, buffer.Length);
            buffer.Move(0);
            reader._ending = kind;
            context.Submit(SubmitAction.Cancel);
        }
    }

    /// <summary>The console's keys, read without echo.</summary>
    private sealed class ConsoleKeys : IInputSource
    {
        public bool ByPassProcessing => false;

        public bool IsKeyAvailable() => Console.KeyAvailable;

        public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);
    }

    /// <summary>
    /// Ignores the characters of a line past <c>maxChars</c>. Each character key adds at most one character to the
    /// line, so counting them from the last Enter or Ctrl-C bounds the line (a line recalled from the history adds at
    /// most <see cref="CliLimits.HistoryLineCharsMax"/> more).
    /// </summary>
    private sealed class BoundedKeys(IInputSource keys, int maxChars) : IInputSource
    {
        private int _typed;

        public bool ByPassProcessing => keys.ByPassProcessing;

        public bool IsKeyAvailable() => keys.IsKeyAvailable();

        public ConsoleKeyInfo ReadKey()
        {
            while (true)
            {
                var key = keys.ReadKey();
                if (key.Key == ConsoleKey.Enter || (key.Key == ConsoleKey.C && key.Modifiers == ConsoleModifiers.Control))
                {
                    _typed = 0;
                }
                else if (key.KeyChar != 0 && !char.IsControl(key.KeyChar) && ++_typed > maxChars)
                {
                    if (keys.IsKeyAvailable())
                    {
                        continue;
                    }

                    // The editor asked for a key: give it one that changes nothing.
                    return new ConsoleKeyInfo('\0', ConsoleKey.NoName, false, false, false);
                }

                return key;
            }
        }
    }

    /// <summary>Ctrl-U cuts from the start of the line to the cursor, Ctrl-K from the cursor to the end.</summary>
    private sealed class CutCommand(bool beforeCursor) : LineEditorCommand
    {
        public override void Execute(LineEditorContext context)
        {
            var buffer = context.Buffer;
            var position = buffer.Position;
            if (beforeCursor)
            {
                buffer.Clear(0, position);
                buffer.Move(0);
            }
            else
            {
                buffer.Clear(position, buffer.Length - position);
            }
        }
    }

    /// <summary>
    /// "host:port&gt; " as redis-cli shows it; on a terminal too narrow to leave
    /// <see cref="CliLimits.PromptInputColumnsMin"/> columns for typing, "&gt; ".
    /// </summary>
    private sealed class EndpointPrompt(IAnsiConsole console, string endpoint) : ILineEditorPrompt
    {
        private readonly Markup _full = new(Markup.Escape(endpoint + ">"));
        private readonly Markup _short = new(">");

        public (Markup Markup, int Margin) GetPrompt(ILineEditorState state, int line) =>
            (console.Profile.Width >= _full.Length + 1 + CliLimits.PromptInputColumnsMin ? _full : _short, 1);
    }
}

/// <summary>
/// Tab completion at the prompt: the command names as the first word, then, after a command's key (and value), its
/// options. Completions keep the case the word was typed in (lower case when it has no capital).
/// </summary>
internal sealed class CommandCompletion : ITextCompletion
{
    private static readonly string[] s_commands =
        ["PING", "GET", "SET", "PUT", "DEL", "DELETE", "RING", "INFO", "REPAIR", "MEMBERS", "BUCKET", "HELP", "QUIT", "EXIT"];

    /// <summary>For each command with options: how many arguments come before them, and the options.</summary>
    private static readonly Dictionary<string, (int Fixed, string[] Options)> s_options = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GET"] = (1, ["R=", "STRICT", "WITHCTX", "BUCKET="]),
        ["SET"] = (2, ["W=", "CTX=", "BLIND", "STRICT", "BUCKET="]),
        ["PUT"] = (2, ["W=", "CTX=", "BLIND", "STRICT", "BUCKET="]),
        ["DEL"] = (1, ["W=", "CTX=", "STRICT", "BUCKET="]),
        ["DELETE"] = (1, ["W=", "CTX=", "STRICT", "BUCKET="]),
        ["REPAIR"] = (0, ["TIMEOUT="]),
    };

    public IEnumerable<string>? GetCompletions(string prefix, string word, string suffix)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (!Tokenizer.TryTokenize(prefix ?? string.Empty, out var before, out _))
        {
            return null;
        }

        string[] candidates;
        if (before.Count == 0)
        {
            candidates = s_commands;
        }
        else if (s_options.TryGetValue(Encoding.UTF8.GetString(before[0]), out var command) && before.Count > command.Fixed)
        {
            candidates = command.Options;
        }
        else
        {
            return null;
        }

        var lower = word.Any(char.IsLetter) && !word.Any(char.IsUpper);
        var matches = candidates
            .Where(candidate => candidate.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(candidate => word + (lower ? candidate[word.Length..].ToLowerInvariant() : candidate[word.Length..]))
            .ToList();
        return matches.Count > 0 ? matches : null;
    }
}
