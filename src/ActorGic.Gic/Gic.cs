namespace ActorGic.Gic;

/// <summary>What one write to ICC_SGI1R_EL1 (or ICC_SGI0R_EL1) did at its targets.</summary>
public record struct SgiWriteResult(int Pended, int Coalesced, int Dropped, GicError Error = GicError.None)
{
    public readonly int Reached => Pended + Coalesced + Dropped;
}

/// <summary>
/// A whole GIC run synchronously: a distributor, and a redistributor plus CPU interface per PE,
/// wired as the hardware wires them. Used by tests, micro benchmarks and the reference engine; the
/// actor engine hosts the same <see cref="Redistributor"/> and <see cref="CpuInterface"/> objects
/// in separate actors. Register accesses are named after the registers.
/// </summary>
public sealed class Gic
{
    private readonly Redistributor[] _redistributors;
    private readonly CpuInterface[] _cpuInterfaces;

    public Gic(Topology topology, GicConfig? config = null)
    {
        Config = (config ?? GicConfig.Default).Validated();
        if (topology.Rss && !Config.Rss) Config = Config with { Rss = true };
        Topology = topology;
        Distributor = new Distributor(Config, topology);
        _redistributors = new Redistributor[topology.CpuCount];
        _cpuInterfaces = new CpuInterface[topology.CpuCount];
        for (int cpu = 0; cpu < topology.CpuCount; cpu++)
        {
            _redistributors[cpu] = new Redistributor(Config);
            _cpuInterfaces[cpu] = new CpuInterface(Config);
        }
    }

    public GicConfig Config { get; }
    public Topology Topology { get; }
    public Distributor Distributor { get; }
    public int CpuCount => _redistributors.Length;

    public Redistributor Redistributor(int cpu) => _redistributors[cpu];
    public CpuInterface CpuInterface(int cpu) => _cpuInterfaces[cpu];

    /// <summary>
    /// Resets to what bare-metal software usually sets up: affinity routing, every group enabled
    /// in GICD_CTLR and every CPU interface, all private INTIDs Group 1 and enabled at
    /// <paramref name="priority"/>, PMR at <paramref name="pmr"/>.
    /// </summary>
    public Gic EnableAll(byte priority = 0xA0, byte pmr = 0xF0, bool eoiMode = false)
    {
        Distributor.AffinityRouting = true;
        Distributor.EnableGroup0 = Distributor.EnableGroup1NonSecure = true;
        for (int cpu = 0; cpu < CpuCount; cpu++)
        {
            var r = _redistributors[cpu];
            for (int intid = 0; intid < Intid.PrivateCount; intid++)
            {
                r.SetGroup(intid, InterruptGroup.Group1NonSecure);
                r.SetPriority(intid, priority);
                r.SetEnabled(intid, true);
            }
            var c = _cpuInterfaces[cpu];
            c.GroupEnable0 = c.GroupEnable1 = true;
            c.Pmr = pmr;
            c.EoiMode = eoiMode;
        }
        return this;
    }

    /// <summary>A write of ICC_SGI1R_EL1 by <paramref name="cpu"/> from Non-secure state: Group 1 SGIs.</summary>
    public SgiWriteResult WriteSgi1r(int cpu, ulong value) => WriteSgi(cpu, value, InterruptGroup.Group1NonSecure);

    /// <summary>A write of ICC_SGI0R_EL1: Group 0 SGIs.</summary>
    public SgiWriteResult WriteSgi0r(int cpu, ulong value) => WriteSgi(cpu, value, InterruptGroup.Group0);

