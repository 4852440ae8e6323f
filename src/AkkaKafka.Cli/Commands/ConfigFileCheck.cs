using System.Text.RegularExpressions;
using Akka.Configuration;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// Checks a --config HOCON file before a broker starts, so a mistake is one line naming the file, the line and the
/// problem (exit 2) rather than a broker that starts with half a file or an exception at start-up.
/// </summary>
/// <remarks>
/// Akka.NET's HOCON parser is lenient: an object or array that is never closed, or a stray closing brace, is
/// accepted and the rest of the file silently dropped or misread. The structural scan below (brackets, quotes,
/// comments, substitutions) catches those; the parser catches the rest.
/// </remarks>
internal static partial class ConfigFileCheck
{
    public static void Check(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--config: file '{path}' does not exist");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--config: cannot read '{path}': {e.Message}");
        }
        if (Structure(text) is { } problem) throw new UsageException($"config file '{path}', line {problem.Line}: {problem.What}");
        try
        {
            ConfigurationFactory.ParseString(text);
        }
        catch (Exception e)
        {
            throw new UsageException($"config file '{path}' is not valid HOCON: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>The first bracket or quote that does not match, with its line (1-based); null when all match.</summary>
    internal static (int Line, string What)? Structure(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                var start = line;
                if (i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"')
                {
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) return (start, "a \"\"\" string starts here and is never closed");
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    continue;
                }
                for (i++; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\n') return (start, "a quoted string is not closed on its line");
                    if (text[i] == '\\') i++;
                }
                if (i >= text.Length) return (start, "a quoted string is not closed on its line");
                continue;
            }
            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                open.Push(('$', line));
                i++;
                continue;
            }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                if (open.Count == 0) return (line, $"'{c}' closes nothing");
                var (bracket, at) = open.Pop();
                var expected = bracket == '[' ? ']' : '}';
                if (c != expected)
                    return (line, $"'{c}' where '{expected}' was expected (to close the {Name(bracket)} opened on line {at})");
            }
        }
        if (open.Count > 0)
        {
            var (bracket, at) = open.Pop();
            return (at, $"the {Name(bracket)} opened here is never closed");
        }
        return null;
    }

    private static string Name(char bracket) => bracket switch
    {
        '[' => "array '['",
        '$' => "substitution '${'",
        _ => "object '{'",
    };

    /// <summary>
    /// A start-up failure that quotes a value ("The input string 'lots' was not in a correct format") traced back to
    /// the line of the --config file that holds it: "config file 'x', line 3 (a.b = lots): …"; null when not found.
    /// </summary>
    public static string? Locate(string path, string failure)
    {
        var quoted = QuotedValue().Match(failure);
        if (!quoted.Success || !File.Exists(path)) return null;
        var value = quoted.Groups[1].Value;
        if (value.Length == 0) return null;
        var lines = File.ReadAllLines(path);
        for (var n = 0; n < lines.Length; n++)
        {
            var setting = lines[n].Trim();
            var eq = setting.IndexOfAny(['=', ':']);
            if (eq < 0) continue;
            var assigned = setting[(eq + 1)..].Trim().Trim('"');
            if (assigned == value) return $"config file '{path}', line {n + 1} ({setting}): {failure}";
        }
        return null;
    }

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex QuotedValue();
}
