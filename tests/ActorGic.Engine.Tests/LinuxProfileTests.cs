using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>Linux profiles on the engine: boot, IPI sends, pseudo-NMI and architected NMI masking, report fields.</summary>
public class LinuxProfileTests
{
    private static string HungCpu(string profile, string nmi) => $$"""
        scenario {
          end = 50us
          topology { cpus = 8 }
          gic { nmi = {{nmi}} }
          kernel { profile = {{profile}} }
          actions = [
            { at = 1us, cpu = 5, do = hang }
            { at = 2us, cpu = 0, do = ipi, ipi = RESCHEDULE, to = [5] }
            { at = 3us, cpu = 0, do = sgi, intid = 3, to = [5] }
          ]
        }
        """;

    [Fact]
    public void Hung_cpu_takes_the_pseudo_nmi_but_not_the_irq()
    {
        var report = TestRuns.Hocon(HungCpu("linux-6.12", "pseudo"));
        Assert.Equal(1, report.PerCpu[5].Ipis["CPU_STOP_NMI"]);
        Assert.Equal(0, report.PerCpu[5].Ipis["RESCHEDULE"]);
        Assert.Equal(new IpiCounts(1, 1, 0, 1, 0), report.PerIpi["RESCHEDULE"]);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Without_pseudo_nmi_a_hung_cpu_takes_nothing()
    {
        var report = TestRuns.Hocon(HungCpu("linux-6.12", "none"));
        Assert.Empty(report.PerCpu[5].Acks);
        Assert.Equal(2, report.Totals.Pending);
        Assert.False(report.SgiTable[3].Nmi);
    }

    [Fact]
    public void Architected_nmi_gets_past_pstate_i_on_a_hung_cpu()
    {
        var report = TestRuns.Hocon(HungCpu("linux-6.12", "architected"));
        Assert.Equal(1, report.PerCpu[5].Ipis["CPU_STOP_NMI"]);
        Assert.Equal(0, report.PerCpu[5].Ipis["RESCHEDULE"]);
    }

    [Fact]
    public void Linux_6_1_hung_cpu_takes_nothing_even_with_pseudo_nmi_because_6_1_has_no_nmi_ipi()
    {
        var report = TestRuns.Hocon(HungCpu("linux-6.1", "pseudo"));
        Assert.Empty(report.PerCpu[5].Acks);
    }

    [Fact]
    public void Linux_6_1_shows_7_sgis_used_and_sgi_7_free()
    {
        var report = TestRuns.Hocon("scenario { end = 1us, kernel { profile = linux-6.1 } }");
        Assert.Equal(7, report.SgiTable.Count(r => r.Owner is not null));
        Assert.Equal(new SgiTableRow(7, null, false, "free"), report.SgiTable[7]);
        Assert.Equal(new SgiTableRow(8, null, false, "firmware"), report.SgiTable[8]);
        Assert.Equal(["RESCHEDULE", "CALL_FUNC", "CPU_STOP", "CPU_CRASH_STOP", "TIMER", "IRQ_WORK", "WAKEUP"], report.PerIpi.Keys);
    }

    [Fact]
    public void Linux_6_12_shows_8_of_8_with_three_nmis()
    {
        var report = TestRuns.Hocon("scenario { end = 1us, kernel { profile = linux-6.12 } }");
        Assert.Equal(8, report.SgiTable.Count(r => r.Owner is not null));
        Assert.Equal(["CPU_STOP_NMI", "CPU_BACKTRACE", "KGDB_ROUNDUP"], report.SgiTable.Where(r => r.Nmi).Select(r => r.Owner));
    }

    [Fact]
    public void Send_to_a_firmware_sgi_is_dropped_and_counted()
    {
        // SGI 8 is the first of firmware's (ns-sgis = 8 by default).
        var report = TestRuns.Hocon("""
            scenario { end = 10us, kernel { profile = linux-6.12 }
              actions = [
                { at = 1us, cpu = 0, do = sgi, intid = 9, to = [1, 2] }
                { at = 2us, cpu = 0, do = sgi, intid = 8, to = [2] }
              ] }
            """);
        Assert.Equal(new Totals(2, 3, 0, 0, 3, 0, 0) { SgiTargets = 3 }, report.Totals);
        Assert.Equal([new DropCount(1, 9, "firmware", 1), new DropCount(2, 8, "firmware", 1), new DropCount(2, 9, "firmware", 1)], report.Drops);
    }

    [Fact]
    public void Irq_off_under_pseudo_nmi_defers_the_ipi_until_irq_on()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 50us, kernel { profile = linux-6.12 }
              actions = [
                { at = 1us, cpu = 2, do = irq-off, for = 10us }
                { at = 2us, cpu = 0, do = ipi, ipi = RESCHEDULE, to = [2] }
              ] }
            """);
        var t = TimingModel.Default;
        Assert.Equal(1, report.PerCpu[2].Ipis["RESCHEDULE"]);
        Assert.Equal(11_000 + t.ExceptionEntry - 2_000, report.LatencyNs["RESCHEDULE"].Max);
        Assert.Equal(new IpiCounts(1, 1, 1, 0, 0), report.PerIpi["RESCHEDULE"]);
    }

    /// <summary>
    /// The SGI priority is the era's, with or without pseudo-NMI: 0xA0 (GICD_INT_DEF_PRI) up to
    /// 6.7, 0xC0 (GICV3_PRIO_IRQ) from the 2024 rework on, which the captured 6.12.117 without
    /// CONFIG_ARM64_PSEUDO_NMI programs too (tests/captures/6.12-n20-std).
    /// </summary>
    [Theory]
    [InlineData("linux-6.1", "none", 0xA0, 0xA0)]
    [InlineData("linux-6.7", "none", 0xA0, 0xA0)]
    [InlineData("linux-6.12", "none", 0xC0, 0xC0)]
    [InlineData("linux-6.12", "pseudo", 0xC0, 0x80)]
    [InlineData("linux-6.7", "pseudo", 0xA0, 0x20)]
    [InlineData("linux-6.12", "architected", 0xC0, 0xC0)]
    public void Sgis_are_programmed_at_the_era_priority_whatever_the_nmi_mode(string profile, string nmi, int irq, int sgi3)
    {
        var (sim, report) = TestRuns.Reference(ScenarioLoader.LoadText($$"""
            scenario { end = 10us
              topology { cpus = 2 }
              gic { nmi = {{nmi}} }
              kernel { profile = {{profile}} }
              actions = [ { at = 1us, cpu = 0, do = ipi, ipi = RESCHEDULE, to = [1] } ] }
            """));
        Assert.Equal((byte)irq, report.Programmed!.Sgis[0].Priority);
        Assert.Equal((byte)sgi3, report.Programmed.Sgis[3].Priority);
        Assert.Equal((byte)irq, sim.Redistributor(1).Bank.PriorityOf(0));
    }

    [Theory]
    [InlineData("{ at = 1us, cpu = 0, do = ipi, ipi = CPU_STOP_NMI, to = [1] }", "scenario.actions[0].ipi: CPU_STOP_NMI is sent by its kernel flow: use do = stop")]
    [InlineData("{ at = 1us, cpu = 0, do = ipi, ipi = WAKEUP, to = [1] }", "scenario.actions[0].ipi: linux-6.12 has no IPI WAKEUP")]
    [InlineData("{ at = 1us, cpu = 0, do = ipi, ipi = IRQ_WORK, to = [1] }", "scenario.actions[0].to: IRQ_WORK is a self IPI")]
    [InlineData("{ at = 1us, cpu = 0, do = request-sgi, purpose = RESCHEDULE }", "scenario.actions[0].purpose: RESCHEDULE is an IPI of linux-6.12")]
    [InlineData("{ at = 1us, cpu = 0, do = release-sgi, purpose = x }", "scenario.actions[0].purpose: no request-sgi asks for a slot for x")]
    [InlineData("{ at = 1us, cpu = 0, do = ipi, ipi = cpu-pause, to = [1] }", "scenario.actions[0].ipi: linux-6.12 has no IPI cpu-pause")]
    public void Linux_actions_that_are_wrong_or_not_modelled_yet_are_refused(string action, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() =>
            ScenarioLoader.LoadText($"scenario {{ end = 10us\n kernel {{ profile = linux-6.12 }}\n actions = [ {action} ] }}"));
        Assert.StartsWith(expected, e.Message);
    }
}

public class LinuxTwoSecurityStatesTests
{
    [Theory]
    [InlineData("one", 0xC0, 0x80)]
    [InlineData("two", 0xE0, 0xC0)]
    public void Pseudo_nmi_still_reaches_a_hung_cpu_and_priorities_are_stored_as_the_gic_sees_them(string security, int irq, int nmi)
    {
        var scenario = ActorGic.Scenarios.ScenarioLoader.LoadText($$"""
            scenario { end = 50us
              topology { cpus = 8 }
              gic { security = {{security}} }
              kernel { profile = linux-6.12 }
              actions = [
                { at = 1us, cpu = 5, do = hang }
                { at = 2us, cpu = 0, do = ipi, ipi = RESCHEDULE, to = [5] }
                { at = 3us, cpu = 0, do = sgi, intid = 3, to = [5] }
              ] }
            """);
        var (sim, report) = TestRuns.Reference(scenario);
        Assert.Equal((byte)irq, sim.Redistributor(5).Bank.PriorityOf(0));
        Assert.Equal((byte)nmi, sim.Redistributor(5).Bank.PriorityOf(3));
        Assert.Equal(1, report.PerCpu[5].Ipis["CPU_STOP_NMI"]);
        Assert.Equal(0, report.PerCpu[5].Ipis["RESCHEDULE"]);
    }
}
