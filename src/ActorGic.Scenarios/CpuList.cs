using System.Globalization;

namespace ActorGic.Scenarios;

/// <summary>Parses CPU lists in the kernel's cpulist format (<c>0,2,5-9</c>) or <c>all</c>.</summary>
public static class CpuList
{
    public static int[] Parse(string text, int cpuCount, string path)
    {
        text = text.Trim();
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase))
            return Enumerable.Range(0, cpuCount).ToArray();
        if (text.Length == 0) throw new ScenarioException(path, "empty CPU list");
        var cpus = new SortedSet<int>();
        foreach (var part in text.Split(','))
        {
            var range = part.Split('-');
            if (range.Length > 2 || !TryCpu(range[0], out int first) || !TryCpu(range[^1], out int last))
                throw new ScenarioException(path, $"\"{part}\" is not a CPU number or range (use 0,2,5-9 or all)");
            if (last < first) throw new ScenarioException(path, $"range \"{part}\" runs backwards");
            for (int cpu = first; cpu <= last; cpu++)
            {
                if (cpu >= cpuCount) throw new ScenarioException(path, $"CPU {cpu} does not exist (cpus = {cpuCount})");
                cpus.Add(cpu);
            }
        }
        return cpus.ToArray();
    }

    private static bool TryCpu(string text, out int cpu) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out cpu);
}
