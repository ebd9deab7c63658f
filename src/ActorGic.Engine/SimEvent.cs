namespace ActorGic.Engine;

/// <summary>What a simulation event carries. Field use per kind is documented on <see cref="SimEvent"/>.</summary>
public enum EventKind : byte
{
    /// <summary>A scenario action reaches its CPU. A = action index.</summary>
    Action,
    /// <summary>A CPU's timer. A = timer kind, B = token, C = argument.</summary>
    Timer,
    /// <summary>An ICC_SGI1R_EL1 write reaching a distributor. C = value, A = writer CPU, B = group | irm-remote flag, D = request time.</summary>
    SgiWrite,
    /// <summary>A distributor setting an SGI pending at a redistributor. A = INTID, B = group, D = request time.</summary>
    SetPending,
    /// <summary>A redistributor offering its HPPI. A = INTID (1023: nothing), B = priority | group &lt;&lt; 8 | nmi &lt;&lt; 16.</summary>
    Offer,
    /// <summary>The CPU acknowledged: activate at the redistributor. A = INTID, D = handler entry time.</summary>
    Activate,
    /// <summary>Deactivate at the redistributor (EOI in EOImode 0, or DIR). A = INTID.</summary>
    Deactivate,
    /// <summary>A redistributor register write from its CPU. A = operation, B = INTID, C = value.</summary>
    RegisterWrite,
    /// <summary>An atomic on another CPU's memory (the call queue's llist_add). A = call kind, B = requester, C = batch, D = request time.</summary>
    RemoteAtomic,
    /// <summary>The atomic's reply, carrying the old value. A = call kind, B = target, C = batch, D = 1 if the queue was empty.</summary>
    AtomicReply,
    /// <summary>The NMI broker's fetch-or on a target's pending word. A = user bit, B = requester, C = batch, D = request time.</summary>
    MuxSet,
    /// <summary>Its reply with the old value. A = user bit, B = target, C = batch, D = 1 if the bit was clear.</summary>
    MuxReply,
    /// <summary>A CPU that parked in local_cpu_stop clears its bit in cpu_online_mask; the stopper sees it. A = the CPU.</summary>
    StopNotify,
    /// <summary>The SGI reclaimer's negotiation. A = <see cref="ReclaimOp"/>; B, C, D as the op says.</summary>
    Reclaim,
}

/// <summary>The messages of the SGI reclaimer's negotiation (EventKind.Reclaim's A).</summary>
public enum ReclaimOp
{
    /// <summary>CPU to reclaimer: request-sgi. B = owner, C = 1 for an NMI, D = the CPU.</summary>
    Request,
    /// <summary>CPU to reclaimer: release-sgi. B = owner, D = the CPU.</summary>
    Release,
    /// <summary>Reclaimer to CPU: report your sends of these owners. C = owner mask, D = epoch.</summary>
    Survey,
    /// <summary>CPU to reclaimer. B = owner, C = its requests made on this CPU, D = epoch.</summary>
    SurveyReply,
    /// <summary>Reclaimer to CPU: send this owner another way from now on. B = owner, C = route, D = epoch.</summary>
    Switch,
    /// <summary>CPU to its distributor, then on to the reclaimer: every SGI write before the switch is behind this. B = CPU, D = epoch.</summary>
    Fence,
    /// <summary>Reclaimer to redistributor: answer once this SGI is neither pending nor active. B = SGI, D = epoch.</summary>
    DrainWatch,
    /// <summary>Redistributor to reclaimer. B = CPU, D = epoch.</summary>
    DrainDone,
    /// <summary>Reclaimer to redistributor, an MMIO write of its SGI frame. B = SGI, C = configuration, D = epoch.</summary>
    Reprogram,
    /// <summary>Redistributor to reclaimer. B = CPU, D = epoch.</summary>
    ReprogramDone,
    /// <summary>Reclaimer to CPU: this SGI's handler and route (the irq descriptor). B = SGI, C = owner + 1 (0: none), D = epoch.</summary>
    Install,
    /// <summary>CPU to reclaimer. B = CPU, D = epoch.</summary>
    InstallDone,
    /// <summary>Reclaimer to the requesting CPU: have every CPU set the slot up itself. C = the setup, D = epoch.</summary>
    Setup,
    /// <summary>A CPU ran its own setup. B = CPU, C = the setup.</summary>
    SetupDone,
    /// <summary>The reclaimer's own timers. B = which, D = epoch.</summary>
    Timer,
}

/// <summary>
/// One event in virtual time. Events reach a component in the order (Time, Source, Seq): that
/// order, the same in every engine, is what makes a run a function of its scenario and seed.
/// A struct with plain fields so the hot path allocates nothing.
/// </summary>
public struct SimEvent
{
    public long Time;
    public int Target;
    public int Source;
    /// <summary>The source's count of events sent before this one: 32 bits keep the event at 48 bytes (a component that reaches 2^31 sends stops the run).</summary>
    public int Seq;
    public EventKind Kind;
    public int A;
    public int B;
    public long C;
    public long D;

    /// <summary>Sources of scenario actions: they come before any component at the same time.</summary>
    public const int ScenarioSource = -1;

    /// <summary>
    /// The order among events of one time, as one number: (Source + 1) &lt;&lt; 44 | Seq, so the
    /// scenario (source -1) sorts first. Every queue orders by (Time, this).
    /// </summary>
    public readonly long OrderKey => ((long)(Source + 1) << 44) | (uint)Seq;
}
