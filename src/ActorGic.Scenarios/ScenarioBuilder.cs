using System.Globalization;
using System.Text;
using ActorGic.Engine;
using ActorGic.Gic;

namespace ActorGic.Scenarios;

/// <summary>
/// Builds a scenario in code, for tests and tools: N CPUs, a kernel profile (<c>none</c>, the
/// bare-metal harness, unless <see cref="WithKernel"/> names a Linux era), NMI users and actions at
/// virtual times in nanoseconds. <code>
/// var scenario = new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2]).Build(end: 20_000);
/// var linux = new ScenarioBuilder(cpus: 8).WithKernel("linux-6.12").NmiUser("watchdog", 50)
///     .Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [3]).Nmi(at: 2_000, cpu: 0, user: "watchdog", to: TargetSet.AllButSelf)
///     .Build(end: 100_000);
/// </code>
/// <para>
/// The builder writes the scenario as the HOCON text of a scenario file (<see cref="ToHocon"/>)
/// and <see cref="Build"/> loads that text with <see cref="ScenarioLoader"/>: every check a file
/// gets, a built scenario gets, so a builder cannot make a scenario the loader would refuse.
/// A bad call surfaces at <see cref="Build"/> as the loader's <see cref="ScenarioException"/>,
/// naming the action by its position among the builder's actions (<c>scenario.actions[2].ipi:
/// linux-6.12 has no IPI FOO (it has: ...)</c>). Settings not given are written explicitly with
/// the model's defaults (<see cref="TimingModel.Default"/>, <see cref="GicOptions"/>), except each
/// IPI's handler time, which comes from hocon/actorgic.conf as it does for a file.
/// </para>
/// </summary>
public sealed class ScenarioBuilder
{
    private List<ScenarioAction> _actions = new();
    private List<(string Name, int Priority)> _nmiUsers = new();
    private (int Cpus, int PerCluster, int PerChip) _regular;
    private Topology? _topology;
    private GicOptions _gic = new();
    private TimingModel _timing = TimingModel.Default;
    private ReclaimOptions _reclaim = new();
    private long _nmiDeadline = 100_000;
    private long _seed = 1;
    private bool _preemptible;
    private bool _nmiMux;
    private string _profile = "none";
    private string _name = "built in code";

    public ScenarioBuilder(int cpus, int cpusPerCluster = 16, int clustersPerChip = 256) =>
        _regular = (cpus, cpusPerCluster, clustersPerChip);

    /// <summary>A copy to add more to, this one unchanged.</summary>
    public ScenarioBuilder Clone()
    {
        var copy = (ScenarioBuilder)MemberwiseClone();
        // MemberwiseClone shares the lists: give the copy its own.
        copy._actions = new List<ScenarioAction>(_actions);
        copy._nmiUsers = new List<(string, int)>(_nmiUsers);
        return copy;
    }

    /// <summary>The actions so far, in the order they were added (a scenario file's order).</summary>
    public IReadOnlyList<ScenarioAction> Actions => _actions;

    public ScenarioBuilder WithTopology(Topology topology) { _topology = topology; return this; }
    public ScenarioBuilder WithSeed(long seed) { _seed = seed; return this; }
    public ScenarioBuilder WithName(string name) { _name = name; return this; }
    public ScenarioBuilder WithTiming(TimingModel timing) { _timing = timing; return this; }
    public ScenarioBuilder WithGic(GicOptions gic) { _gic = gic; return this; }
    public ScenarioBuilder WithPreemptibleHandlers(bool on = true) { _preemptible = on; return this; }

    /// <summary>kernel.profile: <c>none</c>, <c>linux-6.1</c>, <c>linux-6.7</c> or <c>linux-6.12</c>.</summary>
    public ScenarioBuilder WithKernel(string profile) { _profile = profile; return this; }

    /// <summary>kernel.nmi-mux: the era's NMI IPIs travel as NMI broker users on one SGI.</summary>
    public ScenarioBuilder WithNmiMux(bool on = true) { _nmiMux = on; return this; }

    /// <summary>The scenario's reclaim block (how the SGI reclaimer negotiates).</summary>
    public ScenarioBuilder WithReclaim(ReclaimOptions reclaim) { _reclaim = reclaim; return this; }

    /// <summary>invariants.nmi-deadline.</summary>
    public ScenarioBuilder WithNmiDeadline(long ns) { _nmiDeadline = ns; return this; }

