using ActorGic.Engine;

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
}
