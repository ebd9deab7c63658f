namespace ActorGic.Gic;

/// <summary>How the CPU interface signals its HPPI to the PE.</summary>
public enum SignalKind : byte
{
    None,
    /// <summary>An IRQ (Non-secure Group 1 at Non-secure EL1).</summary>
    Irq,
    /// <summary>An IRQ with superpriority: an architected NMI (FEAT_GICv3_NMI).</summary>
    IrqSuperpriority,
    /// <summary>A FIQ: Group 0 or Secure Group 1, which belong to firmware.</summary>
    Fiq,
}

/// <summary>
/// One PE's GIC CPU interface (the ICC_*_EL1 system registers): priority mask, binary points,
/// active priorities and running priority, acknowledge, priority drop and deactivation. It sees
/// the HPPI its redistributor (and distributor) offer; it never reaches into them, so an engine
/// can put a hop between the two. Every method is allocation-free.
/// </summary>
public sealed class CpuInterface
{
    private readonly GicConfig _config;
    private readonly int _aprShift;
    private UInt128 _ap0;          // ICC_AP0Rn_EL1: one bit per active Group 0 preemption level
    private UInt128 _ap1;          // ICC_AP1Rn_EL1
    private bool _nmiActive;       // ICC_AP1R0_EL1.NMI (bit 63)
    private byte _nmiPriority;
    /// <summary>ICC_RPR_EL1 as the active priorities give it, kept up to date where they change (every signal decision reads it).</summary>
    private byte _running = 0xFF;
    private AckEntry[] _acks = new AckEntry[8];
    private int _ackDepth;
    private int[] _dropped = new int[8];
    private int _droppedCount;
    private byte _pmr;
    private int _bpr0;
    private int _bpr1;

    private readonly record struct AckEntry(int Intid, InterruptGroup Group, int AprIndex);

    public CpuInterface(GicConfig config)
    {
        _config = config;
        _aprShift = 8 - config.PreemptionBits;
        _bpr0 = config.MinimumBpr0;
        _bpr1 = config.MinimumBpr1;
    }

    /// <summary>ICC_CTLR_EL1.EOImode: false = EOI drops priority and deactivates; true = EOI drops, ICC_DIR_EL1 deactivates.</summary>
    public bool EoiMode { get; set; }

    /// <summary>ICC_IGRPEN0_EL1.</summary>
    public bool GroupEnable0 { get; set; }

    /// <summary>ICC_IGRPEN1_EL1 (Non-secure).</summary>
    public bool GroupEnable1 { get; set; }

    /// <summary>ICC_IGRPEN1_EL1 (Secure), only meaningful with two security states.</summary>
    public bool GroupEnable1Secure { get; set; }

    /// <summary>SCTLR_ELx.NMI on this PE: ICC_IAR1_EL1 then answers 1022 for an NMI, which ICC_NMIAR1_EL1 must take.</summary>
    public bool SctlrNmi { get; set; }

    public GroupEnables Enables =>
        (GroupEnable0 ? GroupEnables.Group0 : 0)
        | (GroupEnable1 ? GroupEnables.Group1NonSecure : 0)
        | (GroupEnable1Secure && _config.Security == SecurityStates.Two ? GroupEnables.Group1Secure : 0);

    /// <summary>ICC_PMR_EL1 as stored (the Secure view, or the only view with one security state).</summary>
    public byte Pmr
    {
        get => _pmr;
        set => _pmr = (byte)(value & _config.PriorityMask);
    }

    /// <summary>
    /// ICC_PMR_EL1 as Non-secure software writes it. With two security states a write of v stores
    /// 0x80 | v >> 1, and is ignored while the mask is below 0x80 (set by the Secure side).
    /// </summary>
    public void WritePmrNonSecure(int value)
    {
        if (_config.Security == SecurityStates.One) { Pmr = (byte)value; return; }
        if ((_pmr & 0x80) == 0) return;
        Pmr = (byte)(0x80 | (value >> 1));
    }

    public int PmrNonSecure =>
        _config.Security == SecurityStates.One ? _pmr : (_pmr & 0x80) != 0 ? (_pmr << 1) & 0xFF : 0;

    /// <summary>ICC_BPR0_EL1. Writes below the minimum read back as the minimum.</summary>
    public int Bpr0 => _bpr0;

    /// <summary>ICC_BPR1_EL1. Writes below the minimum read back as the minimum.</summary>
    public int Bpr1 => _bpr1;

    public GicError SetBpr0(int value)
    {
        if (value is < 0 or > 7) return GicError.BadBinaryPoint;
        _bpr0 = Math.Max(value, _config.MinimumBpr0);
        return GicError.None;
    }