    /// <summary>An entry of nmi-users: a user of the NMI broker, by name and dispatch priority (0-1000).</summary>
    public ScenarioBuilder NmiUser(string name, int priority = 100) { _nmiUsers.Add((name, priority)); return this; }

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

    /// <summary>Raw SGI traffic (profile none, or an SGI a Linux profile leaves free).</summary>
    public ScenarioBuilder Traffic(long at, int intid, double rate, long until, TargetSet? cpus = null, TargetSet? to = null) =>
        Add(new ScenarioAction { At = at, Cpu = 0, Do = ActionVerb.Traffic, Intid = intid, Rate = rate, Until = until, Cpus = cpus ?? TargetSet.All, To = to });

    /// <summary>do = ipi under a Linux profile: the era's IPI by name (RESCHEDULE, CALL_FUNC, TIMER, IRQ_WORK, WAKEUP), or a purpose a request-sgi asks a slot for.</summary>
    public ScenarioBuilder Ipi(long at, int cpu, string ipi, params int[] to) => Ipi(at, cpu, ipi, TargetSet.List(to));

    public ScenarioBuilder Ipi(long at, int cpu, string ipi, TargetSet to) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Ipi, Ipi = ipi, To = to });

    /// <summary>traffic of an IPI (or purpose) under a Linux profile.</summary>
    public ScenarioBuilder IpiTraffic(long at, string ipi, double rate, long until, TargetSet? cpus = null, TargetSet? to = null) =>
        Add(new ScenarioAction { At = at, Cpu = 0, Do = ActionVerb.Traffic, Ipi = ipi, Rate = rate, Until = until, Cpus = cpus ?? TargetSet.All, To = to });

    /// <summary>traffic of an NMI broker user.</summary>
    public ScenarioBuilder NmiTraffic(long at, string user, double rate, long until, TargetSet? cpus = null, TargetSet? to = null) =>
        Add(new ScenarioAction { At = at, Cpu = 0, Do = ActionVerb.Traffic, User = user, Rate = rate, Until = until, Cpus = cpus ?? TargetSet.All, To = to });

    /// <summary>do = nmi: a request of an NMI broker user (built in: backtrace, kgdb-roundup, cpu-stop; others from <see cref="NmiUser"/>).</summary>
    public ScenarioBuilder Nmi(long at, int cpu, string user, params int[] to) => Nmi(at, cpu, user, TargetSet.List(to));

    public ScenarioBuilder Nmi(long at, int cpu, string user, TargetSet to) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Nmi, User = user, To = to });

    /// <summary>do = request-sgi: ask the SGI reclaimer for a slot for <paramref name="purpose"/>.</summary>
    public ScenarioBuilder RequestSgi(long at, int cpu, string purpose, bool nmi = false) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.RequestSgi, Purpose = purpose, Nmi = nmi });

    /// <summary>do = release-sgi: give the purpose's slot back.</summary>
    public ScenarioBuilder ReleaseSgi(long at, int cpu, string purpose) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.ReleaseSgi, Purpose = purpose });

    public ScenarioBuilder Stop(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Stop });
    public ScenarioBuilder CrashStop(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.CrashStop });
    public ScenarioBuilder Restart(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Restart });
    public ScenarioBuilder KgdbRoundup(long at, int cpu) => Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.KgdbRoundup });

    /// <summary>do = backtrace (all but the sender unless <paramref name="to"/> says otherwise).</summary>
    public ScenarioBuilder Backtrace(long at, int cpu, TargetSet? to = null) =>
        Add(new ScenarioAction { At = at, Cpu = cpu, Do = ActionVerb.Backtrace, To = to ?? TargetSet.AllButSelf });

    /// <summary>Any action; it is checked with the rest at <see cref="Build"/>.</summary>
    public ScenarioBuilder Add(ScenarioAction action)
    {
        _actions.Add(action);
        return this;
    }

    /// <summary>The scenario, loaded from <see cref="ToHocon"/> by <see cref="ScenarioLoader"/>; throws its <see cref="ScenarioException"/>.</summary>
    public Scenario Build(long end)
    {
        // Akka's HOCON reads an empty list as null ("null is not a value here"): say what the loader says of one.
        for (int i = 0; i < _actions.Count; i++)
            foreach (var (key, set) in new[] { ("to", _actions[i].To), ("cpus", _actions[i].Cpus) })
                if (set is { Kind: TargetSetKind.List, Cpus.Length: 0 }) throw new ScenarioException($"scenario.actions[{i}].{key}", "empty CPU list");
        return ScenarioLoader.LoadText(ToHocon(end));
    }

    /// <summary>Runs the scenario on the reference engine and returns its report.</summary>
    public RunReport RunReference(long end, bool keepTrace = false)
    {
        var sim = new Simulation(Build(end), keepTrace);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(end), "reference");
    }

    /// <summary>
    /// The scenario file this builder describes (save it and <c>actorgic run</c> it); without
    /// <paramref name="withActions"/>, only its settings (two builders that differ only in their
    /// actions give the same text).
    /// </summary>
    public string ToHocon(long end, bool withActions = true)
    {
        var s = new StringBuilder();
        s.Append("scenario {\n");
        s.Append("  name = ").Append(Quote(_name)).Append('\n');
        s.Append("  seed = ").Append(_seed.ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("  end = ").Append(Ns(end)).Append('\n');
        if (_topology is { } t)
        {
            s.Append("  topology { rss = ").Append(OnOff(t.Rss)).Append(", mpidr = [");
            for (int cpu = 0; cpu < t.CpuCount; cpu++) s.Append(cpu == 0 ? "" : ", ").Append(Quote(t.MpidrOf(cpu).ToString()));
            s.Append("] }\n");
        }
        else
            s.Append(CultureInfo.InvariantCulture, $"  topology {{ cpus = {_regular.Cpus}, cpus-per-cluster = {_regular.PerCluster}, clusters-per-chip = {_regular.PerChip} }}\n");
        s.Append(CultureInfo.InvariantCulture,
            $"  gic {{ priority-bits = {_gic.PriorityBits}, eoi-mode = {(_gic.EoiMode ? 1 : 0)}, nmi = {_gic.Nmi.ToString().ToLowerInvariant()}, security = {(_gic.Security == SecurityStates.Two ? "two" : "one")}, ns-sgis = {_gic.NonSecureSgis} }}\n");
        s.Append("  kernel { profile = ").Append(Quote(_profile)).Append(", nmi-mux = ").Append(OnOff(_nmiMux))
            .Append(", preemptible-handlers = ").Append(OnOff(_preemptible)).Append(" }\n");
        var m = _timing;
        s.Append("  timing {\n");
        foreach (var (key, ns) in new (string, long)[]
                 {
                     ("cpu-to-distributor", m.CpuToDistributor), ("distributor-to-redistributor", m.DistributorToRedistributor),
                     ("chip-to-chip", m.ChipToChip), ("redistributor-to-cpu", m.RedistributorToCpu), ("cpu-to-redistributor", m.CpuToRedistributor),
                     ("sgi-write", m.SgiWrite), ("exception-entry", m.ExceptionEntry), ("handler", m.Handler), ("remote-atomic", m.RemoteAtomic),
                     ("remote-atomic-across-chips", m.RemoteAtomicAcrossChips),
                     ("call-function-item", m.CallFunctionItem), ("mmio-write", m.MmioWrite), ("reclaim-issue", m.ReclaimIssue),
                 })
            s.Append("    ").Append(key).Append(" = ").Append(Ns(ns)).Append('\n');
        if (m.IpiHandlers.Count > 0)
        {
            s.Append("    ipi-handlers {");
            foreach (var (ipi, ns) in m.IpiHandlers) s.Append(' ').Append(Quote(ipi)).Append(" = ").Append(Ns(ns));
            s.Append(" }\n");
        }
        s.Append("  }\n");
        if (_nmiUsers.Count > 0)
        {
            s.Append("  nmi-users = [");
            for (int i = 0; i < _nmiUsers.Count; i++)
                s.Append(i == 0 ? " " : ", ").Append("{ name = ").Append(Quote(_nmiUsers[i].Name)).Append(", priority = ")
                    .Append(_nmiUsers[i].Priority.ToString(CultureInfo.InvariantCulture)).Append(" }");
            s.Append(" ]\n");
        }
        var r = _reclaim;
        s.Append("  reclaim { reprogram = ").Append(r.Reprogram == ReprogramWay.PerCpu ? "per-cpu" : "mmio").Append(", drain-bound = ").Append(Ns(r.DrainBound))
            .Append(", promote = ").Append(OnOff(r.Promote));
        if (r.Stances.Count > 0)
        {
            s.Append(", owners {");
            foreach (var (ipi, stance) in r.Stances) s.Append(' ').Append(Quote(ipi)).Append(" = ").Append(stance.ToString().ToLowerInvariant());
            s.Append(" }");
        }
        s.Append(" }\n");
        s.Append("  invariants { nmi-deadline = ").Append(Ns(_nmiDeadline)).Append(" }\n");
        if (withActions && _actions.Count > 0)
        {
            s.Append("  actions = [\n");
            foreach (var a in _actions) s.Append("    ").Append(Action(a)).Append('\n');
            s.Append("  ]\n");
        }
        s.Append("}\n");
        return s.ToString();
    }

    private static string Action(ScenarioAction a)
    {
        var s = new StringBuilder("{ at = ");
        s.Append(Ns(a.At)).Append(", cpu = ").Append(a.Cpu.ToString(CultureInfo.InvariantCulture)).Append(", do = ").Append(Verb(a.Do));
        void Key(string key, string value) => s.Append(", ").Append(key).Append(" = ").Append(value);
        string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
        switch (a.Do)
        {
            case ActionVerb.Sgi:
                Key("intid", Int(a.Intid));
                if (a.Irm) Key("irm", "on");
                if (a.To is { } to) Key("to", Targets(to));
                break;
            case ActionVerb.IrqOff:
                if (a.For != 0) Key("for", Ns(a.For));
                break;
            case ActionVerb.Enable or ActionVerb.Disable:
                Key("intid", Int(a.Intid));
                break;
            case ActionVerb.SetPriority:
                Key("intid", Int(a.Intid));
                Key("priority", Int(a.Priority));
                break;
            case ActionVerb.Ipi:
                Key("ipi", Quote(a.Ipi ?? ""));
                if (a.To is { } ipiTo) Key("to", Targets(ipiTo));
                break;
            case ActionVerb.Traffic:
                if (a.User is not null) Key("user", Quote(a.User));
                else if (a.Ipi is not null) Key("ipi", Quote(a.Ipi));
                else Key("intid", Int(a.Intid));
                Key("rate", a.Rate.ToString("R", CultureInfo.InvariantCulture));
                Key("until", Ns(a.Until));
                if (a.Cpus is { } cpus) Key("cpus", Targets(cpus));
                if (a.To is { } trafficTo) Key("to", Targets(trafficTo));
                break;
            case ActionVerb.Nmi:
                Key("user", Quote(a.User ?? ""));
                if (a.To is { } nmiTo) Key("to", Targets(nmiTo));
                break;
            case ActionVerb.Backtrace:
                if (a.To is { } btTo) Key("to", Targets(btTo));
                break;
            case ActionVerb.RequestSgi:
                Key("purpose", Quote(a.Purpose ?? ""));
                Key("nmi", OnOff(a.Nmi));
                break;
            case ActionVerb.ReleaseSgi:
                Key("purpose", Quote(a.Purpose ?? ""));
                break;
        }
        return s.Append(" }").ToString();
    }

    private static string Verb(ActionVerb verb) => verb switch
    {
        ActionVerb.Sgi => "sgi",
        ActionVerb.Ipi => "ipi",
        ActionVerb.IrqOff => "irq-off",
        ActionVerb.IrqOn => "irq-on",
        ActionVerb.Hang => "hang",
        ActionVerb.Idle => "idle",
        ActionVerb.SetPriority => "set-priority",
        ActionVerb.Enable => "enable",
        ActionVerb.Disable => "disable",
        ActionVerb.Traffic => "traffic",
        ActionVerb.Stop => "stop",
        ActionVerb.CrashStop => "crash-stop",
        ActionVerb.Backtrace => "backtrace",
        ActionVerb.KgdbRoundup => "kgdb-roundup",
        ActionVerb.Restart => "restart",
        ActionVerb.Nmi => "nmi",
        ActionVerb.RequestSgi => "request-sgi",
        ActionVerb.ReleaseSgi => "release-sgi",
        _ => throw new ArgumentOutOfRangeException(nameof(verb), verb, null),
    };

    private static string Targets(TargetSet to) => to.Kind switch
    {
        TargetSetKind.Self => "self",
        TargetSetKind.All => "all",
        TargetSetKind.AllButSelf => "all-but-self",
        _ => "[" + string.Join(", ", to.Cpus.Select(c => c.ToString(CultureInfo.InvariantCulture))) + "]",
    };

    private static string Ns(long ns) => ns.ToString(CultureInfo.InvariantCulture) + "ns";
    private static string OnOff(bool on) => on ? "on" : "off";

    /// <summary>A HOCON quoted string (JSON escapes), so no name can break out of its key.</summary>
    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
