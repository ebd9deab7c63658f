using Akka.Actor;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// No wait of the actor engine is unbounded: a keeper whose component (or node) never answers
/// ends the run after the watchdog's wall time, the collection at the end is bounded too, and a
/// cancelled token stops every engine within a poll. Probes stand in for components that hang;
/// the watchdog is 1 s so the tests stay short (the default is 30 s).
/// </summary>
public class RunBoundsTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static readonly RunBounds OneSecond = new() { Watchdog = TimeSpan.FromSeconds(1) };

    private static SimEvent At(long time, int target) =>
        new() { Time = time, Target = target, Source = SimEvent.ScenarioSource, Kind = EventKind.Action };

    /// <summary>The watchdog counts from the latest window or from when the wait began, whichever is later: a long set-up (workers joining for 60 s) is no stall.</summary>
    [Theory]
    [InlineData(100_000L, 0L, 99_000L, false)] // the clock was made 100 s ago, the wait began 1 s ago
    [InlineData(100_000L, 0L, 60_000L, true)] // the wait began 40 s ago and no window opened since
    [InlineData(100_000L, 95_000L, 0L, false)] // a window opened 5 s ago
    [InlineData(100_000L, 69_999L, 0L, true)]
    public void The_watchdog_counts_from_the_latest_window_or_the_start_of_the_wait(long now, long windowOpened, long waitBegan, bool stalled) =>
        Assert.Equal(stalled, RunWait.Stalled(now, windowOpened, waitBegan, TimeSpan.FromSeconds(30)));

    [Fact]
    public void The_default_watchdog_is_30_s_of_wall_time() => Assert.Equal(TimeSpan.FromSeconds(30), RunBounds.Default.Watchdog);

    [Fact]
    public void A_component_that_never_answers_ends_the_run_after_the_watchdog()
    {
        var probes = new[] { CreateTestProbe(), CreateTestProbe() };
        var clock = new WindowClock();
        var keeper = Sys.ActorOf(TimeKeeperActor.Props(probes.Select(p => p.Ref).ToArray(), lookahead: 20, [At(100, 0), At(5_000, 1)],
            clock: clock));
        var e = Assert.Throws<RunAbortedException>(() =>
            ActorEngine.RunToEnd(keeper, probes.Select(p => p.Ref).ToArray(), 10_000, clock, OneSecond));
        Assert.Equal("no window finished for 1 s (wall time) after t=100 ns: a component stopped answering", e.Message);
        Assert.Equal(100, e.ReachedNs);
        probes[0].ExpectMsg<RunWindow>(); // it was asked, and never answered
    }

    [Fact]
    public void A_node_that_never_answers_ends_a_cluster_run_after_the_watchdog()
    {
        var nodes = new[] { CreateTestProbe(), CreateTestProbe() };
        var clock = new WindowClock();
        var root = Sys.ActorOf(RootKeeperActor.Props(nodes.Select(p => p.Ref).ToArray(), [0, 1], [At(700, 1)], clock));
        var e = Assert.Throws<RunAbortedException>(() =>
            ActorEngine.RunToEnd(root, [], 10_000, clock, OneSecond, "a node or component stopped answering"));
        Assert.Equal("no window finished for 1 s (wall time) after t=0 ns: a node or component stopped answering", e.Message);
        Assert.Equal(700, nodes[1].ExpectMsg<NodeStart>().Earliest[1]);
    }

    [Fact]
    public async Task A_component_that_never_hands_over_what_it_holds_ends_the_run_after_the_watchdog()
    {
        var probe = CreateTestProbe();
        var clock = new WindowClock();
        var keeper = Sys.ActorOf(TimeKeeperActor.Props([probe.Ref], lookahead: 20, [At(100, 0)], clock: clock));
        var run = Task.Run(() => ActorEngine.RunToEnd(keeper, [probe.Ref], 1_000, clock, OneSecond));
        probe.ExpectMsg<RunWindow>();
        probe.Reply(new WindowDone(0, [], long.MaxValue, 1));
        probe.ExpectMsg<DrainLocal>(); // and no answer
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => run.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("a component did not hand over what it still held within 1 s (wall time) after the run", e.Message);
    }

    /// <summary>A storm long enough that nothing finishes it in a test: the progress callback (every 16,384 windows) cancels it.</summary>
    internal static Scenario LongStorm() => ScenarioLoader.LoadText("""
        scenario {
          seed = 3
          end = 1s
          topology { cpus = 32, cpus-per-cluster = 16, clusters-per-chip = 1 }
          actions = [ { at = 0us, cpu = 0, do = traffic, intid = 1, rate = 2000000, cpus = all, until = 1s } ]
        }
        """);

    [Theory]
    [InlineData("reference")]
    [InlineData("actors")]
    public void A_token_cancelled_during_the_run_stops_it_promptly(string engine)
    {
        var scenario = LongStorm();
        var sim = new Simulation(scenario, keepTrace: false);
        using var cancel = new CancellationTokenSource();
        long seen = -1;
        void Progress(long reached)
        {
            Interlocked.CompareExchange(ref seen, reached, -1);
            cancel.Cancel();
        }
        var e = Assert.Throws<RunInterruptedException>(() => engine == "reference"
            ? new ReferenceEngine(sim).Run(scenario.End, Progress, cancel.Token)
            : ActorEngine.Run(Sys, sim, scenario.End, Progress, new RunBounds { Cancel = cancel.Token }));
        Assert.InRange(e.ReachedNs, Interlocked.Read(ref seen), scenario.End - 1);
        Assert.StartsWith($"the run stopped at t={e.ReachedNs} ns of 1000000000 ns", e.Message);
    }
}

[Collection("in-process cluster")]
public class ClusterRunBoundsTests
{
    [Fact]
    public void A_token_cancelled_during_an_in_process_cluster_run_stops_it_promptly()
    {
        var scenario = RunBoundsTests.LongStorm();
        var sim = new Simulation(scenario, keepTrace: false);
        using var cancel = new CancellationTokenSource();
        var e = Assert.Throws<RunInterruptedException>(() =>
            ClusterEngine.Run(sim, scenario.End, nodes: 2, _ => cancel.Cancel(), new RunBounds { Cancel = cancel.Token }));
        Assert.InRange(e.ReachedNs, 1, scenario.End - 1);
    }
}
