using Akka.Actor;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors;

/// <summary>
/// For users writing Akka TestKit suites against the model: run a scenario on the actor engine
/// inside the TestKit's own ActorSystem (its default dispatcher settings need the simulation
/// dispatcher, which <see cref="ActorEngine.SingleProcessConfig"/> provides).
/// <code>
/// public class MyTests() : TestKit(ActorEngine.SingleProcessConfig())
/// {
///     [Fact] public void Sgi_reaches_the_even_cpus()
///     {
///         var report = Sys.RunScenario(new ScenarioBuilder(cpus: 8).Sgi(at: 1_000, cpu: 1, intid: 1, to: [0, 2, 4, 6]), end: 20_000);
///         Assert.Equal([0, 2, 4, 6], report.CpusThatAcked(intid: 1));
///     }
/// }
/// </code>
/// </summary>
public static class ActorGicTestKit
{
    public static RunReport RunScenario(this ActorSystem system, ScenarioBuilder builder, long end, bool keepTrace = false) =>
        system.RunScenario(builder.Build(end), keepTrace);

    public static RunReport RunScenario(this ActorSystem system, Scenario scenario, bool keepTrace = false)
    {
        var simulation = new Simulation(scenario, keepTrace);
        var outcome = ActorEngine.Run(system, simulation, scenario.End);
        return RunReport.Build(simulation, outcome, "actors");
    }
}
