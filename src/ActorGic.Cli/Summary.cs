using ActorGic.Engine;
using ActorGic.Gic;
using Spectre.Console;

namespace ActorGic.Cli;

/// <summary>
/// The human summary of a run: a /proc/interrupts-style table (INTID by CPU; past 16 CPUs the
/// columns are summarised), totals, latency percentiles and the invariant verdict.
/// </summary>
public static class Summary
{
    private const int MaxCpuColumns = 16;

    /// <summary>Percentiles over fewer samples than this are withheld (p99 of 4 samples is the maximum, not a tail).</summary>
    public const int MinSamplesForP99 = 100;

    /// <summary>A p99 as the summary, compare and the plots show it: withheld under <see cref="MinSamplesForP99"/> samples.</summary>
    public static string P99(long count, long p99) => count >= MinSamplesForP99 ? Time(p99) : $"(n<{MinSamplesForP99})";

    public static void Print(RunReport report, TextWriter output) => Print(report, null, null, output);

    /// <summary>The summary; <paramref name="scenario"/> adds the topology and GIC settings to the header, <paramref name="wall"/> the wall time.</summary>
    public static void Print(RunReport report, Scenario? scenario, TimeSpan? wall, TextWriter output)
    {
        var console = PlainConsole.Create(output, width: 160);
        foreach (var line in Header(report, scenario, wall)) console.WriteLine(line);
        console.Write(InterruptTable(report));
        var t = report.Totals;
        console.WriteLine($"totals: sgi_writes {t.SgiWrites}  sent {t.Sent}  coalesced {t.Coalesced}  delivered {t.Delivered}  " +
                          $"dropped {t.Dropped}  pending {t.Pending}  lost {t.Lost}  spurious {report.PerCpu.Sum(c => c.Spurious)}");
        foreach (var d in report.Drops)
            console.WriteLine($"  dropped {d.Count} set-pending(s) of SGI {d.Sgi} at CPU {d.Cpu}: " +
                              (d.Reason == "firmware" ? "firmware's SGI (Group 0 or Secure)" : "the SGI is configured for another group than the write's"));
        foreach (var line in CpuStates(report)) console.WriteLine(line);
        if (report.PerIpi.Count > 0)
        {
            var ipis = new Table().Border(TableBorder.Simple).AddColumns($"IPI ({report.Profile})", "mode", "requested", "sgi_sent", "handled", "pending", "lost", "refused");
            var quiet = new List<string>();
            foreach (var (name, c) in report.PerIpi)
            {
                if (c == new IpiCounts(0, 0, 0, 0, 0)) { quiet.Add(name); continue; }
                ipis.AddRow(name, report.IpiModes.GetValueOrDefault(name, ""), c.Requested.ToString(), c.SgiSent.ToString(), c.Handled.ToString(),
                    c.Pending.ToString(), c.Lost.ToString(), c.Refused.ToString());
            }
            if (ipis.Rows.Count > 0) console.Write(ipis);
            if (quiet.Count > 0) console.WriteLine($"not sent: {string.Join(", ", quiet)}");
        }
        foreach (var line in NmiUsers(report)) console.WriteLine(line);
        if (SgiTableMoved(report))
        {
            var sgis = new Table().Border(TableBorder.Simple).AddColumns("SGI", "owner", "nmi", "mode", "carries");
            foreach (var row in report.SgiTable.Where(r => r.Mode != "firmware"))
                sgis.AddRow(row.Sgi.ToString(), Markup.Escape(row.Owner ?? "-"), row.Nmi ? "yes" : "no", row.Mode, Markup.Escape(row.Carries));
            console.Write(sgis);
        }
        foreach (var r in report.Reclaims)
        {
            string took = r.DoneNs >= 0 ? $" in {Time(r.DoneNs - r.AtNs)}" : "";
            string what = r.Outcome switch
            {
                "granted" => $"granted SGI {r.Sgi}" + (r.Victim is null ? " (free)" : $", taken from {r.Victim} (now {r.VictimMode})"),
                "released" => $"released SGI {r.Sgi}" + (r.Promoted is null ? "" : $"; promoted {r.Promoted}"),
                "failed" => $"FAILED: {r.Reason}",
                _ => "still negotiating when the run ended",
            };
            console.WriteLine(r.Op == "boot" ? $"at boot: {r.Purpose} {what}" : $"{r.Op} {r.Purpose} at {Time(r.AtNs)} from CPU{r.Cpu}: {what}{took}");
            // The owners asked, with the roll-back of a drain that did not finish (at boot: why the table is as it is).
            foreach (var asked in r.Asked) console.WriteLine(r.Op == "boot" ? $"  {asked}" : $"  asked {asked}");
            // When each attempt that was undone began and ended (the report's rolled_back; hatched on the SGI timeline).
            foreach (var back in r.RolledBack)
                console.WriteLine($"  rolled back: SGI {back.Sgi} ({back.Owner}) from {Time(back.FromNs)} to {Time(back.ToNs)}, " + back.Step switch
                {
                    "drain" => "its drain did not finish",
                    "setup" => "its setup did not finish",
                    _ => "its setup and the rollback did not finish: the slot is left stale",
                });
        }
        if (report.LatencyNs.Count > 0) console.Write(LatencyTable(report));
        if (report.Replay is { } replay) PrintReplay(console, replay);
        foreach (var line in Invariants(report)) console.WriteLine(line);
        console.WriteLine($"digest: {report.Digest}");
    }

