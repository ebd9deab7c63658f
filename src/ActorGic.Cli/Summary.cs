using ActorGic.Engine;
using Spectre.Console;

namespace ActorGic.Cli;

/// <summary>
/// The human summary of a run: a /proc/interrupts-style table (INTID by CPU; past 16 CPUs the
/// columns are summarised), totals, latency percentiles and the invariant verdict.
/// </summary>
public static class Summary
{
    private const int MaxCpuColumns = 16;

    public static void Print(RunReport report, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        console.WriteLine($"{report.Scenario}: {report.Cpus} CPUs, seed {report.Seed}, engine {report.Engine}, " +
                          $"{report.ReachedNs} ns of {report.EndNs} ns virtual, {report.Events} events");
        console.Write(InterruptTable(report));
        var t = report.Totals;
        console.WriteLine($"totals: sgi_writes {t.SgiWrites}  sent {t.Sent}  coalesced {t.Coalesced}  delivered {t.Delivered}  " +
                          $"dropped {t.Dropped}  pending {t.Pending}  lost {t.Lost}  spurious {report.PerCpu.Sum(c => c.Spurious)}");
        if (report.PerIpi.Count > 0)
        {
            var ipis = new Table().Border(TableBorder.Simple).AddColumns($"IPI ({report.Profile})", "mode", "requested", "sgi_sent", "handled", "pending", "lost", "refused");
            foreach (var (name, c) in report.PerIpi)
                ipis.AddRow(name, report.IpiModes.GetValueOrDefault(name, ""), c.Requested.ToString(), c.SgiSent.ToString(), c.Handled.ToString(),
                    c.Pending.ToString(), c.Lost.ToString(), c.Refused.ToString());
            console.Write(ipis);
        }
        if (report.Reclaims.Count > 0)
        {
            var sgis = new Table().Border(TableBorder.Simple).AddColumns("SGI", "owner", "nmi", "mode", "carries");
            foreach (var row in report.SgiTable.Where(r => r.Mode != "firmware"))
                sgis.AddRow(row.Sgi.ToString(), Markup.Escape(row.Owner ?? "-"), row.Nmi ? "yes" : "no", row.Mode, Markup.Escape(row.Carries));
            console.Write(sgis);
            foreach (var r in report.Reclaims)
            {
                string took = r.DoneNs >= 0 ? $" in {r.DoneNs - r.AtNs} ns" : "";
                string what = r.Outcome switch
                {
                    "granted" => $"granted SGI {r.Sgi}" + (r.Victim is null ? " (free)" : $", taken from {r.Victim} (now {r.VictimMode})"),
                    "released" => $"released SGI {r.Sgi}" + (r.Promoted is null ? "" : $"; promoted {r.Promoted}"),
                    "failed" => $"FAILED: {r.Reason}",
                    _ => "still negotiating when the run ended",
                };
                console.WriteLine($"{r.Op} {r.Purpose} at {r.AtNs} ns from CPU{r.Cpu}: {what}{took}");
            }
        }
        if (report.LatencyNs.Count > 0)
        {
            var latency = new Table().Border(TableBorder.Simple).AddColumns("latency (ns)", "count", "p50", "p99", "max");
            foreach (var (name, l) in report.LatencyNs)
                latency.AddRow(name, l.Count.ToString(), l.P50.ToString(), l.P99.ToString(), l.Max.ToString());
            console.Write(latency);
        }
        if (report.Replay is { } replay) PrintReplay(console, replay);
        console.WriteLine(report.InvariantsOk
            ? "invariants: ok"
            : $"invariants: VIOLATED ({report.Violations.Count})");
        foreach (var v in report.Violations.Take(10)) console.WriteLine($"  {v}");
        console.WriteLine($"digest: {report.Digest}");
    }

