namespace ActorGic.Engine;

/// <summary>
/// An observer of one CPU that decides, from what the software did and what the CPU took, whether
/// each interrupt it took was legal: never while masked (PSTATE.I, or a PMR at or below its
/// priority under pseudo-NMI), never below the running priority of the handler it interrupts,
/// never an INTID this CPU holds active, never from inside an NMI handler (PSTATE.I set, ALLINT
/// for architected NMIs). It keeps its own shadow of the masks, the handler stack and the active
/// INTIDs, fed by the CPU's actions (irq-off, irq-on, hang) and its enter/exit/deactivate steps,
/// and never asks <see cref="Gic.CpuInterface"/> or <see cref="Masking"/>'s context: a CPU that
/// skips its own mask check (or a CPU interface that signals wrongly) is caught here. Only the
/// profile's configuration (PMR values, the NMI priority, preemptible handlers, architected NMIs)
/// comes from the simulation.
/// </summary>
internal sealed class AckLegality
{
    private readonly bool _usesPmr, _architected, _preemptible;
    private readonly byte _pmrUnmasked, _pmrMasked, _nmiPriority;
    // Plain arrays and a bit mask: this runs on every interrupt a CPU takes, the hot path of a storm.
    private (int Intid, byte Priority, bool Nmi)[] _handlers = new (int, byte, bool)[4];
    private int _depth;
    private uint _activeSgisAndPpis;
    private HashSet<int>? _activeOthers;
    private bool _softwareMasked, _hung;

    public AckLegality(Masking masking, bool preemptibleHandlers)
    {
        // Configuration values only; the rules that combine them are written out again below.
        (_usesPmr, _architected, _preemptible) = (masking.UsesPmr, masking.Architected, preemptibleHandlers);
        (_pmrUnmasked, _pmrMasked, _nmiPriority) = (masking.PmrUnmasked, masking.PmrMasked, masking.NmiPriority);
    }

    /// <summary>local_irq_disable / local_irq_enable by the software (an action or its timer).</summary>
    public void SoftwareMask(bool masked) => _softwareMasked = masked;

    /// <summary>The CPU hung with IRQs masked: from now on only NMIs may get in.</summary>
    public void Hung() => _hung = true;

    /// <summary>The CPU took an exception for <paramref name="intid"/>; the reason it was illegal, or null.</summary>
    public string? Taken(int intid, byte priority, bool nmiBit)
    {
        bool inHandler = _depth > 0;
        bool inNmi = inHandler && _handlers[_depth - 1].Nmi;
        bool masked = _softwareMasked || _hung;
        if (_usesPmr)
        {
            // Pseudo-NMI: IRQ handlers and masked code run with the masked PMR and PSTATE.I clear;
            // NMI handlers run with PSTATE.I set.
            if (inNmi) return "an NMI handler was running (PSTATE.I set)";
            byte pmr = masked || inHandler ? _pmrMasked : _pmrUnmasked;
            if (priority >= pmr) return $"the PMR (0x{pmr:X2}) masked its priority 0x{priority:X2}";
        }
        else
        {
            bool superpriority = _architected && nmiBit;
            if (superpriority && inNmi) return "an NMI handler was running (PSTATE.ALLINT set)";
            bool i = inHandler ? !_preemptible || inNmi : masked;
            if (i && !superpriority) return inHandler ? "a handler was running with PSTATE.I set" : "IRQs were masked (PSTATE.I set)";
            if (priority >= _pmrUnmasked) return $"the PMR (0x{_pmrUnmasked:X2}) masked its priority 0x{priority:X2}";
        }
        if (inHandler && !(_architected && nmiBit) && priority >= _handlers[_depth - 1].Priority)
            return $"a handler of INTID {_handlers[_depth - 1].Intid} at priority 0x{_handlers[_depth - 1].Priority:X2} was running";
        return null;
    }

    /// <summary>An acknowledge: the reason it was illegal (the INTID already active here), or null.</summary>
    public string? Acknowledged(int intid)
    {
        if ((uint)intid < 32)
        {
            uint bit = 1u << intid;
            if ((_activeSgisAndPpis & bit) != 0) return "it was already active on this CPU";
            _activeSgisAndPpis |= bit;
            return null;
        }
        return (_activeOthers ??= new HashSet<int>()).Add(intid) ? null : "it was already active on this CPU";
    }

    public void Entered(int intid, byte priority, bool nmiBit)
    {
        if (_depth == _handlers.Length) Array.Resize(ref _handlers, _depth * 2);
        _handlers[_depth++] = (intid, priority, nmiBit || (_usesPmr && priority == _nmiPriority));
    }

    public void Exited()
    {
        if (_depth > 0) _depth--;
    }

    public void Deactivated(int intid)
    {
        if ((uint)intid < 32) _activeSgisAndPpis &= ~(1u << intid);
        else _activeOthers?.Remove(intid);
    }
}
