using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>
/// Builds the components of a scenario, booted the way its kernel profile boots (profile
/// <c>none</c>: a bare-metal harness in the style of kvm-unit-tests), and the scenario's initial
/// events. Both engines start from exactly this.
/// </summary>
public sealed class Simulation
{
    public const byte HarnessPriority = 0xA0;
    public const byte HarnessPmr = 0xF0;

    /// <param name="spool">Where trace events go when they are to be written out (a long run's trace is never held in memory); null keeps them in memory when <paramref name="keepTrace"/>.</param>
    /// <param name="builds">
    /// Which components to build (all by default): a cluster node builds only those it hosts, in
    /// time and memory in proportion to its own chips. A partial simulation has the scenario-level
    /// parts whole (layout, routing, owners, initial events) and only the components it built
    /// (<see cref="Built"/>, <see cref="Component(int)"/>); <see cref="Components"/> refuses it.
    /// </param>
    public Simulation(Scenario scenario, bool keepTrace, TraceSpool? spool = null, Func<int, bool>? builds = null)
    {
        Scenario = scenario;
        Spool = spool;
        Layout = new Layout(scenario.Topology, scenario.HasReclaimer);
        KeepTrace = keepTrace;
        Config = scenario.Gic.ToConfig(scenario.Topology.Rss).Validated();
        Mux = scenario.PlanMux();
        Owners = new Owners(scenario);
        Boot = new BootRouting(scenario, Owners, Mux);
        _actions = [.. scenario.Actions];
        _components = new Component[Layout.ComponentCount]; // null where not built
        var built = new List<Component>(builds is null ? _components.Length : 0);
        for (int id = 0; id < _components.Length; id++)
            if (builds is null || builds(id))
                built.Add(_components[id] = Create(id));
        Built = built;
        Partial = built.Count < _components.Length;
        // The boot CPU records the NMI broker's boot move, where it is built (a worker without CPU 0 reports no chain of it).
        if (_components[Layout.CpuId(0)] is CpuComponent boot) boot.TraceBootMove();
    }

    public Scenario Scenario { get; private set; }
    /// <summary>The scenario's actions in one array every CPU shares: a traffic request looks its action up by index.</summary>
    private ScenarioAction[] _actions;
    public Layout Layout { get; }
    public GicConfig Config { get; }
    public bool KeepTrace { get; }
    public TraceSpool? Spool { get; }
    /// <summary>The NMI broker's users, SGI and absorbed IPIs, or null.</summary>
    public NmiMuxPlan? Mux { get; }
    /// <summary>Every component, by id: only for a whole simulation (an engine that runs them all).</summary>
    public Component[] Components => Partial
        ? throw new InvalidOperationException($"this simulation built {Built.Count} of its {_components.Length} components (one cluster node's part); it cannot run alone")
        : _components;
    private readonly Component[] _components;

    /// <summary>The components this simulation built, in id order: all of them, or a cluster node's part.</summary>
    public IReadOnlyList<Component> Built { get; }

    /// <summary>Whether only some components were built (a cluster node's part).</summary>
    public bool Partial { get; }

    /// <summary>Component <paramref name="id"/>, which this simulation must have built.</summary>
    public Component Component(int id) =>
        (Component?)_components[id] ?? throw new InvalidOperationException($"component {id} is not one this simulation built (it is another node's)");
    /// <summary>Who can own an SGI, by index.</summary>
    public Owners Owners { get; }
    /// <summary>The routes and handlers every CPU boots with.</summary>
    public BootRouting Boot { get; }

    /// <summary>
    /// Whether CPUs make atomics on other CPUs' memory: a Linux profile's call queue and stop
    /// notices, an NMI broker's words. Without them (profile none) a CPU hears from nothing but its
    /// own chip's GIC, which lets the engines' horizons and a cluster's lookahead reach further
    /// (<see cref="Horizons"/>).
    /// </summary>
    public bool CpuAtomics => Scenario.Kernel is not null || Mux is not null;

    /// <summary>The SGI reclaimer, when the scenario asks for SGIs.</summary>
    public ReclaimerComponent? Reclaimer => Layout.HasReclaimer ? (ReclaimerComponent)Component(Layout.ReclaimerId) : null;

