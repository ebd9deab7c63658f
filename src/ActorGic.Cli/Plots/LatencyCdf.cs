using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>
/// The latency CDF of every IPI and NMI user (latency_ns, histogram included): the fraction of
/// requests served within a latency, on a log latency axis so a 150 ns handler entry and a
/// 20 us wait on a masked CPU fit in one picture. Each curve steps at its histogram buckets'
/// upper bounds (within 6.25% of the sample). Dashed lines mark p50 and p99.
/// </summary>
internal static class LatencyCdf
{
    public static Plot Draw(PlotData data)
    {
        var plot = Style.New($"{data.Scenario}: latency from request to handler entry (CDF)");
        plot.XLabel("latency, request to handler entry (log scale)");
        plot.YLabel("requests served within (%)");
        var curves = data.Latencies.Where(c => c.Buckets.Count > 0).ToList();
        if (curves.Count == 0)
        {
            Style.Empty(plot, "no latency samples in this run");
            return plot;
        }
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < curves.Count; i++)
        {
            var c = curves[i];
            long total = c.Buckets.Sum(b => b.Count), seen = 0;
            var xs = new List<double> { Math.Log10(Math.Max(1, c.Buckets[0].Low)) };
            var ys = new List<double> { 0 };
            foreach (var b in c.Buckets)
            {
                seen += b.Count;
                xs.Add(Math.Log10(Math.Max(1, b.High)));
                ys.Add(100.0 * seen / total);
            }
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), palette.GetColor(i));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            if (i >= palette.Colors.Length) line.LinePattern = LinePattern.Dashed;
            line.LegendText = $"{c.Name}: n={c.Count}, p50 {Summary.Time(c.P50)}, " +
                              $"p99 {Summary.P99(c.Count, c.P99)}" +
                              $", max {Summary.Time(c.Max)}";
        }
        long low = curves.Min(c => c.Buckets[0].Low), high = curves.Max(c => c.Buckets[^1].High);
        plot.Axes.Bottom.TickGenerator = Ticks.LogTime(Math.Max(1, low), high);
        double left = Math.Log10(Math.Max(1, low)), right = Math.Log10(Math.Max(2, high));
        double pad = Math.Max(0.05, (right - left) * 0.05);
        plot.Axes.SetLimits(left - pad, right + pad, -2, 102);
        foreach (var (y, name) in new[] { (50.0, "p50"), (99.0, "p99") })
        {
            plot.Add.HorizontalLine(y, 1, Colors.Gray, LinePattern.Dotted);
            var mark = plot.Add.Text(name, left - pad, y);
            mark.Alignment = Alignment.LowerLeft;
            mark.LabelFontSize = 12;
            mark.LabelFontColor = Colors.DimGray;
        }
        var legend = plot.ShowLegend(Alignment.LowerRight);
        legend.FontSize = 12;
        return plot;
    }
}
