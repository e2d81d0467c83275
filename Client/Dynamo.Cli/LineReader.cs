using System.Text;

namespace Dynamo.Cli;

/// <summary>
/// Reads lines from a <see cref="TextReader"/> as <see cref="TextReader.ReadLineAsync(CancellationToken)"/> does (a
/// line ends at "\n", "\r\n" or "\r"), but keeps at most <c>maxChars</c> characters of a line: the rest of a longer
/// line is read and dropped, and the line is reported as too long, so a line without an end cannot exhaust memory.
/// </summary>
internal sealed class LineReader(TextReader reader, int maxChars)
{
    private const int BufferChars = 64 * 1024;
    private readonly char[] _buffer = new char[BufferChars];
    private int _start;
    private int _end;
    private bool _skipLineFeed;

    /// <summary>The next line (null at the end of the input) and whether it was longer than the bound.</summary>
    public async ValueTask<(string? Line, bool TooLong)> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var tooLong = false;
        var any = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    return any ? (tooLong ? string.Empty : line.ToString(), tooLong) : (null, false);
                }
            }

            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (_buffer[_start] == '\n')
                {
                    _start++;
                    continue;
                }
            }

            any = true;
            var chunk = _buffer.AsSpan(_start, _end - _start);
            var stop = chunk.IndexOfAny('\n', '\r');
            var text = stop < 0 ? chunk : chunk[..stop];
            if (!tooLong && line.Length + text.Length <= maxChars)
            {
                line.Append(text);
            }
            else
            {
                tooLong = true;
                line.Clear();
            }

            if (stop < 0)
            {
                _start = _end;
                continue;
            }

            _skipLineFeed = chunk[stop] == '\r';
            _start += stop + 1;
            return (tooLong ? string.Empty : line.ToString(), tooLong);
        }
    }
}
