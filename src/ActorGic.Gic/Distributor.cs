namespace ActorGic.Gic;

/// <summary>
/// The distributor (GICD_*): GICD_CTLR and the SPIs 32-1019 with their enable, pending, active,
/// priority, group, NMI, edge/level configuration (GICD_ICFGR) and routing (GICD_IROUTER: one PE
/// by affinity, or 1-of-N). An SPI is routed when it becomes a candidate; the chosen PE then sees
/// it beside its private bank. Work per SPI follows the SPIs routed to a PE, never all SPIs.
/// </summary>
public sealed class Distributor
{
    private const int Count = Intid.SpiLimit;
    private readonly GicConfig _config;
    private readonly Topology _topology;
    private readonly bool[] _enabled = new bool[Count];
    private readonly bool[] _pending = new bool[Count];  // latched (edge, GICD_ISPENDR)
    private readonly bool[] _lineHigh = new bool[Count];
    private readonly bool[] _level = new bool[Count];
    private readonly bool[] _active = new bool[Count];
    private readonly bool[] _nmi = new bool[Count];
    private readonly byte[] _priority = new byte[Count];
    private readonly InterruptGroup[] _group = new InterruptGroup[Count];
    private readonly ulong[] _irouter = new ulong[Count];
    private readonly int[] _target = new int[Count];
    private readonly List<int>?[] _routedTo;
    private readonly bool[] _participates;
    private int _oneOfNCursor;

    /// <summary>GICD_IROUTER.Interrupt_Routing_Mode: 1 = any participating PE (1-of-N).</summary>
    public const ulong IrouterIrm = 1UL << 31;

    public Distributor(GicConfig config, Topology topology)
    {
        _config = config;
        _topology = topology;
        Array.Fill(_target, -1);
        _routedTo = new List<int>?[topology.CpuCount];
        _participates = new bool[topology.CpuCount];
        Array.Fill(_participates, true);
    }

    /// <summary>GICD_CTLR.ARE: affinity routing (required by this model for SGIs and SPIs).</summary>
    public bool AffinityRouting { get; set; } = true;

    public bool EnableGroup0 { get; set; }
    public bool EnableGroup1NonSecure { get; set; }
    public bool EnableGroup1Secure { get; set; }

    /// <summary>GICD_CTLR.DS, fixed by the configuration.</summary>
    public bool DisableSecurity => _config.Security == SecurityStates.One;

    public GroupEnables Enables =>
        (EnableGroup0 ? GroupEnables.Group0 : 0)
        | (EnableGroup1NonSecure ? GroupEnables.Group1NonSecure : 0)
        | (EnableGroup1Secure && !DisableSecurity ? GroupEnables.Group1Secure : 0);

    public bool IsPending(int intid) => Valid(intid) && PendingState(intid);
    public bool IsActive(int intid) => Valid(intid) && _active[intid];
    public int TargetOf(int intid) => Valid(intid) ? _target[intid] : -1;

    public GicError SetEnabled(int intid, bool enabled)
    {
        if (!Valid(intid)) return GicError.IntidOutOfRange;
        _enabled[intid] = enabled;
        Reroute(intid);
        return GicError.None;
    }

    public GicError SetPriority(int intid, int priority)
    {
        if ((uint)priority > 0xFF) return GicError.BadPriority;
        return Set(intid, () => _priority[intid] = (byte)(priority & _config.PriorityMask));
    }

    public GicError SetGroup(int intid, InterruptGroup group)
    {
        if (group == InterruptGroup.Group1Secure && DisableSecurity) return GicError.BadConfiguration;
        return Set(intid, () => _group[intid] = group);
    }

    public GicError SetNmi(int intid, bool nmi) => Set(intid, () => _nmi[intid] = nmi && _config.ArchitectedNmi);

    /// <summary>GICD_ICFGR: level-sensitive (pending follows the input line) or edge-triggered.</summary>
    public GicError SetLevelSensitive(int intid, bool level) => Set(intid, () => _level[intid] = level);

    /// <summary>GICD_IROUTER: a PE's affinity, or <see cref="IrouterIrm"/> for 1-of-N.</summary>
    public GicError SetRoute(int intid, ulong irouter)
    {
        if (!Valid(intid)) return GicError.IntidOutOfRange;
        if ((irouter & IrouterIrm) == 0 && _topology.FindCpu(new Mpidr(RouterAffinity(irouter))) < 0)
            return GicError.BadAffinity;
        _irouter[intid] = irouter;
        Unroute(intid);
        Route(intid);
        return GicError.None;
    }

