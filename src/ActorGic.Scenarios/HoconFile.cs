using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// Loads HOCON with Akka's own parser. <c>include "file.conf"</c> is resolved relative to the
/// including file (Akka's ParseString does not resolve includes without a callback). Every file
/// is read through a reader (a full path to its text, or null when there is none): the file
/// system's, or <see cref="ScenarioSources"/>' own copies, which never touch it.
/// </summary>
public static class HoconFile
{
    /// <summary>The file system: a full path's text, or null when no such file exists.</summary>
    internal static string? ReadFileSystem(string fullPath) => File.Exists(fullPath) ? File.ReadAllText(fullPath) : null;

    public static Config Load(string file) => Load(file, ReadFileSystem);

    internal static Config Load(string file, Func<string, string?> read)
    {
        string full = Path.GetFullPath(file);
        string text = read(full) ?? throw new ScenarioException(file, "no such file");
        return Parse(text, file, Path.GetDirectoryName(full)!, read);
    }

    public static Config Parse(string text, string origin, string directory) => Parse(text, origin, directory, ReadFileSystem);

    internal static Config Parse(string text, string origin, string directory, Func<string, string?> read)
    {
        CheckBalanced(text, origin);
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(text, name => Include(name, directory, read));
        }
        catch (ScenarioException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new ScenarioException(origin, $"malformed HOCON: {Describe(e.Message, text)}");
        }
        if (config.Root is { } root) CheckValues(root, "", origin);
        return config;
    }

    /// <summary>
    /// Akka's parser forgives unterminated blocks and lists; a scenario must not be read half.
    /// Braces and brackets outside strings and comments must balance.
    /// </summary>
    private static void CheckBalanced(string text, string origin)
    {
        var open = new Stack<(char Bracket, int Line)>();
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                bool triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                int end = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : QuoteEnd(text, i + 1);
                if (end < 0) throw new ScenarioException(origin, $"malformed HOCON: unterminated string on line {line}");
                line += text.AsSpan(i, end - i).Count('\n');
                i = triple ? end + 2 : end;
                continue;
            }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                char want = c == '}' ? '{' : '[';
                if (open.Count == 0 || open.Peek().Bracket != want)
                    throw new ScenarioException(origin, $"malformed HOCON: unexpected '{c}' on line {line}");
                open.Pop();
            }
        }
        if (open.Count > 0)
            throw new ScenarioException(origin, $"malformed HOCON: '{open.Peek().Bracket}' opened on line {open.Peek().Line} is never closed");
    }

    private static int QuoteEnd(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i;
            if (text[i] == '\n') return -1;
        }
        return -1;
    }

    /// <summary>A key without a value (<c>end = = </c>, <c>end 1ms</c>) parses as an unknown value: refuse it.</summary>
    private static void CheckValues(HoconValue value, string path, string origin)
    {
        if (value.IsObject())
        {
            foreach (var (key, child) in value.GetObject().Items)
                CheckValues(child, path.Length == 0 ? key : $"{path}.{key}", origin);
            return;
        }
        if (value.IsArray())
        {
            var items = value.GetArray();
            for (int i = 0; i < items.Count; i++) CheckValues(items[i], $"{path}[{i}]", origin);
            return;
        }
        if (value.Values.Count == 0)
            throw new ScenarioException(path.Length == 0 ? origin : path, "malformed HOCON: no value");
    }

    private static HoconRoot Include(string name, string directory, Func<string, string?> read)
    {
        string file = Path.IsPathRooted(name) ? name : Path.Combine(directory, name);
        string full = Path.GetFullPath(file);
        string text = read(full) ?? throw new ScenarioException(name, $"included file not found ({file})");
        var parsed = Parse(text, file, Path.GetDirectoryName(full)!, read);
        return parsed.Root is { } root ? new HoconRoot(root) : new HoconRoot(new HoconValue());
    }

    /// <summary>Akka's parser reports a character position and echoes the input: give a line and column instead.</summary>
    private static string Describe(string message, string text)
    {
        var first = message.ReplaceLineEndings("\n").Split('\n')[0].Trim();
        var match = System.Text.RegularExpressions.Regex.Match(first, @"^(.*?) at position (\d+)");
        if (!match.Success || !int.TryParse(match.Groups[2].Value, out int position)) return OneLine(first);
        position = Math.Min(position, text.Length);
        int line = 1 + text.AsSpan(0, position).Count('\n');
        int column = position - (text.LastIndexOf('\n', Math.Max(0, position - 1)) + 1) + 1;
        return $"{match.Groups[1].Value} at line {line}, column {column}";
    }

    internal static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
