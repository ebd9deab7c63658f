using System.Text.Json;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// A cluster node builds only the components it hosts (a partial <see cref="Simulation"/>): it must be
/// the whole simulation's components, and nothing it did not build may be taken for one.
/// </summary>
public class PartialSimulationTests
{
    private static Scenario Scenario(string file) =>
        ScenarioLoader.LoadFile(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios", file));

    [Fact]
    public void A_partial_simulation_builds_only_the_components_asked_for_and_refuses_the_others()
    {
        var scenario = Scenario("reclaim-storm-64.conf");
        var whole = new Simulation(scenario, keepTrace: false);
        var part = new Simulation(scenario, keepTrace: false, builds: id => id % 3 == 1);

        Assert.False(whole.Partial);
        Assert.True(part.Partial);
        Assert.Equal(whole.Components.Select(c => c.Id).Where(id => id % 3 == 1), part.Built.Select(c => c.Id));
        Assert.Equal(whole.Components.Select(c => c.GetType()).Where((_, id) => id % 3 == 1), part.Built.Select(c => c.GetType()));
        Assert.Same(part.Built[0], part.Component(1));
        var notBuilt = Assert.Throws<InvalidOperationException>(() => part.Component(0));
        Assert.Contains("component 0 is not one this simulation built", notBuilt.Message);
        Assert.Throws<InvalidOperationException>(() => part.Cpu(0));
        // An engine that runs every component refuses a part instead of running half a system.
        var whole2 = Assert.Throws<InvalidOperationException>(() => part.Components);
        Assert.Contains($"built {part.Built.Count} of its {whole.Components.Length} components", whole2.Message);
        Assert.Throws<InvalidOperationException>(() => new ReferenceEngine(part));
        // The scenario-level parts are whole.
        Assert.Equal(whole.InitialEvents(), part.InitialEvents());
        Assert.Equal(whole.Layout.ComponentCount, part.Layout.ComponentCount);
    }

    [Fact]
    public void A_partial_simulation_s_facts_are_the_whole_one_s_on_its_components()
    {
        var scenario = Scenario("nmi-mux-four-users.conf");
        Func<int, bool> half = id => id % 2 == 0;
        var whole = new Simulation(scenario, keepTrace: false);
        var part = new Simulation(scenario, keepTrace: false, builds: half);
        Assert.Equal(Json(RunFacts.Of(whole, half)), Json(RunFacts.Of(part)));
    }

    private static string Json(RunFacts f) => JsonSerializer.Serialize(f);
}
