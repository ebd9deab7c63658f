using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>What an SGI is doing over a stretch of virtual time: held by an owner, free, firmware's, or in a reclaim's negotiation.</summary>
public enum SlotState { Held, Free, Firmware, Negotiating }

/// <summary>One bar of the timeline: SGI <paramref name="Sgi"/> from <paramref name="StartNs"/> to <paramref name="EndNs"/>.</summary>
public sealed record SlotSpan(int Sgi, long StartNs, long EndNs, SlotState State, string Label);

/// <summary>
/// The SGI table through time: a row per SGI, a bar per owner that held it. The report states the
/// table at the end and every reclaim (when it was asked, when it finished, which slot, whose it
/// was, what a release promoted); walking the reclaims back from the end gives the table at boot
/// and every change between. A negotiation (from the request to the grant or release: survey,
/// switch, drain, reprogram) is drawn hatched on the slot it changed; a failed request changed no
/// slot and is a dashed line with its reason.
/// </summary>
public static class SgiTimeline
{
    public static IReadOnlyList<SlotSpan> Spans(PlotData data)
    {
        var spans = new List<SlotSpan>();
        var label = new string[data.SgiTable.Count];
        var state = new SlotState[data.SgiTable.Count];
        var until = new long[data.SgiTable.Count];
        foreach (var row in data.SgiTable)
        {
            (state[row.Sgi], label[row.Sgi]) = row.Mode switch
            {
                "firmware" => (SlotState.Firmware, "firmware"),
                _ when row.Owner is null => (SlotState.Free, row.Mode),
                _ => (SlotState.Held, row.Carries.Count == 0 ? row.Owner : $"{row.Owner} + {string.Join(", ", row.Carries)} ({row.Mode})"),
            };
            until[row.Sgi] = data.EndNs;
        }
        foreach (var r in data.Reclaims.Reverse())
        {
            if (r.Sgi < 0 || r.Sgi >= label.Length || r.DoneNs < 0 || r.Outcome is not ("granted" or "released")) continue;
            int s = r.Sgi;
            spans.Add(new SlotSpan(s, r.DoneNs, until[s], state[s], label[s]));
            string before = r.Outcome == "granted" ? r.Victim ?? "free" : r.Purpose;
            string after = r.Outcome == "granted" ? r.Purpose : r.Promoted?.Split(' ')[0] ?? "free";
            spans.Add(new SlotSpan(s, r.AtNs, r.DoneNs, SlotState.Negotiating, $"{r.Op}: {before} -> {after}"));
            (state[s], label[s]) = before == "free" ? (SlotState.Free, "free") : (SlotState.Held, before);
            until[s] = r.AtNs;
            // The host that took the victim in carries it only from the grant on.
            if (r.Outcome == "granted" && r.Victim is { } victim)
                for (int h = 0; h < label.Length; h++)
                    if (h != s && state[h] == SlotState.Held && label[h].Contains($" + ") && CarriedBy(label[h]).Contains(victim))
                    {
                        spans.Add(new SlotSpan(h, r.DoneNs, until[h], state[h], label[h]));
                        var rest = CarriedBy(label[h]).Where(c => c != victim).ToList();
                        string owner = label[h][..label[h].IndexOf(" + ", StringComparison.Ordinal)];
                        label[h] = rest.Count == 0 ? owner : $"{owner} + {string.Join(", ", rest)}{label[h][label[h].LastIndexOf(" (", StringComparison.Ordinal)..]}";
                        until[h] = r.DoneNs;
                    }
            // A promoted IPI rode on its host until the release: ipi-mux's host is CALL_FUNC's SGI (the model's deviation, README).
            if (r.Outcome == "released" && r.Promoted?.Split(' ')[0] is { } promoted &&
                data.Reclaims.Any(g => g.Outcome == "granted" && g.Victim == promoted && g.VictimMode == "ipi-mux") &&
                System.Array.FindIndex(label, l => l == "CALL_FUNC") is var host and >= 0)
            {
                spans.Add(new SlotSpan(host, r.DoneNs, until[host], state[host], label[host]));
                label[host] = $"CALL_FUNC + {promoted} (ipi-mux)";
                until[host] = r.DoneNs;
            }
        }
        for (int s = 0; s < label.Length; s++) spans.Add(new SlotSpan(s, 0, until[s], state[s], label[s]));
        return spans.Where(x => x.EndNs > x.StartNs || x.State == SlotState.Negotiating).OrderBy(x => x.Sgi).ThenBy(x => x.StartNs).ToList();
    }

    private static string[] CarriedBy(string label)
    {
        int plus = label.IndexOf(" + ", StringComparison.Ordinal), paren = label.LastIndexOf(" (", StringComparison.Ordinal);
        return label[(plus + 3)..paren].Split(", ");
    }

    public static Plot Draw(PlotData data)
    {
        var plot = Style.New($"{data.Scenario}: the SGI table through virtual time" + (data.Reclaims.Count == 0 ? " (no reclaim: the table at boot)" : ""));
        plot.XLabel("virtual time");
        var spans = Spans(data);
        int rows = data.SgiTable.Count;
        var colors = new Dictionary<string, Color>();
        var palette = new ScottPlot.Palettes.Category10();
        double Y(int sgi) => rows - 1 - sgi; // SGI 0 on top, as the table prints it
        foreach (var span in spans)
        {
            double left = span.StartNs, right = Math.Max(span.EndNs, span.StartNs + data.EndNs / 400.0);
            var rect = plot.Add.Rectangle(left, right, Y(span.Sgi) - 0.4, Y(span.Sgi) + 0.4);
            string owner = span.Label.Split(' ')[0];
            rect.FillColor = span.State switch
            {
                SlotState.Firmware => Colors.LightGray,
                SlotState.Free => Colors.White,
                SlotState.Negotiating => Colors.Orange,
                _ => colors.TryGetValue(owner, out var c) ? c : colors[owner] = palette.GetColor(colors.Count).Lighten(0.35),
            };
            if (span.State == SlotState.Negotiating)
            {
                rect.FillHatch = new ScottPlot.Hatches.Striped();
                rect.FillHatchColor = Colors.DarkRed;
            }
            rect.LineColor = Colors.Black.WithAlpha(0.5);
            // A label goes in its bar when it fits (about 7 px a character, the plot about 1,100 px wide); else the owner's name alone, else none.
            double pixels = (right - left) * 1100 / data.EndNs;
            string? shown = span.Label.Length * 7.5 + 10 < pixels ? span.Label : owner.Length * 7.5 + 10 < pixels ? owner : null;
            if (span.State != SlotState.Negotiating && shown is not null)
            {
                var text = plot.Add.Text(shown, left + data.EndNs * 0.005, Y(span.Sgi));
                text.Alignment = Alignment.MiddleLeft;
                text.LabelFontSize = 12;
            }
        }
        var legend = new List<LegendItem>
        {
            new() { LabelText = "negotiating (survey, switch, drain, reprogram)", FillColor = Colors.Orange, FillHatch = new ScottPlot.Hatches.Striped(), FillHatchColor = Colors.DarkRed },
            new() { LabelText = "free", FillColor = Colors.White, OutlineColor = Colors.Black, OutlineWidth = 1 },
            new() { LabelText = "firmware's (Secure or Group 0)", FillColor = Colors.LightGray },
        };
        foreach (var r in data.Reclaims)
        {
            // The line marks where the table changed (or the request ended); its story is in the legend, where it cannot hide the bars.
            long at = r.DoneNs >= 0 ? r.DoneNs : r.AtNs;
            string what = r.Outcome switch
            {
                "granted" => $"{r.Purpose} granted SGI {r.Sgi}" + (r.Victim is null ? " (it was free)" : $", taken from {r.Victim} (now {r.VictimMode})"),
                "released" => $"{r.Purpose} released SGI {r.Sgi}" + (r.Promoted is null ? "" : $", {r.Promoted.Split(' ')[0]} promoted onto it"),
                "failed" => $"{r.Op} {r.Purpose} FAILED: {r.Reason}",
                _ => $"{r.Op} {r.Purpose} still negotiating at the end",
            };
            var color = r.Outcome == "failed" ? Colors.DarkRed : Colors.Black;
            plot.Add.VerticalLine(at, 1.5f, color, LinePattern.Dashed);
            string took = r.DoneNs >= 0 ? $" ({Summary.Time(r.DoneNs - r.AtNs)} after the {r.Op} at {Summary.Time(r.AtNs)})" : "";
            legend.Add(new LegendItem { LabelText = $"{Summary.Time(at)}: {what}{took}", LineColor = color, LinePattern = LinePattern.Dashed, LineWidth = 1.5f });
            // Who was asked: a drain that did not finish and was rolled back shows only here (the slot it tried kept its owner).
            foreach (var asked in r.Asked) legend.Add(new LegendItem { LabelText = $"    asked {asked}" });
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var row in data.SgiTable) ticks.AddMajor(Y(row.Sgi), $"SGI {row.Sgi}");
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Bottom.TickGenerator = Ticks.LinearTime(data.EndNs);
        // A little room on the right, so the last time label is not cut.
        plot.Axes.SetLimits(0, data.EndNs * 1.03, -0.6, rows - 0.4);
        plot.HideGrid();
        plot.ShowLegend(legend, Alignment.LowerRight);
        return plot;
    }
}
