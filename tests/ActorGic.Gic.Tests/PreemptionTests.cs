namespace ActorGic.Gic.Tests;

/// <summary>DOMAIN.md section 4: the priority mask, the running priority, binary points and implemented priority bits.</summary>
public class PreemptionTests
{
    // Rule 4: signalled only if priority < PMR (equal is masked).
    [Fact]
    public void Priority_equal_to_pmr_is_masked()
    {
        var gic = TestGics.Create(priority: 0xA0, pmr: 0xA0);
        TestGics.SendToSelf(gic, 0, 1);

        Assert.Equal(1, gic.HighestPendingIntid(0));
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        gic.CpuInterface(0).Pmr = 0xA8;
        Assert.Equal(SignalKind.Irq, gic.Signal(0));
        Assert.Equal(1, gic.AcknowledgeIar1(0));
    }

    // Rule 4: if something is active, the HPPI must beat the running priority on group priority.
    [Fact]
    public void Equal_group_priority_does_not_preempt_and_higher_does()
    {
        var gic = TestGics.Create(priority: 0x80);
        gic.Redistributor(0).SetPriority(3, 0x78);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);

        TestGics.SendToSelf(gic, 0, 2);
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(SignalKind.Irq, gic.Signal(0));
        Assert.Equal(3, gic.AcknowledgeIar1(0));
        Assert.Equal(0x78, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 4: subpriority never preempts (Group 1 group priority is bits [7:BPR1]).
    [Fact]
    public void Subpriority_never_preempts()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);
        Assert.Equal(GicError.None, gic.CpuInterface(0).SetBpr1(4)); // group priority 0xF0, subpriority 0x08
        r.SetPriority(1, 0x98);
        r.SetPriority(2, 0x90);
        r.SetPriority(3, 0x88);
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(0x90, gic.CpuInterface(0).RunningPriority);

