using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorGic.Engine.Tests.Conformance;

/// <summary>
/// Holds every fact of a capture against the model's run and says which agree and which do not.
/// A fact that does not agree becomes one line, "CAPTURE | PHASE | KIND | what differs", that
/// tests/captures/not-modelled.txt must list under a reason; so a difference is never skipped
/// silently, and a listed one that the model comes to agree with shows too.
/// RESCHEDULE and CALL_FUNC (SGIs 0 and 1) are also the running system's own traffic
/// (scheduler wake-ups, smp_call_function from every CPU), which no capture could hold still: for
/// them the capture must have at least the model's count on every CPU, and what it has beyond is
/// one line per phase and SGI.
/// </summary>
public sealed class FactCheck
{
    /// <summary>The kinds of fact, the third field of a line.</summary>
    public const string Boot = "boot", Pmr = "pmr", Writes = "writes", Pendings = "pendings", Acks = "acks",
        ProcInterrupts = "proc-interrupts", Console = "console";

    private static readonly int[] Background = [0, 1];

    private readonly CaptureRun _run;
    private readonly Capture _capture;
    public List<string> Differences { get; } = new();
    /// <summary>How many facts of each kind agreed.</summary>
    public Dictionary<string, int> Agreed { get; } = new();

    public FactCheck(CaptureRun run)
    {
        _run = run;
        _capture = run.Capture;
        CheckBoot();
        CheckPmr();
        foreach (var phase in ComparedPhases()) CheckPhase(phase);
        CheckProcInterrupts();
        CheckConsole();
    }

    public IEnumerable<string> DifferencesOf(string kind) => Differences.Where(d => d.Split(" | ")[2] == kind);

    private void Agree(string kind) => Agreed[kind] = Agreed.GetValueOrDefault(kind) + 1;

    private void Differ(string phase, string kind, string what) => Differences.Add($"{_capture.Name} | {phase} | {kind} | {what}");

    private void Compare<T>(string phase, string kind, string what, T captured, T modelled)
    {
        if (EqualityComparer<T>.Default.Equals(captured, modelled)) Agree(kind);
        else Differ(phase, kind, $"{what}: captured {captured}, model {modelled}");
    }

    /// <summary>From the first /proc/interrupts table on: before it the machine boots and /init starts, which is no operation of the model's.</summary>
    private IEnumerable<string> ComparedPhases() =>
        _capture.Phases.Keys.SkipWhile(p => p != "IRQS boot");

    /// <summary>The MPIDR map, the /proc/interrupts labels, and each SGI's group, enable and priority on every redistributor.</summary>
    private void CheckBoot()
    {
        var report = _run.Report;
        foreach (var (cpu, mpidr) in _capture.BootedMpidr)
            Compare("boot", Boot, $"CPU{cpu} MPIDR", $"0x{mpidr:x}", report.PerCpu[cpu].Mpidr);
        for (int ipi = 0; ipi < _capture.IpiLabels.Count; ipi++)
            Compare("boot", Boot, $"IPI{ipi} label", _capture.IpiLabels[ipi], report.IpiLabels.GetValueOrDefault(ipi, "(none)"));
        var programmed = report.Programmed!;
        for (int cpu = 0; cpu < _capture.Cpus; cpu++)
        {
            var bank = _capture.Banks[cpu];
            foreach (var sgi in programmed.Sgis)
            {
                string g1ns = (bank.Group >> sgi.Sgi & 1) != 0 ? "g1ns" : "g0";
                Compare("boot", Boot, $"redistributor {cpu} SGI {sgi.Sgi} group", g1ns, sgi.Group == Gic.InterruptGroup.Group1NonSecure ? "g1ns" : "g0");
                Compare("boot", Boot, $"redistributor {cpu} SGI {sgi.Sgi} enabled", (bank.Enabled >> sgi.Sgi & 1) != 0, sgi.Enabled);
                Compare("boot", Boot, $"redistributor {cpu} SGI {sgi.Sgi} priority", $"0x{bank.Priority[sgi.Sgi]:x2}", $"0x{sgi.Priority:x2}");
            }
        }
    }

    /// <summary>
    /// ICC_PMR_EL1: under pseudo-NMI both values the model masks with are written, and any other
    /// value written is a difference; without it the PMR is left at the value every CPU wrote last.
    /// </summary>
    private void CheckPmr()
    {
        var p = _run.Report.Programmed!;
        if (_capture.PseudoNmi)
        {
            foreach (var v in new[] { p.PmrIrqsOn, p.PmrIrqsOff }.Distinct())
                Compare("boot", Pmr, $"value 0x{v:x2} written", _capture.PmrWrites.ContainsKey(v), true);
            foreach (var (v, n) in _capture.PmrWrites.OrderBy(kv => kv.Key))
                if (v != p.PmrIrqsOn && v != p.PmrIrqsOff) Differ("all", Pmr, $"value 0x{v:x2} written {n} times: the model never writes it");
            return;
        }
        Compare("boot", Pmr, "IRQs on and off alike (PSTATE.I masks)", p.PmrIrqsOn, p.PmrIrqsOff);
        for (int cpu = 0; cpu < _capture.Cpus; cpu++)
            Compare("boot", Pmr, $"CPU{cpu} last value written", $"0x{_capture.PmrFirst[cpu][^1]:x2}", $"0x{p.PmrIrqsOn:x2}");
        foreach (var (v, n) in _capture.PmrWrites.OrderBy(kv => kv.Key))
            if (v != p.PmrIrqsOn) Differ("all", Pmr, $"value 0x{v:x2} written {n} times: the model never writes it");
    }

