using Dynamo.Cli;
using NUnit.Framework;

namespace Dynamo.Client.Tests.Cli;

/// <summary>Lines read from a pipe: the same lines as <see cref="TextReader.ReadLine"/>, and a bound on their length.</summary>
public sealed class LineReaderTests
{
    [TestCase("a\nb\n")]
    [TestCase("a\r\nb\r\n\r\nc")]
    [TestCase("a\rb\r\r\nc\n\n")]
    [TestCase("")]
    [TestCase("\n")]
    [TestCase("no end")]
    public async Task Lines_end_where_TextReader_ends_them(string text)
    {
        var expected = new List<string>();
        using (var reference = new StringReader(text))
        {
            while (reference.ReadLine() is { } line)
            {
                expected.Add(line);
            }
        }

        Assert.That(await ReadAllAsync(new StringReader(text), maxChars: 100), Is.EqualTo(expected.Select(line => (line, false))));
    }

    [Test]
    public async Task Line_ends_split_across_reads_are_found()
    {
        // One character per read: every "\r\n" is split between two reads.
        var lines = await ReadAllAsync(new OneCharReader("ab\r\ncd\r\n\r\nef"), maxChars: 100);

        Assert.That(lines, Is.EqualTo(new[] { ("ab", false), ("cd", false), (string.Empty, false), ("ef", false) }));
    }

    [Test]
    public async Task A_line_over_the_bound_is_reported_without_its_text_and_the_next_line_is_read_whole()
    {
        var longLine = new string('x', 200_000);

        var lines = await ReadAllAsync(new StringReader($"PING\n{longLine}\nGET k\n{longLine}"), maxChars: 100_000);

        Assert.That(lines, Is.EqualTo(new[] { ("PING", false), (string.Empty, true), ("GET k", false), (string.Empty, true) }));
    }

    [Test]
    public async Task A_line_of_exactly_the_bound_is_kept()
    {
        var lines = await ReadAllAsync(new StringReader("abcde\nabcdef\n"), maxChars: 5);

        Assert.That(lines, Is.EqualTo(new[] { ("abcde", false), (string.Empty, true) }));
    }

    [Test]
    public async Task A_pipe_answers_a_line_over_the_bound_with_an_error_and_runs_the_others()
    {
        var input = new StringReader($"PING\n{new string('x', CliLimits.LineCharsMax + 1)}\nPING\n");
        using var output = new StringWriter();

        var code = await Runner.RunPipeAsync(input, new FakeClient(), output, CancellationToken.None);

        Assert.That(output.ToString().ReplaceLineEndings("\n"), Is.EqualTo($"PONG\n(error) {Runner.LineTooLong}\nPONG\n"));
        Assert.That(code, Is.EqualTo(Runner.ExitFailed));
    }

    private static async Task<List<(string, bool)>> ReadAllAsync(TextReader input, int maxChars)
    {
        var reader = new LineReader(input, maxChars);
        var lines = new List<(string, bool)>();
        while (await reader.ReadLineAsync(CancellationToken.None) is ({ } line, var tooLong))
        {
            lines.Add((line, tooLong));
        }

        return lines;
    }

    private sealed class OneCharReader(string text) : StringReader(text)
    {
        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
