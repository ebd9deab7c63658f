using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>Runs a scenario on the reference engine and builds its report: the one way these tests run things.</summary>
internal static class TestRuns
{
    public static (Simulation Sim, RunReport Report) Reference(Scenario scenario, bool keepTrace = false)
    {
        var sim = new Simulation(scenario, keepTrace);
        return (sim, RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference"));
    }

    public static RunReport Hocon(string hocon) => Reference(ScenarioLoader.LoadText(hocon)).Report;

    public static RunReport Hocon(string hocon, bool keepTrace, out Simulation sim)
    {
        (sim, var report) = Reference(ScenarioLoader.LoadText(hocon), keepTrace);
        return report;
    }

    /// <summary>A shipped scenario from hocon/scenarios, optionally changed before the run.</summary>
    public static RunReport File(string name, Func<Scenario, Scenario>? change = null)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios", name));
        return Reference(change is null ? scenario : change(scenario)).Report;
    }
}
