namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 4: GICD_CTLR.DS (one or two security states) and the firmware's SGIs 8-15.</summary>
public class SecurityStateTests
{
    private static readonly GicConfig TwoStates = new() { Security = SecurityStates.Two };

    private static void GiveSgis8To15ToFirmware(Gic gic, int cpu, InterruptGroup group)
    {
        for (int sgi = 8; sgi < 16; sgi++)
            Assert.Equal(GicError.None, gic.Redistributor(cpu).SetGroup(sgi, group));
    }

    // Rule 4: DS = 0: a Non-secure write of v stores 0x80 | v >> 1.
    [Fact]
    public void Non_secure_priority_write_is_shifted_with_two_security_states()
    {
        var r = TestGics.Create(config: TwoStates).Redistributor(0);

        Assert.Equal(GicError.None, r.SetPriorityNonSecure(1, 0xA0));
        Assert.Equal(GicError.None, r.SetPriorityNonSecure(2, 0x00));

        Assert.Equal(0xD0, r.PriorityOf(1));
        Assert.Equal(0xA0, r.PriorityNonSecure(1));
        Assert.Equal(0x80, r.PriorityOf(2));
        Assert.Equal(0x00, r.PriorityNonSecure(2));
    }

    // Rule 4: the model's default is one security state (DS = 1): priorities as written.
    [Fact]
    public void Non_secure_priority_write_is_stored_as_written_with_one_security_state()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);

        Assert.Equal(GicError.None, r.SetPriorityNonSecure(1, 0x40));

        Assert.Equal(SecurityStates.One, gic.Config.Security);
        Assert.True(gic.Distributor.DisableSecurity);
        Assert.Equal(0x40, r.PriorityOf(1));
        Assert.Equal(0x40, r.PriorityNonSecure(1));
    }

    // Rule 4: DS = 0: the Non-secure view cannot reach a Secure interrupt's priority (RAZ/WI).
    [Fact]
    public void Non_secure_priority_write_to_a_secure_interrupt_is_ignored()
    {
        var r = TestGics.Create(config: TwoStates).Redistributor(0);
        r.SetGroup(8, InterruptGroup.Group0);
        r.SetPriority(8, 0x10);

        Assert.Equal(GicError.None, r.SetPriorityNonSecure(8, 0xA0));

        Assert.Equal(0x10, r.PriorityOf(8));
        Assert.Equal(0, r.PriorityNonSecure(8));
    }

    // Rule 4: DS = 0: the Non-secure view of ICC_PMR_EL1 is shifted the same way.
    [Fact]
    public void Non_secure_pmr_write_is_shifted_with_two_security_states()
    {
        var c = TestGics.Create(config: TwoStates).CpuInterface(0);

        c.WritePmrNonSecure(0xC0);

        Assert.Equal(0xE0, c.Pmr);
        Assert.Equal(0xC0, c.PmrNonSecure);
    }

    // Rule 4: DS = 0: the shifted view keeps every Non-secure priority below a Secure one under 0x80.
    [Fact]
    public void Secure_group0_at_0x70_beats_the_highest_non_secure_priority_with_two_security_states()
    {
        var gic = TestGics.Create(pmr: 0xF8, config: TwoStates);
        var r = gic.Redistributor(0);
        r.SetPriorityNonSecure(1, 0x00); // stored 0x80
        r.SetGroup(8, InterruptGroup.Group0);
        r.SetPriority(8, 0x70);
        TestGics.SendToSelf(gic, 0, 1);
        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 8).Encode());

        Assert.Equal(new Hppi(8, 0x70, InterruptGroup.Group0, false), gic.HighestPending(0));
        Assert.Equal(SignalKind.Fiq, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(8, gic.AcknowledgeIar0(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0)); // 0x80 does not preempt 0x70
    }

    // Rule 4: SGIs 8-15 belong to firmware (Group 0): a Group 1 send to one is dropped by the target's redistributor.
    [Fact]
    public void Group1_send_to_firmware_sgi_is_dropped()
    {
        var gic = TestGics.Create(cpus: 2);
        GiveSgis8To15ToFirmware(gic, 1, InterruptGroup.Group0);

        for (int sgi = 8; sgi < 16; sgi++)
            Assert.Equal(new SgiWriteResult(0, 0, 1), TestGics.Send(gic, from: 0, intid: sgi, 1));

        Assert.Equal(0u, gic.Redistributor(1).PendingBits);
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(1));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar0(1));
    }

    // Rule 4: with two security states firmware's SGIs are Secure Group 1: a Non-secure Group 1 send is dropped too.
    [Fact]
    public void Group1_send_to_secure_group1_sgi_is_dropped_with_two_security_states()
    {
        var gic = TestGics.Create(cpus: 2, config: TwoStates);
        GiveSgis8To15ToFirmware(gic, 1, InterruptGroup.Group1Secure);

        var sent = TestGics.Send(gic, from: 0, intid: 10, 1);

        Assert.Equal(new SgiWriteResult(0, 0, 1), sent);
        Assert.Equal(InterruptGroup.Group1Secure, gic.Redistributor(1).GroupOf(10));
        Assert.False(gic.Redistributor(1).IsPending(10));
    }

    // Rule 4: the drops are counted, one per target redistributor; Linux's own SGIs in the same write still arrive.
    [Fact]
    public void Dropped_firmware_sgi_sends_are_counted_per_target()
    {
        var gic = TestGics.Create(cpus: 4);
        for (int cpu = 0; cpu < 4; cpu++) GiveSgis8To15ToFirmware(gic, cpu, InterruptGroup.Group0);

        var toFirmware = TestGics.Send(gic, from: 0, intid: 9, 1, 2, 3);
        var toLinux = TestGics.Send(gic, from: 0, intid: 7, 1, 2, 3);

        Assert.Equal(new SgiWriteResult(0, 0, 3), toFirmware);
        Assert.Equal(3, toFirmware.Reached);
        Assert.Equal(new SgiWriteResult(3, 0, 0), toLinux);
    }

    // Rule 4: firmware's own Group 0 send (ICC_SGI0R_EL1) to a Group 0 SGI is pended and signalled as a FIQ.
    [Fact]
    public void Group0_send_to_firmware_sgi_is_pended()
    {
        var gic = TestGics.Create(cpus: 2);
        GiveSgis8To15ToFirmware(gic, 1, InterruptGroup.Group0);

        var sent = gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x2, 8).Encode());

        Assert.Equal(new SgiWriteResult(1, 0, 0), sent);
        Assert.Equal(SignalKind.Fiq, gic.Signal(1));
        Assert.Equal(8, gic.AcknowledgeIar0(1));
    }
}
