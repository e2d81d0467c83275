using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Dynamo.Cli;

/// <summary>
/// Splits a command line into arguments as redis-cli does: whitespace separates; double quotes allow spaces and
/// the escapes <c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\b</c>, <c>\a</c> and <c>\xHH</c> (any byte);
/// single quotes are literal except <c>\'</c>. A closing quote must end the argument. Arguments are bytes (text as
/// UTF-8), since <c>\xHH</c> can write bytes that are not text.
/// </summary>
internal static class Tokenizer
{
    public static bool TryTokenize(string line, [NotNullWhen(true)] out List<byte[]>? arguments, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        arguments = [];
        error = null;
        var current = new List<byte>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            if (i == line.Length)
            {
                return true;
            }

            current.Clear();
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
            {
                var quote = line[i];
                if (quote is '"' or '\'')
                {
                    if (!TryReadQuoted(line, ref i, current, out error))
                    {
                        arguments = null;
                        return false;
                    }

                    if (i < line.Length && !char.IsWhiteSpace(line[i]))
                    {
                        arguments = null;
                        error = "closing quote must be followed by a space";
                        return false;
                    }
                }
                else
                {
                    AppendUtf8(current, line, ref i);
                }
            }

            arguments.Add([.. current]);
        }
    }

    /// <summary>Reads a quoted part starting at the quote at <paramref name="i"/>; leaves i after the closing quote.</summary>
    private static bool TryReadQuoted(string line, ref int i, List<byte> into, [NotNullWhen(false)] out string? error)
    {
        var quote = line[i++];
        while (i < line.Length)
        {
            var c = line[i];
            if (c == quote)
            {
                i++;
                error = null;
                return true;
            }

            if (c == '\\' && i + 1 < line.Length)
            {
                if (quote == '\'')
                {
                    if (line[i + 1] == '\'')
                    {
                        into.Add((byte)'\'');
                        i += 2;
                        continue;
                    }
                }
                else
                {
                    ReadEscape(line, ref i, into);
                    continue;
                }
            }

            AppendUtf8(into, line, ref i);
        }

        error = "unbalanced quotes";
        return false;
    }

    private static void ReadEscape(string line, ref int i, List<byte> into)
    {
        var next = line[i + 1];
        if (next == 'x' && i + 3 < line.Length
            && byte.TryParse(line.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
        {
            into.Add(b);
            i += 4;
            return;
        }

        byte? simple = next switch
        {
            'n' => (byte)'\n',
            'r' => (byte)'\r',
            't' => (byte)'\t',
            'b' => (byte)'\b',
            'a' => (byte)'\a',
            _ => null,
        };
        i++;
        if (simple is { } value)
        {
            into.Add(value);
            i++;
        }
        else
        {
            AppendUtf8(into, line, ref i);
        }
    }

    private static void AppendUtf8(List<byte> into, string line, ref int i)
    {
        var length = char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]) ? 2 : 1;
        Span<byte> bytes = stackalloc byte[4];
        var written = Encoding.UTF8.GetBytes(line.AsSpan(i, length), bytes);
        for (var k = 0; k < written; k++)
        {
            into.Add(bytes[k]);
        }

        i += length;
    }
}
