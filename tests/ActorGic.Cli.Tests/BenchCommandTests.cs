using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>actorgic bench checks every argument before it measures anything (the measuring itself is never a test).</summary>
public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("--only", "storm,stom", "--only: \"stom\" is not a part of the bench (startup, storm, mux, reclaim, cluster, broadcast)")]
    [InlineData("--repeat", "0", "--repeat: 0 is not a repeat count (1 to 100)")]
    [InlineData("--storm-ns", "5", "--storm-ns: 5 is not a storm length (10000 to 10000000000 ns)")]
    [InlineData("--storm-cpus", "64,1", "--storm-cpus: \"1\" is not a CPU count (2-65536)")]
    [InlineData("--broadcast-cpus", "x", "--broadcast-cpus: \"x\" is not a CPU count (2-65536)")]
    [InlineData("--nodes", "0", "--nodes: must be 1 to 64")]
    [InlineData("--project-cores", "0", "--project-cores: 0 is not a core count (1 to 4096)")]
    [InlineData("--project-latency", "soon", "--project-latency: \"soon\" is not a duration (use ns, us, ms or s, e.g. 10us)")]
    public void Bad_bench_arguments_exit_2_with_one_line_before_anything_runs(string option, string value, string expected)
    {
        // --only broadcast with a bad argument elsewhere: nothing may run, not even the header.
        string[] args = option == "--only" ? ["bench", option, value] : ["bench", "--only", "broadcast", option, value];
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal($"actorgic: {expected}", Assert.Single(Lines(error)));
    }

    [Fact]
    public void The_cluster_part_alone_needs_two_nodes_or_more()
    {
        var (exit, output, error) = Run(["bench", "--only", "cluster"]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal("actorgic: --only: cluster needs --nodes 2 or more", Assert.Single(Lines(error)));
    }

    /// <summary>A bench whose engines or node counts disagree, or whose child run failed, exits 1 after saying so; the next starts clean.</summary>
    [Fact]
    public void A_failed_check_makes_the_bench_exit_1()
    {
        var output = new StringWriter();
        Assert.Equal("  DIGESTS DIFFER", BenchCommand.Failed("  DIGESTS DIFFER"));
        Assert.Equal(1, BenchCommand.Verdict(output));
        Assert.Equal("bench: 1 check(s) failed (a digest that differs, or a run that did not finish): see above", Assert.Single(Lines(output.ToString())));
        Assert.Equal(0, BenchCommand.Verdict(new StringWriter()));
    }

    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(2, new[] { 1, 2 })]
    [InlineData(4, new[] { 1, 2, 4 })]
    [InlineData(6, new[] { 1, 2, 4, 6 })]
    public void The_clustered_runs_are_on_powers_of_two_up_to_the_node_count(int nodes, int[] expected) =>
        Assert.Equal(expected, BenchCluster.NodeCounts(nodes));

    /// <summary>The storm the bench runs on processes is the text of the one it runs in one process: the same run, so their times compare.</summary>
    [Fact]
    public void The_1024_cpu_storm_as_text_is_the_same_run_as_the_built_one()
    {
        static string Digest(ActorGic.Engine.Scenario scenario)
        {
            var sim = new ActorGic.Engine.Simulation(scenario, keepTrace: false);
            return ActorGic.Engine.RunReport.Build(sim, new ActorGic.Engine.ReferenceEngine(sim).Run(scenario.End), "reference").Digest;
        }
        var built = BenchCluster.Storm1024();
        Assert.Equal(4, new ActorGic.Engine.Layout(built.Topology).Chips);
        Assert.Equal(Digest(built), Digest(ActorGic.Scenarios.ScenarioLoader.LoadText(BenchCluster.Storm1024Hocon())));
    }

    /// <summary>The mux part's two scenarios load (the bench stopped with exit 2 when the loader refused a handler time for a user the dedicated run lacks).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_mux_parts_scenarios_load(bool muxed) =>
        Assert.Equal(muxed ? ["probe"] : [], ActorGic.Scenarios.ScenarioLoader.LoadText(BenchCommand.MuxHocon(muxed)).NmiUsers.Select(u => u.Name));

    /// <summary>The projection's arithmetic on figures given by hand (the bench feeds it measured ones).</summary>
    [Fact]
    public void The_projection_splits_the_work_over_machines_and_charges_each_window_its_overhead_and_a_network_hop()
    {
        var clock = new ActorGic.Actors.WindowClock();
        clock.Nodes(2);
        long second = System.Diagnostics.Stopwatch.Frequency;
        // 1,000 windows, 3 s inside them, of which the slowest node ran 1 s: 2 ms a window of overhead.
        for (int i = 0; i < 1_000; i++) clock.Window(3 * second / 1_000, second / 1_000);
        clock.NodeBusy(0, 1 * second); // node 0 busier than node 1: imbalance 1 / 0.75
        clock.NodeBusy(1, second / 2);
        // One thread 4 s, two threads 2.5 s: S2 = 1.6, so the parallel share is 2 (1 - 1 / 1.6) = 0.75.
        var p = Projection.Of(clock, oneThread: 4, twoThreads: 2.5, nodes: 2, new BenchCluster.Machines(Cores: 4, LatencyNs: 50_000));
        Assert.Equal(0.75, p.ParallelShare, 12);
        // Work: 4 s / 2 nodes x (1 / 0.75) / Amdahl(0.75 on 4 cores = 1 / (0.25 + 0.1875)) = 2.6667 x 0.4375.
        Assert.Equal(4.0 / 2 / 0.75 * 0.4375, p.WorkSeconds, 9);
        // Windows: 2 ms measured + one 50 us hop (the nodes send each other their batches directly).
        Assert.Equal(2_050, p.PerWindowUs, 6);
        Assert.Equal(p.WorkSeconds + 2.05, p.Seconds, 9);
        Assert.Equal("projection on 2 machines of 4 cores, 50 us one way: 3.22 s = components 1.17 s (parallel share 75 %) + 1,000 windows x 2050 us", p.Line());
    }
}
