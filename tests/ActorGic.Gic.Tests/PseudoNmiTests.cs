namespace ActorGic.Gic.Tests;

/// <summary>
/// DOMAIN.md section 5: Linux's pseudo-NMI. IRQs are masked by ICC_PMR_EL1, and NMIs get a priority
/// the masked PMR still lets through. The GIC here has no FEAT_GICv3_NMI, so every NMI is an ordinary IRQ to it.
/// </summary>
public class PseudoNmiTests
{
    private const int Reschedule = 0;
    private const int CpuStopNmi = 3;
    private const int CpuBacktrace = 6;

    private static readonly GicConfig NoArchitectedNmi = new() { ArchitectedNmi = false };

    /// <summary>A PE set up as Linux with pseudo-NMI: IRQ SGIs at <paramref name="irq"/>, the NMI SGIs 3, 6, 7 at <paramref name="nmi"/>.</summary>
    private static Gic Linux(int cpus, byte pmr, byte irq, byte nmi)
    {
        var gic = TestGics.Create(cpus, priority: irq, pmr: pmr, config: NoArchitectedNmi);
        for (int cpu = 0; cpu < cpus; cpu++)
            foreach (int sgi in new[] { CpuStopNmi, CpuBacktrace, 7 })
                gic.Redistributor(cpu).SetPriority(sgi, nmi);
        return gic;
    }

    /// <summary>Linux's values: since mid-2024, and those of the 2023 exchange.</summary>
    private static (byte PmrUnmasked, byte PmrMasked, byte Irq, byte Nmi) Era(string era) => era switch
    {
        "2024" => (0xE0, 0xC0, 0xC0, 0x80),
        "2023" => (0xE0, 0x60, 0xA0, 0x20),
        _ => throw new ArgumentOutOfRangeException(nameof(era), era, null),
    };

    // Rule 5: with PMR unmasked (0xE0) a normal IRQ (2024: 0xC0, 2023: 0xA0) is signalled.
    [Theory]
    [InlineData("2024")]
    [InlineData("2023")]
    public void Irq_is_signalled_with_pmr_unmasked(string era)
    {
        var v = Era(era);
        var gic = Linux(1, v.PmrUnmasked, v.Irq, v.Nmi);
        TestGics.SendToSelf(gic, 0, Reschedule);

        Assert.Equal(SignalKind.Irq, gic.Signal(0));
        Assert.Equal(Reschedule, gic.AcknowledgeIar1(0));
        Assert.Equal(v.Irq, gic.CpuInterface(0).RunningPriority);
    }

    // Rule 5: with PMR masked (2024: 0xC0, 2023: 0x60) a normal IRQ (0xC0 / 0xA0) is masked: priority >= PMR.
    [Theory]
    [InlineData("2024")]
    [InlineData("2023")]
    public void Irq_is_masked_by_pmr_irqoff(string era)
    {
        var v = Era(era);
        var gic = Linux(1, v.PmrMasked, v.Irq, v.Nmi);
        TestGics.SendToSelf(gic, 0, Reschedule);

        Assert.Equal(Reschedule, gic.HighestPendingIntid(0));
        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.True(gic.Redistributor(0).IsPending(Reschedule));
    }

