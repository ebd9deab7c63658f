using System.Globalization;

namespace ActorGic.Scenarios;

/// <summary>Durations in integer nanoseconds: <c>20ns</c>, <c>10us</c>, <c>1.5ms</c>, <c>1s</c>; a bare integer is ns.</summary>
public static class Duration
{
    public static long ParseNs(string text, string path)
    {
        var t = text.Trim().ToLowerInvariant().Replace(" ", "");
        (string unit, long scale) = t.EndsWith("ns") ? ("ns", 1L)
            : t.EndsWith("us") ? ("us", 1_000L)
            : t.EndsWith("µs") ? ("µs", 1_000L)
            : t.EndsWith("ms") ? ("ms", 1_000_000L)
            : t.EndsWith('s') ? ("s", 1_000_000_000L)
            : ("", 1L);
        var number = t[..^unit.Length];
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out decimal value))
            throw new ScenarioException(path, $"\"{text}\" is not a duration (use ns, us, ms or s, e.g. 10us)");
        if (value < 0) throw new ScenarioException(path, $"negative time {text}");
        decimal ns = value * scale;
        if (ns != decimal.Truncate(ns)) throw new ScenarioException(path, $"{text} is not a whole number of nanoseconds");
        if (ns > long.MaxValue / 4) throw new ScenarioException(path, $"{text} is too long");
        return (long)ns;
    }
}