    public CpuComponent Cpu(int cpu) => (CpuComponent)Component(Layout.CpuId(cpu));
    public RedistributorComponent Redistributor(int cpu) => (RedistributorComponent)Component(Layout.RedistributorId(cpu));
    public DistributorComponent Distributor(int chip) => (DistributorComponent)Component(Layout.DistributorId(chip));

    /// <summary>The groups enabled in GICD_CTLR and every CPU interface after boot.</summary>
    public static GroupEnables BootEnables => GroupEnables.Group0 | GroupEnables.Group1NonSecure;

    private Component Create(int id)
    {
        var trace = new TraceRecorder(id, KeepTrace, Spool);
        if (Layout.IsCpu(id))
        {
            var cpuInterface = new CpuInterface(Config)
            {
                GroupEnable0 = true,
                GroupEnable1 = true,
                EoiMode = Scenario.Gic.EoiMode,
                Pmr = Masking.PmrUnmasked,
                SctlrNmi = Masking.Architected,
            };
            return new CpuComponent(Layout, Scenario, id, cpuInterface, Masking, trace)
            {
                PreemptibleHandlers = Scenario.PreemptibleHandlers,
                Actions = _actions,
                Mux = Mux,
                Owners = Owners,
                Boot = Boot,
                SlotConfig = Scenario.Kernel is null ? (_, _) => 0 : SlotConfig,
            };
        }
        if (Layout.IsRedistributor(id))
        {
            int cpu = Layout.CpuOf(id);
            var bank = BootBank();
            int firmwareFrom = Scenario.Kernel is null ? Intid.SgiCount : Scenario.Gic.NonSecureSgis;
            return new RedistributorComponent(Layout, Scenario.Timing, cpu, bank, BootEnables, firmwareFrom, Owners, trace)
            {
                NonSecureWrites = Scenario.Kernel is not null,
            };
        }
        if (Layout.IsDistributor(id)) return new DistributorComponent(Layout, Scenario.Timing, id - 2 * Layout.Cpus, trace);
        return new ReclaimerComponent(Layout, Scenario, Owners, Boot, Mux, SlotConfig, trace);
    }

    /// <summary>The software's masking discipline (profile and gic.nmi).</summary>
    public Masking Masking => _masking ??= Masking.For(Scenario.Kernel, Scenario.Gic.Nmi, Scenario.Gic.Security);
    private Masking? _masking;

    /// <summary>Test-only: every component of this simulation runs with <paramref name="faults"/> (see <see cref="FaultSeam"/>).</summary>
    internal void InjectFaults(FaultSeam faults)
    {
        foreach (var component in Built) component.Faults = faults;
    }

    /// <summary>A redistributor's private bank as the profile boots it.</summary>
    public Redistributor BootBank()
    {
        var bank = new Redistributor(Config);
        if (Scenario.Kernel is null) BootHarness(bank);
        else BootLinux(bank);
        return bank;
    }

    /// <summary>Profile none: all 16 SGIs enabled, Group 1, priority 0xA0.</summary>
    private static void BootHarness(Redistributor bank)
    {
        for (int intid = 0; intid < Intid.SgiCount; intid++)
        {
            bank.SetGroup(intid, InterruptGroup.Group1NonSecure);
            bank.SetPriority(intid, HarnessPriority);
            bank.SetEnabled(intid, true);
        }
    }

    /// <summary>
    /// As Linux boots: the profile's IPIs on SGIs 0..MAX_IPI-1, Group 1, enabled, at the IRQ
    /// priority, or the NMI one for NMI IPIs under pseudo-NMI (the NMI bit with architected NMIs);
    /// other Non-secure SGIs left disabled; SGIs from ns-sgis up are firmware's (Group 0), so a
    /// Group 1 send to them is dropped.
    /// </summary>
    private void BootLinux(Redistributor bank)
    {
        for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
        {
            if (sgi >= Scenario.Gic.NonSecureSgis)
            {
                bank.SetGroup(sgi, InterruptGroup.Group0);
                continue;
            }
            bank.SetGroup(sgi, InterruptGroup.Group1NonSecure);
            int handler = Boot.Handlers[sgi];
            bool nmi = handler == BootRouting.BrokerHandler || handler >= 0 && Owners.Nmi(handler);
            var (priority, nmiBit, _) = SlotSetup.Unconfig(SlotConfig(nmi, true));
            bank.SetPriorityNonSecure(sgi, priority); // Linux writes from Non-secure EL1
            bank.SetNmi(sgi, nmiBit);
            // A slot nobody's handler owns (free, or freed by the broker) is left disabled.
            bank.SetEnabled(sgi, handler != -1);
        }
    }

