using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Engine;

public enum NmiMode { Pseudo, Architected, None }

/// <summary>The scenario's <c>gic</c> block.</summary>
public sealed record GicOptions
{
    public int PriorityBits { get; init; } = 5;
    public bool EoiMode { get; init; }
    public NmiMode Nmi { get; init; } = NmiMode.Pseudo;
    public SecurityStates Security { get; init; } = SecurityStates.One;
    /// <summary>How many SGIs Linux may use as Non-secure: 8 (8-15 left to firmware) or 16.</summary>
    public int NonSecureSgis { get; init; } = 8;

    public GicConfig ToConfig(bool rss) => new()
    {
        PriorityBits = PriorityBits,
        Security = Security,
        ArchitectedNmi = Nmi == NmiMode.Architected,
        Rss = rss,
    };
}

/// <summary>The CPUs an action targets: <c>self</c>, <c>all</c>, <c>all-but-self</c> or a list.</summary>
public sealed record TargetSet(TargetSetKind Kind, int[] Cpus)
{
    public static TargetSet Self { get; } = new(TargetSetKind.Self, []);
    public static TargetSet All { get; } = new(TargetSetKind.All, []);
    public static TargetSet AllButSelf { get; } = new(TargetSetKind.AllButSelf, []);
    public static TargetSet List(IEnumerable<int> cpus) => new(TargetSetKind.List, cpus.Distinct().Order().ToArray());

    /// <summary>The targets in ascending order (a cpumask).</summary>
    public int[] Resolve(int self, int cpuCount) => Kind switch
    {
        TargetSetKind.Self => [self],
        TargetSetKind.All => Enumerable.Range(0, cpuCount).ToArray(),
        TargetSetKind.AllButSelf => Enumerable.Range(0, cpuCount).Where(c => c != self).ToArray(),
        _ => Cpus,
    };

    public override string ToString() => Kind switch
    {
        TargetSetKind.Self => "self",
        TargetSetKind.All => "all",
        TargetSetKind.AllButSelf => "all-but-self",
        _ => "[" + string.Join(", ", Cpus) + "]",
    };
}

public enum TargetSetKind { Self, All, AllButSelf, List }

/// <summary>Scenario verbs (the <c>do</c> key).</summary>
public enum ActionVerb
{
    Sgi,
    /// <summary>An IPI of the kernel profile: its SGI, sent the way that era sends it.</summary>
    Ipi,
    IrqOff,
    IrqOn,
    Hang,
    Idle,
    SetPriority,
    Enable,
    Disable,
    Traffic,
    /// <summary>smp_send_stop(), as the profile's era does it.</summary>
    Stop,
    /// <summary>crash_smp_send_stop(), as the profile's era does it.</summary>
    CrashStop,
    /// <summary>An NMI backtrace of the target CPUs (smp_call_function in linux-6.1).</summary>
    Backtrace,
    /// <summary>kgdb_roundup_cpus(): one single-CPU send per other CPU.</summary>
    KgdbRoundup,
    /// <summary>
    /// machine_restart(): smp_send_stop() once more, to the CPUs still in cpu_online_mask (after a
    /// panic's crash stop: none in linux-6.12, every parked CPU before it), then the reset.
    /// </summary>
    Restart,
    /// <summary>A request of an NMI broker user (do = nmi, user = NAME).</summary>
    Nmi,
    /// <summary>Ask the SGI reclaimer for a slot (purpose, nmi).</summary>
    RequestSgi,
    /// <summary>Give a purpose's slot back to the SGI reclaimer.</summary>
    ReleaseSgi,
    /// <summary>Replay a real ftrace IPI trace: each replayed ipi_raise is a send from its CPU (see <see cref="ReplayPlan"/>).</summary>
    Replay,
}

/// <summary>One scenario action; which optional fields apply depends on <see cref="Do"/>.</summary>
public sealed record ScenarioAction
{
    public required long At { get; init; }
    public required int Cpu { get; init; }
    public required ActionVerb Do { get; init; }
    public int Intid { get; init; } = -1;
    public TargetSet? To { get; init; }
    public bool Irm { get; init; }
    /// <summary>irq-off: how long, or 0 for until irq-on.</summary>
    public long For { get; init; }
    public int Priority { get; init; }
    /// <summary>traffic: requests per virtual second per CPU.</summary>
    public double Rate { get; init; }
    public long Until { get; init; }
    public TargetSet? Cpus { get; init; }
    /// <summary>ipi (and traffic under a Linux profile): the IPI's name, without the IPI_ prefix.</summary>
    public string? Ipi { get; init; }
    /// <summary>nmi: the broker user.</summary>
    public string? User { get; init; }
    /// <summary>ipi and traffic under a Linux profile: the owner index of the IPI (see <see cref="Owners"/>); -1 otherwise.</summary>
    public int Owner { get; init; } = -1;
    /// <summary>request-sgi and release-sgi: what the slot is for.</summary>
    public string? Purpose { get; init; }
    /// <summary>request-sgi: the slot is to be an NMI.</summary>
    public bool Nmi { get; init; }
    /// <summary>replay: the trace and how it is mapped and timed.</summary>
    public ReplayPlan? Replay { get; init; }
}

