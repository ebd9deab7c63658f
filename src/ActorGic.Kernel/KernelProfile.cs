using ActorGic.Gic;

namespace ActorGic.Kernel;

/// <summary>
/// One IPI of a kernel era (arch/arm64/kernel/smp.c): IPI n is SGI n. <see cref="Nmi"/> says
/// whether the era requests it as an NMI when pseudo-NMI is on; <see cref="Traced"/> whether it
/// is below NR_IPI (traced by trace_ipi_*).
/// </summary>
public sealed record IpiDefinition(string Name, int Sgi, bool Nmi, bool Traced, string ProcLabel, string Sender, string Receiver);

/// <summary>
/// The PMR and priority values Linux uses for IRQ masking and pseudo-NMIs in an era.
/// <see cref="IrqPriority"/> is what every SGI is programmed at, with or without pseudo-NMI:
/// GICD_INT_DEF_PRI (0xA0) before the 2024 rework, GICV3_PRIO_IRQ (0xC0) after it
/// (18fdb6348c48 "arm64: irqchip/gic-v3: Select priorities at boot time", which chose the
/// priorities for every configuration, not only the pseudo-NMI one).
/// </summary>
public sealed record PseudoNmiPriorities(byte PmrUnmasked, byte PmrMasked, byte IrqPriority, byte NmiPriority);

/// <summary>
/// How smp_send_stop() stops the other CPUs in an era: its passes, each an IPI and a wait. A pass
/// marked <see cref="NmiOnly"/> runs only when its IPI can be an NMI (linux-6.12's CPU_STOP_NMI retry).
/// </summary>
public sealed record StopPass(string Ipi, long WaitNs, bool NmiOnly = false);

/// <summary>
/// When the backtrace handler's printk (nmi_cpu_backtrace's "NMI backtrace for cpu N") defers its
/// console output to irq_work (defer_console_output: the lazy wake_up_klogd_work) instead of
/// printing: then arch_irq_work_raise sends IRQ_WORK to the CPU itself, if the work was not
/// already queued and the CPU's tick is stopped (a lazy irq_work otherwise waits for the tick).
/// </summary>
public enum PrintkDeferral
{
    /// <summary>No NMI backtrace handler (linux-6.1: showacpu runs from smp_call_function and prints directly).</summary>
    Never,
    /// <summary>Only when the handler runs as an NMI (vprintk: in_nmi() goes to vprintk_deferred; linux-6.7).</summary>
    InNmi,
    /// <summary>Whether or not the backtrace IPI is an NMI (linux-6.12, as captured with and without pseudo-NMI).</summary>
    Always,
}

/// <summary>
/// A Linux kernel era as ActorGic models it (DOMAIN.md section 2): its IPI table, NR_IPI and
/// MAX_IPI, the PMR values of its pseudo-NMI, and how smp_send_stop() works.
/// </summary>
public sealed record KernelProfile
{
    public required string Name { get; init; }
    public required IReadOnlyList<IpiDefinition> Ipis { get; init; }
    /// <summary>IPIs traced by trace_ipi_* (below NR_IPI).</summary>
    public required int NrIpi { get; init; }
    /// <summary>Every IPI the era allocates SGIs for.</summary>
    public int MaxIpi => Ipis.Count;
    public required PseudoNmiPriorities Priorities { get; init; }
    public required IReadOnlyList<StopPass> StopPasses { get; init; }
    /// <summary>The IPI crash stop sends (crash_smp_send_stop), with its wait.</summary>
    public required IReadOnlyList<StopPass> CrashStopPasses { get; init; }
    /// <summary>Whether the backtrace handler's printk raises IRQ_WORK on the CPU that ran it.</summary>
    public required PrintkDeferral BacktracePrintk { get; init; }

    /// <summary>Linux registers SGIs 0-7 for IPIs; 8-15 are left to the Secure world.</summary>
    public const int LinuxSgiBudget = 8;

    public IpiDefinition this[string name] =>
        Ipis.FirstOrDefault(i => i.Name == name) ?? throw new KeyNotFoundException($"profile {Name} has no IPI {name}");

    public bool Has(string ipi) => Ipis.Any(i => i.Name == ipi);

    /// <summary>The IPI on an SGI (IPI n is SGI n), or null: a table, because handlers ask on every entry.</summary>
    public IpiDefinition? IpiOn(int sgi) => (uint)sgi < (uint)BySgi.Length ? BySgi[sgi] : null;

    private IpiDefinition?[] BySgi
    {
        get
        {
            // Built once per IPI list (a `with` that replaces Ipis gets a new table).
            if (!ReferenceEquals(_bySgiOf, Ipis))
                (_bySgi, _bySgiOf) = (Enumerable.Range(0, Intid.SgiCount).Select(s => Ipis.FirstOrDefault(i => i.Sgi == s)).ToArray(), Ipis);
            return _bySgi!;
        }
    }

    private IpiDefinition?[]? _bySgi;
    private IReadOnlyList<IpiDefinition>? _bySgiOf;
    public int NmiCount => Ipis.Count(i => i.Nmi);

    /// <summary>The SGI table (16 rows): the profile's IPIs, then free slots, then firmware's SGIs.</summary>
    public IReadOnlyList<(int Sgi, string? Owner, bool Nmi, string Mode)> SgiTable(int nonSecureSgis)
    {
        var rows = new List<(int, string?, bool, string)>(Intid.SgiCount);
        for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
        {
            var ipi = IpiOn(sgi);
            if (ipi is not null) rows.Add((sgi, ipi.Name, ipi.Nmi, "dedicated"));
            else if (sgi >= nonSecureSgis) rows.Add((sgi, null, false, "firmware"));
            else rows.Add((sgi, null, false, "free"));
        }
        return rows;
    }

    /// <summary>
    /// The 8-SGI budget as a checked rule: every IPI needs its own SGI below the Non-secure limit.
    /// Linux warns and refuses a 9th on GICv3; so does the model.
    /// </summary>
    public static void CheckBudget(IReadOnlyList<IpiDefinition> ipis, int nonSecureSgis, string profile)
    {
        int limit = Math.Min(nonSecureSgis, LinuxSgiBudget);
        var over = ipis.FirstOrDefault(i => i.Sgi >= limit);
        if (over is not null)
            throw new GicConfigurationException(GicError.BadConfiguration,
                $"{profile}: IPI {over.Name} would need SGI {over.Sgi}, but GICv3 gives Linux {limit} SGIs (0-{limit - 1}), all taken");
        var clash = ipis.GroupBy(i => i.Sgi).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new GicConfigurationException(GicError.BadConfiguration,
                $"{profile}: SGI {clash.Key} has two owners ({string.Join(", ", clash.Select(i => i.Name))})");
    }
}
