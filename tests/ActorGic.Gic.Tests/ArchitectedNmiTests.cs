namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 6: the architected NMI (GICv3.3 FEAT_GICv3_NMI, Armv8.8 FEAT_NMI).</summary>
public class ArchitectedNmiTests
{
    private static readonly GicConfig TwoStates = new() { Security = SecurityStates.Two };

    private static Gic WithNmiSgi(int intid, byte pmr = 0xF0, GicConfig? config = null)
    {
        var gic = TestGics.Create(priority: 0xC0, pmr: pmr, config: config);
        Assert.Equal(GicError.None, gic.Redistributor(0).SetNmi(intid, true));
        return gic;
    }

    // Rule 6: a per-INTID superpriority bit (GICR_INMIR0) gives an effective priority of 0x00.
    [Fact]
    public void Nmi_has_effective_priority_0x00()
    {
        var gic = WithNmiSgi(2);
        TestGics.SendToSelf(gic, 0, 2);

        Assert.True(gic.Redistributor(0).IsNmi(2));
        Assert.Equal(0xC0, gic.Redistributor(0).PriorityOf(2));
        Assert.Equal(new Hppi(2, 0x00, InterruptGroup.Group1NonSecure, true), gic.HighestPending(0));
        Assert.Equal(SignalKind.IrqSuperpriority, gic.Signal(0));
    }

    // Rule 6: effective priority 0x80 for a Non-secure Group 1 NMI with two security states.
    [Fact]
    public void Non_secure_group1_nmi_has_effective_priority_0x80_with_two_security_states()
    {
        var gic = WithNmiSgi(2, config: TwoStates);
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(new Hppi(2, 0x80, InterruptGroup.Group1NonSecure, true), gic.HighestPending(0));
    }

    // Rule 6: an NMI wins ties (GICD_INMIR makes an SPI an NMI; it beats a lower-INTID SGI at 0x00).
    [Fact]
    public void Spi_nmi_from_gicd_inmir_wins_the_tie_with_a_non_nmi_sgi_at_0x00()
    {
        var gic = TestGics.Create();
        gic.Redistributor(0).SetPriority(1, 0x00);
        TestGics.RouteSpi(gic, 100, 0, priority: 0xE0);
        Assert.Equal(GicError.None, gic.Distributor.SetNmi(100, true));
        TestGics.SendToSelf(gic, 0, 1);
        gic.Distributor.SetPending(100);

        Assert.Equal(new Hppi(100, 0x00, InterruptGroup.Group1NonSecure, true), gic.HighestPending(0));
        Assert.Equal(100, gic.AcknowledgeIar1(0));
    }

