using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The independent acknowledge check, rule by rule, under each masking discipline: every rule is
/// made to fire here, and a legal take passes (the shipped scenarios, run with it on, show it
/// raises nothing where the model is right).
/// </summary>
public class AckLegalityTests
{
    private static AckLegality Harness(bool preemptible = false) => new(Masking.Harness, preemptible);
    private static AckLegality Pseudo() => new(Masking.For(KernelProfiles.Linux612, NmiMode.Pseudo), preemptibleHandlers: false);
    private static AckLegality Architected() => new(Masking.For(KernelProfiles.Linux612, NmiMode.Architected), preemptibleHandlers: false);

    [Fact]
    public void Harness_refuses_a_take_while_irqs_are_masked_and_allows_it_after()
    {
        var a = Harness();
        Assert.Null(a.Taken(1, 0xA0, false));
        a.SoftwareMask(true);
        Assert.Equal("IRQs were masked (PSTATE.I set)", a.Taken(1, 0xA0, false));
        a.SoftwareMask(false);
        Assert.Null(a.Taken(1, 0xA0, false));
        a.Hung();
        Assert.Equal("IRQs were masked (PSTATE.I set)", a.Taken(1, 0xA0, false));
    }

    [Fact]
    public void Harness_handlers_run_masked_unless_preemptible_and_then_only_higher_priority_gets_in()
    {
        var a = Harness();
        a.Entered(1, 0xA0, false);
        Assert.Equal("a handler was running with PSTATE.I set", a.Taken(2, 0x80, false));
        var p = Harness(preemptible: true);
        p.Entered(1, 0xA0, false);
        Assert.Null(p.Taken(2, 0x80, false));
        Assert.Equal("a handler of INTID 1 at priority 0xA0 was running", p.Taken(3, 0xA0, false));
        p.Exited();
        Assert.Null(p.Taken(3, 0xA0, false));
    }

    [Fact]
    public void Harness_pmr_masks_priorities_at_or_below_it()
    {
        Assert.Equal("the PMR (0xF0) masked its priority 0xF0", Harness().Taken(1, 0xF0, false));
    }

    [Fact]
    public void An_active_intid_cannot_be_acknowledged_again_until_deactivated()
    {
        var a = Harness();
        Assert.Null(a.Acknowledged(5));
        Assert.Equal("it was already active on this CPU", a.Acknowledged(5));
        a.Deactivated(5);
        Assert.Null(a.Acknowledged(5));
    }

    [Fact]
    public void Pseudo_nmi_masks_irqs_through_the_pmr_and_lets_the_nmi_priority_in()
    {
        var a = Pseudo(); // linux-6.12: PMR 0xE0 unmasked, 0xC0 masked; IRQs at 0xC0, NMIs at 0x80
        Assert.Null(a.Taken(0, 0xC0, false));
        a.SoftwareMask(true);
        Assert.Equal("the PMR (0xC0) masked its priority 0xC0", a.Taken(0, 0xC0, false));
        Assert.Null(a.Taken(3, 0x80, false));
        a.SoftwareMask(false);
        a.Entered(0, 0xC0, false); // an IRQ handler runs with the masked PMR
        Assert.Equal("the PMR (0xC0) masked its priority 0xC0", a.Taken(1, 0xC0, false));
        Assert.Null(a.Taken(3, 0x80, false));
        a.Entered(3, 0x80, false); // an NMI (by its priority) runs with PSTATE.I set
        Assert.Equal("an NMI handler was running (PSTATE.I set)", a.Taken(6, 0x80, false));
    }

    [Fact]
    public void Architected_nmis_pass_pstate_i_but_not_allint()
    {
        var a = Architected();
        a.SoftwareMask(true);
        Assert.Equal("IRQs were masked (PSTATE.I set)", a.Taken(0, 0xA0, false));
        Assert.Null(a.Taken(3, 0xA0, nmiBit: true));
        a.Entered(3, 0xA0, nmiBit: true);
        Assert.Equal("an NMI handler was running (PSTATE.ALLINT set)", a.Taken(6, 0xA0, nmiBit: true));
    }
}
