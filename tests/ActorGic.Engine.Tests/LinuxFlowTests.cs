using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The kernel flows of each era with exact outcomes: NMI backtrace, smp_send_stop's passes, kgdb
/// roundup, and smp_call_function's queue (the IPI only when the queue was empty).
/// </summary>
public class LinuxFlowTests
{
    [Fact]
    public void Backtrace_under_pseudo_nmi_reaches_every_cpu_including_the_hung_one()
    {
        var report = TestRuns.File("backtrace-hung-cpu.conf");
        Assert.Equal(Enumerable.Range(1, 15), report.Flows.Backtraces);
        Assert.Empty(report.Flows.BacktraceMissing);
        Assert.Equal(2, report.Totals.SgiWrites); // all-but-self on two clusters of 8: one write per cluster run
        Assert.Equal(new IpiCounts(15, 15, 15, 0, 0), report.PerIpi["CPU_BACKTRACE"]);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Backtrace_without_nmi_names_the_hung_cpu_and_loses_nothing()
    {
        var report = TestRuns.File("backtrace-hung-cpu-nmi-none.conf");
        Assert.Equal([5], report.Flows.BacktraceMissing);
        Assert.Equal(new IpiCounts(15, 15, 14, 1, 0), report.PerIpi["CPU_BACKTRACE"]);
        Assert.Equal(0, report.Totals.Lost);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Backtrace_to_all_includes_the_requester_without_an_ipi_to_itself()
    {
        var report = TestRuns.File("backtrace-hung-cpu.conf", s => s with
        {
            Actions = [s.Actions[0], s.Actions[1] with { To = TargetSet.All }],
        });
        Assert.Equal(Enumerable.Range(0, 16), report.Flows.Backtraces);
        Assert.Equal(15, report.PerIpi["CPU_BACKTRACE"].Requested);
    }

    [Fact]
    public void Linux_6_12_stops_the_hung_cpu_only_in_the_cpu_stop_nmi_pass()
    {
        var report = TestRuns.File("stop-hung-cpu-6.12.conf");
        Assert.Equal([null, "CPU_STOP", "CPU_STOP", "CPU_STOP", "CPU_STOP", "CPU_STOP_NMI", "CPU_STOP", "CPU_STOP"],
            report.PerCpu.Select(c => c.StoppedBy));
        Assert.Empty(report.Flows.NotStopped);
        Assert.Equal(CpuState.Stopped, report.PerCpu[5].State);
        // Pass 2 goes to the CPUs still online only: one CPU.
        Assert.Equal(new IpiCounts(1, 1, 1, 0, 0), report.PerIpi["CPU_STOP_NMI"]);
        // Pass 1's IRQ to the hung CPU stays pending: it was never handled, and not lost.
        Assert.Equal(new IpiCounts(7, 7, 6, 1, 0), report.PerIpi["CPU_STOP"]);
    }

    [Fact]
    public void Linux_6_1_never_stops_the_hung_cpu()
    {
        var report = TestRuns.File("stop-hung-cpu-6.1.conf");
        Assert.Equal([5], report.Flows.NotStopped);
        Assert.Null(report.PerCpu[5].StoppedBy);
        Assert.Equal(CpuState.Hung, report.PerCpu[5].State);
    }

    [Fact]
    public void Linux_6_7_stops_the_hung_cpu_in_its_single_nmi_pass()
    {
        var report = TestRuns.File("stop-hung-cpu-6.7.conf");
        Assert.All(report.PerCpu.Skip(1), c => Assert.Equal("CPU_STOP", c.StoppedBy));
        Assert.Equal(1, report.Totals.SgiWrites);
    }

    [Fact]
    public void Stop_finishes_as_soon_as_every_cpu_is_offline()
    {
        // No hung CPU: the stopper sees the last CPU go offline long before its 1 s wait ends,
        // so pass 2 never runs.
        var report = TestRuns.File("stop-hung-cpu-6.12.conf", s => s with { Actions = s.Actions.Skip(1).ToList() });
        Assert.All(report.PerCpu.Skip(1), c => Assert.Equal("CPU_STOP", c.StoppedBy));
        Assert.Equal(0, report.PerIpi["CPU_STOP_NMI"].Requested);
    }

    [Fact]
    public void Kgdb_roundup_on_64_cpus_is_63_single_cpu_writes()
    {
        var report = TestRuns.File("kgdb-roundup-64.conf");
        Assert.Equal(63, report.Totals.SgiWrites);
        Assert.Empty(report.Flows.KgdbMissing); // the hung CPU 9 included: KGDB_ROUNDUP is an NMI
        Assert.True(report.PerCpu[9].KgdbRoundup);
    }

    [Fact]
    public void Linux_6_1_kgdb_roundup_goes_through_call_function_and_misses_the_hung_cpu()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 100us
              topology { cpus = 8 }
              kernel { profile = linux-6.1 }
              actions = [ { at = 1us, cpu = 3, do = hang }, { at = 5us, cpu = 0, do = kgdb-roundup } ] }
            """);
        Assert.Equal([3], report.Flows.KgdbMissing);
        Assert.Equal(7, report.Totals.SgiWrites); // one single-CPU call each: every queue was empty
        Assert.Equal(new IpiCounts(7, 7, 6, 1, 0), report.PerIpi["CALL_FUNC"]);
    }

    [Fact]
    public void Call_function_sends_the_ipi_only_when_the_queue_was_empty()
    {
        // CPU 2 is masked: the first call queues and sends; the next two find the queue non-empty
        // and send nothing; one handler run serves all three once IRQs come back.
        var report = TestRuns.Hocon("""
            scenario { end = 100us
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              actions = [
                { at = 1us, cpu = 2, do = irq-off, for = 20us }
                { at = 2us, cpu = 0, do = ipi, ipi = CALL_FUNC, to = [2] }
                { at = 3us, cpu = 1, do = ipi, ipi = CALL_FUNC, to = [2] }
                { at = 4us, cpu = 3, do = ipi, ipi = CALL_FUNC, to = [2] }
              ] }
            """);
        Assert.Equal(new IpiCounts(3, 1, 3, 0, 0), report.PerIpi["CALL_FUNC"]);
        Assert.Equal(1, report.PerCpu[2].Ipis["CALL_FUNC"]);
        Assert.Equal(1, report.Totals.SgiWrites);
        var t = TimingModel.Default;
        Assert.Equal(21_000 + t.ExceptionEntry - 2_000, report.LatencyNs["CALL_FUNC"].Max);
        Assert.Equal(3, report.LatencyNs["CALL_FUNC"].Count);
    }

    [Fact]
    public void The_call_function_atomic_returns_before_the_sgi_is_written()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 20us
              topology { cpus = 2 }
              kernel { profile = linux-6.12 }
              actions = [ { at = 1us, cpu = 0, do = ipi, ipi = CALL_FUNC, to = [1] } ] }
            """);
        var t = TimingModel.Default;
        long entry = 1_000 + 2 * t.RemoteAtomic + t.CpuToDistributor + t.DistributorToRedistributor + t.RedistributorToCpu + t.ExceptionEntry;
        Assert.Equal(entry - 1_000, report.LatencyNs["CALL_FUNC"].Max);
    }
}

