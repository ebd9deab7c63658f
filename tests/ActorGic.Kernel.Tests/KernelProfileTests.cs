using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Kernel.Tests;

/// <summary>The IPI tables of each era (DOMAIN.md section 2) and the 8-SGI budget.</summary>
public class KernelProfileTests
{
    [Fact]
    public void Linux_6_1_uses_7_sgis_and_leaves_sgi_7_free()
    {
        var p = KernelProfiles.Linux61;
        Assert.Equal(["RESCHEDULE", "CALL_FUNC", "CPU_STOP", "CPU_CRASH_STOP", "TIMER", "IRQ_WORK", "WAKEUP"], p.Ipis.Select(i => i.Name));
        Assert.Equal((7, 7), (p.NrIpi, p.MaxIpi));
        Assert.Equal(0, p.NmiCount); // no NMI IPI at all in the world of the 2023 exchange
        var table = p.SgiTable(nonSecureSgis: 8);
        Assert.Equal(7, table.Count(r => r.Owner is not null));
        Assert.Equal((7, (string?)null, "free"), (table[7].Sgi, table[7].Owner, table[7].Mode));
        Assert.All(table.Skip(8), r => Assert.Equal("firmware", r.Mode));
    }

    [Fact]
    public void Linux_6_7_uses_8_of_8_with_four_nmis_and_one_stop_pass()
    {
        var p = KernelProfiles.Linux67;
        Assert.Equal((6, 8), (p.NrIpi, p.MaxIpi));
        Assert.Equal(["CPU_STOP", "CPU_CRASH_STOP", "CPU_BACKTRACE", "KGDB_ROUNDUP"], p.Ipis.Where(i => i.Nmi).Select(i => i.Name));
        Assert.Equal(3, p["CPU_CRASH_STOP"].Sgi);
        Assert.Equal([new StopPass("CPU_STOP", 1_000_000_000)], p.StopPasses);
        Assert.Equal(KernelProfiles.Priorities2023, p.Priorities);
    }

    [Fact]
    public void Linux_6_12_matches_the_current_table()
    {
        var p = KernelProfiles.Linux612;
        Assert.Equal(
            [(0, "RESCHEDULE", false, "Rescheduling interrupts"), (1, "CALL_FUNC", false, "Function call interrupts"),
             (2, "CPU_STOP", false, "CPU stop interrupts"), (3, "CPU_STOP_NMI", true, "CPU stop NMIs"),
             (4, "TIMER", false, "Timer broadcast interrupts"), (5, "IRQ_WORK", false, "IRQ work interrupts"),
             (6, "CPU_BACKTRACE", true, "CPU backtrace interrupts"), (7, "KGDB_ROUNDUP", true, "KGDB roundup interrupts")],
            p.Ipis.Select(i => (i.Sgi, i.Name, i.Nmi, i.ProcLabel)));
        Assert.Equal((6, 8), (p.NrIpi, p.MaxIpi));
        Assert.Equal(8, p.SgiTable(8).Count(r => r.Owner is not null));
        Assert.Equal([new StopPass("CPU_STOP", 1_000_000_000), new StopPass("CPU_STOP_NMI", 10_000_000, NmiOnly: true)], p.StopPasses);
        Assert.Equal(new PseudoNmiPriorities(0xE0, 0xC0, 0xC0, 0x80), p.Priorities);
    }

    [Theory]
    [InlineData("linux-6.1")]
    [InlineData("linux-6.7")]
    [InlineData("linux-6.12")]
    public void Every_era_fits_the_budget_and_no_sgi_has_two_owners(string name)
    {
        Assert.True(KernelProfiles.TryGet(name, out var p));
        KernelProfile.CheckBudget(p.Ipis, nonSecureSgis: 8, p.Name);
        Assert.Equal(p.Ipis.Count, p.Ipis.Select(i => i.Sgi).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, p.Ipis.Count), p.Ipis.Select(i => i.Sgi)); // IPI n is SGI n
    }

    [Fact]
    public void A_ninth_ipi_on_gicv3_is_refused()
    {
        var ninth = KernelProfiles.Linux612.Ipis.Append(new IpiDefinition("CPU_PAUSE", 8, true, false, "CPU pause NMIs", "x", "y")).ToList();
        var e = Assert.Throws<GicConfigurationException>(() => KernelProfile.CheckBudget(ninth, nonSecureSgis: 16, "linux-6.12"));
        Assert.Equal("linux-6.12: IPI CPU_PAUSE would need SGI 8, but GICv3 gives Linux 8 SGIs (0-7), all taken", e.Message);
    }

    [Fact]
    public void Pseudo_nmi_priorities_mask_irqs_and_pass_nmis_in_both_eras()
    {
        foreach (var pr in new[] { KernelProfiles.Priorities2023, KernelProfiles.Priorities2024 })
        {
            Assert.True(pr.IrqPriority >= pr.PmrMasked);   // masked: priority must be below the PMR to signal
            Assert.True(pr.NmiPriority < pr.PmrMasked);    // an NMI still gets through local_irq_disable()
            Assert.True(pr.IrqPriority < pr.PmrUnmasked);  // and an IRQ gets through when unmasked
        }
    }
}

/// <summary>The NMI broker's registry and dispatch order.</summary>
public class NmiBrokerTests
{
    [Fact]
    public void Users_get_the_lowest_free_bit_and_a_33rd_is_refused()
    {
        var broker = new NmiBroker();
        for (int i = 0; i < 32; i++) Assert.Equal(i, broker.Register($"u{i}", i).Bit);
        var e = Assert.Throws<NmiBrokerException>(() => broker.Register("one-too-many", 1));
        Assert.Equal("NMI user one-too-many refused: the shared NMI SGI carries at most 32 users, all taken", e.Message);
        broker.Unregister("u5");
        Assert.Equal(5, broker.Register("again", 1).Bit);
    }

    [Fact]
    public void Duplicate_and_unknown_names_are_refused()
    {
        var broker = new NmiBroker();
        broker.Register("cpu-pause", 5);
        Assert.Equal("NMI user cpu-pause is already registered", Assert.Throws<NmiBrokerException>(() => broker.Register("cpu-pause", 6)).Message);
        Assert.Equal("no NMI user nobody is registered", Assert.Throws<NmiBrokerException>(() => broker.Unregister("nobody")).Message);
    }

    [Fact]
    public void Dispatch_runs_by_priority_and_a_handler_that_never_returns_last()
    {
        var broker = new NmiBroker();
        broker.Register("cpu-stop", 1, neverReturns: true);
        broker.Register("backtrace", 10);
        broker.Register("cpu-pause", 5);
        Assert.Equal(["cpu-pause", "backtrace", "cpu-stop"], broker.DispatchOrder(0b111).Select(u => u.Name));
        Assert.Equal(["backtrace"], broker.DispatchOrder(0b010).Select(u => u.Name));
    }
}
