namespace ActorGic.Gic.Tests;

/// <summary>Small builders shared by the tests: a GIC set up as bare-metal software would, and Linux-style sends.</summary>
internal static class TestGics
{
    /// <summary>A GIC on <paramref name="cpus"/> CPUs in one cluster, every private INTID Group 1 and enabled.</summary>
    public static Gic Create(int cpus = 1, byte priority = 0xA0, byte pmr = 0xF0, bool eoiMode = false, GicConfig? config = null) =>
        new Gic(Topology.Regular(cpus), config).EnableAll(priority, pmr, eoiMode);

    /// <summary>What Linux's gic_ipi_send_mask() writes for <paramref name="targets"/>, written by <paramref name="from"/>.</summary>
    public static SgiWriteResult Send(Gic gic, int from, int intid, params int[] targets)
    {
        var total = new SgiWriteResult();
        foreach (ulong write in GicIpiSendMask.Compute(gic.Topology, intid, targets))
        {
            var r = gic.WriteSgi1r(from, write);
            Assert.Equal(GicError.None, r.Error);
            total = new SgiWriteResult(total.Pended + r.Pended, total.Coalesced + r.Coalesced, total.Dropped + r.Dropped);
        }
        return total;
    }

    /// <summary>A self-IPI, as arch_irq_work_raise() sends IRQ_WORK.</summary>
    public static SgiWriteResult SendToSelf(Gic gic, int cpu, int intid) => Send(gic, cpu, intid, cpu);

    /// <summary>Configures one SPI as Group 1, enabled, routed to <paramref name="cpu"/> by its affinity.</summary>
    public static void RouteSpi(Gic gic, int intid, int cpu, byte priority = 0xA0)
    {
        var d = gic.Distributor;
        Assert.Equal(GicError.None, d.SetGroup(intid, InterruptGroup.Group1NonSecure));
        Assert.Equal(GicError.None, d.SetPriority(intid, priority));
        Assert.Equal(GicError.None, d.SetRoute(intid, gic.Topology.MpidrOf(cpu).Value));
        Assert.Equal(GicError.None, d.SetEnabled(intid, true));
    }
}