    public GicError SetBpr1(int value)
    {
        if (value is < 0 or > 7) return GicError.BadBinaryPoint;
        _bpr1 = Math.Max(value, _config.MinimumBpr1);
        return GicError.None;
    }

    /// <summary>The group-priority bits of a priority: [7:BPR0+1] for Group 0, [7:BPR1] for Group 1.</summary>
    public byte GroupPriorityMask(InterruptGroup group) =>
        group == InterruptGroup.Group0 ? (byte)(0xFF << (_bpr0 + 1)) : (byte)(0xFF << _bpr1);

    public UInt128 ActivePriorities0 => _ap0;
    public UInt128 ActivePriorities1 => _ap1;

    /// <summary>ICC_AP1R0_EL1.NMI: an architected NMI is active (its priority not yet dropped).</summary>
    public bool NmiActive => _nmiActive;

    /// <summary>Interrupts acknowledged and not yet priority-dropped, most recent last.</summary>
    public int AckDepth => _ackDepth;

    /// <summary>Interrupts whose priority was dropped (EOImode 1) and that wait for ICC_DIR_EL1.</summary>
    public int AwaitingDeactivation => _droppedCount;

    /// <summary>
    /// Whether this CPU interface acknowledged <paramref name="intid"/> and has not yet deactivated
    /// it (its priority may have been dropped in EOImode 1). A redistributor never offers an active
    /// INTID, so an offer of one is a stale message that crossed the acknowledge.
    /// </summary>
    public bool IsActiveHere(int intid)
    {
        for (int i = 0; i < _ackDepth; i++)
            if (_acks[i].Intid == intid) return true;
        for (int i = 0; i < _droppedCount; i++)
            if (_dropped[i] == intid) return true;
        return false;
    }

    /// <summary>The most recent acknowledge not yet priority-dropped, or 1023.</summary>
    public int MostRecentAcknowledge => _ackDepth == 0 ? Intid.Spurious : _acks[_ackDepth - 1].Intid;

    /// <summary>ICC_RPR_EL1: the group priority of the highest active priority, 0xFF when idle.</summary>
    public byte RunningPriority => _running;

    private void UpdateRunningPriority()
    {
        UInt128 all = _ap0 | _ap1;
        byte fromAprs = all == UInt128.Zero ? (byte)0xFF : (byte)((int)UInt128.TrailingZeroCount(all) << _aprShift);
        // An active NMI counts at its effective priority. That is 0x00 (the highest) except for a
        // Non-secure NMI with two security states (0x80), which a Secure interrupt can preempt: the
        // running priority is then that interrupt's, not the NMI's.
        _running = _nmiActive ? Math.Min(_nmiPriority, fromAprs) : fromAprs;
    }

    /// <summary>
    /// Whether the HPPI is signalled to the PE. A normal interrupt needs priority below ICC_PMR_EL1
    /// and, when something is active, a group priority strictly below the running priority
    /// (subpriority never preempts). An architected NMI ignores the PMR (except Non-secure Group 1
    /// with two security states while PMR &lt; 0x80) and preempts at equal group priority unless
    /// an NMI is already active.
    /// </summary>
    public SignalKind Signal(in Hppi hppi)
    {
        if (!CanSignal(hppi)) return SignalKind.None;
        if (hppi.Group != InterruptGroup.Group1NonSecure) return SignalKind.Fiq;
        return hppi.Nmi ? SignalKind.IrqSuperpriority : SignalKind.Irq;
    }

    public bool CanSignal(in Hppi hppi)
    {
        if (hppi.IsNone || !Enables.Has(hppi.Group)) return false;
        byte mask = GroupPriorityMask(hppi.Group);
        int groupPriority = hppi.Priority & mask;
        // (prio & mask) against (running & mask), both with the pending interrupt's binary point: an
        // active interrupt of the other group may have been activated under a finer one. Idle has no
        // running priority to beat (masking 0xFF would wrongly shut out the lowest group priority).
        byte running = RunningPriority;
        bool idle = running == 0xFF;
        int runningGroupPriority = running & mask;
        if (hppi.Nmi)
        {
            if (_config.Security == SecurityStates.Two && hppi.Group == InterruptGroup.Group1NonSecure && _pmr < 0x80)
                return false;
            return !_nmiActive && (idle || groupPriority <= runningGroupPriority);
        }
        return hppi.Priority < _pmr && (idle || groupPriority < runningGroupPriority);
    }

    /// <summary>
    /// ICC_IAR1_EL1: acknowledges a Group 1 HPPI that can be signalled and returns its INTID; the
    /// caller must then activate it at its redistributor or distributor. 1023 when nothing is
    /// eligible; 1022 (nothing activated) when the HPPI is an NMI and SCTLR_ELx.NMI is 1.
    /// </summary>
    public int Acknowledge1(in Hppi hppi)
    {
        if (hppi.IsNone || hppi.Group != InterruptGroup.Group1NonSecure || !CanSignal(hppi)) return Intid.Spurious;
        if (hppi.Nmi && SctlrNmi) return Intid.Nmi;
        Activate(hppi);
        return hppi.Intid;
    }