    // Rule 5: an NMI's priority (2024: 0x80, 2023: 0x20) passes the masked PMR; after the ack RPR equals it.
    [Theory]
    [InlineData("2024")]
    [InlineData("2023")]
    public void Nmi_passes_pmr_irqoff_and_rpr_tells_the_handler(string era)
    {
        var v = Era(era);
        var gic = Linux(1, v.PmrMasked, v.Irq, v.Nmi);
        TestGics.SendToSelf(gic, 0, Reschedule);
        TestGics.SendToSelf(gic, 0, CpuBacktrace);

        Assert.Equal(SignalKind.Irq, gic.Signal(0));
        Assert.Equal(CpuBacktrace, gic.AcknowledgeIar1(0));
        Assert.Equal(v.Nmi, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
        Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, CpuBacktrace));
        Assert.Equal(0xFF, gic.CpuInterface(0).RunningPriority);
        Assert.True(gic.Redistributor(0).IsPending(Reschedule));
    }

    // Rule 5 (2024 values): after an ack, RPR == 0x80 means NMI; a normal IRQ's ack leaves RPR at 0xC0.
    [Fact]
    public void Rpr_after_ack_is_0x80_for_an_nmi_and_0xC0_for_an_irq()
    {
        var gic = Linux(1, pmr: 0xE0, irq: 0xC0, nmi: 0x80);
        TestGics.SendToSelf(gic, 0, Reschedule);
        Assert.Equal(Reschedule, gic.AcknowledgeIar1(0));
        Assert.Equal(0xC0, gic.CpuInterface(0).RunningPriority);

        // Linux's gic_handle_irq() then sets PMR to IRQOFF and clears PSTATE.I so NMIs can still come in.
        gic.CpuInterface(0).Pmr = 0xC0;
        TestGics.SendToSelf(gic, 0, CpuStopNmi);

        Assert.Equal(CpuStopNmi, gic.AcknowledgeIar1(0));
        Assert.Equal(0x80, gic.CpuInterface(0).RunningPriority);
        Assert.Equal(2, gic.CpuInterface(0).AckDepth);
    }

    // Rule 5: a normal IRQ never preempts an NMI handler, even with PMR unmasked.
    [Fact]
    public void Irq_does_not_preempt_a_pseudo_nmi()
    {
        var gic = Linux(1, pmr: 0xE0, irq: 0xC0, nmi: 0x80);
        TestGics.SendToSelf(gic, 0, CpuBacktrace);
        Assert.Equal(CpuBacktrace, gic.AcknowledgeIar1(0));

        TestGics.SendToSelf(gic, 0, Reschedule);

        Assert.Equal(SignalKind.None, gic.Signal(0));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
    }

    // Rule 5: an SGI's NMI-ness is a per-target-PE priority setting.
    [Fact]
    public void Nmi_ness_is_a_per_target_pe_priority()
    {
        var gic = Linux(3, pmr: 0xC0, irq: 0xC0, nmi: 0x80);
        gic.Redistributor(1).SetPriority(CpuStopNmi, 0xC0); // CPU 1 treats SGI 3 as a normal IRQ

        var sent = TestGics.Send(gic, from: 2, intid: CpuStopNmi, 0, 1);

        Assert.Equal(new SgiWriteResult(2, 0, 0), sent);
        Assert.Equal(SignalKind.Irq, gic.Signal(0));
        Assert.Equal(CpuStopNmi, gic.AcknowledgeIar1(0));
        Assert.Equal(SignalKind.None, gic.Signal(1));
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(1));
        Assert.True(gic.Redistributor(1).IsPending(CpuStopNmi));
    }

    // Rule 5: a CPU hung with IRQs masked (PMR = IRQOFF) still takes NMIs: backtrace and CPU_STOP_NMI get in, reschedule does not.
    [Fact]
    public void Cpu_hung_with_pmr_irqoff_still_takes_nmis()
    {
        var gic = Linux(2, pmr: 0xC0, irq: 0xC0, nmi: 0x80);
        var hung = new PState(I: false);
        TestGics.Send(gic, from: 1, intid: Reschedule, 0);
        TestGics.Send(gic, from: 1, intid: CpuBacktrace, 0);
        TestGics.Send(gic, from: 1, intid: CpuStopNmi, 0);

        var taken = new List<int>();
        while (hung.TakesException(gic.Signal(0), sctlrNmi: false))
        {
            int intid = gic.AcknowledgeIar1(0);
            taken.Add(intid);
            Assert.Equal(GicError.None, gic.EndOfInterrupt1(0, intid));
        }

        Assert.Equal([CpuStopNmi, CpuBacktrace], taken);
        Assert.Equal(0x1u, gic.Redistributor(0).PendingBits);
    }

    // Rule 5: with PSTATE.I set, nothing gets in: the pseudo-NMI is signalled by the GIC but the PE does not take it.
    [Fact]
    public void With_pstate_i_set_nothing_gets_in()
    {
        var gic = Linux(1, pmr: 0xC0, irq: 0xC0, nmi: 0x80);
        TestGics.SendToSelf(gic, 0, CpuStopNmi);

        var signal = gic.Signal(0);

        Assert.Equal(new Hppi(CpuStopNmi, 0x80, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        Assert.Equal(SignalKind.Irq, signal);
        Assert.False(new PState(I: true).TakesException(signal, sctlrNmi: false));
        Assert.True(new PState(I: false).TakesException(signal, sctlrNmi: false));
    }

    // Rule 5: without FEAT_GICv3_NMI the NMI bit is RAZ/WI, so Linux can only get NMIs from priorities.
    [Fact]
    public void Nmi_bit_is_raz_wi_without_architected_nmi()
    {
        var gic = Linux(1, pmr: 0x00, irq: 0xC0, nmi: 0x80);
        Assert.Equal(GicError.None, gic.Redistributor(0).SetNmi(CpuStopNmi, true));
        Assert.Equal(GicError.None, gic.Distributor.SetNmi(40, true));
        TestGics.RouteSpi(gic, 40, 0, priority: 0xA0);
        gic.Distributor.SetPending(40);

        Assert.False(gic.Redistributor(0).IsNmi(CpuStopNmi));
        Assert.Equal(new Hppi(40, 0xA0, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        TestGics.SendToSelf(gic, 0, CpuStopNmi);
        Assert.Equal(new Hppi(CpuStopNmi, 0x80, InterruptGroup.Group1NonSecure, false), gic.HighestPending(0));
        Assert.Equal(SignalKind.None, gic.Signal(0)); // PMR 0x00 masks everything
        Assert.Equal(Intid.Spurious, gic.AcknowledgeIar1(0));
    }
}
