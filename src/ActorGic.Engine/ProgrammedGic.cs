using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>One SGI as the profile left it at boot, read back from a booted redistributor.</summary>
public sealed record SgiProgramming(int Sgi, InterruptGroup Group, byte Priority, bool Nmi, bool Enabled);

/// <summary>
/// What the profile programmed, so a reader can hold it against a real kernel's register writes
/// without reading the source: how IRQs are masked, the PMR with IRQs on and off (ICC_PMR_EL1
/// under pseudo-NMI, else the PMR stays at its boot value and PSTATE.I masks), and each SGI's
/// group, priority (as the GIC stores it: with two security states a Non-secure write is stored
/// as 0x80 | value >> 1) and NMI bit. Read back from a freshly booted redistributor bank, not
/// recomputed from the rules that booted it.
/// </summary>
public sealed record ProgrammedGic(string Masking, byte PmrIrqsOn, byte PmrIrqsOff, IReadOnlyList<SgiProgramming> Sgis)
{
    public static ProgrammedGic Of(Simulation sim)
    {
        var masking = sim.Masking;
        var bank = sim.BootBank();
        var sgis = Enumerable.Range(0, Intid.SgiCount)
            .Select(sgi => new SgiProgramming(sgi, bank.GroupOf(sgi), bank.PriorityOf(sgi), bank.IsNmi(sgi), bank.IsEnabled(sgi)))
            .ToList();
        string how = masking.UsesPmr ? "pmr" : masking.Architected ? "pstate.i+allint" : "pstate.i";
        return new ProgrammedGic(how, masking.PmrUnmasked, masking.PmrMasked, sgis);
    }
}
