using Akka.Actor;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors;

/// <summary>
/// Runs a scenario on the actor engine inside an existing ActorSystem (a TestKit's, for
/// instance), straight to its end or step by step (<see cref="SteppedRun"/>). The system needs the
/// simulation dispatcher: <see cref="ActorEngine.SingleProcessConfig"/> has it, and the
/// <c>ActorGic.Testing</c> package's <c>ActorGicTestKit</c> base class passes it for you.
/// <code>
/// var report = Sys.RunScenario(new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2, 4, 6]), end: 20_000);
/// Assert.Equal([0, 2, 4, 6], report.CpusThatAcked(intid: 1));
/// </code>
/// </summary>
public static class ScenarioRuns
{
    public static RunReport RunScenario(this ActorSystem system, ScenarioBuilder builder, long end, bool keepTrace = false) =>
        system.RunScenario(builder.Build(end), keepTrace);

    public static RunReport RunScenario(this ActorSystem system, Scenario scenario, bool keepTrace = false)
    {
        var simulation = new Simulation(scenario, keepTrace);
        var outcome = ActorEngine.Run(system, simulation, scenario.End);
        return RunReport.Build(simulation, outcome, "actors");
    }

    /// <summary>Starts the scenario at virtual time 0, for a test to step through (<see cref="SteppedRun"/>); dispose it, or take its <see cref="SteppedRun.Report"/>.</summary>
    public static SteppedRun StartScenario(this ActorSystem system, ScenarioBuilder builder, long end, RunBounds? bounds = null) =>
        new(system, builder, end, bounds);
}
