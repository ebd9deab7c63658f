using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorGic.Scenarios;

/// <summary>
/// Loads HOCON with Akka's own parser. <c>include "file.conf"</c> is resolved relative to the
/// including file (Akka's ParseString does not resolve includes without a callback).
/// </summary>
public static class HoconFile
{
    public static Config Load(string file)
    {
        if (!File.Exists(file))
            throw new ScenarioException(file, "no such file");
        return Parse(File.ReadAllText(file), file, Path.GetDirectoryName(Path.GetFullPath(file))!);
    }

    public static Config Parse(string text, string origin, string directory)
    {
        try
        {
            return ConfigurationFactory.ParseString(text, name => Include(name, directory));
        }
        catch (ScenarioException)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new ScenarioException(origin, $"malformed HOCON: {OneLine(e.Message)}");
        }
    }

    private static HoconRoot Include(string name, string directory)
    {
        string file = Path.IsPathRooted(name) ? name : Path.Combine(directory, name);
        if (!File.Exists(file))
            throw new ScenarioException(name, $"included file not found ({file})");
        var parsed = Parse(File.ReadAllText(file), file, Path.GetDirectoryName(Path.GetFullPath(file))!);
        return parsed.Root is { } root ? new HoconRoot(root) : new HoconRoot(new HoconValue());
    }

    internal static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