public class LinuxCrashStopAndHandlerCostTests
{
    [Theory]
    [InlineData("linux-6.1", "CPU_CRASH_STOP", new[] { 5 })]
    [InlineData("linux-6.7", "CPU_CRASH_STOP", new int[0])]
    [InlineData("linux-6.12", "CPU_STOP", new int[0])]
    public void Crash_stop_uses_the_eras_ipi_and_reaches_the_hung_cpu_only_through_an_nmi(string profile, string firstPass, int[] notStopped)
    {
        var report = TestRuns.Hocon($$"""
            scenario { end = 1500ms
              topology { cpus = 8 }
              kernel { profile = {{profile}} }
              actions = [ { at = 1us, cpu = 5, do = hang }, { at = 10us, cpu = 0, do = crash-stop } ] }
            """, false, out _);
        Assert.Equal(notStopped, report.Flows.NotStopped);
        Assert.Equal(firstPass, report.PerCpu[1].StoppedBy);
        Assert.Equal(7, report.PerIpi[firstPass].Requested);
    }

    [Fact]
    public void Each_ipi_handler_runs_for_its_time_in_the_timing_model()
    {
        TestRuns.Hocon("""
            scenario { end = 50us
              topology { cpus = 2 }
              kernel { profile = linux-6.12 }
              timing { ipi-handlers { RESCHEDULE = 1us, IRQ_WORK = 3us } }
              actions = [
                { at = 1us, cpu = 0, do = ipi, ipi = RESCHEDULE, to = [1] }
                { at = 20us, cpu = 1, do = ipi, ipi = IRQ_WORK, to = self }
                { at = 30us, cpu = 0, do = ipi, ipi = TIMER, to = [1] }
              ] }
            """, true, out var sim);
        var spans = sim.Components.SelectMany(c => c.Trace.Events)
            .Where(e => e.Cpu == 1 && e.Kind is TraceKind.Enter or TraceKind.Exit)
            .OrderBy(e => e.T).Select(e => e.T).Chunk(2).Select(p => p[1] - p[0]).ToList();
        Assert.Equal([1_000L, 3_000L, 500L], spans); // TIMER takes the default from hocon/actorgic.conf
    }
}

