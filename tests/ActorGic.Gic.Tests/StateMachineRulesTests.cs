namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 4: the private bank, edge-only SGIs, candidates and the choice of the HPPI.</summary>
public class StateMachineRulesTests
{
    // Rule 4: every PE's redistributor has its own bank for the 32 private INTIDs.
    [Fact]
    public void Each_pe_has_its_own_private_bank()
    {
        var gic = TestGics.Create(cpus: 2);
        gic.Redistributor(0).SetPriority(1, 0x40);
        gic.Redistributor(1).SetEnabled(1, false);

        var sent = TestGics.Send(gic, from: 0, intid: 1, 0, 1);

        Assert.Equal(2, sent.Pended);
        Assert.Equal(new Hppi(1, 0x40, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(1));
        Assert.Equal(0xA0, gic.Redistributor(1).PriorityOf(1));
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.True(gic.Redistributor(0).IsActive(1));
        Assert.False(gic.Redistributor(1).IsActive(1));
        Assert.True(gic.Redistributor(1).IsPending(1));
        Assert.Equal(0x2u, gic.Redistributor(1).PendingBits);
        Assert.Equal(0u, gic.Redistributor(0).PendingBits);
    }

    // Rule 4: a send sets a pending latch; a second send before acknowledge changes nothing.
    [Fact]
    public void Second_send_while_pending_coalesces()
    {
        var gic = TestGics.Create(cpus: 2);

        var first = TestGics.Send(gic, from: 1, intid: 1, 0);
        var second = TestGics.Send(gic, from: 1, intid: 1, 0);

        Assert.Equal(new SgiWriteResult(1, 0, 0), first);
        Assert.Equal(new SgiWriteResult(0, 1, 0), second);
        Assert.Equal(0x2u, gic.Redistributor(0).PendingBits);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 1));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
    }

    // Rule 4: coalescing keeps no count and no sender id (affinity routing): sends from two CPUs arrive as one INTID.
    [Fact]
    public void Sends_from_two_cpus_coalesce_into_one_delivery_without_sender_id()
    {
        var gic = TestGics.Create(cpus: 3);

        var fromCpu1 = TestGics.Send(gic, from: 1, intid: 2, 0);
        var fromCpu2 = TestGics.Send(gic, from: 2, intid: 2, 0);

        Assert.Equal(new SgiWriteResult(1, 0, 0), fromCpu1);
        Assert.Equal(new SgiWriteResult(0, 1, 0), fromCpu2);
        Assert.Equal(2, gic.AcknowledgeIar1(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(1, gic.CpuInterface(0).AckDepth);
    }

    // Rule 4: SGIs are edge-only.
    [Fact]
    public void Sgi_cannot_be_made_level_sensitive()
    {
        var r = TestGics.Create().Redistributor(0);

        Assert.Equal(GicError.BadConfiguration, r.SetLevelSensitive(3, true));
        Assert.Equal(GicError.None, r.SetLevelSensitive(3, false));
        Assert.Equal(GicError.None, r.SetLevelSensitive(Intid.FirstPpi, true));
    }

    // Rule 4: candidate = pending and enabled: a disabled SGI is latched but not a candidate.
    [Fact]
    public void Disabled_sgi_is_latched_but_not_a_candidate()
    {
        var gic = TestGics.Create();
        gic.Redistributor(0).SetEnabled(4, false);

        var sent = TestGics.SendToSelf(gic, 0, 4);

        Assert.Equal(new SgiWriteResult(1, 0, 0), sent);
        Assert.True(gic.Redistributor(0).IsPending(4));
        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(0));
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.True(gic.Redistributor(0).IsPending(4));
    }

    // Rule 4: candidate needs its group enabled in ICC_IGRPEN1.
    [Fact]
    public void Sgi_is_not_a_candidate_while_icc_igrpen1_is_off()
    {
        var gic = TestGics.Create();
        gic.CpuInterface(0).GroupEnable1 = false;
        TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        gic.CpuInterface(0).GroupEnable1 = true;
        Assert.Equal(1, gic.AcknowledgeIar1(0));
    }

    // Rule 4: candidate needs its group enabled in GICD_CTLR.
    [Fact]
    public void Sgi_is_not_a_candidate_while_gicd_ctlr_group1_is_off()
    {
        var gic = TestGics.Create();
        gic.Distributor.EnableGroup1NonSecure = false;
        TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        gic.Distributor.EnableGroup1NonSecure = true;
        Assert.Equal(1, gic.AcknowledgeIar1(0));
    }

    // Rule 4: active+pending waits for deactivation (EOImode 0: the EOI deactivates).
    [Fact]
    public void Active_and_pending_sgi_waits_for_eoi_in_eoimode0()
    {
        var gic = TestGics.Create();
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));

        var again = TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(new SgiWriteResult(1, 0, 0), again);
        Assert.True(gic.Redistributor(0).IsActive(1));
        Assert.True(gic.Redistributor(0).IsPending(1));
        Assert.Equal(Intid.Spurious, gic.HighestPendingIntid(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 1));
        Assert.False(gic.Redistributor(0).IsActive(1));
        Assert.Equal(1, gic.AcknowledgeIar1(0));
    }

    // Rule 4: active+pending waits for deactivation (EOImode 1: the priority drop is not enough, ICC_DIR_EL1 is).
    [Fact]
    public void Active_and_pending_sgi_waits_for_dir_in_eoimode1()
    {
        var gic = TestGics.Create(eoiMode: true);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 1));
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        Assert.Equal(GicError.None, gic.DeactivateInterrupt(0, 1));
        Assert.Equal(1, gic.AcknowledgeIar1(0));
    }

    // Rule 4: HPPI: the lowest priority value wins.
    [Fact]
    public void Lowest_priority_value_wins()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);
        r.SetPriority(2, 0x90);
        r.SetPriority(7, 0x50);
        r.SetPriority(12, 0x70);
        foreach (int sgi in new[] { 2, 7, 12 }) TestGics.SendToSelf(gic, 0, sgi);

        Assert.Equal(new Hppi(7, 0x50, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        Assert.Equal(7, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 7));
        Assert.Equal(12, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 12));
        Assert.Equal(2, gic.AcknowledgeIar1(0));
    }

    // Rule 4: HPPI: an NMI beats a non-NMI at equal priority.
    [Fact]
    public void Nmi_beats_non_nmi_at_equal_priority()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);
        r.SetPriority(1, 0x00);
        r.SetNmi(5, true);
        TestGics.SendToSelf(gic, 0, 1);
        TestGics.SendToSelf(gic, 0, 5);

        Assert.Equal(new Hppi(5, 0x00, InterruptGroup.Group1NonSecure, true), gic.HighestPending(0));
        Assert.Equal(5, gic.AcknowledgeIar1(0));
    }

    // Rule 4: HPPI: among equal ones the choice is IMPLEMENTATION DEFINED; the model picks the lowest INTID.
    [Fact]
    public void Equal_priorities_pick_the_lowest_intid()
    {
        var gic = TestGics.Create();
        gic.Redistributor(0).SetPriority(9, 0x60);
        gic.Redistributor(0).SetPriority(4, 0x60);
        TestGics.RouteSpi(gic, 40, 0, priority: 0x60);
        TestGics.SendToSelf(gic, 0, 9);
        gic.Distributor.SetPending(40);
        TestGics.SendToSelf(gic, 0, 4);

        Assert.Equal(4, gic.AcknowledgeIar1(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0)); // equal priority does not preempt
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 4));
        Assert.Equal(9, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 9));
        Assert.Equal(40, gic.AcknowledgeIar1(0));
    }
}