    /// <summary>
    /// How Linux configures an SGI slot: the NMI priority for an NMI under pseudo-NMI (and the NMI
    /// bit with architected NMIs), else the era's IRQ priority, which does not depend on pseudo-NMI
    /// (linux-6.12 programs 0xC0 with gic.nmi = none too, as the captured 6.12.117 does); enabled or not.
    /// </summary>
    public int SlotConfig(bool nmi, bool enable)
    {
        var priorities = Scenario.Kernel!.Priorities;
        bool pseudo = Scenario.Gic.Nmi == NmiMode.Pseudo;
        return SlotSetup.Config(nmi && pseudo ? priorities.NmiPriority : priorities.IrqPriority, nmi && Scenario.Gic.Nmi == NmiMode.Architected, enable);
    }

    /// <summary>
    /// Appends actions to a simulation that has started (a stepped run's sends): from now on the
    /// simulation is that of <paramref name="extended"/>, which must be this scenario with actions
    /// appended and nothing else changed (the caller checks). Returns the new actions' events,
    /// numbered as <see cref="InitialEvents"/> of <paramref name="extended"/> numbers them, so a
    /// run that got them late equals one that had them from the start. Only between windows: no
    /// component may be running.
    /// </summary>
    internal SimEvent[] Extend(Scenario extended)
    {
        _ = Components; // a stepped run is one process's: the whole simulation
        int before = Scenario.Actions.Count;
        if (extended.Actions.Count < before) throw new ArgumentException("the extended scenario has fewer actions", nameof(extended));
        Scenario = extended;
        _actions = [.. extended.Actions];
        for (int cpu = 0; cpu < Layout.Cpus; cpu++) Cpu(cpu).Extend(extended, _actions);
        return InitialEvents().Where(e => e.A >= before).ToArray();
    }

    /// <summary>
    /// The scenario's actions as events from the scenario source, in action order. A traffic
    /// action starts a process on every CPU of its <c>cpus</c> set.
    /// </summary>
    public IEnumerable<SimEvent> InitialEvents()
    {
        int seq = 0;
        for (int i = 0; i < Scenario.Actions.Count; i++)
        {
            var action = Scenario.Actions[i];
            if (action.Replay is { } replay)
            {
                // Each CPU a copy of the trace drives starts at its own first send, then times its next ones itself.
                var trace = replay.Trace;
                for (int copy = 0; copy < replay.Copies; copy++)
                    for (int traceCpu = 0; traceCpu < trace.Cpus; traceCpu++)
                    {
                        int cpu = replay.ModelCpu(copy, traceCpu);
                        if (cpu >= Layout.Cpus || trace.BySender[traceCpu].Length == 0) continue;
                        yield return new SimEvent
                        {
                            Time = action.At + replay.Scaled(trace.Times[trace.BySender[traceCpu][0]]),
                            Target = Layout.CpuId(cpu),
                            Source = SimEvent.ScenarioSource,
                            Seq = checked(seq++),
                            Kind = EventKind.Action,
                            A = i,
                        };
                    }
                continue;
            }
            var cpus = action.Do == ActionVerb.Traffic
                ? (action.Cpus ?? TargetSet.All).Resolve(action.Cpu, Layout.Cpus)
                : [action.Cpu];
            foreach (int cpu in cpus)
                yield return new SimEvent
                {
                    Time = action.At,
                    Target = Layout.CpuId(cpu),
                    Source = SimEvent.ScenarioSource,
                    Seq = checked(seq++), // 2^31 (action, CPU) pairs would exhaust memory long before
                    Kind = EventKind.Action,
                    A = i,
                };
        }
    }
}
