using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Kernel;
using ActorGic.Scenarios;
using ActorGic.Testing;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The TestKit a user builds on (ActorGic.Testing): a plain subclass of <see cref="ActorGicTestKit"/>
/// with no configuration of its own, stepping through virtual time, sends, probes, and the report
/// a stepped run ends with, which must be the straight run's.
/// </summary>
public class SteppedRunTests : ActorGicTestKit
{
    /// <summary>The shipped reclaim-release-promote-6.12.conf, written with the builder.</summary>
    private static ScenarioBuilder ReleasePromote() =>
        new ScenarioBuilder(cpus: 16).WithName("linux-6.12: release-sgi promotes TIMER back").WithSeed(12)
            .WithKernel("linux-6.12")
            .WithReclaim(new ReclaimOptions { Stances = new Dictionary<string, OwnerStance> { ["IRQ_WORK"] = OwnerStance.Pinned } })
            .IpiTraffic(at: 0, ipi: "TIMER", rate: 100_000, until: 380_000)
            .RequestSgi(at: 50_000, cpu: 2, purpose: "cpu-pause", nmi: true)
            .Ipi(at: 100_000, cpu: 2, ipi: "cpu-pause", to: TargetSet.AllButSelf)
            .ReleaseSgi(at: 200_000, cpu: 2, purpose: "cpu-pause")
            .Ipi(at: 250_000, cpu: 2, ipi: "cpu-pause", to: [3]);

    /// <summary>The shipped nmi-mux-four-users.conf, written with the builder.</summary>
    private static ScenarioBuilder FourNmiUsers() =>
        new ScenarioBuilder(cpus: 16).WithName("four NMI users on one SGI, hung CPU").WithSeed(3)
            .WithKernel("linux-6.12").WithNmiMux().NmiUser("cpu-pause", priority: 5)
            .Hang(at: 1_000, cpu: 5)
            .Backtrace(at: 10_000, cpu: 0, to: TargetSet.AllButSelf)
            .Nmi(at: 10_000, cpu: 1, user: "cpu-pause", to: [5, 6, 7])
            .Nmi(at: 12_000, cpu: 2, user: "cpu-pause", to: [5])
            .KgdbRoundup(at: 100_000, cpu: 0)
            .Stop(at: 200_000, cpu: 0);

