using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;

namespace ActorGic.Actors.Tests;

/// <summary>The time keeper's protocol, with test probes standing in for components.</summary>
public class TimeKeeperTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static SimEvent At(long time, int target, int seq = 0) =>
        new() { Time = time, Target = target, Source = SimEvent.ScenarioSource, Seq = seq, Kind = EventKind.Action };

    [Fact]
    public void Windows_skip_empty_stretches_and_run_only_active_components()
    {
        var probes = new[] { CreateTestProbe(), CreateTestProbe(), CreateTestProbe() };
        var keeper = Sys.ActorOf(TimeKeeperActor.Props(probes.Select(p => p.Ref).ToArray(), lookahead: 20,
            [At(1_000, 0), At(5_000, 1)]));
        keeper.Tell(new RunTo(10_000), TestActor);

        var w0 = probes[0].ExpectMsg<RunWindow>();
        Assert.Equal((1_000L, 1_020L, 1), (w0.Start, w0.End, w0.Incoming.Count));
        probes[0].Reply(new WindowDone(0, [], long.MaxValue, 1));

        var w1 = probes[1].ExpectMsg<RunWindow>(); // its first window, so none at 1,000
        Assert.Equal((5_000L, 5_020L), (w1.Start, w1.End)); // 1,020 to 5,000 skipped, not stepped
        probes[1].Reply(new WindowDone(1, [], long.MaxValue, 1));

        var finished = ExpectMsg<RunFinished>();
        Assert.Equal((2L, 2L, 10_000L), (finished.Windows, finished.Events, finished.ReachedNs));
        // The keeper told every window before it told the end: nothing can still be on its way to probe 2.
        Assert.False(probes[2].HasMessages);
    }

    [Fact]
    public void Events_a_component_sends_reach_their_target_in_the_window_of_their_time()
    {
        var probes = new[] { CreateTestProbe(), CreateTestProbe() };
        var keeper = Sys.ActorOf(TimeKeeperActor.Props(probes.Select(p => p.Ref).ToArray(), lookahead: 20, [At(100, 0)]));
        keeper.Tell(new RunTo(1_000), TestActor);

        probes[0].ExpectMsg<RunWindow>();
        var sent = new SimEvent { Time = 130, Target = 1, Source = 0, Kind = EventKind.Offer, A = 1023 };
        probes[0].Reply(new WindowDone(0, [sent], NextLocal: 400, Events: 1));

        var w = probes[1].ExpectMsg<RunWindow>();
        Assert.Equal((130L, 150L), (w.Start, w.End));
        Assert.Equal(sent.Time, Assert.Single(w.Incoming).Time);
        probes[1].Reply(new WindowDone(1, [], long.MaxValue, 1));

        var own = probes[0].ExpectMsg<RunWindow>(); // component 0's own timer at 400
        Assert.Equal(400, own.Start);
        Assert.Empty(own.Incoming);
        probes[0].Reply(new WindowDone(0, [], long.MaxValue, 1));
        Assert.Equal(3, ExpectMsg<RunFinished>().Windows);
    }

    [Fact]
    public void Events_after_the_end_are_returned_undelivered()
    {
        var probe = CreateTestProbe();
        var keeper = Sys.ActorOf(TimeKeeperActor.Props([probe.Ref], lookahead: 20, [At(100, 0), At(2_000, 0, 1)]));
        keeper.Tell(new RunTo(1_000), TestActor);
        var w = probe.ExpectMsg<RunWindow>();
        Assert.Equal(2, w.Incoming.Count); // the whole inbox travels; the component keeps what is later
        probe.Reply(new WindowDone(0, [], NextLocal: 2_000, Events: 1));
        var finished = ExpectMsg<RunFinished>();
        Assert.Equal(1, finished.Windows);
        Assert.Empty(finished.Undelivered);
    }

    [Fact]
    public void With_a_layout_each_component_runs_to_its_own_horizon_and_learns_its_partner()
    {
        // Two CPUs on one chip: components 0-1 CPUs, 2-3 redistributors, 4 the distributor.
        var layout = new Layout(ActorGic.Gic.Topology.Regular(2));
        var probes = Enumerable.Range(0, layout.ComponentCount).Select(_ => CreateTestProbe()).ToArray();
        var keeper = Sys.ActorOf(TimeKeeperActor.Props(probes.Select(p => p.Ref).ToArray(),
            new Horizons(layout, TimingModel.Default), [At(1_000, 0)]));
        keeper.Tell(new RunTo(10_000), TestActor);

        // CPU 0 alone: a distributor's set-pending and the offer (60 ns) bound it, not the 20 ns lookahead;
        // it stops sooner by itself if it sends its redistributor anything (back in 20 ns).
        var w = probes[0].ExpectMsg<RunWindow>();
        Assert.Equal((1_000L, 1_060L, 2, 20L), (w.Start, w.End, w.Partner, w.Back));
        var activate = new SimEvent { Time = 1_070, Target = 2, Source = 0, Kind = EventKind.Activate, A = 1 };
        probes[0].Reply(new WindowDone(0, [activate], NextLocal: 1_550, Events: 1));

        // The redistributor: its CPU's next event (1,550) is far and the distributor is quiet, so a CPU's
        // write through the distributor (40 + 40) or the reclaimer's atomic (60) bounds it.
        var r = probes[2].ExpectMsg<RunWindow>();
        Assert.Equal((1_070L, 1_130L, 0, 20L), (r.Start, r.End, r.Partner, r.Back));
        probes[2].Reply(new WindowDone(2, [], long.MaxValue, 1));

        var own = probes[0].ExpectMsg<RunWindow>(); // its next window is its own timer's: none while the redistributor ran
        Assert.Equal((1_550L, 1_610L), (own.Start, own.End));
        probes[0].Reply(new WindowDone(0, [], long.MaxValue, 1));
        Assert.Equal(3, ExpectMsg<RunFinished>().Windows);
    }

    [Fact]
    public void A_component_that_fails_ends_the_run_with_its_line_instead_of_a_wait()
    {
        var probes = new[] { CreateTestProbe(), CreateTestProbe() };
        var keeper = Sys.ActorOf(TimeKeeperActor.Props(probes.Select(p => p.Ref).ToArray(), lookahead: 20, [At(100, 0), At(100, 1)]));
        keeper.Tell(new RunTo(1_000), TestActor);
        probes[0].ExpectMsg<RunWindow>();
        probes[1].ExpectMsg<RunWindow>();
        probes[0].Reply(new RunFailed(105, "cpu 0 failed at t=105 ns: boom"));
        var failure = ExpectMsg<Status.Failure>();
        Assert.Equal("cpu 0 failed at t=105 ns: boom", Assert.IsType<RunAbortedException>(failure.Cause).Message);
    }

    [Fact]
    public void An_event_routed_into_a_component_s_past_ends_the_run()
    {
        var probes = new[] { CreateTestProbe(), CreateTestProbe() };
        var keeper = Sys.ActorOf(TimeKeeperActor.Props(probes.Select(p => p.Ref).ToArray(), lookahead: 20, [At(100, 0), At(100, 1)]));
        keeper.Tell(new RunTo(1_000), TestActor);
        probes[0].ExpectMsg<RunWindow>();
        probes[1].ExpectMsg<RunWindow>();
        probes[0].Reply(new WindowDone(0, [], long.MaxValue, 1, RanTo: 120));
        // Component 1 sends component 0 an event at 110: component 0 has already run to 120.
        var late = new SimEvent { Time = 110, Target = 0, Source = 1, Kind = EventKind.Offer, A = 1023 };
        probes[1].Reply(new WindowDone(1, [late], long.MaxValue, 1, RanTo: 120));
        var failure = ExpectMsg<Status.Failure>();
        Assert.Equal("the time keeper failed at t=100 ns: causality: an event at t=110 ns was routed to component 0 after its window up to t=120 ns",
            Assert.IsType<RunAbortedException>(failure.Cause).Message);
    }
}
