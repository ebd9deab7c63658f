namespace ActorGic.Engine;

/// <summary>
/// A CPU set as the kernel prints a cpumask with <c>%*pbl</c>: ascending ranges, "0-19", "1,3-5".
/// The summary and <c>actorgic compare</c> use it with another <paramref name="separator"/>, and the
/// summary lists two neighbours apart ("6, 7": <paramref name="shortestRange"/> 3).
/// </summary>
public static class CpuRanges
{
    public static string Format(IEnumerable<int> cpus, string separator = ",", int shortestRange = 2)
    {
        var sorted = cpus.Distinct().Order().ToArray();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            if (j - i + 1 >= shortestRange) parts.Add($"{sorted[i]}-{sorted[j]}");
            else for (int k = i; k <= j; k++) parts.Add($"{sorted[k]}");
            i = j + 1;
        }
        return string.Join(separator, parts);
    }
}
