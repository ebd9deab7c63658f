using Akka.Actor;
using ActorGic.Engine;
using ActorGic.Gic;
using ActorGic.Scenarios;

namespace ActorGic.Actors;

/// <summary>
/// A scenario on the actor engine that a test drives step by step: advance virtual time, send
/// actions, look at what the CPUs did so far, and at the end take the report.
/// <code>
/// using var run = Sys.StartScenario(new ScenarioBuilder(cpus: 4).WithKernel("linux-6.12"), end: 50_000);
/// run.Send(b => b.Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [2]));
/// run.AdvanceTo(5_000);
/// Assert.Equal(1, run.Acks(cpu: 2, intid: 0));
/// var report = run.Report();
/// </code>
/// <para>
/// Time: <see cref="Now"/> is the virtual time reached: every event before it has run, none at or
/// after it. <see cref="AdvanceTo"/> moves it forward (never back) up to the scenario's end, and
/// <see cref="Report"/> runs the rest, the end's own nanosecond included, as a straight run does.
/// Stepping changes nothing: the report after any steps and sends is the report of one straight
/// run of the scenario with the sent actions appended to its builder, digest included.
/// </para>
/// <para>
/// Sends: <see cref="Send"/> adds actions to a copy of the builder, which is built again (every
/// check of a scenario file applies; a bad one throws the loader's <see cref="ScenarioException"/>),
/// and hands the time keeper the new actions' events. An action must be at or after
/// <see cref="Now"/>; request-sgi and release-sgi are refused (the reclaimer and the owners' table
/// are laid out when the run starts: put them in the builder), and so is any change to the
/// builder's settings. No wait is unbounded: each step is bounded by <see cref="RunBounds"/> (no
/// window finishing for its watchdog's wall time ends it with <see cref="RunAbortedException"/>).
/// </para>
/// <para>Probes read the components between steps, when none of them runs: not thread-safe, one test thread.</para>
/// </summary>
public sealed class SteppedRun : IDisposable
{
    private readonly SpawnedSimulation _spawned;
    private readonly RunBounds _bounds;
    private ScenarioBuilder _builder;
    private RunReport? _report;
    private bool _stopped;

    internal SteppedRun(ActorSystem system, ScenarioBuilder builder, long end, RunBounds? bounds)
    {
        _builder = builder.Clone();
        End = end;
        _bounds = bounds ?? RunBounds.Default;
        Simulation = new Simulation(_builder.Build(end), keepTrace: false);
        _spawned = ActorEngine.Spawn(system, Simulation);
    }

    /// <summary>Every event before this virtual time (ns) has run; none at or after it.</summary>
    public long Now { get; private set; }

    /// <summary>The scenario's end (ns): <see cref="Report"/> runs to it, inclusive.</summary>
    public long End { get; }

    /// <summary>The scenario as it stands, sent actions included.</summary>
    public Scenario Scenario => Simulation.Scenario;

    internal Simulation Simulation { get; }

    /// <summary>Runs every event before <paramref name="t"/> (ns); <see cref="Now"/> becomes <paramref name="t"/>.</summary>
    public SteppedRun AdvanceTo(long t)
    {
        CheckOpen();
        if (t < Now) throw new ArgumentOutOfRangeException(nameof(t), t, $"virtual time only moves forward: now is {Now} ns, so it cannot advance to {t} ns");
        if (t > End) throw new ArgumentOutOfRangeException(nameof(t), t, $"{t} ns is after the scenario's end ({End} ns): Report() runs to the end");
        if (t == Now) return this;
        // The watchdog measures from this step's start, not from the previous step's last window.
        _spawned.Clock.Opened(_spawned.Clock.Start);
        try
        {
            RunWait.Finish(_spawned.Keeper.Ask<RunFinished>(new RunTo(t - 1), Timeout.InfiniteTimeSpan), _spawned.Clock, End, _bounds,
                "a component stopped answering");
        }
        catch
        {
            Dispose(); // a failed or abandoned step leaves nothing to step on
            throw;
        }
        Now = t;
        return this;
    }

