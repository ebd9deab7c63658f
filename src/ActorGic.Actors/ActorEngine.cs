using Akka.Actor;
using Akka.Configuration;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// The actor engine in one process: an actor per CPU, per redistributor and per chip
/// distributor, and a time keeper. Same scenario and seed: the same digest as the reference
/// engine, with one dispatcher thread or many.
/// </summary>
public static class ActorEngine
{
    private static readonly Lazy<string> SingleConf = new(() => Embedded("akka.single.conf"));

    /// <summary>A HOCON file from hocon/ that travels inside this assembly.</summary>
    internal static string Embedded(string name)
    {
        using var stream = typeof(ActorEngine).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Runs the keeper to the end, then collects what every component still holds. Both waits are
    /// bounded (<see cref="RunBounds"/>): windows that stop finishing for the watchdog's wall time
    /// (read from <paramref name="clock"/>, which the keeper moves) end the run with
    /// <see cref="RunAbortedException"/>, a cancelled token with <see cref="RunInterruptedException"/>.
    /// </summary>
    internal static RunOutcome RunToEnd(IActorRef keeper, IActorRef[] components, long end, WindowClock clock, RunBounds bounds,
        string stalled = "a component stopped answering")
    {
        var finished = RunWait.Finish(keeper.Ask<RunFinished>(new RunTo(end), Timeout.InfiniteTimeSpan), clock, end, bounds, stalled);
        var inFlight = new List<SimEvent>(finished.Undelivered);
        var drained = RunWait.Collect(components.Select(r => r.Ask<LocalDrained>(DrainLocal.Instance, bounds.Watchdog)),
            finished.ReachedNs, end, bounds, "a component");
        foreach (var d in drained) inFlight.AddRange(d.Remaining);
        return new RunOutcome(finished.ReachedNs, finished.Events, inFlight, Windows: finished.Windows, ComponentRuns: finished.ComponentRuns);
    }

    /// <summary>Stops an actor system, waiting a bounded time (a system that does not stop is left to the process's end).</summary>
    internal static void Stop(ActorSystem system) => system.Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>Akka settings for a single-process run with <paramref name="threads"/> simulation threads.</summary>
    public static Config SingleProcessConfig(int threads = 1) =>
        ConfigurationFactory.ParseString($"akka.actor.sim-dispatcher.dedicated-thread-pool.thread-count = {threads}")
            .WithFallback(ConfigurationFactory.ParseString(SingleConf.Value));

    /// <summary>Runs the simulation in a fresh ActorSystem, then shuts it down.</summary>
    public static RunOutcome Run(Simulation simulation, long end, int threads = 1, Action<long>? progress = null, RunBounds? bounds = null)
    {
        var system = ActorSystem.Create("actorgic", SingleProcessConfig(threads));
        try
        {
            return Run(system, simulation, end, progress, bounds);
        }
        finally
        {
            Stop(system);
        }
    }

    /// <summary>Runs the simulation in an existing ActorSystem (a TestKit's, for instance).</summary>
    public static RunOutcome Run(ActorSystem system, Simulation simulation, long end, Action<long>? progress = null, RunBounds? bounds = null) =>
        Spawn(system, simulation, progress).Run(end, bounds);

    /// <summary>Creates an actor per component and the time keeper; <see cref="SpawnedSimulation.Run"/> then runs them.</summary>
    public static SpawnedSimulation Spawn(ActorSystem system, Simulation simulation, Action<long>? progress = null)
    {
        var layout = simulation.Layout;
        var refs = new IActorRef[simulation.Components.Length];
        string run = Guid.NewGuid().ToString("N")[..8];
        for (int id = 0; id < refs.Length; id++)
            refs[id] = system.ActorOf(ComponentActor.Props(simulation.Components[id]), $"{run}-{Name(layout, id)}");
        var clock = new WindowClock();
        // Taken now, not when the keeper's constructor runs on its own thread: a stepped run's first
        // send may extend the scenario before then, and its events would come twice.
        var initial = simulation.InitialEvents().ToArray();
        var keeper = system.ActorOf(
            TimeKeeperActor.Props(refs, new Horizons(layout, simulation.Scenario.Timing, simulation.CpuAtomics), initial, progress, clock),
            $"{run}-time-keeper");
        // The broker owns the registry the scenario declared; the run's data path never waits for it.
        // It gets its own copy: the CPUs' data path reads the users fixed at boot, never a registry another thread changes.
        IActorRef? broker = simulation.Mux is { } mux ? system.ActorOf(NmiBrokerActor.Props(mux.Broker.Copy(), mux.Sgi), $"{run}-nmi-broker") : null;
        return new SpawnedSimulation(system, refs, keeper, clock) { Broker = broker };
    }

    private static string Name(Layout layout, int id) =>
        layout.IsCpu(id) ? $"cpu-{id}"
        : layout.IsRedistributor(id) ? $"redistributor-{layout.CpuOf(id)}"
        : layout.IsDistributor(id) ? $"distributor-{id - 2 * layout.Cpus}"
        : "sgi-reclaimer";
}

/// <summary>The actors of one simulation, ready to run once.</summary>
public sealed class SpawnedSimulation(ActorSystem system, IActorRef[] components, IActorRef keeper, WindowClock clock)
{
    internal ActorSystem System => system;
    internal IActorRef[] Components => components;
    internal IActorRef Keeper => keeper;
    internal WindowClock Clock => clock;

    /// <summary>The run's NmiBrokerActor, when the scenario has an NMI broker.</summary>
    public IActorRef? Broker { get; init; }

    /// <summary>Runs to <paramref name="end"/>; every wait is bounded by <paramref name="bounds"/> (default: <see cref="RunBounds.Default"/>).</summary>
    public RunOutcome Run(long end, RunBounds? bounds = null)
    {
        try
        {
            return ActorEngine.RunToEnd(keeper, components, end, clock, bounds ?? RunBounds.Default);
        }
        finally
        {
            StopActors();
        }
    }

    /// <summary>Stops every actor of the run (they hold nothing once the report is built).</summary>
    internal void StopActors()
    {
        foreach (var r in components) system.Stop(r);
        system.Stop(keeper);
        if (Broker is not null) system.Stop(Broker);
    }
}
