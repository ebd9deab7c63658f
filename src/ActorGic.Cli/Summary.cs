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
            var ipis = new Table().Border(TableBorder.Simple).AddColumns($"IPI ({report.Profile})", "requested", "sgi_sent", "handled", "pending", "lost");
            foreach (var (name, c) in report.PerIpi)
                ipis.AddRow(name, c.Requested.ToString(), c.SgiSent.ToString(), c.Handled.ToString(), c.Pending.ToString(), c.Lost.ToString());
            console.Write(ipis);
        }
        if (report.LatencyNs.Count > 0)
        {
            var latency = new Table().Border(TableBorder.Simple).AddColumns("latency (ns)", "count", "p50", "p99", "max");
            foreach (var (name, l) in report.LatencyNs)
                latency.AddRow(name, l.Count.ToString(), l.P50.ToString(), l.P99.ToString(), l.Max.ToString());
            console.Write(latency);
        }
        console.WriteLine(report.InvariantsOk
            ? "invariants: ok"
            : $"invariants: VIOLATED ({report.Violations.Count})");
        foreach (var v in report.Violations.Take(10)) console.WriteLine($"  {v}");
        console.WriteLine($"digest: {report.Digest}");
    }

    private static Table InterruptTable(RunReport report)
    {
        var intids = report.PerCpu.SelectMany(c => c.Acks.Keys).Distinct().Order().ToList();
        var table = new Table().Border(TableBorder.Simple).AddColumn("");
        bool wide = report.Cpus > MaxCpuColumns;
        if (wide)
            table.AddColumns("total", "CPUs hit", "min/CPU", "max/CPU", "busiest CPU");
        else
            foreach (var cpu in report.PerCpu) table.AddColumn(new TableColumn($"CPU{cpu.Cpu}").RightAligned());
        foreach (int intid in intids)
        {
            var counts = report.PerCpu.Select(c => c.Acks.TryGetValue(intid, out long n) ? n : 0).ToList();
            var row = new List<string> { report.IpiLabels.TryGetValue(intid, out var label) ? $"IPI{intid}: {label}" : $"SGI{intid}" };
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
