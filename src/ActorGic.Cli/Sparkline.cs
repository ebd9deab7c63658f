using ActorGic.Engine;

namespace ActorGic.Cli;

/// <summary>
/// A latency histogram as one line of block characters for the summary: from the fastest sample's
/// bucket on the left to the slowest's on the right, on the histogram's own log scale (an equal
/// step is an equal ratio, 16 buckets per power of two), each cell as high as its share of the
/// fullest cell. A blank cell held no sample: a gap, as between an IPI's dedicated and its
/// muxed path. Integer arithmetic only, so the summary is the same on every machine.
/// </summary>
public static class Sparkline
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    public const int Width = 16;

    public static string Of(LatencyHistogram histogram, int width = Width)
    {
        var buckets = histogram.Buckets;
        if (buckets.Count == 0) return "";
        int first = LatencyHistogram.IndexOf(buckets[0].Low), span = LatencyHistogram.IndexOf(buckets[^1].Low) - first + 1;
        int cells = Math.Min(width, span);
        var counts = new long[cells];
        foreach (var b in buckets) counts[(long)(LatencyHistogram.IndexOf(b.Low) - first) * cells / span] += b.Count;
        long fullest = counts.Max();
        return string.Concat(counts.Select(n => n == 0 ? ' ' : Levels[(int)((n * Levels.Length + fullest - 1) / fullest) - 1]));
    }
}
