using System.Numerics;
using System.Runtime.CompilerServices;

namespace ActorGic.Gic;

/// <summary>What happened to one SGI (or PPI) at its target redistributor.</summary>
public enum SetPendingOutcome : byte
{
    /// <summary>The pending latch went from 0 to 1.</summary>
    Pended,
    /// <summary>The latch was already 1: the second send changed nothing (no count, no sender id).</summary>
    Coalesced,
    /// <summary>Discarded by the architecture: the INTID is configured in another group than the send's.</summary>
    DroppedGroup,
}

[InlineArray(Intid.PrivateCount)]
internal struct PrivatePriorities
{
    private byte _element0;
}

/// <summary>
/// One PE's redistributor: the private bank of SGIs 0-15 and PPIs 16-31 (GICR_ISENABLER0,
/// GICR_ISPENDR0, GICR_ISACTIVER0, GICR_IPRIORITYR, GICR_IGROUPR0, GICR_IGRPMODR0, GICR_ICFGR1,
/// GICR_INMIR0) and the choice of its highest priority pending interrupt. Bit n of each word is INTID n.
/// </summary>
public sealed class Redistributor
{
    private readonly GicConfig _config;
    private uint _enabled;
    private uint _pending;
    private uint _active;
    private uint _group;      // GICR_IGROUPR0: 1 = Group 1
    private uint _modifier;   // GICR_IGRPMODR0: with two security states, 1 + group 0 = Secure Group 1
    private uint _nmi;        // GICR_INMIR0
    private uint _level;      // GICR_ICFGR1: 1 = level-sensitive PPI (SGIs are always edge)
    private uint _lineHigh;   // level-sensitive PPI inputs that are asserted
    private PrivatePriorities _priority;

    public Redistributor(GicConfig config)
    {
        _config = config;
    }

    public uint EnabledBits => _enabled;
    public uint PendingBits => _pending;
    public uint ActiveBits => _active;

    public bool IsEnabled(int intid) => Bit(_enabled, intid);
    public bool IsPending(int intid) => Bit(_pending, intid);
    public bool IsActive(int intid) => Bit(_active, intid);
    public bool IsNmi(int intid) => Bit(_nmi, intid);
    public byte PriorityOf(int intid) => _priority[intid];

    public InterruptGroup GroupOf(int intid)
    {
        bool g = Bit(_group, intid), mod = Bit(_modifier, intid);
        if (_config.Security == SecurityStates.One)
            return g ? InterruptGroup.Group1NonSecure : InterruptGroup.Group0;
        // Two security states: (group, modifier) = (0,0) Secure Group 0, (1,x) Non-secure Group 1,
        // (0,1) Secure Group 1. (1,1) is reserved and behaves as Non-secure Group 1.
        if (g) return InterruptGroup.Group1NonSecure;
        return mod ? InterruptGroup.Group1Secure : InterruptGroup.Group0;
    }

    public GicError SetEnabled(int intid, bool enabled)
    {
        if (!Intid.IsPrivate(intid)) return GicError.IntidOutOfRange;
        _enabled = With(_enabled, intid, enabled);
        return GicError.None;
    }

    /// <summary>GICR_IPRIORITYR written by the Secure side or with one security state: stored as written, masked to the implemented bits.</summary>
    public GicError SetPriority(int intid, int priority)
    {
        if (!Intid.IsPrivate(intid)) return GicError.IntidOutOfRange;
        if ((uint)priority > 0xFF) return GicError.BadPriority;
        _priority[intid] = (byte)(priority & _config.PriorityMask);
        return GicError.None;
    }

    /// <summary>
    /// GICR_IPRIORITYR written from Non-secure state. With two security states the Non-secure view
    /// is shifted: v is stored as 0x80 | v >> 1, and Secure interrupts ignore the write.
    /// </summary>
    public GicError SetPriorityNonSecure(int intid, int priority)
    {
        if (_config.Security == SecurityStates.One) return SetPriority(intid, priority);
        if (!Intid.IsPrivate(intid)) return GicError.IntidOutOfRange;
        if ((uint)priority > 0xFF) return GicError.BadPriority;
        if (GroupOf(intid) != InterruptGroup.Group1NonSecure) return GicError.None; // RAZ/WI
        return SetPriority(intid, 0x80 | (priority >> 1));
    }

    /// <summary>GICR_IPRIORITYR as Non-secure software reads it.</summary>
    public int PriorityNonSecure(int intid)
    {
        if (_config.Security == SecurityStates.One) return _priority[intid];
        if (GroupOf(intid) != InterruptGroup.Group1NonSecure) return 0;
        return (_priority[intid] << 1) & 0xFF;
    }

    public GicError SetGroup(int intid, InterruptGroup group)
    {
        if (!Intid.IsPrivate(intid)) return GicError.IntidOutOfRange;
        if (group == InterruptGroup.Group1Secure && _config.Security == SecurityStates.One)
            return GicError.BadConfiguration;
        _group = With(_group, intid, group == InterruptGroup.Group1NonSecure);
        _modifier = With(_modifier, intid, group == InterruptGroup.Group1Secure);
        return GicError.None;
    }