    /// <summary>ICC_NMIAR1_EL1: acknowledges the HPPI only if it is a Group 1 NMI; otherwise 1023.</summary>
    public int AcknowledgeNmi1(in Hppi hppi)
    {
        if (hppi.IsNone || !hppi.Nmi || hppi.Group != InterruptGroup.Group1NonSecure || !CanSignal(hppi))
            return Intid.Spurious;
        Activate(hppi);
        return hppi.Intid;
    }

    /// <summary>ICC_IAR0_EL1: acknowledges a Group 0 HPPI.</summary>
    public int Acknowledge0(in Hppi hppi)
    {
        if (hppi.IsNone || hppi.Group != InterruptGroup.Group0 || !CanSignal(hppi)) return Intid.Spurious;
        Activate(hppi);
        return hppi.Intid;
    }

    private void Activate(in Hppi hppi)
    {
        int aprIndex = -1;
        if (hppi.Nmi)
        {
            _nmiActive = true;
            _nmiPriority = hppi.Priority;
        }
        else
        {
            aprIndex = (hppi.Priority & GroupPriorityMask(hppi.Group)) >> _aprShift;
            if (hppi.Group == InterruptGroup.Group0) _ap0 |= UInt128.One << aprIndex;
            else _ap1 |= UInt128.One << aprIndex;
        }
        UpdateRunningPriority();
        if (_ackDepth == _acks.Length) Array.Resize(ref _acks, _acks.Length * 2);
        _acks[_ackDepth++] = new AckEntry(hppi.Intid, hppi.Group, aprIndex);
    }

    /// <summary>
    /// ICC_EOIR1_EL1: priority drop of the most recent Group 1 acknowledge (an NMI's bit first).
    /// With EOImode 0 it also deactivates: <paramref name="deactivate"/> tells the caller to do so.
    /// EOIs must nest; one that does not is an error and changes nothing. Special INTIDs are ignored.
    /// </summary>
    public GicError EndOfInterrupt1(int intid, out bool deactivate) => EndOfInterrupt(intid, group0: false, out deactivate);

    /// <summary>ICC_EOIR0_EL1: as <see cref="EndOfInterrupt1"/>, for Group 0.</summary>
    public GicError EndOfInterrupt0(int intid, out bool deactivate) => EndOfInterrupt(intid, group0: true, out deactivate);

    private GicError EndOfInterrupt(int intid, bool group0, out bool deactivate)
    {
        deactivate = false;
        if (Intid.IsSpecial(intid)) return GicError.None;
        if ((uint)intid > Intid.LastSpi) return GicError.IntidOutOfRange;
        if (_ackDepth == 0) return GicError.EoiWithoutAcknowledge;
        var top = _acks[_ackDepth - 1];
        if (top.Intid != intid) return GicError.EoiNotNested;
        if ((top.Group == InterruptGroup.Group0) != group0) return GicError.EoiWrongGroup;
        _ackDepth--;
        if (top.AprIndex < 0) _nmiActive = false;
        else if (top.Group == InterruptGroup.Group0) _ap0 &= ~(UInt128.One << top.AprIndex);
        else _ap1 &= ~(UInt128.One << top.AprIndex);
        UpdateRunningPriority();
        if (!EoiMode)
        {
            deactivate = true;
            return GicError.None;
        }
        if (_droppedCount == _dropped.Length) Array.Resize(ref _dropped, _dropped.Length * 2);
        _dropped[_droppedCount++] = intid;
        return GicError.None;
    }

    /// <summary>
    /// ICC_DIR_EL1 (EOImode 1): deactivates an interrupt whose priority was dropped; the caller
    /// then deactivates it where it lives. In EOImode 0, or before the priority drop, it is an error.
    /// </summary>
    public GicError DeactivateInterrupt(int intid)
    {
        if (Intid.IsSpecial(intid)) return GicError.None;
        if ((uint)intid > Intid.LastSpi) return GicError.IntidOutOfRange;
        if (!EoiMode) return GicError.DirInEoiMode0;
        for (int i = 0; i < _droppedCount; i++)
        {
            if (_dropped[i] != intid) continue;
            _dropped[i] = _dropped[--_droppedCount];
            return GicError.None;
        }
        for (int i = 0; i < _ackDepth; i++)
            if (_acks[i].Intid == intid) return GicError.DirBeforePriorityDrop;
        return GicError.DirNotActive;
    }
}