    private void CheckPhase(string phase)
    {
        var window = _run.Window(phase);
        // Writes: per writer, the model's writes in order must be the capture's with the background left out.
        var captured = _capture.Writes.Where(w => w.Phase == phase).ToList();
        var modelled = _run.Writes(window).ToList();
        var unmatched = new List<Capture.SgiWrite>();
        foreach (int sender in captured.Select(w => w.Sender).Concat(modelled.Select(w => w.Sender)).Distinct().Order())
        {
            var mine = modelled.Where(w => w.Sender == sender).Select(w => w.Value).ToList();
            int k = 0;
            foreach (var w in captured.Where(w => w.Sender == sender))
            {
                if (k < mine.Count && mine[k] == w.Value) { k++; Agree(Writes); }
                else unmatched.Add(w);
            }
            for (; k < mine.Count; k++) Differ(phase, Writes, $"CPU{sender} wrote 0x{mine[k]:X16} in the model, not in this order or not at all");
        }
        foreach (var g in unmatched.GroupBy(w => w.Intid).OrderBy(g => g.Key))
        {
            if (Background.Contains(g.Key)) Differ(phase, Writes, $"SGI {g.Key}: {g.Count()} writes the model does not make");
            else foreach (var w in g) Differ(phase, Writes, $"CPU{w.Sender} wrote 0x{w.Value:X16}, the model does not");
        }
        // Pendings per INTID and acknowledges per CPU and INTID.
        var counts = _capture.Phases[phase];
        for (int intid = 0; intid < 16; intid++)
        {
            long c = counts.SgiPendings.GetValueOrDefault(intid), m = _run.Pendings(window, intid);
            Counted(phase, Pendings, $"SGI {intid} sent to redistributors", intid, c, m);
            long excess = 0;
            for (int cpu = 0; cpu < _capture.Cpus; cpu++)
            {
                long ca = counts.Acks.GetValueOrDefault(cpu)?.GetValueOrDefault(intid) ?? 0, ma = _run.Acks(window, cpu, intid);
                excess += Counted(phase, Acks, $"CPU{cpu} SGI {intid} acknowledged", intid, ca, ma, aggregate: true);
            }
            if (excess > 0) Differ(phase, Acks, $"SGI {intid}: {excess} acknowledges the model does not make");
        }
    }

    /// <summary>
    /// One count: equal agrees; a background SGI's surplus is returned to be summed (or listed at
    /// once); anything else is a difference.
    /// </summary>
    private long Counted(string phase, string kind, string what, int intid, long captured, long modelled, bool aggregate = false)
    {
        if (captured == modelled) { Agree(kind); return 0; }
        if (Background.Contains(intid) && captured > modelled)
        {
            Agree(kind); // the model's part is there
            if (!aggregate) Differ(phase, kind, $"{what}: captured {captured}, model {modelled} (the rest is the system's own traffic)");
            return captured - modelled;
        }
        Differ(phase, kind, $"{what}: captured {captured}, model {modelled}");
        return 0;
    }

    /// <summary>/proc/interrupts after the backtrace less the table before it, per CPU and IPI, against the model's handler entries.</summary>
    private void CheckProcInterrupts()
    {
        string before = _capture.Mode == "hang" ? "hang" : "boot";
        var (a, b) = (_capture.IpiTables[before], _capture.IpiTables["sysrq-l"]);
        var window = _run.BacktraceTableWindow;
        for (int ipi = 0; ipi < a.Length; ipi++)
        {
            long excess = 0;
            for (int cpu = 0; cpu < _capture.Cpus; cpu++)
                excess += Counted("sysrq-l", ProcInterrupts, $"IPI{ipi} CPU{cpu} delta", ipi, b[ipi][cpu] - a[ipi][cpu], _run.Acks(window, cpu, ipi), aggregate: true);
            if (excess > 0) Differ("sysrq-l", ProcInterrupts, $"IPI{ipi}: {excess} interrupts the model does not take");
        }
    }

    /// <summary>Which CPUs printed a backtrace, and what the stops printed ("SMP: ...").</summary>
    private void CheckConsole()
    {
        var printed = new SortedSet<int>();
        foreach (var line in _capture.ConsoleByPhase["SYSRQ-L-BEGIN"])
            if (Regex.Match(line, @"NMI backtrace for cpu (\d+)|sysrq: CPU(\d+):") is { Success: true } m)
                printed.Add(int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, CultureInfo.InvariantCulture));
        Compare("SYSRQ-L-BEGIN", Console, "CPUs that printed a backtrace", string.Join(",", printed), string.Join(",", _run.Report.Flows.Backtraces));
        var smp = ComparedPhases().SelectMany(p => _capture.ConsoleByPhase.GetValueOrDefault(p) ?? [])
            .Where(l => l.StartsWith("SMP: ", StringComparison.Ordinal)).ToList();
        foreach (var line in smp.Where(l => l == "SMP: stopping secondary CPUs"))
            Differ("stop", Console, $"'{line}': the model prints only what a stop's outcome says");
        Compare("stop", Console, "what the stops printed", string.Join(" / ", smp.Where(l => l != "SMP: stopping secondary CPUs")),
            string.Join(" / ", _run.Report.Flows.Console));
    }
}
