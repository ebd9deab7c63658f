using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The account of a clustered run (<see cref="WindowClock"/>), which the bench prints: every window
/// closed is counted once (node 0 closes them), every batch between two nodes once in the
/// direction it travelled (the root adds up what each node sent), and the wall times nest (a
/// node's time in a window lies inside it).
/// </summary>
[Collection("in-process cluster")]
public class ClusterAccountTests
{
    /// <summary>Three chips of 16 CPUs, one per node, linux-6.12 RESCHEDULE traffic across them.</summary>
    private static Scenario ThreeChips() => ScenarioLoader.LoadText("""
        scenario {
          seed = 5
          end = 20us
          topology { cpus = 48, cpus-per-cluster = 16, clusters-per-chip = 1 }
          kernel { profile = linux-6.12 }
          actions = [ { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 400000, cpus = all, until = 15us } ]
        }
        """);

    [Fact]
    public void A_lookahead_for_other_nodes_or_below_1_ns_is_refused()
    {
        RootKeeperActor.CheckLookahead(Horizons.UniformBetweenNodes(2, 60), 2);
        Assert.Equal("a lookahead for 3 nodes, the run has 2 (Parameter 'lookahead')",
            Assert.Throws<ArgumentException>(() => RootKeeperActor.CheckLookahead(Horizons.UniformBetweenNodes(3, 60), 2)).Message);
        var zero = Horizons.UniformBetweenNodes(2, 60);
        zero[1, 0] = 0;
        Assert.StartsWith("every lookahead is at least 1 ns",
            Assert.Throws<ArgumentOutOfRangeException>(() => RootKeeperActor.CheckLookahead(zero, 2)).Message);
    }

    [Fact]
    public void The_windows_the_batches_between_nodes_and_the_nodes_time_are_each_counted_once()
    {
        var scenario = ThreeChips();
        var sim = new Simulation(scenario, keepTrace: false);
        var clock = new WindowClock();
        var outcome = ClusterEngine.Run(sim, scenario.End, 3, options: new ClusterOptions { Clock = clock });

        Assert.Equal(3, clock.NodeCount);
        Assert.Equal(outcome.Windows, clock.ClosedWindows);
        Assert.Equal(112, outcome.Windows);
        // After each window a node that ran sends every other node one batch (small here: no parts), so what
        // node n sent is the same number of messages to each other node: the windows it ran in.
        var sent = Enumerable.Range(0, 3).Select(n => Enumerable.Range(0, 3).Where(m => m != n).Select(m => clock.Messages(n, m)).Distinct().Single()).ToArray();
        Assert.Equal(new long[] { 0, 0, 0 }, Enumerable.Range(0, 3).Select(n => clock.Messages(n, n)));
        Assert.Equal(new long[] { 104, 108, 106 }, sent);
        Assert.Equal(clock.RemoteMessages, 2 * sent.Sum());
        // Events: what each node sent each other one, directly (none through node 0).
        Assert.Equal(new long[] { 23, 31, 30, 44, 35, 21 },
            new[] { clock.Events(0, 1), clock.Events(0, 2), clock.Events(1, 0), clock.Events(1, 2), clock.Events(2, 0), clock.Events(2, 1) });
        // Wall times nest: each node's time in a window lies inside that window, and no node's exceeds the slowest one's of each window.
        Assert.InRange(clock.CriticalSeconds, 0, clock.WindowSeconds);
        for (int n = 0; n < 3; n++)
        {
            Assert.True(clock.BusySeconds(n) > 0, $"node {n} ran components");
            Assert.InRange(clock.BusySeconds(n), 0, clock.CriticalSeconds);
        }
        Assert.True(clock.SetupSeconds > 0 && clock.RunSeconds > 0);
    }
}
