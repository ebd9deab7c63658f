using System.Globalization;
using System.Text;
using ActorGic.Engine;
using Akka.Configuration;

namespace ActorGic.Scenarios;

/// <summary>
/// A scenario as the files it was read from: the main file's full path, and the text of it and
/// of every file it includes (directly or through another include), by full path, as they were
/// when read. <see cref="Parse"/> reads these copies only, never the file system: a clustered
/// run sends them to its workers (<see cref="Pack"/>), so every node loads exactly what the
/// coordinator loaded, whatever files the worker's machine has or lacks. The same holds for the
/// replay traces a load reads (by full path) and the command line's <c>--replay</c>: sources read
/// from the file system record each trace the first time a load reads it; unpacked ones read
/// only their copies. The command line's <c>--set</c> overrides travel with them too
/// (<see cref="WithOverrides"/>), so workers build the same scenario.
/// </summary>
public sealed class ScenarioSources
{
    private const string Header = "actorgic-scenario-sources 3\n";
    private readonly Dictionary<string, string> _files;
    private readonly Dictionary<string, string> _traces = new(StringComparer.Ordinal);
    /// <summary>Read traces from the file system when not copied yet (false for unpacked sources: copies only).</summary>
    private readonly bool _live;

    private ScenarioSources(string name, string main, Dictionary<string, string> files, bool live = true, ScenarioOverrides? overrides = null)
    {
        (Name, Main, _files, _live, Overrides) = (name, main, files, live, overrides ?? ScenarioOverrides.None);
    }

    /// <summary>The command line's <c>--set</c> keys, over the files' (none unless <see cref="WithOverrides"/>).</summary>
    public ScenarioOverrides Overrides { get; }

    /// <summary>These sources with <paramref name="overrides"/> over them.</summary>
    public ScenarioSources WithOverrides(ScenarioOverrides overrides)
    {
        var copy = new ScenarioSources(Name, Main, _files, _live, overrides) { Replay = Replay };
        foreach (var (path, text) in _traces) copy._traces[path] = text;
        return copy;
    }

    /// <summary>The command line's <c>--replay</c>, added to the scenario's actions when it loads.</summary>
    public CommandLineReplay? Replay { get; init; }

    /// <summary>Every replay trace read so far, by full path.</summary>
    public IReadOnlyDictionary<string, string> Traces => _traces;

    /// <summary>These sources with the command line's replay.</summary>
    public ScenarioSources WithReplay(CommandLineReplay replay)
    {
        var copy = new ScenarioSources(Name, Main, _files, _live, Overrides) { Replay = replay };
        foreach (var (path, text) in _traces) copy._traces[path] = text;
        return copy;
    }

    private string ReadTrace(string fullPath, string path)
    {
        if (_traces.TryGetValue(fullPath, out var text)) return text;
        if (!_live) throw new ScenarioException(path, $"trace file not among the scenario's sources ({fullPath})");
        return _traces[fullPath] = ReplayLoader.ReadFileSystem(fullPath, path);
    }

    private ScenarioInputs Inputs() => new() { Directory = Path.GetDirectoryName(Main)!, ReadTrace = ReadTrace, Replay = Replay };

    /// <summary>The scenario's name when it sets none (the main file's name without extension).</summary>
    public string Name { get; }

    /// <summary>The main file's full path where it was read.</summary>
    public string Main { get; }

    /// <summary>Every file read, by full path: the main file and everything it includes.</summary>
    public IReadOnlyDictionary<string, string> Files => _files;