    private static IEnumerable<string> Header(RunReport report, Scenario? scenario, TimeSpan? wall)
    {
        yield return report.Scenario;
        if (scenario is not null)
        {
            var topology = scenario.Topology;
            yield return $"  topology: {Plural(report.Cpus, "CPU")}, {Plural(topology.ChipCount, "chip")}, {Plural(topology.ClusterCount, "cluster")}" +
                         $"{(topology.Rss ? ", RSS (affinity 0 up to 255)" : "")}";
            var gic = scenario.Gic;
            string nmi = gic.Nmi switch { NmiMode.Pseudo => "pseudo-NMI", NmiMode.Architected => "architected NMIs", _ => "no NMIs" };
            string security = gic.Security == SecurityStates.One ? "one security state" : $"two security states, SGIs {gic.NonSecureSgis}-15 firmware's";
            yield return $"  {(scenario.Kernel is not null ? $"kernel {report.Profile}" : "profile none (bare metal)")}; GIC: {nmi}, {gic.PriorityBits} priority bits, " +
                         $"EOImode {(gic.EoiMode ? 1 : 0)}, {security}";
        }
        string engine = report.Nodes > 1 ? $"{report.Engine} on {report.Nodes} nodes" : report.Engine;
        string reached = report.ReachedNs == report.EndNs ? Time(report.EndNs) : $"{Time(report.ReachedNs)} of {Time(report.EndNs)}";
        yield return $"  engine {engine}, seed {report.Seed}: {reached} virtual, {report.Events} events" +
                     (wall is { } w ? $", {w.TotalSeconds:F2} s wall" : "");
    }

    /// <summary>CPUs that are not simply running or idle at the end, and the flows' CPUs that never answered.</summary>
    private static IEnumerable<string> CpuStates(RunReport report)
    {
        var byState = report.PerCpu.Where(c => c.State is not (CpuState.Running or CpuState.Idle)).GroupBy(c => (c.State, c.StoppedBy));
        foreach (var g in byState.OrderBy(g => g.Key.State).ThenBy(g => g.Key.StoppedBy, StringComparer.Ordinal))
        {
            string how = g.Key.State switch
            {
                CpuState.Hung => "hung",
                CpuState.Stopped when g.Key.StoppedBy is { } by => $"stopped by {by}",
                CpuState.Stopped => "stopped",
                _ => g.Key.State.ToString().ToLowerInvariant(),
            };
            yield return $"CPU state: {Cpus(g.Select(c => c.Cpu).ToList())} {how}";
        }
        var f = report.Flows;
        if (f.NotStopped.Count > 0) yield return $"never stopped: {Cpus(f.NotStopped)}";
        if (f.BacktraceMissing.Count > 0) yield return $"no backtrace from: {Cpus(f.BacktraceMissing)}";
        if (f.KgdbMissing.Count > 0) yield return $"never rounded up for kgdb: {Cpus(f.KgdbMissing)}";
        foreach (var message in f.Console) yield return $"kernel: {message}";
    }

    /// <summary>Per NMI broker user: its counts, and what the hung CPUs took (the CPUs an NMI exists to reach).</summary>
    private static IEnumerable<string> NmiUsers(RunReport report)
    {
        var hung = report.PerCpu.Where(c => c.State == CpuState.Hung).ToList();
        foreach (var (name, c) in report.PerNmiUser)
        {
            if (c == new IpiCounts(0, 0, 0, 0, 0)) continue;
            string line = $"NMI user {name}: requested {c.Requested}, sgi_sent {c.SgiSent}, handled {c.Handled}, pending {c.Pending}, lost {c.Lost}";
            if (hung.Count > 0)
                line += $"; on hung {Cpus(hung.Select(h => h.Cpu).ToList())}: handled {hung.Sum(h => h.NmiUsers.GetValueOrDefault(name))}";
            yield return line;
        }
    }

    /// <summary>Whether the SGI table differs from the profile's boot table: a reclaim, or the broker's slot taken at boot.</summary>
    private static bool SgiTableMoved(RunReport report) =>
        report.Reclaims.Count > 0 || report.SgiTable.Any(r => r.Mode is not ("dedicated" or "firmware" or "free") || r.Carries.Length > 0);

