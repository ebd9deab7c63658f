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
/// coordinator loaded, whatever files the worker's machine has or lacks. The command line's
/// <c>--set</c> overrides travel with them (<see cref="WithOverrides"/>), so workers build the same scenario.
/// </summary>
public sealed class ScenarioSources
{
    private const string Header = "actorgic-scenario-sources 2\n";
    private readonly Dictionary<string, string> _files;

    private ScenarioSources(string name, string main, Dictionary<string, string> files, ScenarioOverrides? overrides = null)
    {
        (Name, Main, _files, Overrides) = (name, main, files, overrides ?? ScenarioOverrides.None);
    }

    /// <summary>The command line's <c>--set</c> keys, over the files' (none unless <see cref="WithOverrides"/>).</summary>
    public ScenarioOverrides Overrides { get; }

    /// <summary>These sources with <paramref name="overrides"/> over them.</summary>
    public ScenarioSources WithOverrides(ScenarioOverrides overrides) => new(Name, Main, _files, overrides);

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

    /// <summary>The scenario; an error at a path an override set names that <c>--set</c> too.</summary>
    public Scenario Load(long? seedOverride = null)
    {
        try
        {
            return ScenarioLoader.Load(Parse(), Name, seedOverride);
        }
        catch (ScenarioException e)
        {
            throw Overrides.Blame(e);
        }
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
        int overrides = Number('\n');
        var arguments = new List<string>();
        for (int i = 0; i < overrides; i++) arguments.Add(Take());
        if (at != packed.Length) throw new FormatException("packed scenario sources: trailing text");
        if (!files.ContainsKey(main)) throw new FormatException("packed scenario sources: the main file is missing");
        return new ScenarioSources(name, main, files, ScenarioOverrides.Parse(arguments));
    }
}
