using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// A component that fails under the actor engine ends the run with the same one line as under
/// the reference engine (exit 3), on one thread, two threads and several in-process nodes: no
/// restart that loses its state, no keeper waiting forever.
/// </summary>
[Collection("in-process cluster")]
public class FaultInjectionActorTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static Simulation Faulty(string file, Func<Simulation, FaultSeam> faults)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
        var sim = new Simulation(scenario, keepTrace: false);
        sim.InjectFaults(faults(sim));
        return sim;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_component_that_throws_ends_the_actor_run_with_its_name_and_time(int threads)
    {
        var sim = Faulty("self-sgi.conf", s => new FaultSeam { ThrowIn = s.Layout.RedistributorId(1), ThrowAt = 1_000 });
        var e = Assert.Throws<RunAbortedException>(() => ActorEngine.Run(sim, sim.Scenario.End, threads));
        Assert.Equal("redistributor 1 failed at t=1080 ns: fault injected into component 9", e.Message);
        Assert.Equal(1080, e.ReachedNs);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_component_that_throws_on_another_node_ends_the_cluster_run(int nodes)
    {
        // The distributor of chip 3 lives on the last node; the first cross-chip write reaches it.
        var sim = Faulty("reclaim-storm-64.conf", s => new FaultSeam { ThrowIn = s.Layout.DistributorId(3), ThrowAt = 0 });
        var e = Assert.Throws<RunAbortedException>(() => ClusterEngine.Run(sim, sim.Scenario.End, nodes));
        Assert.Matches(@"^distributor 3 failed at t=\d+ ns: fault injected into component \d+$", e.Message);
        var reference = Faulty("reclaim-storm-64.conf", s => new FaultSeam { ThrowIn = s.Layout.DistributorId(3), ThrowAt = 0 });
        Assert.Equal(Assert.Throws<RunAbortedException>(() => new ReferenceEngine(reference).Run(reference.Scenario.End)).Message, e.Message);
    }

    [Fact]
    public void An_event_sent_into_a_component_s_past_ends_the_actor_run()
    {
        // The redistributor's first offer to CPU 1 claims to leave 100 ns before it was sent.
        int offers = 0;
        var sim = Faulty("self-sgi.conf", _ => new FaultSeam
        {
            OnSend = (_, e) => e.Kind == EventKind.Offer && Interlocked.Increment(ref offers) == 1 ? SendFault.Delay : SendFault.Pass,
            Delay = -100,
        });
        var e = Assert.Throws<RunAbortedException>(() => ActorEngine.Run(sim, sim.Scenario.End));
        // The keeper refuses to route it: component 1 (CPU 1) already ran its window to 1,100 (profile none: no
        // other CPU's atomic can reach it, only its redistributor's offer, 20 ns after the redistributor's own horizon).
        Assert.Equal("the time keeper failed at t=1080 ns: causality: an event at t=1000 ns was routed to component 1 after its window up to t=1100 ns",
            e.Message);
    }
}