    private SgiWriteResult WriteSgi(int cpu, ulong value, InterruptGroup group)
    {
        var result = new SgiWriteResult();
        if (!Distributor.AffinityRouting) return result with { Error = GicError.AffinityRoutingDisabled };
        var sgi = Sgi1r.Decode(value);
        if (sgi.Irm)
        {
            for (int target = 0; target < CpuCount; target++)
                if (target != cpu) Count(ref result, _redistributors[target].ReceiveSgi(sgi.Intid, group));
            return result;
        }
        if (sgi.Rs != 0 && !Config.Rss) return result with { Error = GicError.NoRss };
        var slots = Topology.ClusterSlots(sgi.ClusterId);
        if (slots.IsEmpty) return result;
        uint list = sgi.TargetList;
        while (list != 0)
        {
            int bit = System.Numerics.BitOperations.TrailingZeroCount(list);
            list &= list - 1;
            int target = slots[bit];
            if (target >= 0) Count(ref result, _redistributors[target].ReceiveSgi(sgi.Intid, group));
        }
        return result;
    }

    private static void Count(ref SgiWriteResult result, SetPendingOutcome outcome)
    {
        switch (outcome)
        {
            case SetPendingOutcome.Pended: result.Pended++; break;
            case SetPendingOutcome.Coalesced: result.Coalesced++; break;
            default: result.Dropped++; break;
        }
    }

    /// <summary>The HPPI this PE's CPU interface sees: its private bank and the SPIs routed to it.</summary>
    public Hppi HighestPending(int cpu)
    {
        var enables = _cpuInterfaces[cpu].Enables;
        var own = _redistributors[cpu].HighestPending(enables & Distributor.Enables);
        var spi = Distributor.HighestPendingFor(cpu, enables);
        return Hppi.Best(own, spi);
    }

    /// <summary>ICC_HPPIR1_EL1 style: the INTID of the HPPI, or 1023.</summary>
    public int HighestPendingIntid(int cpu) => HighestPending(cpu).Intid;

    public SignalKind Signal(int cpu) => _cpuInterfaces[cpu].Signal(HighestPending(cpu));

    /// <summary>ICC_IAR1_EL1.</summary>
    public int AcknowledgeIar1(int cpu)
    {
        var hppi = HighestPending(cpu);
        return Activated(cpu, _cpuInterfaces[cpu].Acknowledge1(hppi));
    }

    /// <summary>ICC_NMIAR1_EL1.</summary>
    public int AcknowledgeNmiar1(int cpu)
    {
        var hppi = HighestPending(cpu);
        return Activated(cpu, _cpuInterfaces[cpu].AcknowledgeNmi1(hppi));
    }

    /// <summary>ICC_IAR0_EL1.</summary>
    public int AcknowledgeIar0(int cpu)
    {
        var hppi = HighestPending(cpu);
        return Activated(cpu, _cpuInterfaces[cpu].Acknowledge0(hppi));
    }

    private int Activated(int cpu, int intid)
    {
        if (Intid.IsPrivate(intid)) _redistributors[cpu].Activate(intid);
        else if (Intid.IsSpi(intid)) Distributor.Activate(intid);
        return intid;
    }

    /// <summary>ICC_EOIR1_EL1.</summary>
    public GicError EndOfInterrupt1(int cpu, int intid)
    {
        var error = _cpuInterfaces[cpu].EndOfInterrupt1(intid, out bool deactivate);
        if (deactivate) DeactivateAt(cpu, intid);
        return error;
    }

    /// <summary>ICC_EOIR0_EL1.</summary>
    public GicError EndOfInterrupt0(int cpu, int intid)
    {
        var error = _cpuInterfaces[cpu].EndOfInterrupt0(intid, out bool deactivate);
        if (deactivate) DeactivateAt(cpu, intid);
        return error;
    }

    /// <summary>ICC_DIR_EL1.</summary>
    public GicError DeactivateInterrupt(int cpu, int intid)
    {
        var error = _cpuInterfaces[cpu].DeactivateInterrupt(intid);
        if (error == GicError.None && !Intid.IsSpecial(intid)) DeactivateAt(cpu, intid);
        return error;
    }

    private void DeactivateAt(int cpu, int intid)
    {
        if (Intid.IsPrivate(intid)) _redistributors[cpu].Deactivate(intid);
        else Distributor.Deactivate(intid);
    }
}