    /// <summary>GICR_CTLR.DPG*: whether a PE takes part in 1-of-N selection.</summary>
    public void SetParticipation(int cpu, bool participates) => _participates[cpu] = participates;

    /// <summary>An SPI input line changes. Edge: a rising edge latches pending. Level: pending follows the line.</summary>
    public GicError SetLine(int intid, bool high)
    {
        if (!Valid(intid)) return GicError.IntidOutOfRange;
        bool rising = high && !_lineHigh[intid];
        _lineHigh[intid] = high;
        if (!_level[intid] && rising) _pending[intid] = true;
        Reroute(intid);
        return GicError.None;
    }

    /// <summary>GICD_ISPENDR.</summary>
    public GicError SetPending(int intid)
    {
        if (!Valid(intid)) return GicError.IntidOutOfRange;
        _pending[intid] = true;
        Reroute(intid);
        return GicError.None;
    }

    /// <summary>The best candidate SPI routed to this PE.</summary>
    public Hppi HighestPendingFor(int cpu, GroupEnables cpuEnables)
    {
        var list = _routedTo[cpu];
        if (list is null) return Hppi.None;
        var enables = cpuEnables & Enables;
        var best = Hppi.None;
        foreach (int intid in list)
        {
            if (!IsCandidate(intid) || !enables.Has(_group[intid])) continue;
            var h = new Hppi(intid, _nmi[intid] ? Redistributor.NmiPriority(_config, _group[intid]) : _priority[intid],
                _group[intid], _nmi[intid]);
            if (h.BeatsOrNone(best)) best = h;
        }
        return best;
    }

    /// <summary>Acknowledge of an SPI: active; an edge latch clears, a level input still high stays pending.</summary>
    public void Activate(int intid)
    {
        _active[intid] = true;
        _pending[intid] = false;
        Unroute(intid);
    }

    /// <summary>Deactivation: if still pending, it is routed again (1-of-N may pick another PE).</summary>
    public bool Deactivate(int intid)
    {
        if (!Valid(intid) || !_active[intid]) return false;
        _active[intid] = false;
        Reroute(intid);
        return true;
    }

    private bool PendingState(int intid) => _pending[intid] || (_level[intid] && _lineHigh[intid]);
    private bool IsCandidate(int intid) => PendingState(intid) && _enabled[intid] && !_active[intid];

    private void Reroute(int intid)
    {
        if (_target[intid] >= 0 && !IsCandidate(intid)) Unroute(intid);
        if (_target[intid] < 0) Route(intid);
    }

    private void Route(int intid)
    {
        if (!IsCandidate(intid)) return;
        int cpu = (_irouter[intid] & IrouterIrm) != 0
            ? ChooseOneOfN()
            : _topology.FindCpu(new Mpidr(RouterAffinity(_irouter[intid])));
        if (cpu < 0) return; // no PE to take it: it stays pending at the distributor
        _target[intid] = cpu;
        (_routedTo[cpu] ??= new List<int>(4)).Add(intid);
    }

    private void Unroute(int intid)
    {
        int cpu = _target[intid];
        if (cpu < 0) return;
        _routedTo[cpu]!.Remove(intid);
        _target[intid] = -1;
    }

    /// <summary>The architecture leaves the 1-of-N choice to the implementation; the model goes round-robin over participating PEs.</summary>
    private int ChooseOneOfN()
    {
        int n = _participates.Length;
        for (int i = 0; i < n; i++)
        {
            int cpu = (_oneOfNCursor + i) % n;
            if (!_participates[cpu]) continue;
            _oneOfNCursor = (cpu + 1) % n;
            return cpu;
        }
        return -1;
    }

    /// <summary>GICD_IROUTER holds Aff3 in bits 39:32, like the packed MPIDR.</summary>
    private static ulong RouterAffinity(ulong irouter) => irouter & Mpidr.LinuxMask;

    private static bool Valid(int intid) => Intid.IsSpi(intid);

    private static GicError Set(int intid, Action set)
    {
        if (!Valid(intid)) return GicError.IntidOutOfRange;
        set();
        return GicError.None;
    }
}
