namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 4: ICC_IAR1_EL1, ICC_EOIR1_EL1 and ICC_DIR_EL1.</summary>
public class AcknowledgeAndEoiTests
{
    // Rule 4: acknowledge moves the HPPI pending -> active, sets its group priority in the APR, raises ICC_RPR_EL1.
    [Fact]
    public void Iar1_moves_the_hppi_to_active_and_raises_the_running_priority()
    {
        var gic = TestGics.Create(priority: 0xA0);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);

        Assert.Equal(1, gic.AcknowledgeIar1(0));

        var r = gic.Redistributor(0);
        var c = gic.CpuInterface(0);
        Assert.Equal(0x2u, r.ActiveBits);
        Assert.Equal(0u, r.PendingBits);
        Assert.Equal(UInt128.One << 20, c.ActivePriorities1); // 0xA0 >> 3
        Assert.Equal(UInt128.Zero, c.ActivePriorities0);
        Assert.Equal(0xA0, c.RunningPriority);
        Assert.Equal(1, c.AckDepth);
        Assert.Equal(1, c.MostRecentAcknowledge);
    }

    // Rule 4: acknowledge sets the *group* priority in the APR: with BPR1 = 4 the subpriority bit 3 is dropped.
    [Fact]
    public void Acknowledge_sets_the_group_priority_in_the_apr()
    {
        var gic = TestGics.Create(priority: 0xA8);
        Assert.Equal(GicError.None, gic.CpuInterface(0).SetBpr1(4));
        TestGics.SendToSelf(gic, 0, 6);

        Assert.Equal(6, gic.AcknowledgeIar1(0));

        Assert.Equal(UInt128.One << 20, gic.CpuInterface(0).ActivePriorities1);
        Assert.Equal(0xA0, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 4: nothing eligible: ICC_IAR1_EL1 returns 1023 (spurious) and changes nothing.
    [Theory]
    [InlineData("nothing pending")]
    [InlineData("disabled")]
    [InlineData("masked by pmr")]
    [InlineData("group 1 off in ICC_IGRPEN1")]
    [InlineData("group 1 off in GICD_CTLR")]
    [InlineData("does not beat the running priority")]
    [InlineData("active and pending")]
    [InlineData("hppi is group 0")]
    public void Iar1_returns_1023_when_nothing_is_eligible(string situation)
    {
        var gic = TestGics.Create(priority: 0x80, pmr: 0xF0);
        var r = gic.Redistributor(0);
        var c = gic.CpuInterface(0);
        switch (situation)
        {
            case "nothing pending":
                break;
            case "disabled":
                r.SetEnabled(2, false);
                TestGics.SendToSelf(gic, 0, 2);
                break;
            case "masked by pmr":
                r.SetPriority(2, 0xF0);
                TestGics.SendToSelf(gic, 0, 2);
                break;
            case "group 1 off in ICC_IGRPEN1":
                c.GroupEnable1 = false;
                TestGics.SendToSelf(gic, 0, 2);
                break;
            case "group 1 off in GICD_CTLR":
                gic.Distributor.EnableGroup1NonSecure = false;
                TestGics.SendToSelf(gic, 0, 2);
                break;
            case "does not beat the running priority":
                TestGics.SendToSelf(gic, 0, 1);
                Assert.Equal(1, gic.AcknowledgeIar1(0));
                r.SetPriority(2, 0x88);
                TestGics.SendToSelf(gic, 0, 2);
                break;
            case "active and pending":
                TestGics.SendToSelf(gic, 0, 2);
                Assert.Equal(2, gic.AcknowledgeIar1(0));
                TestGics.SendToSelf(gic, 0, 2);
                break;
            case "hppi is group 0":
                r.SetGroup(2, InterruptGroup.Group0);
                gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 2).Encode());
                r.SetPriority(3, 0x90);
                TestGics.SendToSelf(gic, 0, 3);
                break;
        }
        uint pending = r.PendingBits, active = r.ActiveBits;
        int depth = c.AckDepth;
        byte running = c.RunningPriority;

        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        Assert.Equal(pending, r.PendingBits);
        Assert.Equal(active, r.ActiveBits);
        Assert.Equal(depth, c.AckDepth);
        Assert.Equal(running, c.RunningPriority);
    }

    // Rule 4: a send after the ack makes the SGI active+pending.
    [Fact]
    public void Send_after_ack_makes_the_sgi_active_and_pending()
    {
        var gic = TestGics.Create(cpus: 2);
        TestGics.Send(gic, from: 1, intid: 0, 0);
        Assert.Equal(0, gic.AcknowledgeIar1(0));
        Assert.False(gic.Redistributor(0).IsPending(0));

        var sent = TestGics.Send(gic, from: 1, intid: 0, 0);

        Assert.Equal(new SgiWriteResult(1, 0, 0), sent);
        Assert.True(gic.Redistributor(0).IsActive(0));
        Assert.True(gic.Redistributor(0).IsPending(0));
        Assert.Equal(0x1u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(0x1u, gic.Redistributor(0).PendingBits);
    }

    // Rule 4: ICC_EOIR1_EL1 with EOImode 0 drops the priority and deactivates.
    [Fact]
    public void Eoi_in_eoimode0_drops_priority_and_deactivates()
    {
        var gic = TestGics.Create();
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));

        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 3));

        Assert.Equal(0u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(UInt128.Zero, gic.CpuInterface(0).ActivePriorities1);
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(0, gic.CpuInterface(0).AckDepth);
        Assert.Equal(0, gic.CpuInterface(0).AwaitingDeactivation);
    }

    // Rule 4: EOImode 1: ICC_EOIR1_EL1 only drops the priority.
    [Fact]
    public void Eoi_in_eoimode1_only_drops_priority()
    {
        var gic = TestGics.Create(eoiMode: true);
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));

        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 3));

        Assert.Equal(0x8u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(UInt128.Zero, gic.CpuInterface(0).ActivePriorities1);
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(0, gic.CpuInterface(0).AckDepth);
        Assert.Equal(1, gic.CpuInterface(0).AwaitingDeactivation);
    }

    // Rule 4: EOImode 1: ICC_DIR_EL1 deactivates later.
    [Fact]
    public void Dir_deactivates_in_eoimode1()
    {
        var gic = TestGics.Create(eoiMode: true);
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 3));

        Assert.Equal(GicError.None, gic.DeactivateInterrupt(0, 3));

        Assert.Equal(0u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(0, gic.CpuInterface(0).AwaitingDeactivation);
        Assert.Equal(GicError.DirNotActive, gic.DeactivateInterrupt(0, 3));
    }

    // Rule 4: EOImode 1: the deactivation comes after the priority drop; ICC_DIR_EL1 before it is an error.
    [Fact]
    public void Dir_before_priority_drop_is_an_error_and_changes_nothing()
    {
        var gic = TestGics.Create(eoiMode: true);
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));

        Assert.Equal(GicError.DirBeforePriorityDrop, gic.DeactivateInterrupt(0, 3));

        Assert.Equal(0x8u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(1, gic.CpuInterface(0).AckDepth);
        Assert.Equal(0xA0, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 4: ICC_DIR_EL1 belongs to EOImode 1; in EOImode 0 it is an error and changes nothing.
    [Fact]
    public void Dir_in_eoimode0_is_an_error_and_changes_nothing()
    {
        var gic = TestGics.Create();
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));

        Assert.Equal(GicError.DirInEoiMode0, gic.DeactivateInterrupt(0, 3));

        Assert.Equal(0x8u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(1, gic.CpuInterface(0).AckDepth);
    }

    // Rule 4: EOIs must nest (most recent ack first); one that does not is an error and changes nothing.
    [Fact]
    public void Eoi_that_does_not_nest_is_an_error_and_changes_nothing()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);
        r.SetPriority(1, 0x80);
        r.SetPriority(0, 0x40);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        TestGics.SendToSelf(gic, 0, 0);
        Assert.Equal(0, gic.AcknowledgeIar1(0));
        var apr = gic.CpuInterface(0).ActivePriorities1;

        Assert.Equal(GicError.EoiNotNested, gic.EndOfInterrupt1(0, 1));

        Assert.Equal(0x3u, r.ActiveBits);
        Assert.Equal(2, gic.CpuInterface(0).AckDepth);
        Assert.Equal(0x40, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(apr, gic.CpuInterface(0).ActivePriorities1);
        Assert.Equal((UInt128.One << 16) | (UInt128.One << 8), apr);

        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 0));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, 1));
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(0u, r.ActiveBits);
    }

    // Rule 4: an EOI with nothing acknowledged does not nest either: error, nothing changes.
    [Fact]
    public void Eoi_without_acknowledge_is_an_error()
    {
        var gic = TestGics.Create();
        TestGics.SendToSelf(gic, 0, 3);

        Assert.Equal(GicError.EoiWithoutAcknowledge, gic.EndOfInterrupt1(0, 3));

        Assert.Equal(0x8u, gic.Redistributor(0).PendingBits);
        Assert.Equal(0u, gic.Redistributor(0).ActiveBits);
    }

    // Rule 4: EOIs name the group's register: ICC_EOIR1_EL1 for a Group 0 interrupt is an error and changes nothing.
    [Fact]
    public void Eoir1_for_a_group0_interrupt_is_an_error()
    {
        var gic = TestGics.Create();
        gic.Redistributor(0).SetGroup(9, InterruptGroup.Group0);
        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 9).Encode());
        Assert.Equal(9, gic.AcknowledgeIar0(0));

        Assert.Equal(GicError.EoiWrongGroup, gic.EndOfInterrupt1(0, 9));
        Assert.Equal(1, gic.CpuInterface(0).AckDepth);

        Assert.Equal(GicError.None, gic.EndOfInterrupt0(0, 9));
        Assert.Equal(0u, gic.Redistributor(0).ActiveBits);
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 4: special INTIDs are ignored by EOI (and by DIR).
    [Theory]
    [InlineData(1020)]
    [InlineData(1021)]
    [InlineData(Intid.Nmi)]
    [InlineData(Intid.Spurious)]
    public void Eoi_of_a_special_intid_is_ignored(int special)
    {
        var gic = TestGics.Create(eoiMode: true);
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));

        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, special));
        Assert.Equal(GicError.None, gic.DeactivateInterrupt(0, special));

        Assert.Equal(1, gic.CpuInterface(0).AckDepth);
        Assert.Equal(0, gic.CpuInterface(0).AwaitingDeactivation);
        Assert.Equal(0xA0, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(0x8u, gic.Redistributor(0).ActiveBits);
    }

    // Rule 4: each priority drop clears the highest APR bit, restoring the running priority of the level below.
    [Fact]
    public void Nested_eois_restore_the_running_priority_level_by_level()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);
        byte[] priorities = [0xC0, 0x90, 0x60, 0x30];
        for (int i = 0; i < priorities.Length; i++)
        {
            r.SetPriority(i, priorities[i]);
            TestGics.SendToSelf(gic, 0, i);
            Assert.Equal(i, gic.AcknowledgeIar1(0));
            Assert.Equal(priorities[i], gic.CpuInterface(0).RunningPriority);
        }

        byte[] after = [0x60, 0x90, 0xC0, 0xFF];
        for (int i = 3; i >= 0; i--)
        {
            Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, i));
            Assert.Equal(after[3 - i], gic.CpuInterface(0).RunningPriority);
        }
        Assert.Equal(0u, r.ActiveBits);
    }
}