    /// <summary>
    /// Latencies in a fixed order (the profile's IPIs as it numbers them, then the NMI users, then the
    /// rest by name); each with its histogram as a <see cref="Sparkline"/>; p99 withheld under <see cref="MinSamplesForP99"/> samples; requests never served
    /// (pending at the end, or lost) counted apart, as they have no latency.
    /// </summary>
    private static Table LatencyTable(RunReport report)
    {
        var order = report.PerIpi.Keys.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        int users = order.Count;
        foreach (var user in report.PerNmiUser.Keys) order.TryAdd($"nmi:{user}", users++);
        int Rank(string key) => order.TryGetValue(key.Split('/')[0], out int i) ? i : int.MaxValue;
        var latency = new Table().Border(TableBorder.Simple).AddColumns("latency", "count", "p50", "p99", "max", "unserved", "min to max (log)");
        foreach (var (name, l) in report.LatencyNs.OrderBy(kv => Rank(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string base_ = name.Split('/')[0];
            var counts = report.PerIpi.GetValueOrDefault(base_) ?? (base_.StartsWith("nmi:") ? report.PerNmiUser.GetValueOrDefault(base_[4..]) : null);
            string unserved = name.Contains('/') || counts is null ? "" : (counts.Pending + counts.Lost).ToString();
            string shape = report.LatencyHistograms.TryGetValue(name, out var histogram) ? Sparkline.Of(histogram) : "";
            latency.AddRow(name, l.Count.ToString(), Time(l.P50), P99(l.Count, l.P99), Time(l.Max), unserved,
                Markup.Escape(shape));
        }
        return latency;
    }

    private static IEnumerable<string> Invariants(RunReport report)
    {
        if (!report.InvariantsOk)
        {
            yield return $"invariants: VIOLATED ({report.Violations.Count})";
            foreach (var v in report.Violations.Take(10)) yield return $"  {v}";
            if (report.Violations.Count > 10) yield return $"  ... and {report.Violations.Count - 10} more (the report has them all)";
            yield break;
        }
        var t = report.Totals;
        yield return "invariants: ok";
        yield return $"  conservation: {t.SgiTargets} SGI targets written = {t.Sent} set-pendings sent" +
                     $"{(t.SgiTargets != t.Sent ? " + writes still travelling" : "")} = {t.Coalesced} coalesced + {t.Delivered} delivered + " +
                     $"{t.Dropped} dropped + {t.Pending} pending";
        var checks = new List<string> { "no request lost or misrouted", "no SGI with two owners", "every acknowledge legal (masks, priority, not active)",
            "EOIs nested", "time never ran backwards" };
        if (report.Reclaims.Any(r => r.Op != "boot")) checks.Add("every CPU's routes match the reclaimer's table");
        bool nmiToHung = report.PerCpu.Any(c => c.State == CpuState.Hung) &&
            (report.PerNmiUser.Values.Any(c => c.Requested > 0) ||
             report.SgiTable.Any(r => r.Nmi && r.Owner is { } o && report.PerIpi.TryGetValue(o, out var c) && c.Requested > 0));
        if (nmiToHung) checks.Add("every NMI reached the hung CPUs within the deadline");
        // Wrapped by hand: the console would cut a long line anywhere.
        var line = "  checked:";
        foreach (var check in checks)
        {
            if (line.Length + check.Length + 2 > 120) { yield return line; line = "          "; }
            line += $" {check},";
        }
        yield return line.TrimEnd(',');
    }

    /// <summary>Virtual time as a person reads it: 450 ns, 1.667 us, 50 us, 1.5 s.</summary>
    public static string Time(long ns)
    {
        static string Trim(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        long abs = Math.Abs(ns);
        return abs >= 1_000_000_000 ? $"{Trim(ns / 1e9)} s"
            : abs >= 1_000_000 ? $"{Trim(ns / 1e6)} ms"
            : abs >= 1_000 ? $"{Trim(ns / 1e3)} us"
            : $"{ns} ns";
    }

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    /// <summary>"CPU 5", "CPUs 1-4, 6, 7".</summary>
    private static string Cpus(IReadOnlyList<int> cpus) =>
        (cpus.Distinct().Count() == 1 ? "CPU " : "CPUs ") + CpuRanges.Format(cpus, ", ", shortestRange: 3);

    /// <summary>The replayed trace: how it was mapped, every raise accounted for, recorded latency beside the model's.</summary>
    private static void PrintReplay(IAnsiConsole console, ReplayReport r)
    {
        long skipped = r.Skipped.Values.Sum();
        console.WriteLine($"replay {r.Trace}: {r.Lines} lines, {r.TraceCpus} trace CPUs, map {r.Map} ({r.Copies} cop{(r.Copies == 1 ? "y" : "ies")}), " +
                          $"time scale {r.TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}, last send at {Time(r.LastSendNs)}");
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