/// <summary>Found in review: a parked or hung CPU runs nothing more, and the NMI-only retry needs an NMI.</summary>
public class LinuxFlowReviewTests
{
    [Fact]
    public void Stoppers_that_stop_each_other_do_not_run_their_nmi_pass_from_the_grave()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 1500ms
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              actions = [
                { at = 0us, cpu = 3, do = hang }
                { at = 1us, cpu = 0, do = stop }
                { at = 1us, cpu = 1, do = stop }
              ] }
            """);
        Assert.Equal("CPU_STOP", report.PerCpu[0].StoppedBy);
        Assert.Equal("CPU_STOP", report.PerCpu[1].StoppedBy);
        Assert.Null(report.PerCpu[3].StoppedBy); // nobody is left running to send the NMI
        Assert.Equal(0, report.PerIpi["CPU_STOP_NMI"].Requested);
    }

    [Fact]
    public void Without_an_nmi_linux_6_12_skips_the_cpu_stop_nmi_retry()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 1500ms
              topology { cpus = 4 }
              gic { nmi = none }
              kernel { profile = linux-6.12 }
              actions = [ { at = 0us, cpu = 3, do = hang }, { at = 1us, cpu = 0, do = stop } ] }
            """);
        Assert.Equal([3], report.Flows.NotStopped);
        Assert.Equal(0, report.PerIpi["CPU_STOP_NMI"].Requested);
    }

    [Fact]
    public void A_hung_cpu_issues_no_traffic()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 100us
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              actions = [
                { at = 0us, cpu = 2, do = hang }
                { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 1000000, cpus = [2], until = 90us }
              ] }
            """);
        Assert.Equal(0, report.PerIpi["RESCHEDULE"].Requested);
    }

    [Theory]
    [InlineData(3, "SGI 3 is the NMI broker's")]
    [InlineData(6, "SGI 6 was freed by the NMI broker")]
    public void Raw_sends_to_the_brokers_sgis_are_refused(int intid, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText($$"""
            scenario { end = 10us
              kernel { profile = linux-6.12, nmi-mux = on }
              actions = [ { at = 1us, cpu = 0, do = sgi, intid = {{intid}}, to = [1] } ] }
            """));
        Assert.StartsWith($"scenario.actions[0].intid: {expected}", e.Message);
    }

    [Fact]
    public void Set_priority_under_linux_with_two_security_states_is_a_non_secure_write()
    {
        var scenario = ScenarioLoader.LoadText("""
            scenario { end = 10us
              gic { security = two }
              kernel { profile = linux-6.12 }
              actions = [ { at = 1us, cpu = 2, do = set-priority, intid = 0, priority = 0x80 } ] }
            """);
        var sim = new Simulation(scenario, keepTrace: false);
        new ReferenceEngine(sim).Run(scenario.End);
        Assert.Equal(0xC0, sim.Redistributor(2).Bank.PriorityOf(0));
    }
}
