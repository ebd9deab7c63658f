using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>
/// The /proc/interrupts table as a heat map: a row per IPI (labelled with its SGI at the end, or
/// the host it rides on) and per NMI broker user, or per INTID for profile none; a column per
/// CPU. Past <see cref="MaxColumns"/> CPUs a column is a block of consecutive CPUs and its cell
/// the mean per CPU of the block, so 4,096 CPUs still read as a picture. Up to 32 columns and
/// 16 rows each cell also prints its count, and a hung or offline CPU is named under its column. Rows that are zero on every CPU are left out, as in
/// the summary.
/// </summary>
internal static class InterruptHeatmap
{
    public const int MaxColumns = 64;

    public static Plot Draw(PlotData data)
    {
        var rows = data.Interrupts.Where(r => r.PerCpu.Any(n => n != 0)).ToList();
        int perColumn = (data.Cpus + MaxColumns - 1) / MaxColumns;
        int columns = data.Cpus == 0 ? 0 : (data.Cpus + perColumn - 1) / perColumn;
        var plot = Style.New($"{data.Scenario}: interrupts taken per CPU (/proc/interrupts), colour = " +
                             (perColumn == 1 ? "count" : $"mean count per CPU of each block of {perColumn}"));
        plot.XLabel(perColumn == 1 ? "CPU" : $"CPU (a column is {perColumn} CPUs from the one named, their mean)");
        if (rows.Count == 0 || columns == 0)
        {
            Style.Empty(plot, "no interrupts taken in this run");
            return plot;
        }
        var cells = new double[rows.Count, columns];
        for (int r = 0; r < rows.Count; r++)
            for (int col = 0; col < columns; col++)
            {
                int first = col * perColumn, count = Math.Min(perColumn, data.Cpus - first);
                long sum = 0;
                for (int cpu = first; cpu < first + count; cpu++) sum += rows[r].PerCpu[cpu];
                cells[r, col] = (double)sum / count;
            }
        // Each cell is a rectangle of its own, centred on (CPU, row): ScottPlot 5.1's heat map bitmap
        // lands columns off their ticks (and draws nothing for one row). The heat map is kept,
        // hidden, only as the colour bar's source.
        double max = Math.Max(1, cells.Cast<double>().Max());
        var colormap = new ScottPlot.Colormaps.Viridis();
        var map = plot.Add.Heatmap(cells);
        map.Colormap = colormap;
        // From zero, not from the smallest cell: a broadcast that reached every CPU once is one colour, not an empty range.
        map.ManualRange = new ScottPlot.Range(0, max);
        map.IsVisible = false;
        for (int r = 0; r < rows.Count; r++)
            for (int col = 0; col < columns; col++)
            {
                double y = rows.Count - 1 - r; // row 0 (the first IPI) on top, as the table prints it
                var cell = plot.Add.Rectangle(col - 0.5, col + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colormap.GetColor(cells[r, col] / max);
                cell.LineWidth = 0;
            }
        // The colour bar's own label would print over its tick labels: the title says what the colour is.
        plot.Add.ColorBar(map);
        var left = new ScottPlot.TickGenerators.NumericManual();
        for (int r = 0; r < rows.Count; r++) left.AddMajor(rows.Count - 1 - r, rows[r].Label);
        plot.Axes.Left.TickGenerator = left;
        var bottom = new ScottPlot.TickGenerators.NumericManual();
        int every = Math.Max(1, columns / (perColumn == 1 ? 16 : 8));
        for (int col = 0; col < columns; col += every)
            bottom.AddMajor(col, perColumn != 1 ? $"{col * perColumn}"
                : data.CpuStates[col] is "hung" or "offline" ? $"{col}\n{data.CpuStates[col]}" : $"{col}");
        plot.Axes.Bottom.TickGenerator = bottom;
        if (columns <= 32 && rows.Count <= 16)
        {
            for (int r = 0; r < rows.Count; r++)
                for (int col = 0; col < columns; col++)
                {
                    var text = plot.Add.Text(cells[r, col].ToString("0.#", System.Globalization.CultureInfo.InvariantCulture), col, rows.Count - 1 - r);
                    text.Alignment = Alignment.MiddleCenter;
                    text.LabelFontSize = columns > 16 ? 10 : 13;
                    // Dark text on the light end of viridis, light text on the dark end.
                    text.LabelFontColor = cells[r, col] > max * 0.6 ? Colors.Black : Colors.White;
                }
        }
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows.Count - 0.5);
        plot.HideGrid();
        return plot;
    }

}