    private static Scenario Shipped(string file) => ScenarioLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));

    private static RunReport Reference(Scenario scenario)
    {
        var sim = new Simulation(scenario, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference");
    }

    [Fact]
    public void A_plain_subclass_runs_a_scenario_with_no_configuration_of_its_own()
    {
        var report = RunScenario(new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2, 4, 6]), end: 20_000);
        Assert.Equal([0, 2, 4, 6], report.CpusThatAcked(intid: 1));
        Assert.Equal("actors", report.Engine);
    }

    [Theory]
    [InlineData("reclaim-release-promote-6.12.conf")]
    [InlineData("nmi-mux-four-users.conf")]
    public void The_builder_writes_the_shipped_linux_scenarios_the_loader_reads_from_their_files(string file)
    {
        var built = (file.StartsWith("reclaim") ? ReleasePromote() : FourNmiUsers()).Build(Shipped(file).End);
        ReportComparison.AssertSameReport(Reference(Shipped(file)), Reference(built), file);
    }

    [Fact]
    public void Stepping_in_chunks_gives_the_straight_run_report_whole()
    {
        var builder = ReleasePromote();
        var straight = Reference(builder.Build(400_000));
        using var run = StartScenario(builder, end: 400_000);
        foreach (long t in new long[] { 1, 49_999, 50_000, 100_001, 233_333, 399_999, 400_000 }) run.AdvanceTo(t);
        var stepped = run.Report();
        ReportComparison.AssertSameReport(straight, stepped, "stepped in 7 chunks");
        Assert.Equal(straight.Digest, stepped.Digest);
        Assert.Single(stepped.Reclaims, r => r.Purpose == "cpu-pause" && r.Outcome == "granted");
    }

    [Fact]
    public void Sends_while_stepping_give_the_report_of_a_builder_that_had_them_from_the_start()
    {
        var start = FourNmiUsers();
        using var run = StartScenario(start, end: 1_500_000_000);
        run.AdvanceTo(20_000);
        run.Send(b => b.Nmi(at: 20_000, cpu: 3, user: "cpu-pause", to: [5]).Ipi(at: 30_000, cpu: 4, ipi: "RESCHEDULE", to: [1, 2]));
        run.AdvanceTo(150_000);
        run.Send(b => b.Stop(at: 150_000, cpu: 1));
        var stepped = run.Report();

        var fromTheStart = start.Clone()
            .Nmi(at: 20_000, cpu: 3, user: "cpu-pause", to: [5]).Ipi(at: 30_000, cpu: 4, ipi: "RESCHEDULE", to: [1, 2])
            .Stop(at: 150_000, cpu: 1);
        var expected = Reference(fromTheStart.Build(1_500_000_000));
        ReportComparison.AssertSameReport(expected, stepped, "sends while stepping");
        Assert.Equal(expected.Digest, stepped.Digest);
        Assert.Equal(1, stepped.PerCpu[1].Ipis["RESCHEDULE"]);
    }

    [Fact]
    public void A_send_before_the_first_step_comes_once()
    {
        // The keeper takes the scenario's initial events when the run starts, not when its actor gets round to it.
        var builder = new ScenarioBuilder(cpus: 8).WithKernel("linux-6.12");
        for (int i = 0; i < 20; i++)
        {
            using var run = StartScenario(builder, end: 50_000);
            run.Send(b => b.Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [3]));
            var report = run.Report();
            Assert.Equal(1, report.LatencyNs["RESCHEDULE"].Count);
            ReportComparison.AssertSameReport(Reference(builder.Clone().Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [3]).Build(50_000)), report, $"run {i}");
        }
    }

    [Fact]
    public void Probes_see_exactly_what_happened_before_now()
    {
        // Profile none: the write at 1,000 ns reaches CPU 2's CPU interface 100 ns later (40 + 40 + 20)
        // and is acknowledged after the 50 ns exception entry, at 1,150 ns.
        using var run = StartScenario(new ScenarioBuilder(cpus: 4).Sgi(at: 1_000, cpu: 1, intid: 3, to: [2]), end: 20_000);
        run.AdvanceTo(1_150);
        Assert.Equal(0, run.Acks(cpu: 2, intid: 3));
        Assert.Equal([3], run.PendingSgis(cpu: 2));
        run.AdvanceTo(1_151);
        Assert.Equal(1, run.Acks(cpu: 2, intid: 3));
        Assert.Equal([2], run.CpusThatAcked(intid: 3));
        Assert.Equal(1_151, run.Now);
        // The redistributor clears its pending bit when the CPU's activate reaches it, 20 ns after the ack.
        run.AdvanceTo(1_170);
        Assert.Equal([3], run.PendingSgis(cpu: 2));
        run.AdvanceTo(1_171);
        Assert.Empty(run.PendingSgis(cpu: 2));
    }

    [Fact]
    public void A_masked_cpu_holds_the_sgi_pending_until_it_unmasks_and_a_hang_shows_in_its_state()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 4).IrqOff(at: 0, cpu: 2), end: 50_000);
        run.Send(b => b.Sgi(at: 1_000, cpu: 0, intid: 5, to: [2])).AdvanceTo(10_000);
        Assert.Equal([5], run.PendingSgis(cpu: 2));
        Assert.Equal(0, run.Acks(cpu: 2, intid: 5));
        run.Send(b => b.IrqOn(at: 10_000, cpu: 2).Hang(at: 20_000, cpu: 3)).AdvanceTo(10_051);
        Assert.Equal(1, run.Acks(cpu: 2, intid: 5)); // irq-on, then the 50 ns exception entry
        run.AdvanceTo(10_071);
        Assert.Empty(run.PendingSgis(cpu: 2));
        Assert.Equal(CpuState.Running, run.State(cpu: 3));
        run.AdvanceTo(20_001);
        Assert.Equal(CpuState.Hung, run.State(cpu: 3));
        Assert.Equal(1, run.Report().Acks(cpu: 2, intid: 5));
    }

    [Fact]
    public void A_linux_ipi_and_a_stop_show_in_the_probes_as_they_happen()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 8).WithKernel("linux-6.12").Hang(at: 1_000, cpu: 5), end: 1_500_000_000);
        run.Send(b => b.Ipi(at: 2_000, cpu: 0, ipi: "RESCHEDULE", to: [3])).AdvanceTo(5_000);
        Assert.Equal(1, run.IpiHandled(cpu: 3, ipi: "IPI_RESCHEDULE"));
        Assert.Equal(1, run.Acks(cpu: 3, intid: 0)); // RESCHEDULE is SGI 0
        Assert.Equal(CpuState.Hung, run.State(cpu: 5));
        run.Send(b => b.Stop(at: 10_000, cpu: 0)).AdvanceTo(100_000);
        // Pass 1 (CPU_STOP, an IRQ) stops every CPU but the hung one; pass 2's NMI comes after its 1 s wait.
        Assert.Equal(CpuState.Stopped, run.State(cpu: 3));
        Assert.Equal(CpuState.Hung, run.State(cpu: 5));
        var report = run.Report();
        Assert.Equal(CpuState.Stopped, report.PerCpu[5].State);
    }

    [Fact]
    public void Time_only_moves_forward_and_not_past_the_end()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 2), end: 10_000);
        run.AdvanceTo(5_000);
        Assert.Equal("virtual time only moves forward: now is 5000 ns, so it cannot advance to 4999 ns (Parameter 't')\nActual value was 4999.",
            Assert.Throws<ArgumentOutOfRangeException>(() => run.AdvanceTo(4_999)).Message);
        Assert.StartsWith("10001 ns is after the scenario's end (10000 ns): Report() runs to the end",
            Assert.Throws<ArgumentOutOfRangeException>(() => run.AdvanceTo(10_001)).Message);
        run.AdvanceTo(5_000); // standing still is fine
        Assert.Equal(5_000, run.Now);
    }

    [Fact]
    public void A_send_into_the_past_is_refused()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 2), end: 10_000);
        run.AdvanceTo(5_000);
        Assert.StartsWith("Sgi on CPU 0 at 4999 ns is in the run's past: now is 5000 ns (send at 5000 ns or later)",
            Assert.Throws<ArgumentOutOfRangeException>(() => run.Send(b => b.Sgi(at: 4_999, cpu: 0, intid: 1, to: [1]))).Message);
        run.Send(b => b.Sgi(at: 5_000, cpu: 0, intid: 1, to: [1])); // now itself is fine
        Assert.Equal(1, run.Report().Acks(cpu: 1, intid: 1));
    }

    [Fact]
    public void A_send_the_loader_would_refuse_throws_its_scenario_exception()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 4).WithKernel("linux-6.12"), end: 10_000);
        var e = Assert.Throws<ScenarioException>(() => run.Send(b => b.Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDUAL", to: [1])));
        Assert.Equal("scenario.actions[0].ipi: linux-6.12 has no IPI RESCHEDUAL (it has: RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, TIMER, IRQ_WORK, CPU_BACKTRACE, KGDB_ROUNDUP), and no request-sgi asks for a slot for it", e.Message);
        // The run goes on as if the bad send had never been made.
        run.Send(b => b.Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [1]));
        Assert.Equal(1, run.Report().PerCpu[1].Ipis["RESCHEDULE"]);
    }

    [Fact]
    public void A_send_cannot_ask_the_reclaimer_or_change_the_settings_or_add_nothing()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 4).WithKernel("linux-6.12"), end: 10_000);
        Assert.Equal("request-sgi cannot be sent into a running scenario: the SGI reclaimer and the owners' table are laid out when it starts; put it in the ScenarioBuilder",
            Assert.Throws<InvalidOperationException>(() => run.Send(b => b.RequestSgi(at: 1_000, cpu: 0, purpose: "cpu-pause"))).Message);
        Assert.Equal("Send adds actions only: a run's settings (kernel, GIC, timing, NMI users, ...) are fixed when it starts",
            Assert.Throws<InvalidOperationException>(() => run.Send(b => b.NmiUser("late").Nmi(at: 1_000, cpu: 0, user: "late", to: [1]))).Message);
        Assert.Equal("Send added no action (Parameter 'actions')", Assert.Throws<ArgumentException>(() => run.Send(b => b)).Message);
        run.Send(b => b.Hang(at: 1_000, cpu: 3));
        Assert.Equal("Send adds actions only: it cannot change the actions the run started with",
            Assert.Throws<InvalidOperationException>(() => run.Send(_ => new ScenarioBuilder(cpus: 4).WithKernel("linux-6.12"))).Message);
        Assert.Equal("Send adds actions only: it cannot change the actions the run started with",
            Assert.Throws<InvalidOperationException>(() => run.Send(_ => new ScenarioBuilder(cpus: 4).WithKernel("linux-6.12").Hang(at: 2_000, cpu: 3))).Message);
    }

    [Fact]
    public void Probes_refuse_what_does_not_exist_and_a_finished_run_refuses_more_steps()
    {
        var run = StartScenario(new ScenarioBuilder(cpus: 2), end: 10_000);
        Assert.StartsWith("CPU 2 does not exist (cpus = 2)", Assert.Throws<ArgumentOutOfRangeException>(() => run.Acks(cpu: 2, intid: 1)).Message);
        Assert.StartsWith("INTID 32 is not an SGI or PPI (0-31)", Assert.Throws<ArgumentOutOfRangeException>(() => run.Acks(cpu: 0, intid: 32)).Message);
        Assert.StartsWith("profile none has no IPIs", Assert.Throws<ArgumentException>(() => run.IpiHandled(cpu: 0, ipi: "RESCHEDULE")).Message);
        var report = run.Report();
        Assert.Same(report, run.Report());
        Assert.Equal("the run has ended: Report() ran it to its end", Assert.Throws<InvalidOperationException>(() => run.AdvanceTo(10_000)).Message);
        Assert.Equal("the run has ended: Report() ran it to its end",
            Assert.Throws<InvalidOperationException>(() => run.Send(b => b.Sgi(at: 10_000, cpu: 0, intid: 1, to: [1]))).Message);
    }

    [Fact]
    public void A_probe_of_an_ipi_the_profile_lacks_is_refused()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 2).WithKernel("linux-6.12"), end: 10_000);
        Assert.StartsWith("linux-6.12 has no IPI or purpose WAKEUP", Assert.Throws<ArgumentException>(() => run.IpiHandled(cpu: 0, ipi: "WAKEUP")).Message);
    }

    [Fact]
    public void A_disposed_run_refuses_steps()
    {
        var run = StartScenario(new ScenarioBuilder(cpus: 2), end: 10_000);
        run.Dispose();
        Assert.Throws<ObjectDisposedException>(() => run.AdvanceTo(1_000));
    }
}

/// <summary>A suite with settings of its own: the simulation dispatcher is added under them, and the steps' bound follows the TestKit's time factor.</summary>
public class SteppedRunOwnConfigTests() : ActorGicTestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.test.timefactor = 2\nakka.test.default-timeout = 4s"))
{
    [Fact]
    public void The_watchdog_of_each_step_is_the_dilated_default_timeout_and_runs_work()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), Bounds.Watchdog);
        using var run = StartScenario(new ScenarioBuilder(cpus: 2).Sgi(at: 1_000, cpu: 0, intid: 1, to: [1]), end: 10_000);
        Assert.Equal(1, run.AdvanceTo(2_000).Acks(cpu: 1, intid: 1));
    }
}
