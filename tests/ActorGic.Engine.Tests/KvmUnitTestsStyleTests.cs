using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The kvm-unit-tests IPI checks (arm/gic.c), as three separate runs on 8 CPUs with profile none:
/// CPU 1 sends SGI 1 to itself, to the even CPUs, and with IRM = 1. Each intended CPU takes
/// exactly one SGI 1, no other CPU takes any, and nothing is acknowledged spuriously.
/// </summary>
public class KvmUnitTestsStyleTests
{
    private static void AssertExactlyOnce(RunReport report, int[] intended)
    {
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        for (int cpu = 0; cpu < 8; cpu++)
        {
            Assert.Equal(intended.Contains(cpu) ? 1 : 0, report.Acks(cpu, intid: 1));
            Assert.Equal(0, report.PerCpu[cpu].Spurious);
            Assert.Equal(intended.Contains(cpu) ? 1 : 0, report.PerCpu[cpu].Acks.Count);
        }
        Assert.Equal(intended.Length, report.Totals.Delivered);
        Assert.Equal(0, report.Totals.Lost);
    }

    [Fact]
    public void Self_sgi_reaches_only_the_sender()
    {
        var report = new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, TargetSet.Self).RunReference(end: 20_000);
        AssertExactlyOnce(report, [1]);
        Assert.Equal(1, report.Totals.SgiWrites);
    }

    [Fact]
    public void Target_list_reaches_only_the_even_cpus()
    {
        var report = new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2, 4, 6]).RunReference(end: 20_000);
        AssertExactlyOnce(report, [0, 2, 4, 6]);
        Assert.Equal(1, report.Totals.SgiWrites); // one cluster of 16: one write
    }

    [Fact]
    public void Irm_broadcast_is_one_write_reaching_every_cpu_but_the_writer()
    {
        var report = new ScenarioBuilder(cpus: 8).SgiIrm(at: 1_000, cpu: 1, intid: 1).RunReference(end: 20_000);
        AssertExactlyOnce(report, [0, 2, 3, 4, 5, 6, 7]);
        Assert.Equal(1, report.Totals.SgiWrites);
    }

    /// <summary>
    /// IRM across chips: the writer's distributor sets it pending on its own chip and forwards the
    /// write once to every other chip's distributor, which does not forward it again: each other
    /// CPU of 4 chips takes SGI 1 exactly once, at the time its chip's hop gives (mutation testing
    /// found no test that crossed a chip with IRM).
    /// </summary>
    [Fact]
    public void Irm_broadcast_reaches_every_other_cpu_of_every_chip_once()
    {
        var builder = new ScenarioBuilder(cpus: 16, cpusPerCluster: 4, clustersPerChip: 1).SgiIrm(1_000, cpu: 5, intid: 1);
        var sim = new Simulation(builder.Build(end: 20_000), keepTrace: true);
        var report = RunReport.Build(sim, new ReferenceEngine(sim).Run(20_000), "reference");
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        for (int cpu = 0; cpu < 16; cpu++) Assert.Equal(cpu == 5 ? 0 : 1, report.Acks(cpu, intid: 1));
        Assert.Equal(new Totals(1, 15, 0, 15, 0, 0, 0) { SgiTargets = 15 }, report.Totals);
        // CPUs 4, 6, 7 share the writer's chip; the others' set-pending waits for the chip-to-chip hop.
        var acks = sim.Components.SelectMany(c => c.Trace.Events).Where(e => e.Kind == TraceKind.Ack).ToDictionary(e => e.Cpu, e => e.T);
        Assert.True(acks[4] < acks[0] && acks[6] < acks[15]);
        Assert.Equal(acks[0], acks[15]); // every remote chip one hop away
    }
}