    /// <summary>
    /// Adds actions at or after <see cref="Now"/>, as builder calls (<c>b =&gt; b.Ipi(...).Nmi(...)</c>);
    /// the same checks as a scenario file, and the same run as if the builder had them from the start.
    /// </summary>
    public SteppedRun Send(Func<ScenarioBuilder, ScenarioBuilder> actions)
    {
        CheckOpen();
        var extended = actions(_builder.Clone());
        if (extended.ToHocon(End, withActions: false) != _builder.ToHocon(End, withActions: false))
            throw new InvalidOperationException("Send adds actions only: a run's settings (kernel, GIC, timing, NMI users, ...) are fixed when it starts");
        int before = _builder.Actions.Count;
        for (int i = 0; i < before; i++)
            if (i >= extended.Actions.Count || !Equals(extended.Actions[i], _builder.Actions[i]))
                throw new InvalidOperationException("Send adds actions only: it cannot change the actions the run started with");
        var added = extended.Actions.Skip(before).ToList();
        if (added.Count == 0) throw new ArgumentException("Send added no action", nameof(actions));
        foreach (var a in added)
        {
            if (a.At < Now)
                throw new ArgumentOutOfRangeException(nameof(actions), a.At,
                    $"{Verb(a)} on CPU {a.Cpu} at {a.At} ns is in the run's past: now is {Now} ns (send at {Now} ns or later)");
            if (a.Do is ActionVerb.RequestSgi or ActionVerb.ReleaseSgi)
                throw new InvalidOperationException(
                    $"{Verb(a)} cannot be sent into a running scenario: the SGI reclaimer and the owners' table are laid out when it starts; put it in the ScenarioBuilder");
        }
        var scenario = extended.Build(End); // the loader's checks: a bad action throws ScenarioException
        var events = Simulation.Extend(scenario);
        _spawned.Keeper.Ask<EventsInjected>(new InjectEvents(events), _bounds.Watchdog).Wait(_bounds.Watchdog + TimeSpan.FromSeconds(1));
        _builder = extended;
        return this;
    }

    /// <summary>How many times <paramref name="cpu"/> acknowledged <paramref name="intid"/> so far.</summary>
    public long Acks(int cpu, int intid)
    {
        if ((uint)intid >= (uint)Intid.PrivateCount) throw new ArgumentOutOfRangeException(nameof(intid), intid, $"INTID {intid} is not an SGI or PPI (0-31)");
        return Cpu(cpu).Acks[intid];
    }

    /// <summary>The CPUs that acknowledged <paramref name="intid"/> at least once so far, ascending.</summary>
    public int[] CpusThatAcked(int intid) => Enumerable.Range(0, Simulation.Layout.Cpus).Where(c => Acks(c, intid) > 0).ToArray();

    /// <summary>What <paramref name="cpu"/> is doing now (running, idle, hung, stopped, offline).</summary>
    public CpuState State(int cpu) => Cpu(cpu).State;

    /// <summary>
    /// The SGIs pending in <paramref name="cpu"/>'s redistributor now, ascending: set when a
    /// set-pending arrives, cleared when the CPU's activate reaches the redistributor (timing
    /// cpu-to-redistributor after the acknowledge).
    /// </summary>
    public int[] PendingSgis(int cpu)
    {
        var bank = Simulation.Redistributor(CheckCpu(cpu)).Bank;
        return Enumerable.Range(0, Intid.SgiCount).Where(bank.IsPending).ToArray();
    }

    /// <summary>How many times <paramref name="cpu"/> ran the handler of a Linux IPI (or purpose) so far, by name (RESCHEDULE, CALL_FUNC, ...).</summary>
    public long IpiHandled(int cpu, string ipi)
    {
        string name = ipi.StartsWith("IPI_", StringComparison.Ordinal) ? ipi[4..] : ipi;
        int owner = Simulation.Owners.IndexOf(name);
        if (Scenario.Kernel is null || owner < 0)
            throw new ArgumentException(Scenario.Kernel is null ? $"profile {Scenario.Profile} has no IPIs" : $"{Scenario.Profile} has no IPI or purpose {name}", nameof(ipi));
        var runs = Cpu(cpu).HandlerRuns;
        return owner < runs.Count ? runs[owner] : 0;
    }

    /// <summary>Runs to the end (inclusive), collects what the actors still hold and returns the report; once.</summary>
    public RunReport Report()
    {
        if (_report is not null) return _report;
        CheckOpen();
        _spawned.Clock.Opened(_spawned.Clock.Start);
        try
        {
            var outcome = ActorEngine.RunToEnd(_spawned.Keeper, _spawned.Components, End, _spawned.Clock, _bounds);
            _report = RunReport.Build(Simulation, outcome, "actors");
            Now = End + 1;
            return _report;
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (_stopped) return;
        _stopped = true;
        _spawned.StopActors();
    }

    private void CheckOpen()
    {
        if (_report is not null) throw new InvalidOperationException("the run has ended: Report() ran it to its end");
        if (_stopped) throw new ObjectDisposedException(nameof(SteppedRun), "the run was stopped (disposed, or its last step failed)");
    }

    private int CheckCpu(int cpu) =>
        (uint)cpu < (uint)Simulation.Layout.Cpus ? cpu
            : throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"CPU {cpu} does not exist (cpus = {Simulation.Layout.Cpus})");

    private CpuComponent Cpu(int cpu) => Simulation.Cpu(CheckCpu(cpu));

    private static string Verb(ScenarioAction a) => a.Do switch
    {
        ActionVerb.RequestSgi => "request-sgi",
        ActionVerb.ReleaseSgi => "release-sgi",
        var other => other.ToString(),
    };
}