/// <summary>How the reclaimer reprograms a slot on every CPU.</summary>
public enum ReprogramWay
{
    /// <summary>Through each redistributor's memory-mapped SGI frame: any CPU may write it, a hung CPU's included.</summary>
    Mmio,
    /// <summary>Linux's way: every CPU sets up its own (per-CPU) NMI, through smp_call_function; a hung CPU cannot.</summary>
    PerCpu,
}

/// <summary>The scenario's <c>reclaim</c> block: how the SGI reclaimer negotiates.</summary>
public sealed record ReclaimOptions
{
    public ReprogramWay Reprogram { get; init; } = ReprogramWay.Mmio;
    /// <summary>How long a drain (or the per-CPU setup) may take before the victim is given up.</summary>
    public long DrainBound { get; init; } = 1_000_000;
    /// <summary>What owners answer when asked, by IPI name (absent: the class decides).</summary>
    public IReadOnlyDictionary<string, ActorGic.Kernel.OwnerStance> Stances { get; init; } =
        new Dictionary<string, ActorGic.Kernel.OwnerStance>();
    /// <summary>release-sgi promotes the hottest muxed or merged IPI back to a dedicated SGI.</summary>
    public bool Promote { get; init; } = true;
}

/// <summary>A validated scenario: everything a run needs, nothing left to check.</summary>
public sealed record Scenario
{
    public required string Name { get; init; }
    public long Seed { get; init; }
    public required long End { get; init; }
    public required Topology Topology { get; init; }
    public GicOptions Gic { get; init; } = new();
    public string Profile { get; init; } = "none";
    /// <summary>The kernel era, or null for profile none (the bare-metal harness).</summary>
    public KernelProfile? Kernel { get; init; }
    public TimingModel Timing { get; init; } = TimingModel.Default;
    public IReadOnlyList<ScenarioAction> Actions { get; init; } = [];
    /// <summary>kernel.preemptible-handlers: handlers run with PSTATE.I clear, so a higher priority preempts them.</summary>
    public bool PreemptibleHandlers { get; init; }
    /// <summary>kernel.nmi-mux: the era's NMI IPIs travel as NMI broker users on one SGI.</summary>
    public bool NmiMux { get; init; }
    /// <summary>nmi-users: extra users of the NMI broker, by name and dispatch priority.</summary>
    public IReadOnlyList<(string Name, int Priority)> NmiUsers { get; init; } = [];

    /// <summary>
    /// invariants.nmi-deadline: an NMI request to a CPU hung with IRQs masked must be served
    /// within this (when NMIs exist at all); one still waiting longer at the end is a violation.
    /// </summary>
    public long NmiDeadline { get; init; } = 100_000;

    /// <summary>The reclaimer's settings.</summary>
    public ReclaimOptions Reclaim { get; init; } = new();

    /// <summary>The purposes request-sgi asks slots for, in order of first request, with whether each is an NMI.</summary>
    public IReadOnlyList<(string Name, bool Nmi)> Purposes =>
        Actions.Where(a => a.Do == ActionVerb.RequestSgi).GroupBy(a => a.Purpose!).Select(g => (g.Key, g.First().Nmi)).ToList();

    /// <summary>The scenario's replay action (at most one), or null.</summary>
    public ScenarioAction? ReplayAction => Actions.FirstOrDefault(a => a.Do == ActionVerb.Replay);

    /// <summary>Whether the run needs the SGI reclaimer (a request-sgi or release-sgi action).</summary>
    public bool HasReclaimer => Actions.Any(a => a.Do is ActionVerb.RequestSgi or ActionVerb.ReleaseSgi);

    /// <summary>The NMI broker's plan, or null without one.</summary>
    public NmiMuxPlan? PlanMux() => NmiMuxPlan.For(Kernel, NmiMux, NmiUsers, Gic.NonSecureSgis, Reclaim.Stances);
}
