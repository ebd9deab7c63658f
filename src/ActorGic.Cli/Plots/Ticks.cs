using ScottPlot.TickGenerators;

namespace ActorGic.Cli.Plots;

/// <summary>Axis ticks in the units a kernel engineer reads (ns, us, ms, s), chosen here rather than by the library so every picture labels time the same way as the summary.</summary>
internal static class Ticks
{
    /// <summary>Ticks for a log10 axis of nanoseconds from <paramref name="low"/> to <paramref name="high"/>: 1, 2, 5 times each power of ten labelled, the rest minor.</summary>
    public static NumericManual LogTime(long low, long high)
    {
        var ticks = new NumericManual();
        for (long decade = 1; decade <= high * 10 && decade > 0; decade *= 10)
            for (int m = 1; m <= 9; m++)
            {
                long ns = m * decade;
                if (ns < low / 2 || ns > high * 2) continue;
                if (m is 1 or 2 or 5) ticks.AddMajor(Math.Log10(ns), Summary.Time(ns));
                else ticks.AddMinor(Math.Log10(ns));
            }
        return ticks;
    }

    /// <summary>Linear time ticks from 0 to <paramref name="end"/> ns, about eight, at 1, 2 or 5 times a power of ten.</summary>
    public static NumericManual LinearTime(long end)
    {
        var ticks = new NumericManual();
        long step = NiceStep(Math.Max(1, end / 8));
        for (long t = 0; t <= end; t += step) ticks.AddMajor(t, Summary.Time(t));
        return ticks;
    }

    private static long NiceStep(long rough)
    {
        long decade = 1;
        while (decade * 10 <= rough) decade *= 10;
        return rough <= decade ? decade : rough <= 2 * decade ? 2 * decade : rough <= 5 * decade ? 5 * decade : 10 * decade;
    }
}
