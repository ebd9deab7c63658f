using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>
/// How the software on a CPU masks interrupts, and what the PE's masks are in each context.
/// Linux with pseudo-NMI masks IRQs through ICC_PMR_EL1 (local_irq_disable writes the masked
/// PMR) and runs IRQ handlers with PSTATE.I clear and the PMR masked, so NMIs still get in; its NMI
/// handlers run with PSTATE.I set. Without pseudo-NMI (and in the bare-metal harness) masking is
/// PSTATE.I, and handlers run with it set; with architected NMIs a superpriority IRQ still gets
/// in unless PSTATE.ALLINT is set, which an NMI handler does.
/// </summary>
public sealed class Masking
{
    private Masking(bool usesPmr, byte pmrUnmasked, byte pmrMasked, bool architected, byte nmiPriority)
    {
        UsesPmr = usesPmr;
        PmrUnmasked = pmrUnmasked;
        PmrMasked = pmrMasked;
        Architected = architected;
        NmiPriority = nmiPriority;
    }

    public bool UsesPmr { get; }
    public byte PmrUnmasked { get; }
    public byte PmrMasked { get; }
    public bool Architected { get; }
    /// <summary>The priority of pseudo-NMIs: after an acknowledge, RPR equal to it means "in an NMI".</summary>
    public byte NmiPriority { get; }

    /// <summary>The bare-metal harness of profile none: PMR 0xF0, PSTATE.I.</summary>
    public static Masking Harness { get; } = new(false, Simulation.HarnessPmr, Simulation.HarnessPmr, false, 0);

    public static Masking For(KernelProfile? kernel, NmiMode nmi, SecurityStates security = SecurityStates.One)
    {
        if (kernel is null) return Harness;
        var p = kernel.Priorities;
        // With two security states Linux's Non-secure writes land shifted (0x80 | v >> 1): the
        // model keeps the values as the GIC stores them, so the order of IRQ, NMI and PMR holds.
        byte Stored(byte v) => security == SecurityStates.Two ? (byte)(0x80 | (v >> 1)) : v;
        return nmi switch
        {
            NmiMode.Pseudo => new Masking(true, Stored(p.PmrUnmasked), Stored(p.PmrMasked), false, Stored(p.NmiPriority)),
            // Without pseudo-NMI Linux leaves the PMR at its default and masks with PSTATE.I.
            NmiMode.None => new Masking(false, Simulation.HarnessPmr, Simulation.HarnessPmr, false, 0),
            _ => new Masking(false, Simulation.HarnessPmr, Simulation.HarnessPmr, true, 0),
        };
    }

    /// <summary>Whether an acknowledged interrupt is an NMI to the software that took it.</summary>
    public bool IsNmi(in Hppi acknowledged) =>
        acknowledged.Nmi || (UsesPmr && acknowledged.Priority == NmiPriority);

    /// <summary>The PMR and PSTATE for the current context.</summary>
    public (byte Pmr, PState PState) Context(bool threadMasked, bool inHandler, bool inNmi, bool preemptibleHandlers)
    {
        if (UsesPmr)
        {
            bool pmrMasked = threadMasked || (inHandler && !inNmi);
            return (pmrMasked ? PmrMasked : PmrUnmasked, new PState(I: inNmi));
        }
        bool i = inHandler ? !preemptibleHandlers || inNmi : threadMasked;
        return (PmrUnmasked, new PState(I: i, AllInt: inNmi && Architected));
    }
}
