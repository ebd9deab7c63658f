using System.Text.RegularExpressions;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests.Conformance;

/// <summary>
/// The model's run of what a capture's /init did: the same topology (QEMU virt, CPU i at Aff1 =
/// i / 16, Aff0 = i % 16), era and pseudo-NMI setting, the same operations from CPU 0 (init is
/// pinned there), in the same order, as a scenario in HOCON (the user's way in). Each capture
/// phase (between two markers of /init) maps onto a window of virtual time, so the model's
/// writes, pendings and acknowledges can be held against the phase's.
/// </summary>
public sealed class CaptureRun
{
    /// <summary>When the model runs each operation; every stop has finished waiting (1 s, then 10 ms) before the next.</summary>
    public const long StatesAt = 10_000, BacktraceAt = 100_000, StopAt = 1_000_000, RestartAt = 1_100_000_000, End = 2_200_000_000;

    public required Capture Capture { get; init; }
    public required RunReport Report { get; init; }
    public required string Hocon { get; init; }
    /// <summary>The CPUs the capture's backtrace found idle (the idle task), as the scenario sets them.</summary>
    public required IReadOnlyList<int> Idle { get; init; }
    private IReadOnlyList<TraceEvent> Events { get; init; } = [];

    public static CaptureRun Of(Capture capture)
    {
        var idle = IdleAtBacktrace(capture);
        var actions = new List<string>();
        foreach (int cpu in idle) actions.Add($"{{ at = {StatesAt}ns, cpu = {cpu}, do = idle }}");
        // hang: `taskset 2 insmod test_lockup.ko disable_irq=1` spins on CPU 1 with IRQs masked.
        if (capture.Mode == "hang") actions.Add($"{{ at = {StatesAt}ns, cpu = 1, do = hang }}");
        actions.Add($"{{ at = {BacktraceAt}ns, cpu = 0, do = backtrace, to = all }}"); // echo l > /proc/sysrq-trigger
        switch (capture.Mode)
        {
            case "std": // poweroff -f: kernel_power_off, machine_power_off, smp_send_stop
                actions.Add($"{{ at = {StopAt}ns, cpu = 0, do = stop }}");
                break;
            case "panic": // echo c with crash_kexec_post_notifiers: crash stop; then panic=-1 restarts
                actions.Add($"{{ at = {StopAt}ns, cpu = 0, do = crash-stop }}");
                actions.Add($"{{ at = {RestartAt}ns, cpu = 0, do = restart }}");
                break;
            case "hang": // echo c without crash_kexec_post_notifiers: smp_send_stop; then panic=-1 restarts
                actions.Add($"{{ at = {StopAt}ns, cpu = 0, do = stop }}");
                actions.Add($"{{ at = {RestartAt}ns, cpu = 0, do = restart }}");
                break;
            default: throw new InvalidDataException($"{capture.Name}: unknown mode {capture.Mode}");
        }
        // ns-sgis = 16: without firmware (QEMU -M virt, no EL3) Linux owns all 16 SGIs (IGROUPR0 = 0xffffffff).
        string hocon = $$"""
            scenario {
              name = "capture {{capture.Name}}"
              end = {{End}}ns
              topology { cpus = {{capture.Cpus}}, cpus-per-cluster = {{Capture.CpusPerCluster}} }
              gic { nmi = {{(capture.PseudoNmi ? "pseudo" : "none")}}, ns-sgis = 16 }
              kernel { profile = {{capture.Profile}} }
              actions = [
                {{string.Join("\n    ", actions)}}
              ]
            }
            """;
        var report = TestRuns.Hocon(hocon, keepTrace: true, out var sim);
        var events = sim.Components.SelectMany(c => c.Trace.Events).Order(TraceEvent.Canonical).ToList();
        return new CaptureRun { Capture = capture, Report = report, Hocon = hocon, Idle = idle, Events = events };
    }

    /// <summary>
    /// The CPUs the captured backtrace found in the idle task: "NMI backtrace for cpu N skipped:
    /// idling" or a full one of swapper/N (6.12), "sysrq: CPUN: backtrace skipped as idling" (6.1).
    /// </summary>
    private static List<int> IdleAtBacktrace(Capture capture)
    {
        var idle = new SortedSet<int>();
        foreach (var line in capture.ConsoleByPhase["SYSRQ-L-BEGIN"])
        {
            if (Regex.Match(line, @"NMI backtrace for cpu (\d+) skipped: idling") is { Success: true } a) idle.Add(int.Parse(a.Groups[1].Value));
            else if (Regex.Match(line, @"^CPU: (\d+) .*Comm: swapper/") is { Success: true } b) idle.Add(int.Parse(b.Groups[1].Value));
            else if (Regex.Match(line, @"sysrq: CPU(\d+): backtrace skipped as idling") is { Success: true } c) idle.Add(int.Parse(c.Groups[1].Value));
        }
        idle.Remove(0); // CPU 0 runs init, which triggers everything
        return [.. idle];
    }

    /// <summary>The model's window for a capture phase; empty for a phase in which /init did none of the operations.</summary>
    public (long From, long To) Window(string phase) => phase switch
    {
        "HANG-BEGIN" => (StatesAt, BacktraceAt),
        "SYSRQ-L-BEGIN" => (BacktraceAt, StopAt),
        "POWEROFF-BEGIN" or "PANIC-BEGIN" => (StopAt, End + 1),
        _ => (0, 0),
    };

    /// <summary>The window from the baseline /proc/interrupts table to the one after the backtrace.</summary>
    public (long From, long To) BacktraceTableWindow => (Capture.Mode == "hang" ? BacktraceAt : 0, StopAt);

    public IEnumerable<TraceEvent> In((long From, long To) w, TraceKind kind) =>
        Events.Where(e => e.Kind == kind && e.T >= w.From && e.T < w.To);

    /// <summary>ICC_SGI1R_EL1 writes per writer, in order.</summary>
    public IEnumerable<(int Sender, ulong Value)> Writes((long, long) window) =>
        In(window, TraceKind.SgiWrite).Select(e => (e.Cpu, (ulong)e.Value));

    /// <summary>What QEMU's gicv3_redist_send_sgi counts: every SGI a redistributor was sent (latched, coalesced or dropped).</summary>
    public long Pendings((long, long) window, int intid) =>
        Events.Count(e => e.Kind is TraceKind.Pend or TraceKind.Coalesce or TraceKind.Drop && e.Intid == intid && e.T >= window.Item1 && e.T < window.Item2);

    public long Acks((long, long) window, int cpu, int intid) =>
        In(window, TraceKind.Ack).Count(e => e.Cpu == cpu && e.Intid == intid);
}
