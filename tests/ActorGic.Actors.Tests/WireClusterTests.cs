using Akka.Configuration;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// In-process nodes over real sockets: a window's batch larger than Akka's frame travels in parts
/// and the run gives the reference report (instead of a dropped frame and a run that waits
/// forever).
/// </summary>
[Collection("in-process cluster")]
public class WireClusterTests
{
    private static RunReport Reference(Scenario s)
    {
        var sim = new Simulation(s, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(s.End), "reference");
    }

    /// <summary>
    /// 512 CPUs on 2 chips of 16 clusters; 64 CPUs of each chip broadcast an SGI at the same time:
    /// one ICC_SGI1R_EL1 write per cluster, so 1,024 writes cross to each chip in one window.
    /// </summary>
    private static Scenario CrossChipBroadcasts()
    {
        var builder = new ScenarioBuilder(cpus: 512, cpusPerCluster: 16, clustersPerChip: 16).WithName("cross-chip broadcasts");
        foreach (int cpu in Enumerable.Range(0, 64).Concat(Enumerable.Range(256, 64)))
            builder.Sgi(1_000, cpu, 2, TargetSet.AllButSelf);
        return builder.Build(20_000);
    }

    [Fact]
    public void A_window_batch_larger_than_the_frame_travels_in_parts_and_gives_the_reference_report()
    {
        const int frame = 32_000; // Akka's smallest
        var scenario = CrossChipBroadcasts();
        var reference = Reference(scenario);
        var sim = new Simulation(scenario, keepTrace: false);
        var clock = new WindowClock();
        var options = new ClusterOptions
        {
            Config = ConfigurationFactory.ParseString($"{WireBudget.FrameSizePath} = {frame}b"),
            Clock = clock,
        };
        var outcome = ClusterEngine.Run(sim, scenario.End, 2, options: options);
        ReportComparison.AssertSameReport(reference, RunReport.Build(sim, outcome, "actors", 2), "2 nodes, 32,000-byte frames");
        // Without parts this batch would not have fit one frame: Akka would have dropped it and the run waited forever.
        Assert.True(clock.LargestBatch * ActorGicSerializer.EventBytes > frame, $"largest batch: {clock.LargestBatch} events");
    }
}