        TestGics.SendToSelf(gic, 0, 2); // 0x90 < 0x98, but only in subpriority
        Assert.Equal(2, gic.HighestPendingIntid(0));
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));

        TestGics.SendToSelf(gic, 0, 3); // group priority 0x80 < 0x90
        Assert.Equal(3, gic.AcknowledgeIar1(0));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 4: Group 0 group priority is bits [7:BPR0+1], one bit fewer than Group 1's [7:BPR1] for the same value.
    [Fact]
    public void Group0_group_priority_uses_bits_above_bpr0_plus_one()
    {
        var gic = TestGics.Create(cpus: 2);
        for (int cpu = 0; cpu < 2; cpu++)
        {
            var r = gic.Redistributor(cpu);
            for (int sgi = 1; sgi <= 2; sgi++) r.SetGroup(sgi, InterruptGroup.Group0);
            r.SetPriority(1, 0x98);
            r.SetPriority(2, 0x90);
            Assert.Equal(GicError.None, gic.CpuInterface(cpu).SetBpr0(3)); // Group 0 mask 0xF0
        }
        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 1).Encode());
        Assert.Equal(1, gic.AcknowledgeIar0(0));
        Assert.Equal(0x90, gic.CpuInterface(0).RunningPriority);
        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 2).Encode());
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar0(0));

        // The same BPR value for Group 1 keeps bit 3 in the group priority, so 0x90 preempts 0x98.
        var g1 = gic.Redistributor(1);
        for (int sgi = 1; sgi <= 2; sgi++) g1.SetGroup(sgi, InterruptGroup.Group1NonSecure);
        Assert.Equal(GicError.None, gic.CpuInterface(1).SetBpr1(3));
        TestGics.SendToSelf(gic, 1, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(1));
        Assert.Equal(0x98, gic.CpuInterface(1).RunningPriority);
        TestGics.SendToSelf(gic, 1, 2);
        Assert.Equal(2, gic.AcknowledgeIar1(1));
        Assert.Equal(0x90, gic.CpuInterface(1).RunningPriority);
    }

    // Rule 4: preemption compares (prio & mask) < (running & mask), both masked with the pending interrupt's binary point.
    [Fact]
    public void Preemption_masks_the_running_priority_with_the_pending_groups_binary_point()
    {
        var gic = TestGics.Create();
        var r = gic.Redistributor(0);
        var c = gic.CpuInterface(0);
        r.SetPriority(1, 0x98);
        foreach (int sgi in new[] { 8, 9 }) r.SetGroup(sgi, InterruptGroup.Group0);
        r.SetPriority(8, 0x88);
        r.SetPriority(9, 0x78);
        Assert.Equal(GicError.None, c.SetBpr0(4)); // Group 0 group priority is bits [7:5]: mask 0xE0
        TestGics.SendToSelf(gic, 0, 1);
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(0x98, c.RunningPriority);

        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 8).Encode()); // 0x88 & 0xE0 = 0x80 = 0x98 & 0xE0
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar0(0));

        gic.WriteSgi0r(0, Sgi1r.ForCluster(0, 0x1, 9).Encode()); // 0x78 & 0xE0 = 0x60 < 0x80
        Assert.Equal(SignalKind.Fiq, gic.Signal(0));
        Assert.Equal(9, gic.AcknowledgeIar0(0));
        Assert.Equal(0x60, c.RunningPriority);
    }

    // Rule 4: with nothing active there is no running priority to beat, whatever the binary point.
    [Fact]
    public void Idle_cpu_interface_takes_any_unmasked_priority_whatever_the_binary_point()
    {
        var gic = TestGics.Create(pmr: 0xF8);
        var c = gic.CpuInterface(0);
        var r = gic.Redistributor(0);
        Assert.Equal(GicError.None, c.SetBpr1(7)); // Group 1 group priority is bit 7 alone: mask 0x80
        r.SetPriority(1, 0xF0);
        r.SetPriority(2, 0x90);
        r.SetPriority(3, 0x70);
        TestGics.SendToSelf(gic, 0, 1); // 0xF0 & 0x80 = 0x80, and idle 0xFF & 0x80 = 0x80: idle still lets it in

        Assert.Equal(SignalKind.Irq, gic.Signal(0));
        Assert.Equal(1, gic.AcknowledgeIar1(0));
        Assert.Equal(0x80, c.RunningPriority);
        TestGics.SendToSelf(gic, 0, 2);
        Assert.Equal(SignalKind.None, gic.Signal(0));
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));
        Assert.Equal(0x00, c.RunningPriority);
    }

    // Rule 4: implemented priority bits, 5 by default (32 levels, values masked with 0xF8).
    [Fact]
    public void Five_priority_bits_by_default_mask_with_0xF8()
    {
        var gic = TestGics.Create();
        gic.Redistributor(0).SetPriority(1, 0xA7);
        gic.CpuInterface(0).Pmr = 0xFF;

        Assert.Equal(5, gic.Config.PriorityBits);
        Assert.Equal(0xF8, gic.Config.PriorityMask);
        Assert.Equal(0xA0, gic.Redistributor(0).PriorityOf(1));
        Assert.Equal(0xF8, gic.CpuInterface(0).Pmr);
    }

    // Rule 4: implemented priority bits configurable 4-8; priorities and PMR are masked to them.
    [Theory]
    [InlineData(4, 0xF0)]
    [InlineData(5, 0xF8)]
    [InlineData(6, 0xFC)]
    [InlineData(7, 0xFE)]
    [InlineData(8, 0xFF)]
    public void Implemented_priority_bits_mask_priorities_and_pmr(int bits, int mask)
    {
        var gic = TestGics.Create(cpus: 1, config: new GicConfig { PriorityBits = bits });
        gic.Redistributor(0).SetPriority(1, 0xFF);
        gic.CpuInterface(0).Pmr = 0xFF;

        Assert.Equal(mask, gic.Config.PriorityMask);
        Assert.Equal(mask, gic.Redistributor(0).PriorityOf(1));
        Assert.Equal(mask, gic.CpuInterface(0).Pmr);
    }

    // Rule 4: implemented priority bits are 4 to 8; anything else is rejected.
    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    public void Priority_bits_outside_4_to_8_are_rejected(int bits)
    {
        var ex = Assert.Throws<GicConfigurationException>(() => new Gic(Topology.Regular(1), new GicConfig { PriorityBits = bits }));

        Assert.Equal(GicError.BadConfiguration, ex.Error);
        Assert.Contains($"not {bits}", ex.Message);
    }

    // Rule 4: priorities that differ only in unimplemented bits are one level and do not preempt each other.
    [Theory]
    [InlineData(4, false)]
    [InlineData(5, false)]
    [InlineData(6, true)]
    [InlineData(7, true)]
    [InlineData(8, true)]
    public void Only_implemented_priority_bits_preempt(int bits, bool preempts)
    {
        var gic = TestGics.Create(pmr: 0xFF, config: new GicConfig { PriorityBits = bits });
        gic.Redistributor(0).SetPriority(3, 0x87);
        gic.Redistributor(0).SetPriority(2, 0x80);
        TestGics.SendToSelf(gic, 0, 3);
        Assert.Equal(3, gic.AcknowledgeIar1(0));

        TestGics.SendToSelf(gic, 0, 2);

        Assert.Equal(preempts ? 2 : Intid.Spurious, gic.AcknowledgeIar1(0));
    }
}
