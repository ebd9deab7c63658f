namespace ActorGic.Kernel;

/// <summary>
/// The kernel eras of DOMAIN.md section 2, as arch/arm64/kernel/smp.c defines them:
/// linux-6.1 (7 IPIs, SGI 7 spare, no NMI IPI), linux-6.7 (8 of 8, four NMIs under pseudo-NMI,
/// one stop pass) and linux-6.12 (8 of 8, CPU_STOP_NMI in place of CPU_CRASH_STOP, two stop passes).
/// </summary>
public static class KernelProfiles
{
    private const long Second = 1_000_000_000;
    private const long TenMilliseconds = 10_000_000;

    /// <summary>PMR and priorities before mid-2024 (linux-6.1, linux-6.7).</summary>
    public static readonly PseudoNmiPriorities Priorities2023 = new(PmrUnmasked: 0xE0, PmrMasked: 0x60, IrqPriority: 0xA0, NmiPriority: 0x20);

    /// <summary>PMR and priorities since mid-2024 (linux-6.12).</summary>
    public static readonly PseudoNmiPriorities Priorities2024 = new(PmrUnmasked: 0xE0, PmrMasked: 0xC0, IrqPriority: 0xC0, NmiPriority: 0x80);

    private static IpiDefinition Reschedule(bool traced = true) =>
        new("RESCHEDULE", 0, false, traced, "Rescheduling interrupts", "smp_send_reschedule", "scheduler_ipi");
    private static IpiDefinition CallFunc() =>
        new("CALL_FUNC", 1, false, true, "Function call interrupts", "smp_call_function*", "generic_smp_call_function_interrupt");
    private static IpiDefinition CpuStop(bool nmi) =>
        new("CPU_STOP", 2, nmi, true, "CPU stop interrupts", "smp_send_stop", "local_cpu_stop");
    private static IpiDefinition CrashStop(bool nmi) =>
        new("CPU_CRASH_STOP", 3, nmi, true, "CPU stop (for crash dump) interrupts", "crash_smp_send_stop", "ipi_cpu_crash_stop");
    private static IpiDefinition Timer() =>
        new("TIMER", 4, false, true, "Timer broadcast interrupts", "tick_broadcast", "tick_receive_broadcast");
    private static IpiDefinition IrqWork() =>
        new("IRQ_WORK", 5, false, true, "IRQ work interrupts", "arch_irq_work_raise", "irq_work_run");
    private static IpiDefinition Backtrace(bool traced) =>
        new("CPU_BACKTRACE", 6, true, traced, "CPU backtrace interrupts", "nmi_trigger_cpumask_backtrace", "nmi_cpu_backtrace");
    private static IpiDefinition KgdbRoundup(bool traced) =>
        new("KGDB_ROUNDUP", 7, true, traced, "KGDB roundup interrupts", "kgdb_roundup_cpus", "kgdb_nmicallback");

    public static readonly KernelProfile Linux61 = new()
    {
        Name = "linux-6.1",
        Ipis =
        [
            Reschedule(), CallFunc(), CpuStop(nmi: false), CrashStop(nmi: false), Timer(), IrqWork(),
            new("WAKEUP", 6, false, true, "CPU wake-up interrupts", "arch_send_wakeup_ipi_mask", "(acknowledge only)"),
        ],
        NrIpi = 7,
        Priorities = Priorities2023,
        StopPasses = [new("CPU_STOP", Second)],
        CrashStopPasses = [new("CPU_CRASH_STOP", Second)],
        BacktracePrintk = PrintkDeferral.Never,
    };

    public static readonly KernelProfile Linux67 = new()
    {
        Name = "linux-6.7",
        Ipis =
        [
            Reschedule(), CallFunc(), CpuStop(nmi: true), CrashStop(nmi: true), Timer(), IrqWork(),
            Backtrace(traced: false), KgdbRoundup(traced: false),
        ],
        NrIpi = 6,
        Priorities = Priorities2023,
        StopPasses = [new("CPU_STOP", Second)],
        CrashStopPasses = [new("CPU_CRASH_STOP", Second)],
        BacktracePrintk = PrintkDeferral.InNmi,
    };

    public static readonly KernelProfile Linux612 = new()
    {
        Name = "linux-6.12",
        Ipis =
        [
            Reschedule(), CallFunc(), CpuStop(nmi: false),
            new("CPU_STOP_NMI", 3, true, true, "CPU stop NMIs", "smp_send_stop", "local_cpu_stop"),
            Timer(), IrqWork(), Backtrace(traced: false), KgdbRoundup(traced: false),
        ],
        NrIpi = 6,
        Priorities = Priorities2024,
        StopPasses = [new("CPU_STOP", Second), new("CPU_STOP_NMI", TenMilliseconds, NmiOnly: true)],
        CrashStopPasses = [new("CPU_STOP", Second), new("CPU_STOP_NMI", TenMilliseconds, NmiOnly: true)],
        BacktracePrintk = PrintkDeferral.Always,
    };

    public static IReadOnlyList<KernelProfile> All { get; } = [Linux61, Linux67, Linux612];

    public static bool TryGet(string name, out KernelProfile profile)
    {
        profile = All.FirstOrDefault(p => p.Name == name)!;
        return profile is not null;
    }
}