    // Rule 6: PMR does not mask an architected NMI (not even PMR 0x00).
    [Fact]
    public void Pmr_does_not_mask_an_architected_nmi()
    {
        var gic = WithNmiSgi(2, pmr: 0x00);
        TestGics.SendToSelf(gic, 0, 1);
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(SignalKind.IrqSuperpriority, gic.Signal(0));
        Assert.Equal(2, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 2));
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
    }

    // Rule 6: except a Non-secure Group 1 NMI with two security states when PMR < 0x80.
    [Fact]
    public void Non_secure_group1_nmi_is_masked_by_pmr_below_0x80_with_two_security_states()
    {
        var gic = WithNmiSgi(2, pmr: 0x78, config: TwoStates);
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        gic.CpuInterface(0).Pmr = 0x80;
        Assert.Equal(SignalKind.IrqSuperpriority, gic.Signal(0));
        Assert.Equal(2, gic.AcknowledgeIar1(0));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 6: an NMI preempts at *equal* group priority (a non-NMI would not).
    [Fact]
    public void Nmi_preempts_at_equal_group_priority()
    {
        var gic = WithNmiSgi(2);
        gic.Redistributor(0).SetPriority(1, 0x00);
        gic.Redistributor(0).SetPriority(3, 0x00);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(0x00, gic.CpuInterface(0).RunningPriority);

        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(SignalKind.IrqSuperpriority, gic.Signal(0));
        Assert.Equal(2, gic.AcknowledgeIar1(0));
        Assert.Equal(2, gic.CpuInterface(0).AckDepth);
    }

    // Rule 6: ... unless an NMI is already active.
    [Fact]
    public void Nmi_does_not_preempt_an_active_nmi()
    {
        var gic = WithNmiSgi(2);
        gic.Redistributor(0).SetNmi(3, true);
        TestGics.SendToSelf(gic, 0, 2);
        Assert.Equal(2, gic.AcknowledgeIar1(0));

        TestGics.SendToSelf(gic, 0, 3);

        Assert.Equal(new Hppi(3, 0x00, InterruptGroup.Group1NonSecure, true), gic.HighestPending(0));
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeNmiar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 2));
        Assert.Equal(3, gic.AcknowledgeNmiar1(0));
    }

    // Rule 6: ICC_IAR1_EL1 returns 1022 (without activating) when the HPPI is an NMI and SCTLR_ELx.NMI = 1.
    [Fact]
    public void Iar1_returns_1022_for_nmi_when_sctlr_nmi_is_set()
    {
        var gic = WithNmiSgi(2);
        gic.CpuInterface(0).SctlrNmi = true;
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(Intid.Nmi, gic.AcknowledgeIar1(0));

        Assert.Equal(1022, Intid.Nmi);
        Assert.Equal(0x4u, gic.Redistributor(0).PendingBits);
        Assert.Equal(0u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(0, gic.CpuInterface(0).AckDepth);
        Assert.False(gic.CpuInterface(0).NmiActive);
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 6: with SCTLR_ELx.NMI = 0 the NMI is acknowledged by ICC_IAR1_EL1 like any interrupt.
    [Fact]
    public void Iar1_acknowledges_an_nmi_when_sctlr_nmi_is_clear()
    {
        var gic = WithNmiSgi(2);
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(2, gic.AcknowledgeIar1(0));
        Assert.True(gic.CpuInterface(0).NmiActive);
    }

    // Rule 6: ICC_NMIAR1_EL1 acknowledges the NMI.
    [Fact]
    public void Nmiar1_acknowledges_the_nmi_iar1_reported_as_1022()
    {
        var gic = WithNmiSgi(2);
        gic.CpuInterface(0).SctlrNmi = true;
        TestGics.SendToSelf(gic, 0, 2);
        Assert.Equal(Intid.Nmi, gic.AcknowledgeIar1(0));

        Assert.Equal(2, gic.AcknowledgeNmiar1(0));

        Assert.Equal(0u, gic.Redistributor(0).PendingBits);
        Assert.Equal(0x4u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(1, gic.CpuInterface(0).AckDepth);
    }

    // Rule 6: ICC_NMIAR1_EL1 returns 1023 when the HPPI is not an NMI, and acknowledges nothing.
    [Fact]
    public void Nmiar1_returns_1023_when_the_hppi_is_not_an_nmi()
    {
        var gic = WithNmiSgi(2);
        TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(Intid.Spurious, gic.AcknowledgeNmiar1(0));

        Assert.Equal(0x2u, gic.Redistributor(0).PendingBits);
        Assert.Equal(0u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
    }

    // Rule 6: activation sets the APR's NMI bit, and the running priority becomes the NMI's.
    [Fact]
    public void Nmi_activation_sets_the_apr_nmi_bit_and_the_running_priority()
    {
        var gic = WithNmiSgi(2);
        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(2, gic.AcknowledgeNmiar1(0));

        var c = gic.CpuInterface(0);
        Assert.True(c.NmiActive);
        Assert.Equal(0x00, c.RunningPriority);
        Assert.Equal(UInt128.Zero, c.ActivePriorities1);
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 2));
        Assert.False(c.NmiActive);
        Assert.Equal(0xFF, c.RunningPriority);
    }

    // Rule 6: priority drop clears the NMI bit first; the interrupt it preempted keeps its APR bit.
    [Fact]
    public void Priority_drop_clears_the_nmi_bit_first()
    {
        var gic = WithNmiSgi(2);
        gic.Redistributor(0).SetPriority(1, 0x00);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        TestGics.SendToSelf(gic, 0, 2);
        Assert.Equal(2, gic.AcknowledgeIar1(0));
        var c = gic.CpuInterface(0);
        Assert.True(c.NmiActive);
        Assert.Equal(UInt128.One, c.ActivePriorities1);

        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 2));

        Assert.False(c.NmiActive);
        Assert.Equal(UInt128.One, c.ActivePriorities1);
        Assert.Equal(0x00, c.RunningPriority);
        Assert.Equal(1, c.AckDepth);
        Assert.Equal(0x2u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 1));
        Assert.Equal(0xFF, c.RunningPriority);
    }

    // Rule 6 with rule 4: the running priority is the highest active one; a Secure Group 0 interrupt at 0x10
    // that preempted a Non-secure NMI (effective 0x80) sets it, so a Group 0 interrupt at 0x20 must wait.
    [Fact]
    public void Group0_interrupt_preempting_a_non_secure_nmi_sets_the_running_priority()
    {
        var gic = WithNmiSgi(2, pmr: 0xF8, config: TwoStates);
        var r = gic.Redistributor(0);
        r.SetGroup(8, InterruptGroup.Group0);
        r.SetGroup(9, InterruptGroup.Group0);
        r.SetPriority(8, 0x10);
        r.SetPriority(9, 0x20);
        TestGics.SendToSelf(gic, 0, 2);
        Assert.Equal(2, gic.AcknowledgeIar1(0));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);

        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 8).Encode());
        Assert.Equal(SignalKind.Fiq, gic.Signal(0));
        Assert.Equal(8, gic.AcknowledgeIar0(0));
        Assert.Equal(0x10, gic.CpuInterface(0).RunningPriority);

        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 9).Encode());
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar0(0));

        Assert.Equal(GicError.None, gic.EndOfInterrupt0(0, 8));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(9, gic.AcknowledgeIar0(0));
        Assert.Equal(0x20, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 6: on the PE side PSTATE.ALLINT still masks everything, the NMI included.
    [Fact]
    public void Pstate_allint_masks_nmis()
    {
        var gic = WithNmiSgi(2);
        TestGics.SendToSelf(gic, 0, 2);
        var signal = gic.Signal(0);
        var allInt = new PState(I: false, F: false, AllInt: true);

        Assert.Equal(SignalKind.IrqSuperpriority, signal);
        Assert.False(allInt.TakesException(signal, sctlrNmi: true));
        Assert.False(allInt.TakesException(SignalKind.Irq, sctlrNmi: true));
        Assert.False(allInt.TakesException(SignalKind.Fiq, sctlrNmi: true));
        Assert.True(new PState(I: false).TakesException(signal, sctlrNmi: true));
    }

    // Rule 6 (FEAT_NMI): with SCTLR_ELx.NMI = 1, PSTATE.I masks normal IRQs but not a superpriority one.
    [Fact]
    public void Pstate_i_does_not_mask_an_nmi_with_sctlr_nmi_set()
    {
        var masked = new PState(I: true);

        Assert.True(masked.TakesException(SignalKind.IrqSuperpriority, sctlrNmi: true));
        Assert.False(masked.TakesException(SignalKind.Irq, sctlrNmi: true));
    }

    // Rule 5/6: without the architected NMI (SCTLR_ELx.NMI = 0), PSTATE.I masks everything, superpriority too.
    [Fact]
    public void Pstate_i_masks_everything_without_architected_nmi()
    {
        var masked = new PState(I: true);

        Assert.False(masked.TakesException(SignalKind.IrqSuperpriority, sctlrNmi: false));
        Assert.False(masked.TakesException(SignalKind.Irq, sctlrNmi: false));
        Assert.False(masked.TakesException(SignalKind.None, sctlrNmi: false));
        Assert.True(new PState(I: false).TakesException(SignalKind.IrqSuperpriority, sctlrNmi: false));
    }
}
