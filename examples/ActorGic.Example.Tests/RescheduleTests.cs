using ActorGic.Engine;
using ActorGic.Scenarios;
using ActorGic.Testing;

namespace ActorGic.Example.Tests;

/// <summary>
/// A user's own suite: a plain subclass of ActorGicTestKit (no dispatcher configuration), a
/// Linux scenario from ScenarioBuilder, and "send, advance virtual time, assert".
/// </summary>
public class RescheduleTests : ActorGicTestKit
{
    [Fact]
    public void A_reschedule_ipi_is_handled_once_by_its_target_and_no_one_else()
    {
        using var run = StartScenario(new ScenarioBuilder(cpus: 8).WithKernel("linux-6.12"), end: 50_000);
        run.Send(b => b.Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [3]));
        run.AdvanceTo(1_000);
        Assert.Equal(0, run.IpiHandled(cpu: 3, ipi: "RESCHEDULE")); // nothing at or after now has run
        run.AdvanceTo(5_000);
        Assert.Equal(1, run.IpiHandled(cpu: 3, ipi: "RESCHEDULE"));
        Assert.Equal([3], run.CpusThatAcked(intid: 0)); // RESCHEDULE is SGI 0

        var report = run.Report();
        Assert.True(report.InvariantsOk);
        Assert.Equal(1, report.LatencyNs["RESCHEDULE"].Count);
    }

    [Fact]
    public void A_hung_cpu_is_stopped_only_by_the_nmi_pass_of_smp_send_stop()
    {
        var scenario = new ScenarioBuilder(cpus: 8).WithKernel("linux-6.12").Hang(at: 1_000, cpu: 5).Stop(at: 10_000, cpu: 0);
        using var run = StartScenario(scenario, end: 1_500_000_000);
        run.AdvanceTo(100_000);
        Assert.Equal(CpuState.Stopped, run.State(cpu: 3)); // pass 1, CPU_STOP (an IRQ)
        Assert.Equal(CpuState.Hung, run.State(cpu: 5));    // masked: pass 2 comes after pass 1's 1 s wait
        var report = run.Report();
        Assert.Equal(CpuState.Stopped, report.PerCpu[5].State);
        Assert.Equal("CPU_STOP_NMI", report.PerCpu[5].StoppedBy);
    }
}
