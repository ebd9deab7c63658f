using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>
/// Builds a scenario in code, for tests and tools: N CPUs with profile none, actions at virtual
/// times in nanoseconds. <code>
/// var scenario = new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2]).Build(end: 20_000);
/// </code>
/// </summary>
public sealed class ScenarioBuilder
{
    private readonly List<ScenarioAction> _actions = new();
    private Topology _topology;
    private GicOptions _gic = new();
    private TimingModel _timing = TimingModel.Default;
    private long _seed = 1;
    private bool _preemptible;
    private string _name = "built in code";

    public ScenarioBuilder(int cpus, int cpusPerCluster = 16, int clustersPerChip = 256) =>
        _topology = Topology.Regular(cpus, cpusPerCluster, clustersPerChip);

    public ScenarioBuilder WithTopology(Topology topology) { _topology = topology; return this; }
    public ScenarioBuilder WithSeed(long seed) { _seed = seed; return this; }
    public ScenarioBuilder WithName(string name) { _name = name; return this; }
    public ScenarioBuilder WithTiming(TimingModel timing) { _timing = timing; return this; }
    public ScenarioBuilder WithGic(GicOptions gic) { _gic = gic; return this; }
    public ScenarioBuilder WithPreemptibleHandlers(bool on = true) { _preemptible = on; return this; }

    public ScenarioBuilder Sgi(long at, int cpu, int intid, params int[] to) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Sgi, Intid = intid, To = TargetSet.List(to) });

    public ScenarioBuilder Sgi(long at, int cpu, int intid, TargetSet to) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Sgi, Intid = intid, To = to });

    public ScenarioBuilder SgiIrm(long at, int cpu, int intid) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Sgi, Intid = intid, Irm = true });

    public ScenarioBuilder IrqOff(long at, int cpu, long forNs = 0) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.IrqOff, For = forNs });

    public ScenarioBuilder IrqOn(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.IrqOn });
    public ScenarioBuilder Hang(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Hang });
    public ScenarioBuilder Idle(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Idle });

    public ScenarioBuilder Enable(long at, int cpu, int intid, bool enabled = true) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = enabled ? ActionVerb.Enable : ActionVerb.Disable, Intid = intid });

    public ScenarioBuilder SetPriority(long at, int cpu, int intid, int priority) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.SetPriority, Intid = intid, Priority = priority });

    public ScenarioBuilder Traffic(long at, int intid, double rate, long until, TargetSet? cpus = null, TargetSet? to = null) =>
        Add(new ScenarioAction
        {
            At = at,
            Cpu = 0,
            Do = ActionVerb.Traffic,
            Intid = intid,
            Rate = rate,
            Until = until,
            Cpus = cpus ?? TargetSet.All,
            To = to,
        });

    public ScenarioBuilder Add(ScenarioAction action)
    {
        if ((uint)action.Cpu >= (uint)_topology.CpuCount)
            throw new ArgumentOutOfRangeException(nameof(action), $"CPU {action.Cpu} does not exist (cpus = {_topology.CpuCount})");
        if (action.Do == ActionVerb.Traffic && action.To is null && _topology.CpuCount < 2)
            throw new ArgumentException("traffic to another CPU needs at least 2 CPUs", nameof(action));
        _actions.Add(action);
        return this;
    }

    public Scenario Build(long end) => new()
    {
        Name = _name,
        Seed = _seed,
        End = end,
        Topology = _topology,
        Gic = _gic,
        Timing = _timing,
        Actions = _actions.ToList(),
        PreemptibleHandlers = _preemptible,
    };

    /// <summary>Runs the scenario on the reference engine and returns its report.</summary>
    public RunReport RunReference(long end, bool keepTrace = false)
    {
        var sim = new Simulation(Build(end), keepTrace);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(end), "reference");
    }
}
