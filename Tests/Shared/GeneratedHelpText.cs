using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Dynamo.Tests.Shared;

/// <summary>
/// The help that System.CommandLine generates for <c>dynamo-server</c> and <c>dynamo-bench</c>, read the way a user
/// reads it, and the tables in docs/ that must list what it prints.
/// </summary>
public static partial class GeneratedHelpText
{
    /// <summary>The rows of a help section: first column, then the description with its wrapped lines joined.</summary>
    public static Dictionary<string, string> HelpRows(string help, string heading)
    {
        var lines = help.ReplaceLineEndings("\n").Split('\n');
        var start = Array.IndexOf(lines, heading);
        Assert.That(start, Is.Not.Negative, $"help has a section {heading}\n{help}");
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.Length > 0))
        {
            var row = HelpRow().Match(line);
            if (row.Success)
            {
                current = row.Groups["first"].Value;
                rows[current] = row.Groups["second"].Value.Trim();
            }
            else
            {
                Assert.That(current, Is.Not.Null, line);
                rows[current!] = $"{rows[current!]} {line.Trim()}".Trim();
            }
        }

        return rows;
    }

    /// <summary>The text of <c>[default: ...]</c> in a help row, or null.</summary>
    public static string? DefaultOf(string row)
    {
        var match = DefaultText().Match(row);
        return match.Success ? match.Groups["text"].Value : null;
    }

    /// <summary>Asserts that <paramref name="rows"/> are exactly <paramref name="expected"/>, in order, each with a description.</summary>
    public static void AssertListsExactly(IReadOnlyDictionary<string, string> rows, (string Option, string? Default)[] expected)
    {
        Assert.That(rows.Keys, Is.EqualTo(expected.Select(e => e.Option)));
        foreach (var (option, defaultText) in expected)
        {
            var text = rows[option];
            Assert.That(DefaultOf(text), Is.EqualTo(defaultText), option);
            Assert.That(text.Replace($"[default: {defaultText}]", "", StringComparison.Ordinal).Trim(), Has.Length.GreaterThan(10), $"{option} has a description");
        }
    }

    /// <summary>
    /// How a docs/ table starts the row of the option a help row shows: <c>| `--name &lt;value&gt;` | `default` |</c>,
    /// or <c>—</c> for no default, with <c>|</c> escaped.
    /// </summary>
    public static string DocsRow(string option, string helpText)
    {
        var defaultText = DefaultOf(helpText);
        return $"| `{EscapeBars(option)}` | " + (defaultText is null ? "—" : $"`{EscapeBars(defaultText)}`") + " |";
    }

    /// <summary>The lines of <paramref name="page"/> (e.g. <c>SERVER.md</c>) in the repository's docs/ folder.</summary>
    public static Task<string[]> ReadDocsAsync(string page) => File.ReadAllLinesAsync(Path.Combine(RepositoryRoot(), "docs", page));

    /// <summary>The repository: the nearest folder up from the tests holding the solution.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dynamo.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Dynamo.sln was not found above " + TestContext.CurrentContext.TestDirectory);
    }

    private static string EscapeBars(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    [GeneratedRegex(@"^  (?<first>\S.*?)(?:\s{2,}(?<second>.*))?$")]
    private static partial Regex HelpRow();

    [GeneratedRegex(@"\[default: (?<text>[^\]]*)\]")]
    private static partial Regex DefaultText();
}
