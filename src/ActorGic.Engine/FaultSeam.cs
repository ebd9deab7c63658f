namespace ActorGic.Engine;

/// <summary>
/// What the seam does with one event a component sends (DuplicateLate: once on time, once
/// <see cref="FaultSeam.Delay"/> later; Corrupt: <see cref="FaultSeam.Corrupt"/> rewrites its fields).
/// </summary>
internal enum SendFault { Pass, Drop, Duplicate, Delay, DuplicateLate, Corrupt }

/// <summary>Steps of the model the seam can skip, to show the invariant that guards each one fires.</summary>
[Flags]
internal enum SkippedStep
{
    None = 0,
    /// <summary>The reclaimer reprograms a slot without waiting for the drain (every redistributor answered at once).</summary>
    Drain = 1,
    /// <summary>The reclaimer starts the drain at the first CPU's fence, without waiting for the others or the margin.</summary>
    Fence = 2,
    /// <summary>The reclaimer's chip-crossing margin is 1 ns instead of a chip-to-chip hop plus a set-pending.</summary>
    Margin = 4,
    /// <summary>A CPU takes an interrupt whatever PSTATE and the PMR say.</summary>
    MaskCheck = 8,
}

/// <summary>
/// Test-only fault injection: drops, duplicates or delays events a component sends, and skips
/// steps of the model, so a test can watch each invariant fire on the fault it exists for. It is
/// internal and set only through <see cref="Simulation.InjectFaults"/>: no scenario key and no
/// command-line option reaches it. A component without faults pays one null test per event it
/// sends and per event it takes.
/// </summary>
internal sealed class FaultSeam
{
    /// <summary>Decides, per event sent, what happens to it (null: every event passes); <see cref="Delay"/> is added for SendFault.Delay.</summary>
    public Func<Component, SimEvent, SendFault>? OnSend { get; init; }
    public long Delay { get; init; }
    /// <summary>What a SendFault.Corrupt event becomes (a wrong INTID, value or handler on the wire).</summary>
    public Func<SimEvent, SimEvent>? Corrupt { get; init; }
    /// <summary>The INTID a CPU writes to ICC_EOIR1_EL1 when it leaves the handler of the INTID given (null: that INTID).</summary>
    public Func<int, int>? EoiWrite { get; init; }
    /// <summary>The INTID a CPU writes to ICC_DIR_EL1 under EOImode 1 (null: the INTID whose handler ended).</summary>
    public Func<int, int>? DirWrite { get; init; }
    public SkippedStep Skip { get; init; }
    /// <summary>The component that throws when it takes its first event at or after <see cref="ThrowAt"/> (-1: none).</summary>
    public int ThrowIn { get; init; } = -1;
    public long ThrowAt { get; init; }
    /// <summary>How many events the seam dropped, duplicated or delayed (a test checks its fault really happened).</summary>
    public int Applied { get; private set; }

    public bool Skips(SkippedStep step) => (Skip & step) != 0;

    public void Send(Component from, in SimEvent e, IEventSink sink)
    {
        var fault = OnSend?.Invoke(from, e) ?? SendFault.Pass;
        if (fault != SendFault.Pass) Applied++;
        switch (fault)
        {
            case SendFault.Drop: return;
            case SendFault.Duplicate: sink.Post(e); sink.Post(e); return;
            case SendFault.Delay: sink.Post(e with { Time = e.Time + Delay }); return;
            case SendFault.DuplicateLate: sink.Post(e); sink.Post(e with { Time = e.Time + Delay }); return;
            case SendFault.Corrupt: sink.Post(Corrupt!(e)); return;
            default: sink.Post(e); return;
        }
    }

    /// <summary>The INTID a CPU writes to ICC_EOIR1_EL1 (or, <paramref name="dir"/>, ICC_DIR_EL1) for the handler of <paramref name="intid"/>.</summary>
    public int Written(int intid, bool dir)
    {
        var rewrite = dir ? DirWrite : EoiWrite;
        int written = rewrite?.Invoke(intid) ?? intid;
        if (written != intid) Applied++;
        return written;
    }

    public void BeforeHandle(Component component, in SimEvent e)
    {
        if (component.Id == ThrowIn && e.Time >= ThrowAt)
            throw new InvalidOperationException($"fault injected into component {component.Id}");
    }
}
