using ActorGic.Engine;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The IRQ work that follows an NMI backtrace handler's printk (kernel profile's
/// <c>BacktracePrintk</c>): per era, only on CPUs whose tick is stopped (idle), once while queued.
/// </summary>
public class BacktraceIrqWorkTests
{
    /// <summary>CPUs 1-3 idle, CPU 4 running, CPU 0 asks everyone for a backtrace.</summary>
    private static RunReport Backtrace(string profile, string nmi, string extra = "", string more = "") =>
        TestRuns.Hocon($$"""
            scenario { end = 200us
              topology { cpus = 5 }
              gic { nmi = {{nmi}} }
              kernel { profile = {{profile}} }
              actions = [
                { at = 1us, cpu = 1, do = idle }
                { at = 1us, cpu = 2, do = idle }
                { at = 1us, cpu = 3, do = idle }
                {{extra}}
                { at = 10us, cpu = 0, do = backtrace, to = all }
                {{more}}
              ] }
            """);

    private static long[] IrqWork(RunReport report) => report.PerCpu.Select(c => c.Ipis["IRQ_WORK"]).ToArray();

    [Theory]
    [InlineData("none")]
    [InlineData("pseudo")]
    public void Linux_6_12_idle_cpus_take_one_irq_work_after_the_backtrace_with_or_without_pseudo_nmi(string nmi)
    {
        var report = Backtrace("linux-6.12", nmi);
        // CPU 0 prints in process context; CPU 4's tick is running, so its lazy work waits for it.
        Assert.Equal([0, 1, 1, 1, 0], IrqWork(report));
        Assert.Equal(new IpiCounts(3, 3, 3, 0, 0), report.PerIpi["IRQ_WORK"]);
        Assert.Equal(Enumerable.Range(0, 5), report.Flows.Backtraces);
        Assert.True(report.InvariantsOk);
    }

    [Theory]
    [InlineData("linux-6.7", "pseudo", 1)]
    [InlineData("linux-6.7", "none", 0)]
    [InlineData("linux-6.1", "pseudo", 0)]
    [InlineData("linux-6.1", "none", 0)]
    public void Earlier_eras_defer_only_from_nmi_context_and_6_1_never(string profile, string nmi, long each)
    {
        var report = Backtrace(profile, nmi);
        Assert.Equal([0, each, each, each, 0], IrqWork(report));
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void A_second_backtrace_while_the_work_is_still_queued_raises_nothing()
    {
        // CPU 1 idles with IRQs masked: both NMI backtraces get in, the IRQ work waits for irq-on.
        var report = Backtrace("linux-6.12", "pseudo",
            extra: "{ at = 2us, cpu = 1, do = irq-off }",
            more: "{ at = 50us, cpu = 0, do = backtrace, to = [1] }\n{ at = 100us, cpu = 1, do = irq-on }");
        Assert.Equal(2, report.PerCpu[1].Ipis["CPU_BACKTRACE"]);
        Assert.Equal(1, report.PerCpu[1].Ipis["IRQ_WORK"]);
        // One raise on CPU 1 (irq_work_claim fails the second time), one each on CPUs 2 and 3.
        Assert.Equal(new IpiCounts(3, 3, 3, 0, 0), report.PerIpi["IRQ_WORK"]);
    }

    [Fact]
    public void After_the_work_ran_the_next_backtrace_raises_it_again()
    {
        var report = Backtrace("linux-6.12", "none", more: "{ at = 100us, cpu = 0, do = backtrace, to = [1] }");
        Assert.Equal(2, report.PerCpu[1].Ipis["IRQ_WORK"]);
    }

    [Fact]
    public void A_hung_cpu_answering_the_nmi_backtrace_raises_no_irq_work()
    {
        var report = Backtrace("linux-6.12", "pseudo", extra: "{ at = 2us, cpu = 4, do = hang }");
        Assert.Equal(1, report.PerCpu[4].Ipis["CPU_BACKTRACE"]);
        Assert.Equal(0, report.PerCpu[4].Ipis["IRQ_WORK"]);
    }
}
