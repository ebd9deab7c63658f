using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>
/// The tail of every latency distribution, HdrHistogram's percentile plot: the latency (log)
/// against the percentile on a scale of nines (50%, 90%, 99%, 99.9%: each step ten times rarer),
/// where the CDF squeezes everything past p99 into its top line. Each curve is its histogram's
/// buckets at their upper bounds and ends at the distribution's 1-in-n sample, its max bucket.
/// </summary>
internal static class LatencyTail
{
    public static Plot Draw(PlotData data)
    {
        var plot = Style.New($"{data.Scenario}: latency by percentile (the tail)");
        plot.XLabel("percentile (scale of nines: each step ten times rarer)");
        plot.YLabel("latency, request to handler entry (log scale)");
        var curves = data.Latencies.Where(c => c.Buckets.Count > 0).ToList();
        if (curves.Count == 0)
        {
            Style.Empty(plot, "no latency samples in this run");
            return plot;
        }
        var palette = new ScottPlot.Palettes.Category10();
        double widest = 0;
        for (int i = 0; i < curves.Count; i++)
        {
            var c = curves[i];
            long total = c.Buckets.Sum(b => b.Count), seen = 0;
            // x = log10(1 / (1 - F)); the last sample (F = 1) is drawn at 1 in n.
            double Nines(long below) => Math.Log10((double)total / Math.Max(1, total - below));
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var b in c.Buckets)
            {
                xs.Add(Nines(seen));
                ys.Add(Math.Log10(Math.Max(1, b.High)));
                seen += b.Count;
            }
            xs.Add(Nines(total)); // the slowest bucket runs to 1 in n
            ys.Add(ys[^1]);
            widest = Math.Max(widest, xs[^1]);
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), palette.GetColor(i));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            if (i >= palette.Colors.Length) line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"{c.Name}: n={c.Count}, max {Summary.Time(c.Max)}";
        }
        var nines = new ScottPlot.TickGenerators.NumericManual();
        string[] names = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%", "99.99999%"];
        for (int k = 0; k < names.Length && k <= Math.Ceiling(widest); k++) nines.AddMajor(k, names[k]);
        nines.AddMajor(Math.Log10(2), "50%");
        plot.Axes.Bottom.TickGenerator = nines;
        long low = curves.Min(c => c.Buckets[0].High), high = curves.Max(c => c.Buckets[^1].High);
        plot.Axes.Left.TickGenerator = Ticks.LogTime(Math.Max(1, low), high);
        double bottom = Math.Log10(Math.Max(1, low)), top = Math.Log10(Math.Max(2, high));
        double pad = Math.Max(0.05, (top - bottom) * 0.05);
        plot.Axes.SetLimits(0, Math.Max(1, Math.Ceiling(widest)) + 0.05, bottom - pad, top + pad);
        plot.ShowLegend(Alignment.UpperLeft).FontSize = 12;
        return plot;
    }
}
