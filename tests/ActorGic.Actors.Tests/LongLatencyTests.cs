using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// Every accepted latency works on every engine: links slower than the time keeper's 4,096 ns
/// agenda wheel (a 5 us remote atomic, a 1 ms chip-to-chip link) give the reference engine's
/// report on the actor engine and on two in-process nodes. The wheel once refused such a horizon
/// and the actor engine hung.
/// </summary>
[Collection("in-process cluster")]
public class LongLatencyTests
{
    private static Scenario Storm(string timing, string end) => ScenarioLoader.LoadText($$"""
        scenario {
          seed = 5
          end = {{end}}
          topology { cpus = 32, cpus-per-cluster = 16, clusters-per-chip = 1 }
          kernel { profile = linux-6.12 }
          timing { {{timing}} }
          actions = [
            { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 100000, cpus = all, until = 40us }
            { at = 0us, cpu = 0, do = traffic, ipi = CALL_FUNC, rate = 100000, cpus = all, until = 40us }
          ]
        }
        """);

    [Theory]
    [InlineData("remote-atomic = 5us", "100us")]
    [InlineData("chip-to-chip = 1ms", "2100us")]
    public void A_link_slower_than_the_agenda_wheel_gives_one_report_on_every_engine(string timing, string end)
    {
        var scenario = Storm(timing, end);
        var sim = new Simulation(scenario, keepTrace: false);
        var reference = RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference");
        Assert.True(reference.InvariantsOk, string.Join("; ", reference.Violations));
        Assert.True(reference.Totals.Delivered > 100);

        sim = new Simulation(scenario, keepTrace: false);
        ReportComparison.AssertSameReport(reference, RunReport.Build(sim, ActorEngine.Run(sim, scenario.End), "actors"), "actors");
        sim = new Simulation(scenario, keepTrace: false);
        ReportComparison.AssertSameReport(reference, RunReport.Build(sim, ClusterEngine.Run(sim, scenario.End, 2), "actors", 2), "2 nodes");
    }
}
