using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>What every picture shares: its size, title and the look of an empty one.</summary>
internal static class Style
{
    public const int Width = 1200, Height = 700;

    public static Plot New(string title)
    {
        var plot = new Plot();
        plot.Title(title, 16);
        plot.Axes.Bottom.Label.FontSize = 14;
        plot.Axes.Left.Label.FontSize = 14;
        return plot;
    }

    /// <summary>A picture with nothing to show says so, rather than being left out (its file is promised before the run).</summary>
    public static void Empty(Plot plot, string why)
    {
        var text = plot.Add.Text(why, 0, 0);
        text.Alignment = Alignment.MiddleCenter;
        text.LabelFontSize = 18;
        plot.Axes.SetLimits(-1, 1, -1, 1);
        plot.HideGrid();
    }
}