    /// <summary>GICR_INMIR0: the INTID has superpriority. RAZ/WI without FEAT_GICv3_NMI.</summary>
    public GicError SetNmi(int intid, bool nmi)
    {
        if (!Intid.IsPrivate(intid)) return GicError.IntidOutOfRange;
        if (!_config.ArchitectedNmi) return GicError.None;
        _nmi = With(_nmi, intid, nmi);
        return GicError.None;
    }

    /// <summary>GICR_ICFGR1 for a PPI. SGIs are edge-only, so asking for a level-sensitive SGI is an error.</summary>
    public GicError SetLevelSensitive(int intid, bool level)
    {
        if (!Intid.IsPrivate(intid)) return GicError.IntidOutOfRange;
        if (Intid.IsSgi(intid)) return level ? GicError.BadConfiguration : GicError.None;
        _level = With(_level, intid, level);
        return GicError.None;
    }

    /// <summary>
    /// An SGI arrives from a write to ICC_SGI1R_EL1 (group = the writer's Group 1) or ICC_SGI0R_EL1
    /// (Group 0). It sets the pending latch only if the INTID is configured in that group; a second
    /// send before the acknowledge coalesces. A disabled SGI is latched too: it waits, it is not dropped.
    /// </summary>
    public SetPendingOutcome ReceiveSgi(int intid, InterruptGroup group)
    {
        if (GroupOf(intid) != group) return SetPendingOutcome.DroppedGroup;
        return Latch(intid);
    }

    /// <summary>GICR_ISPENDR0, or an edge on a PPI input.</summary>
    public SetPendingOutcome SetPending(int intid) => Latch(intid);

    /// <summary>GICR_ICPENDR0.</summary>
    public void ClearPending(int intid) => _pending = With(_pending, intid, false);

    /// <summary>A PPI input line. Level-sensitive: pending follows the line. Edge: a rising edge latches.</summary>
    public void SetPpiLine(int intid, bool high)
    {
        bool wasHigh = Bit(_lineHigh, intid);
        _lineHigh = With(_lineHigh, intid, high);
        if (Bit(_level, intid)) _pending = With(_pending, intid, high);
        else if (high && !wasHigh) Latch(intid);
    }

    private SetPendingOutcome Latch(int intid)
    {
        uint bit = 1u << intid;
        if ((_pending & bit) != 0) return SetPendingOutcome.Coalesced;
        _pending |= bit;
        return SetPendingOutcome.Pended;
    }

    /// <summary>
    /// The highest priority pending interrupt of this bank among candidates: pending, enabled, not
    /// active (active+pending waits for deactivation), in a group enabled in both GICD_CTLR and ICC_IGRPENn.
    /// </summary>
    public Hppi HighestPending(GroupEnables enabledGroups)
    {
        uint candidates = _pending & _enabled & ~_active & GroupMask(enabledGroups);
        var best = Hppi.None;
        while (candidates != 0)
        {
            int intid = BitOperations.TrailingZeroCount(candidates);
            candidates &= candidates - 1;
            var group = GroupOf(intid);
            bool nmi = Bit(_nmi, intid);
            var h = new Hppi(intid, nmi ? NmiPriority(_config, group) : _priority[intid], group, nmi);
            if (h.BeatsOrNone(best)) best = h;
        }
        return best;
    }

    /// <summary>An architected NMI's effective priority: 0x00, or 0x80 for Non-secure Group 1 with two security states.</summary>
    public static byte NmiPriority(GicConfig config, InterruptGroup group) =>
        config.Security == SecurityStates.Two && group == InterruptGroup.Group1NonSecure ? (byte)0x80 : (byte)0x00;

    /// <summary>Acknowledge: pending becomes active. A level-sensitive PPI whose line is still high stays pending.</summary>
    public void Activate(int intid)
    {
        uint bit = 1u << intid;
        _active |= bit;
        if ((_level & bit) == 0 || (_lineHigh & bit) == 0) _pending &= ~bit;
    }

    /// <summary>Deactivate (EOI with EOImode 0, or ICC_DIR_EL1). Returns false if it was not active.</summary>
    public bool Deactivate(int intid)
    {
        uint bit = 1u << intid;
        if ((_active & bit) == 0) return false;
        _active &= ~bit;
        return true;
    }

    private uint GroupMask(GroupEnables enables)
    {
        uint mask = 0;
        if (_config.Security == SecurityStates.One)
        {
            if (enables.Has(InterruptGroup.Group0)) mask |= ~_group;
            if (enables.Has(InterruptGroup.Group1NonSecure)) mask |= _group;
            return mask;
        }
        if (enables.Has(InterruptGroup.Group0)) mask |= ~_group & ~_modifier;
        if (enables.Has(InterruptGroup.Group1Secure)) mask |= ~_group & _modifier;
        if (enables.Has(InterruptGroup.Group1NonSecure)) mask |= _group;
        return mask;
    }

    private static bool Bit(uint word, int intid) => ((word >> intid) & 1) != 0;
    private static uint With(uint word, int intid, bool value) => value ? word | (1u << intid) : word & ~(1u << intid);
}