    /// <summary>The replayed trace: how it was mapped, every raise accounted for, recorded latency beside the model's.</summary>
    private static void PrintReplay(IAnsiConsole console, ReplayReport r)
    {
        long skipped = r.Skipped.Values.Sum();
        console.WriteLine($"replay {r.Trace}: {r.Lines} lines, {r.TraceCpus} trace CPUs, map {r.Map} ({r.Copies} cop{(r.Copies == 1 ? "y" : "ies")}), " +
                          $"time scale {r.TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}, last send at {r.LastSendNs} ns");
        console.WriteLine($"  {skipped} line(s) skipped, {r.UnmatchedEntries} ipi_entry with no raise waiting");
        var table = new Table().Border(TableBorder.Simple).AddColumns("replayed IPI", "raises", "sent", "not sent", "requests", "outside window",
            "recorded p50/p99 (ns)", "unmatched", "model p50/p99 (ns)");
        foreach (var (name, p) in r.PerIpi)
            table.AddRow(name, p.Raises.ToString(), p.Sent.ToString(), p.NotSent.ToString(), p.Requests.ToString(), p.OutsideWindow.ToString(),
                $"{p.Recorded.P50}/{p.Recorded.P99}", p.RecordedUnmatched.ToString(), $"{p.Model.P50}/{p.Model.P99}");
        console.Write(table);
    }

    /// <summary>
    /// The /proc/interrupts-style table. Profile none: a row per acknowledged INTID. A Linux
    /// profile: a row per IPI (handler runs, as Linux counts them per irq), labelled with the SGI
    /// it holds at the end (or the host it rides on), then a row per NMI broker user.
    /// </summary>
    private static Table InterruptTable(RunReport report)
    {
        var rows = new List<(string Label, List<long> Counts)>();
        if (report.Profile == "none" || report.PerCpu.Count == 0)
        {
            foreach (int intid in report.PerCpu.SelectMany(c => c.Acks.Keys).Distinct().Order())
                rows.Add(($"SGI{intid}", report.PerCpu.Select(c => c.Acks.TryGetValue(intid, out long n) ? n : 0).ToList()));
        }
        else
        {
            foreach (var name in report.PerCpu[0].Ipis.Keys)
            {
                var counts = report.PerCpu.Select(c => c.Ipis[name]).ToList();
                if (counts.All(n => n == 0)) continue;
                var own = report.SgiTable.FirstOrDefault(r => r.Owner == name);
                var host = report.SgiTable.FirstOrDefault(r => r.Carries.Split(',').Contains(name));
                string label = own is not null ? $"IPI{own.Sgi}: {report.IpiLabels.GetValueOrDefault(own.Sgi, name)}"
                    : host is not null ? $"{name} (on IPI{host.Sgi}, {host.Mode})" : $"{name} (no SGI now)";
                rows.Add((label, counts));
            }
            foreach (var user in report.PerCpu[0].NmiUsers.Keys)
            {
                var counts = report.PerCpu.Select(c => c.NmiUsers[user]).ToList();
                if (counts.Any(n => n != 0)) rows.Add(($"NMI broker: {user}", counts));
            }
        }
        var table = new Table().Border(TableBorder.Simple).AddColumn("");
        bool wide = report.Cpus > MaxCpuColumns;
        if (wide)
            table.AddColumns("total", "CPUs hit", "min/CPU", "max/CPU", "busiest CPU");
        else
            foreach (var cpu in report.PerCpu) table.AddColumn(new TableColumn($"CPU{cpu.Cpu}").RightAligned());
        foreach (var (label, counts) in rows)
        {
            var row = new List<string> { Markup.Escape(label) };
            if (wide)
            {
                int busiest = counts.IndexOf(counts.Max());
                row.AddRange([counts.Sum().ToString(), counts.Count(n => n > 0).ToString(), counts.Min().ToString(),
                    counts.Max().ToString(), $"CPU{busiest}"]);
            }
            else row.AddRange(counts.Select(n => n.ToString()));
            table.AddRow(row.ToArray());
        }
        var spurious = report.PerCpu.Select(c => c.Spurious).ToList();
        if (wide) table.AddRow("spurious", spurious.Sum().ToString(), spurious.Count(n => n > 0).ToString(), spurious.Min().ToString(), spurious.Max().ToString(), "");
        else table.AddRow(["spurious", .. spurious.Select(n => n.ToString())]);
        return table;
    }
}