    /// <summary>Reads <paramref name="file"/> and every file it includes from the file system, each once.</summary>
    public static ScenarioSources ReadFile(string file)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        HoconFile.Load(file, Recording(files));
        return new ScenarioSources(Path.GetFileNameWithoutExtension(file), Path.GetFullPath(file), files);
    }

    /// <summary>Scenario text that is no file (includes resolve in the current directory, as <see cref="ScenarioLoader.LoadText"/>'s).</summary>
    public static ScenarioSources FromText(string text, string name = "scenario")
    {
        string main = Path.GetFullPath(Path.Combine(Directory.GetCurrentDirectory(), $"<{name}>"));
        var files = new Dictionary<string, string>(StringComparer.Ordinal) { [main] = text };
        HoconFile.Parse(text, name, Path.GetDirectoryName(main)!, Recording(files));
        return new ScenarioSources(name, main, files);
    }

    /// <summary>The file system's reader that keeps what it read, and reads each file once.</summary>
    private static HoconFile.Reader Recording(Dictionary<string, string> files) => (string path, ref long remaining) =>
    {
        if (files.TryGetValue(path, out var seen))
        {
            HoconSource.Charge(seen, path, ref remaining);
            return seen;
        }
        var text = HoconFile.ReadFileSystem(path, ref remaining);
        if (text is not null) files[path] = text;
        return text;
    };

    /// <summary>These copies as a reader, each charged against the load's byte budget like a file.</summary>
    private HoconFile.Reader Copies() => (string path, ref long remaining) =>
    {
        if (!_files.TryGetValue(path, out var text)) return null;
        HoconSource.Charge(text, path, ref remaining);
        return text;
    };

    /// <summary>The configuration, from these copies alone: an include of anything else is "included file not found".</summary>
    public Config Parse() => Overrides.IsEmpty
        ? HoconFile.Parse(_files[Main], Main, Path.GetDirectoryName(Main)!, Copies())
        : HoconFile.Parse(Overrides.Wrap(Main), "--set", Path.GetDirectoryName(Main)!, Copies());

    public Scenario Load(long? seedOverride = null)
    {
        var config = Parse();
        try
        {
            return ScenarioLoader.Load(config, Name, seedOverride, Inputs());
        }
        catch (ScenarioException e) when (Overrides.Blame(e) is var blamed && blamed != e)
        {
            throw blamed; // an error at a path a --set set names that --set
        }
        catch (ScenarioException e) when (_files.Count > 1 && SetIn(e.Path) is { } where)
        {
            // The path alone does not say which file to open when an include set the value.
            throw new ScenarioException(e.Path, $"{e.Reason} (set in {where})");
        }
    }

    /// <summary>
    /// The included file, and the line, that sets <paramref name="hoconPath"/> (a list element: the
    /// list), or null when the main file sets it or it is not one file's. Each file is read alone,
    /// without its includes, so the one whose own text has the key is named.
    /// </summary>
    private string? SetIn(string hoconPath)
    {
        string key = System.Text.RegularExpressions.Regex.Replace(hoconPath, @"\[\d+\].*$", "");
        if (key.Length == 0 || key.Contains(' ')) return null;
        bool Sets(string text)
        {
            try
            {
                string alone = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^[ \t]*include\b.*$", "");
                return ConfigurationFactory.ParseString(HoconScan.Scan(alone, "")).HasPath(key);
            }
            catch (Exception)
            {
                return false;
            }
        }
        if (Sets(_files[Main])) return null;
        var setters = _files.Where(f => f.Key != Main && Sets(f.Value)).ToList();
        if (setters.Count != 1) return null;
        var (path, body) = setters[0];
        string last = key[(key.LastIndexOf('.') + 1)..];
        var lines = body.ReplaceLineEndings("\n").Split('\n');
        int line = Array.FindIndex(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"(^|[\s{{.]){System.Text.RegularExpressions.Regex.Escape(last)}\s*[=:{{]"));
        return line < 0 ? Path.GetFileName(path) : $"{Path.GetFileName(path)}, line {line + 1}";
    }

    /// <summary>One string that <see cref="Unpack"/> turns back into these sources (length-prefixed, any text survives).</summary>
    public string Pack()
    {
        var b = new StringBuilder(Header);
        void Put(string s) => b.Append(s.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(s);
        Put(Name);
        Put(Main);
        b.Append(_files.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (path, text) in _files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Put(path);
            Put(text);
        }
        b.Append(_traces.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (path, text) in _traces.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            Put(path);
            Put(text);
        }
        if (Replay is { } r)
        {
            Put(r.Trace);
            Put(r.MapCpus?.ToString(CultureInfo.InvariantCulture) ?? "");
            Put(r.Skip ? "skip" : "");
            Put(r.TimeScale.ToString("R", CultureInfo.InvariantCulture));
        }
        else Put("");
        b.Append(Overrides.Arguments.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var argument in Overrides.Arguments) Put(argument);
        return b.ToString();
    }

    public static ScenarioSources Unpack(string packed)
    {
        if (!packed.StartsWith(Header, StringComparison.Ordinal)) throw new FormatException("not packed scenario sources");
        int at = Header.Length;
        int Number(char end)
        {
            int stop = packed.IndexOf(end, at);
            if (stop < 0 || !int.TryParse(packed.AsSpan(at, stop - at), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                throw new FormatException($"packed scenario sources: no number at {at}");
            at = stop + 1;
            return n;
        }
        string Take()
        {
            int length = Number(':');
            if (length > packed.Length - at) throw new FormatException("packed scenario sources: truncated");
            at += length;
            return packed.Substring(at - length, length);
        }
        string name = Take(), main = Take();
        int count = Number('\n');
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string path = Take();
            files[path] = Take();
        }
        var traces = new Dictionary<string, string>(StringComparer.Ordinal);
        int traceCount = Number('\n');
        for (int i = 0; i < traceCount; i++)
        {
            string path = Take();
            traces[path] = Take();
        }
        CommandLineReplay? replay = null;
        string replayTrace = Take();
        if (replayTrace.Length > 0)
        {
            string map = Take(), skip = Take(), scale = Take();
            replay = new CommandLineReplay(replayTrace,
                map.Length == 0 ? null : int.Parse(map, NumberStyles.None, CultureInfo.InvariantCulture),
                skip == "skip",
                double.Parse(scale, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        int overrides = Number('\n');
        var arguments = new List<string>();
        for (int i = 0; i < overrides; i++) arguments.Add(Take());
        if (at != packed.Length) throw new FormatException("packed scenario sources: trailing text");
        if (!files.ContainsKey(main)) throw new FormatException("packed scenario sources: the main file is missing");
        var sources = new ScenarioSources(name, main, files, live: false, ScenarioOverrides.Parse(arguments)) { Replay = replay };
        foreach (var (path, text) in traces) sources._traces[path] = text;
        return sources;
    }
}
