using Dynamo.Cli;
using NUnit.Framework;
using RadLine;
using Spectre.Console;

namespace Dynamo.Client.Tests.Cli;

/// <summary>
/// The prompt: its line editor driven key by key (the real RadLine editor over a console that writes to memory), the
/// prompt loop, and the history file. How the editor draws on a real narrow terminal is pinned by the integration
/// test that drives dynamo-cli in tmux.
/// </summary>
public sealed class PromptTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private string _directory = string.Empty;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dynamo-cli-prompt-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task A_typed_line_is_returned_on_Enter_and_kept_in_the_history_file()
    {
        var path = Path.Combine(_directory, "history");
        var reader = Reader(new HistoryFile(path), Keys.Type("SET k v"), Keys.Enter);

        var input = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.That(input, Is.EqualTo(new PromptInput(PromptInputKind.Line, "SET k v")));
        Assert.That(File.ReadAllLines(path), Is.EqualTo(new[] { "SET k v" }));
    }

    [Test]
    public async Task Ctrl_C_drops_the_line_and_the_next_line_is_read_as_usual()
    {
        var history = new HistoryFile(null);
        var reader = Reader(history, Keys.Type("SET dropped x"), Keys.Control(ConsoleKey.C), Keys.Type("PING"), Keys.Enter);

        var dropped = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);
        var next = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.That(dropped.Kind, Is.EqualTo(PromptInputKind.Interrupted));
        Assert.That(next, Is.EqualTo(new PromptInput(PromptInputKind.Line, "PING")));
        Assert.That(history.Lines, Is.EqualTo(new[] { "PING" }), "a dropped line is not remembered");
    }

    [Test]
    public async Task Ctrl_D_ends_the_prompt_on_an_empty_line_and_deletes_under_the_cursor_elsewhere()
    {
        var reader = Reader(
            new HistoryFile(null),
            Keys.Type("abc"), Keys.Key(ConsoleKey.LeftArrow), Keys.Key(ConsoleKey.LeftArrow), Keys.Control(ConsoleKey.D), Keys.Enter,
            Keys.Control(ConsoleKey.D));

        var edited = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);
        var end = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.That(edited, Is.EqualTo(new PromptInput(PromptInputKind.Line, "ac")));
        Assert.That(end.Kind, Is.EqualTo(PromptInputKind.End));
    }

    [Test]
    public async Task Up_and_down_walk_the_history_loaded_from_the_file()
    {
        var path = Path.Combine(_directory, "history");
        await File.WriteAllLinesAsync(path, ["GET first", "GET second"]);
        var reader = Reader(
            new HistoryFile(path),
            Keys.Key(ConsoleKey.UpArrow), Keys.Key(ConsoleKey.UpArrow), Keys.Enter,
            Keys.Key(ConsoleKey.UpArrow), Keys.Key(ConsoleKey.UpArrow), Keys.Key(ConsoleKey.UpArrow), Keys.Key(ConsoleKey.DownArrow), Keys.Enter);

        var older = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);
        var newer = await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait);

        Assert.That(older.Text, Is.EqualTo("GET first"));
        Assert.That(newer.Text, Is.EqualTo("GET second"));
        Assert.That(File.ReadAllLines(path), Is.EqualTo(new[] { "GET first", "GET second", "GET first", "GET second" }));
    }

    [Test]
    public async Task Control_keys_move_and_cut_as_in_readline()
    {
        var reader = Reader(
            new HistoryFile(null),
            Keys.Type("ET k v"), Keys.Control(ConsoleKey.A), Keys.Type("G"), Keys.Control(ConsoleKey.E), Keys.Type("x"), Keys.Enter,
            Keys.Type("junk PING"), Keys.Key(ConsoleKey.LeftArrow), Keys.Key(ConsoleKey.LeftArrow), Keys.Key(ConsoleKey.LeftArrow),
            Keys.Key(ConsoleKey.LeftArrow), Keys.Control(ConsoleKey.U), Keys.Enter,
            Keys.Type("PING junk"), Keys.Control(ConsoleKey.A), Keys.Key(ConsoleKey.RightArrow), Keys.Key(ConsoleKey.RightArrow),
            Keys.Key(ConsoleKey.RightArrow), Keys.Key(ConsoleKey.RightArrow), Keys.Control(ConsoleKey.K), Keys.Enter);

        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("GET k vx"));
        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("PING"));
        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("PING"));
    }

    [Test]
    public async Task Tab_completes_command_names_and_options_in_the_case_they_were_typed()
    {
        var reader = Reader(
            new HistoryFile(null),
            Keys.Type("ge"), Keys.Tab, Keys.Type(" k WITH"), Keys.Tab, Keys.Enter,
            Keys.Type("SET k v bl"), Keys.Tab, Keys.Enter);

        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("get k WITHCTX"));
        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("SET k v blind"));
    }

    [Test]
    public async Task Keys_past_the_line_bound_are_ignored_and_the_bound_starts_again_on_the_next_line()
    {
        var reader = Reader(new HistoryFile(null), lineCharsMax: 5, Keys.Type("PINGXYZ"), Keys.Enter, Keys.Type("INFO"), Keys.Enter);

        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("PINGX"));
        Assert.That((await reader.ReadLineAsync(CancellationToken.None).WaitAsync(s_wait)).Text, Is.EqualTo("INFO"));
    }

    [TestCase("", "", new[] { "PING", "GET", "SET", "PUT", "DEL", "DELETE", "RING", "INFO", "REPAIR", "MEMBERS", "BUCKET", "HELP", "QUIT", "EXIT" })]
    [TestCase("", "De", new[] { "DeL", "DeLETE" })]
    [TestCase("", "r", new[] { "ring", "repair" })]
    [TestCase("GET ", "", null)]
    [TestCase("GET key ", "", new[] { "R=", "STRICT", "WITHCTX", "BUCKET=" })]
    [TestCase("set key ", "", null)]
    [TestCase("set key value ", "", new[] { "W=", "CTX=", "BLIND", "STRICT", "BUCKET=" })]
    [TestCase("repair ", "t", new[] { "timeout=" })]
    [TestCase("PING ", "", null)]
    [TestCase("SET \"open ", "", null)]
    [TestCase("", "xyz", null)]
    public void Completions_follow_the_position_in_the_command(string prefix, string word, string[]? expected)
    {
        var completions = new CommandCompletion().GetCompletions(prefix, word, string.Empty);

        Assert.That(completions, expected is null ? Is.Null : Is.EqualTo(expected));
    }

    [Test]
    public async Task The_prompt_runs_lines_until_quit_and_skips_dropped_and_blank_ones()
    {
        var client = new FakeClient();
        using var output = new StringWriter();
        var armed = 0;
        var lines = new ScriptedLines(
            new(PromptInputKind.Line, "PING"), PromptInput.Interrupted, new(PromptInputKind.Line, "   "),
            new(PromptInputKind.Line, "GET \"open"), new(PromptInputKind.Line, "quit"), new(PromptInputKind.Line, "PING"));

        var code = await Prompt.RunAsync(lines, client, output, _ => Armed(ref armed), CancellationToken.None).WaitAsync(s_wait);

        Assert.That(code, Is.EqualTo(Runner.ExitOk));
        Assert.That(output.ToString().ReplaceLineEndings("\n"), Is.EqualTo("PONG\n(error) unbalanced quotes\n"));
        Assert.That(lines.Remaining, Is.EqualTo(1), "nothing is read after QUIT");
        Assert.That(armed, Is.EqualTo(1), "Ctrl-C is armed only while a command runs");
    }

    [TestCase("EXIT")]
    [TestCase(null)]
    public async Task Exit_and_the_end_of_input_leave_the_prompt(string? last)
    {
        var lines = last is null ? new ScriptedLines(PromptInput.End) : new ScriptedLines(new PromptInput(PromptInputKind.Line, last));
        using var output = new StringWriter();

        var code = await Prompt.RunAsync(lines, new FakeClient(), output, _ => new Disarm(), CancellationToken.None).WaitAsync(s_wait);

        Assert.That((code, output.ToString()), Is.EqualTo((Runner.ExitOk, string.Empty)));
    }

    [Test]
    public async Task Ctrl_C_while_a_command_runs_stops_waiting_for_it_and_the_prompt_goes_on()
    {
        var client = new FakeClient { Gate = (_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken) };
        var lines = new ScriptedLines(new(PromptInputKind.Line, "GET k"), new(PromptInputKind.Line, "SET k v"), new(PromptInputKind.Line, "PING"), PromptInput.End);
        using var output = new StringWriter();

        var code = await Prompt.RunAsync(
            lines,
            client,
            output,
            running =>
            {
                running.CancelAfter(TimeSpan.FromMilliseconds(50));
                return new Disarm();
            },
            CancellationToken.None).WaitAsync(s_wait);

        Assert.That(code, Is.EqualTo(Runner.ExitOk));
        Assert.That(
            output.ToString().ReplaceLineEndings("\n"),
            Is.EqualTo("(error) interrupted\n(error) interrupted: the write may or may not have been applied\nPONG\n"));
    }

    [Test]
    public void The_history_file_keeps_the_last_lines_up_to_its_bound()
    {
        var path = Path.Combine(_directory, "history");
        var history = new HistoryFile(path);

        for (var i = 0; i < CliLimits.HistoryLinesMax + 5; i++)
        {
            history.Add($"GET k{i}");
        }

        Assert.That(history.Add($"GET k{CliLimits.HistoryLinesMax + 4}"), Is.False, "a repeat of the last line");
        Assert.That(history.Add("  "), Is.False);
        Assert.That(history.Add(new string('x', CliLimits.HistoryLineCharsMax + 1)), Is.False);
        var saved = File.ReadAllLines(path);
        Assert.That(saved, Has.Length.EqualTo(CliLimits.HistoryLinesMax));
        Assert.That(saved[0], Is.EqualTo("GET k5"));
        Assert.That(saved[^1], Is.EqualTo($"GET k{CliLimits.HistoryLinesMax + 4}"));
        Assert.That(new HistoryFile(path).Lines, Is.EqualTo(saved));
    }

    [Test]
    public void A_history_file_that_cannot_be_read_or_written_keeps_the_history_in_memory()
    {
        // A path below a regular file can be neither read nor created, whoever runs the test (root included).
        var blocker = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(blocker, "x");
        var history = new HistoryFile(Path.Combine(blocker, ".dynamo_cli_history"));

        Assert.That(history.Add("PING"), Is.True);
        Assert.That(history.Lines, Is.EqualTo(new[] { "PING" }));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_history_file_is_created_readable_by_its_owner_only()
    {
        var path = Path.Combine(_directory, "history");
        new HistoryFile(path).Add("SET secret value");

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    private static TerminalLineReader Reader(HistoryFile history, params IEnumerable<ConsoleKeyInfo>[] keys) =>
        Reader(history, CliLimits.LineCharsMax, keys);

    private static TerminalLineReader Reader(HistoryFile history, int lineCharsMax, params IEnumerable<ConsoleKeyInfo>[] keys)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(TextWriter.Null),
        });
        console.Profile.Width = 60;
        return new TerminalLineReader("127.0.0.1:7101", history, console, new ScriptedKeys(keys.SelectMany(k => k)), lineCharsMax);
    }

    private static Disarm Armed(ref int count)
    {
        count++;
        return new Disarm();
    }

    private sealed class Disarm : IDisposable
    {
        public void Dispose()
        {
        }
    }

    private sealed class ScriptedLines(params PromptInput[] inputs) : ILineReader
    {
        private readonly Queue<PromptInput> _inputs = new(inputs);

        public int Remaining => _inputs.Count;

        public Task<PromptInput> ReadLineAsync(CancellationToken cancellationToken) =>
            Task.FromResult(_inputs.TryDequeue(out var input) ? input : PromptInput.End);
    }

    /// <summary>Keys as a terminal sends them, one at a time.</summary>
    private sealed class ScriptedKeys(IEnumerable<ConsoleKeyInfo> keys) : IInputSource
    {
        private readonly Queue<ConsoleKeyInfo> _keys = new(keys);

        public bool ByPassProcessing => true;

        public bool IsKeyAvailable() => _keys.Count > 0;

        public ConsoleKeyInfo ReadKey() => _keys.Dequeue();
    }

    private static class Keys
    {
        public static IEnumerable<ConsoleKeyInfo> Enter => [new('\r', ConsoleKey.Enter, false, false, false)];

        public static IEnumerable<ConsoleKeyInfo> Tab => [new('\t', ConsoleKey.Tab, false, false, false)];

        public static IEnumerable<ConsoleKeyInfo> Type(string text) =>
            text.Select(c => new ConsoleKeyInfo(c, char.IsAsciiLetter(c) ? ConsoleKey.A + (char.ToUpperInvariant(c) - 'A') : 0, char.IsUpper(c), false, false));

        public static IEnumerable<ConsoleKeyInfo> Key(ConsoleKey key) => [new('\0', key, false, false, false)];

        /// <summary>Ctrl and a letter, as the console reports it: the control character and the letter's key.</summary>
        public static IEnumerable<ConsoleKeyInfo> Control(ConsoleKey letter) =>
            [new((char)(letter - ConsoleKey.A + 1), letter, false, false, true)];
    }
}
