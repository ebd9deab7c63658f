using ScottPlot;

namespace ActorGic.Cli.Plots;

/// <summary>
/// What an SGI is doing over a stretch of virtual time: held by an owner, free, firmware's, or in a
/// reclaim's negotiation; drawn over those, an attempt on it that was rolled back (it kept its
/// owner) and the NMI broker's move at boot (a mark at t = 0).
/// </summary>
public enum SlotState { Held, Free, Firmware, Negotiating, RolledBack, Boot }

/// <summary>One bar of the timeline: SGI <paramref name="Sgi"/> from <paramref name="StartNs"/> to <paramref name="EndNs"/>.</summary>
public sealed record SlotSpan(int Sgi, long StartNs, long EndNs, SlotState State, string Label);

/// <summary>
/// The SGI table through time: a row per SGI, a bar per owner that held it. The report states the
/// table at the end and every reclaim (when it was asked, when it finished, which slot, whose it
/// was, what a release promoted); walking the reclaims back from the end gives the table at boot
/// and every change between. A negotiation (from the request, or the end of the last attempt rolled
/// back, to the grant or release: survey, switch, drain, reprogram) is drawn hatched on the slot it
/// changed; an attempt rolled back (a drain or a per-CPU setup that did not finish: the report's
/// rolled_back) is drawn grey and cross-hatched over the slot it tried, which kept its owner; a
/// failed request is also a dashed line with its reason. The broker's slot taken at boot (op boot)
/// changed the table before t = 0 ended: a dark mark at the start of its row, and a legend line.
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
        foreach (var r in data.Reclaims)
            foreach (var b in r.RolledBack.Where(b => b.Sgi >= 0 && b.Sgi < label.Length))
                spans.Add(new SlotSpan(b.Sgi, b.FromNs, b.ToNs, SlotState.RolledBack, b.Step == "stale"
                    ? "rolled back (the setup, and its rollback on some CPU, did not finish: stale from here)"
                    : $"rolled back ({b.Step} did not finish; {(b.Owner == r.Purpose ? "still free" : $"{b.Owner} kept it")})"));
        foreach (var r in data.Reclaims.Reverse())
        {
            if (r.Op == "boot")
            {
                // Nothing changed after t = 0: the table at the end already has the move; mark where it happened.
                if (r.Sgi >= 0 && r.Sgi < label.Length)
                    spans.Add(new SlotSpan(r.Sgi, 0, 0, SlotState.Boot, $"boot: {r.Victim ?? "free"} -> {r.Purpose}"));
                continue;
            }
            // A setup whose rollback did not reach every CPU left the slot stale from then on, its victim on the new path.
            if (r.Outcome == "failed" && r.RolledBack.LastOrDefault(b => b.Step == "stale") is { } stale && stale.Sgi >= 0 && stale.Sgi < label.Length)
            {
                int t = stale.Sgi;
                spans.Add(new SlotSpan(t, stale.ToNs, until[t], state[t], label[t]));
                (state[t], label[t]) = stale.Owner == r.Purpose ? (SlotState.Free, "free") : (SlotState.Held, stale.Owner);
                until[t] = stale.ToNs;
                Uncarry(stale.Owner, t, stale.FromNs);
                continue;
            }
            if (r.Sgi < 0 || r.Sgi >= label.Length || r.DoneNs < 0 || r.Outcome is not ("granted" or "released")) continue;
            int s = r.Sgi;
            spans.Add(new SlotSpan(s, r.DoneNs, until[s], state[s], label[s]));
            string before = r.Outcome == "granted" ? r.Victim ?? "free" : r.Purpose;
            string after = r.Outcome == "granted" ? r.Purpose : r.Promoted?.Split(' ')[0] ?? "free";
            // An attempt rolled back on another slot took the time before this slot's own negotiation began.
            long from = r.RolledBack.Where(b => b.Sgi != s).Select(b => b.ToNs).DefaultIfEmpty(r.AtNs).Max();
            spans.Add(new SlotSpan(s, from, r.DoneNs, SlotState.Negotiating, $"{r.Op}: {before} -> {after}"));
            (state[s], label[s]) = before == "free" ? (SlotState.Free, "free") : (SlotState.Held, before);
            until[s] = from;
            // The host that took the victim in carries it only from the grant on.
            if (r.Outcome == "granted" && r.Victim is { } victim) Uncarry(victim, s, r.DoneNs);
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

        // Walking back past time at: the host that carries victim (a slot other than its own SGI) did not carry it before.
        void Uncarry(string victim, int own, long at)
        {
            for (int h = 0; h < label.Length; h++)
                if (h != own && state[h] == SlotState.Held && label[h].Contains(" + ") && CarriedBy(label[h]).Contains(victim))
                {
                    spans.Add(new SlotSpan(h, at, until[h], state[h], label[h]));
                    var rest = CarriedBy(label[h]).Where(c => c != victim).ToList();
                    string owner = label[h][..label[h].IndexOf(" + ", StringComparison.Ordinal)];
                    label[h] = rest.Count == 0 ? owner : $"{owner} + {string.Join(", ", rest)}{label[h][label[h].LastIndexOf(" (", StringComparison.Ordinal)..]}";
                    until[h] = at;
                }
        }
        // Marks drawn over a slot's bars come after them.
        return spans.Where(x => x.EndNs > x.StartNs || x.State is SlotState.Negotiating or SlotState.Boot)
            .OrderBy(x => x.Sgi).ThenBy(x => x.State is SlotState.RolledBack or SlotState.Boot).ThenBy(x => x.StartNs).ToList();
    }

    /// <summary>Where a bar ends as drawn: a negotiation of no length still shows, and the boot mark is a little wider.</summary>
    private static double Right(SlotSpan span, long endNs) =>
        Math.Max(span.EndNs, span.StartNs + endNs / (span.State == SlotState.Boot ? 110.0 : 400.0));

    /// <summary>Where a bar's label starts: past the marks drawn over the bar's start (the boot mark, an attempt rolled back), so they do not hide it.</summary>
    private static double LabelAt(SlotSpan span, IReadOnlyList<SlotSpan> spans, long endNs)
    {
        double at = span.StartNs + endNs * 0.005;
        if (span.State is SlotState.RolledBack or SlotState.Boot) return at;
        double width = span.Label.Split(' ')[0].Length * 7.5 * endNs / 1100;
        foreach (var mark in spans.Where(m => m.Sgi == span.Sgi && m.State is SlotState.RolledBack or SlotState.Boot).OrderBy(m => m.StartNs))
            if (mark.StartNs >= span.StartNs && mark.StartNs <= at + width && Right(mark, endNs) > at)
                at = Right(mark, endNs) + endNs * 0.005;
        return at;
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
            double left = span.StartNs, right = Right(span, data.EndNs);
            var rect = plot.Add.Rectangle(left, right, Y(span.Sgi) - 0.4, Y(span.Sgi) + 0.4);
            string owner = span.Label.Split(' ')[0];
            rect.FillColor = span.State switch
            {
                SlotState.Firmware => Colors.LightGray,
                SlotState.Free => Colors.White,
                SlotState.Negotiating => Colors.Orange,
                SlotState.RolledBack => Colors.Gainsboro,
                SlotState.Boot => Colors.Navy,
                _ => colors.TryGetValue(owner, out var c) ? c : colors[owner] = palette.GetColor(colors.Count).Lighten(0.35),
            };
            if (span.State == SlotState.Negotiating)
            {
                rect.FillHatch = new ScottPlot.Hatches.Striped();
                rect.FillHatchColor = Colors.DarkRed;
            }
            if (span.State == SlotState.RolledBack)
            {
                rect.FillHatch = new ScottPlot.Hatches.Grid();
                rect.FillHatchColor = Colors.DimGray;
            }
            rect.LineColor = Colors.Black.WithAlpha(0.5);
            // A label goes in its bar when it fits (about 7 px a character, the plot about 1,100 px wide); else the owner's name alone, else none.
            double at = LabelAt(span, spans, data.EndNs);
            double pixels = (right - at) * 1100 / data.EndNs + 10;
            string? shown = span.Label.Length * 7.5 + 10 < pixels ? span.Label : owner.Length * 7.5 + 10 < pixels ? owner : null;
            if (span.State == SlotState.RolledBack)
                shown = "rolled back".Length * 7.5 + 10 < pixels ? "rolled back" : null;
            if (span.State is not (SlotState.Negotiating or SlotState.Boot) && shown is not null)
            {
                var text = plot.Add.Text(shown, at, Y(span.Sgi));
                text.Alignment = Alignment.MiddleLeft;
                text.LabelFontSize = 12;
                if (span.State == SlotState.RolledBack) text.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
            }
        }
        var legend = new List<LegendItem>
        {
            new() { LabelText = "negotiating (survey, switch, drain, reprogram)", FillColor = Colors.Orange, FillHatch = new ScottPlot.Hatches.Striped(), FillHatchColor = Colors.DarkRed },
            new() { LabelText = "free", FillColor = Colors.White, OutlineColor = Colors.Black, OutlineWidth = 1 },
            new() { LabelText = "firmware's (Secure or Group 0)", FillColor = Colors.LightGray },
        };
        if (spans.Any(x => x.State == SlotState.RolledBack))
            legend.Insert(1, new()
            {
                LabelText = "rolled back (a drain or setup that did not finish, undone on the slot it tried)",
                FillColor = Colors.Gainsboro,
                FillHatch = new ScottPlot.Hatches.Grid(),
                FillHatchColor = Colors.DimGray
            });
        if (data.Reclaims.Any(r => r.Op == "boot"))
            legend.Add(new() { LabelText = "the NMI broker's slot, taken at boot (t = 0)", FillColor = Colors.Navy });
        foreach (var r in data.Reclaims)
        {
            if (r.Op == "boot")
            {
                legend.Add(new LegendItem { LabelText = $"at boot: {r.Purpose} took SGI {r.Sgi}" + (r.Victim is null ? "" : $" from {r.Victim} (now {r.VictimMode})") });
                foreach (var asked in r.Asked) legend.Add(new LegendItem { LabelText = $"    {asked}" });
                continue;
            }
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
