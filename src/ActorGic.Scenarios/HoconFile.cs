using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// Loads HOCON with Akka's own parser. <c>include "file.conf"</c> is resolved relative to the
/// including file (Akka's ParseString does not resolve includes without a callback). Every file
/// is read through a <see cref="Reader"/>: the file system's, or <see cref="ScenarioSources"/>'
/// own copies (a clustered run's workers read only what the coordinator sent).
/// <para>
/// Scenario text is hostile until checked: Akka's parser recurses once per block, list and
/// dotted key part, loops for ever on some lists, and its getters recurse through
/// substitutions without noticing a cycle, so a bad file used to overflow the stack (which no
/// catch can stop), or grow without bound. Every guard is a deterministic limit checked before
/// the step it protects. None is a timer or a thread with a small stack: .NET ends the process
/// on a stack overflow on any thread, and a time limit would make the same file pass on one
/// machine and fail on another.
/// </para>
/// <list type="number">
/// <item>The file: regular files only, and at most <see cref="MaxBytes"/> for a scenario with
/// all its included files (<see cref="HoconSource"/>).</item>
/// <item>Includes: no file that is already being included (a cycle, by full path), at most
/// <see cref="MaxIncludeDepth"/> deep.</item>
/// <item>The text: balanced brackets, ended strings, and only plain <c>${path}</c>
/// substitutions, rewritten into placeholder strings so that Akka never resolves one
/// (<see cref="HoconScan"/>).</item>
/// <item>A dry run of Akka's parser on its own tokenizer, with an explicit stack: nesting and
/// lists Akka would never leave are refused (<see cref="HoconDryRun"/>). Counting brackets in
/// the text is not enough: Akka skips some of them.</item>
/// <item>After the parse, substitutions are resolved here and the value graph is walked once,
/// without recursion: cycles, depth and expansion are refused (<see cref="HoconGraph"/>).</item>
/// </list>
/// </summary>
public static class HoconFile
{
    /// <summary>
    /// 1 MiB for a scenario and everything it includes: the shipped scenarios are under 2 KB,
    /// and a thousand actions on a 4,096-CPU topology still fit under 100 KB. The costliest
    /// 1 MiB text we built (a list of half a million numbers) loads in about 3 s and 230 MB;
    /// without a cap, <c>/dev/zero</c> or a 4 GB file would take the memory first.
    /// </summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The shipped scenarios include one level deep; 8 allows layering and bounds stacked parses.</summary>
    public const int MaxIncludeDepth = 8;

    /// <summary>
    /// The file system as a reader: a full path's text (read by <see cref="HoconSource"/>: regular
    /// files only, within the load's byte budget), or null when no such file exists.
    /// </summary>
    internal static string? ReadFileSystem(string fullPath, ref long remaining) =>
        File.Exists(fullPath) || Directory.Exists(fullPath) ? HoconSource.Read(fullPath, ref remaining) : null;

    /// <summary>Where a load reads its files: the file system, or <see cref="ScenarioSources"/>' own copies (which never touch it).</summary>
    internal delegate string? Reader(string fullPath, ref long remaining);

    public static Config Load(string file) => Load(file, ReadFileSystem);

    internal static Config Load(string file, Reader read)
    {
        string full = Path.GetFullPath(file);
        var load = new Loading(read);
        string text = read(full, ref load.Remaining) ?? throw new ScenarioException(file, "no such file");
        load.Chain.Add(full);
        return load.Parse(text, file, Path.GetDirectoryName(full)!);
    }

    public static Config Parse(string text, string origin, string directory) => Parse(text, origin, directory, ReadFileSystem);

    internal static Config Parse(string text, string origin, string directory, Reader read)
    {
        var load = new Loading(read);
        HoconSource.Charge(text, origin, ref load.Remaining);
        return load.Parse(text, origin, directory);
    }

    /// <summary>One load: the bytes it may still read and the files being included, outermost first.</summary>
    private sealed class Loading(Reader read)
    {
        public long Remaining = MaxBytes;
        public List<string> Chain { get; } = [];
        private int _depth;

        public Config Parse(string text, string origin, string directory)
        {
            string rewritten = HoconScan.Scan(IncludeForms(text, origin), origin);
            HoconDryRun.Check(rewritten, origin);
            HoconValue root;
            try
            {
                var parsed = ConfigurationFactory.ParseString(rewritten, name => Include(name, directory, origin));
                root = parsed.Root;
            }
            catch (ScenarioException)
            {
                throw;
            }
            catch (Exception e)
            {
                throw new ScenarioException(origin, $"malformed HOCON: {Describe(e.Message, text)}");
            }
            HoconGraph.Resolve(root, origin);
            return new Config(new HoconRoot(root));
        }

        private HoconRoot Include(string name, string directory, string origin)
        {
            string file = Path.IsPathRooted(name) ? name : Path.Combine(directory, name);
            string full = Path.GetFullPath(file);
            if (Chain.Contains(full))
                throw new ScenarioException(origin, $"include cycle: {string.Join(" -> ", Chain.Append(full).SkipWhile(f => f != full).Select(Path.GetFileName))}");
            if (_depth == MaxIncludeDepth)
                throw new ScenarioException(origin, $"includes nest more than {MaxIncludeDepth} deep (including {name})");
            Chain.Add(full);
            _depth++;
            try
            {
                string text = read(full, ref Remaining) ?? throw new ScenarioException(name, $"included file not found ({file})");
                var parsed = Parse(text, file, Path.GetDirectoryName(full)!);
                return new HoconRoot(parsed.Root);
            }
            finally
            {
                _depth--;
                Chain.RemoveAt(Chain.Count - 1);
            }
        }
    }

    private static readonly System.Text.RegularExpressions.Regex IncludeForm = new(
        @"^([ \t]*include[ \t]+)((?:(?:required|file|url|classpath)[ \t]*\([ \t]*)+)(""(?:[^""\\\n]|\\.)*"")([ \t]*\))*",
        System.Text.RegularExpressions.RegexOptions.Multiline);

    /// <summary>
    /// HOCON's <c>include required("x")</c> and <c>include file("x")</c>, which Akka's parser reads as a
    /// key named <c>include required(</c>: both become a plain <c>include "x"</c> (blanks of the same
    /// length keep lines and columns), which is already required here, a missing file is an error.
    /// <c>url(...)</c> and <c>classpath(...)</c> are refused: a scenario includes files by path.
    /// </summary>
    internal static string IncludeForms(string text, string origin)
    {
        if (!text.Contains("include", StringComparison.Ordinal)) return text;
        return IncludeForm.Replace(text, m =>
        {
            if (m.Groups[2].Value.Contains("url", StringComparison.Ordinal) || m.Groups[2].Value.Contains("classpath", StringComparison.Ordinal))
            {
                int line = 1 + text.AsSpan(0, m.Index).Count('\n');
                throw new ScenarioException(origin, $"line {line}: include url(...) and classpath(...) are not supported: include a file by its path");
            }
            string closing = m.Value[(m.Groups[3].Index + m.Groups[3].Length - m.Index)..];
            return m.Groups[1].Value + new string(' ', m.Groups[2].Length) + m.Groups[3].Value + new string(' ', closing.Length);
        });
    }

    /// <summary>Akka's parser reports a character position and echoes the input: give a line and column instead.</summary>
    internal static string Describe(string message, string text)
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
