namespace ActorGic.Gic.Tests;

/// <summary>
/// A port of the Linux KVM selftest tools/testing/selftests/kvm/arm64/vgic_irq.c, test_inject_preemption(),
/// for SGIs: 16 SGIs with strictly descending priority values, so that each one preempts the one before.
/// </summary>
public class VgicIrqPreemptionTests
{
    private const int Num = 16;
    private const int KvmPrioSteps = 8; // 5 priority bits: one level is 8

    // Rules 4 (preemption, APR, nesting EOIs, EOImode 1 and ICC_DIR_EL1) and 5 (PSTATE.I: IAR1 is read with IRQs masked).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Test_inject_preemption_for_sgis(bool eoiSplit)
    {
        var gic = new Gic(Topology.Regular(1)).EnableAll(priority: 0, pmr: 0xFF, eoiMode: eoiSplit);
        var r = gic.Redistributor(0);
        var c = gic.CpuInterface(0);
        for (int i = 0; i < Num; i++)
            Assert.Equal(GicError.None, r.SetPriority(i, (Num - 1 - i) * KvmPrioSteps));
        Assert.Equal(0xF8, c.Pmr);
        var pstate = new PState(I: true); // local_irq_disable() for the whole test

        for (int i = 0; i < Num; i++)
        {
            Assert.Equal(new SgiWriteResult(1, 0, 0), TestGics.SendToSelf(gic, 0, i));
            var signal = gic.Signal(0);
            Assert.Equal(SignalKind.Irq, signal);
            Assert.False(pstate.TakesException(signal, sctlrNmi: false));

            Assert.Equal(i, gic.AcknowledgeIar1(0)); // each successive SGI preempts the previous one

            Assert.Equal((Num - 1 - i) * KvmPrioSteps, c.RunningPriority);
            Assert.Equal(i + 1, c.AckDepth);
        }
        Assert.Equal(0xFFFFu, r.ActiveBits);
        Assert.Equal(0u, r.PendingBits);
        Assert.Equal((UInt128)0xFFFF, c.ActivePriorities1);

        for (int i = Num - 1; i >= 0; i--)
        {
            Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, i));
            Assert.Equal(i == 0 ? 0xFF : (Num - i) * KvmPrioSteps, c.RunningPriority);
            Assert.Equal(eoiSplit, r.IsActive(i));
        }
        if (eoiSplit)
        {
            Assert.Equal(Num, c.AwaitingDeactivation);
            Assert.Equal(0xFFFFu, r.ActiveBits);
            for (int i = 0; i < Num; i++)
            {
                Assert.Equal(GicError.None, gic.DeactivateInterrupt(0, i));
                Assert.False(r.IsActive(i));
            }
        }

        Assert.Equal(0u, r.ActiveBits);
        Assert.Equal(0, c.AckDepth);
        Assert.Equal(0, c.AwaitingDeactivation);
        Assert.Equal(0xFF, c.RunningPriority);
        Assert.Equal(UInt128.Zero, c.ActivePriorities1); // gic_read_ap1r0() == 0
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0)); // GUEST_ASSERT_IAR_EMPTY()
    }
}
