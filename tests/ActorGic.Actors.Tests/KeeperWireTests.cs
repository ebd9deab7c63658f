using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The cluster's keepers with test probes for nodes, peers and components, on a system whose frame
/// is Akka's smallest (32,000 bytes, 568 events a message): a batch larger than a message travels
/// in parts and is acted on whole; nodes decide their windows from each other's batches, and a
/// batch that comes early waits for its window; what arrives from the wire is checked where it is
/// used (a component that does not exist or is not on the node, a batch from a node that does not
/// exist or for another window, an answer nobody asked for) and a refused payload ends the run,
/// each with one line and never a wait.
/// </summary>
public class KeeperWireTests() : TestKit(ConfigurationFactory.ParseString($"{WireBudget.FrameSizePath} = 32000b")
    .WithFallback(ActorEngine.SingleProcessConfig()))
{
    private const int PerMessage = (32_000 - WireBudget.EnvelopeBytes - WireBudget.HeaderBytes) / ActorGicSerializer.EventBytes;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static SimEvent Timer(int target, long time, int seq = 0) =>
        new() { Time = time, Target = target, Source = SimEvent.ScenarioSource, Seq = seq, Kind = EventKind.Timer };

    private static SimEvent[] Timers(int target, long time, int count) => Enumerable.Range(0, count).Select(i => Timer(target, time, i)).ToArray();

    private int Serialized(IActorGicMessage m) => Sys.Serialization.FindSerializerFor(m).ToBinary(m).Length;

    /// <summary>A root over two probe nodes, component 0 on node 0 and component 1 on node 1.</summary>
    private (IActorRef Root, Akka.TestKit.TestProbe Node0, Akka.TestKit.TestProbe Node1) Root(params SimEvent[] initial)
    {
        var (node0, node1) = (CreateTestProbe(), CreateTestProbe());
        var root = Sys.ActorOf(RootKeeperActor.Props([node0.Ref, node1.Ref], [0, 1], initial));
        return (root, node0, node1);
    }

    [Fact]
    public void Parts_match_the_frame()
    {
        Assert.Equal(568, PerMessage);
        Assert.Equal(PerMessage, WireBudget.EventsPerMessage(Sys.Settings.Config));
        // A batch between two of two nodes has a smaller header than the budget keeps; a start with long peer paths a larger one.
        Assert.Equal(PerMessage, WireBudget.EventsPerMessage(Sys.Settings.Config, ActorGicSerializer.PeerBatchHeaderBytes(2)));
        Assert.Equal(566, WireBudget.EventsPerMessage(Sys.Settings.Config, 160));
    }

    [Fact]
    public async Task The_root_starts_every_node_with_its_initial_events_in_parts_and_ends_the_run_once_every_node_finished()
    {
        var (root, node0, node1) = Root(Timers(1, 40, 1_200));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);

        var peers = new[] { node0.Ref.Path.ToString(), node1.Ref.Path.ToString() };
        int perStart = WireBudget.EventsPerMessage(Sys.Settings.Config, ActorGicSerializer.NodeStartHeaderBytes(2, peers));
        var parts = new[] { node1.ExpectMsg<NodeStart>(), node1.ExpectMsg<NodeStart>(), node1.ExpectMsg<NodeStart>() };
        Assert.Equal([perStart, perStart, 1_200 - 2 * perStart], parts.Select(p => p.Incoming.Length));
        Assert.Equal([true, true, false], parts.Select(p => p.More));
        Assert.All(parts, p => Assert.True(Serialized(p) <= 32_000 - WireBudget.EnvelopeBytes));
        Assert.Equal(Enumerable.Range(0, 1_200), parts.SelectMany(p => p.Incoming).Select(e => e.Seq)); // in order
        Assert.All(parts, p => Assert.Equal(1_000, p.End));
        Assert.All(parts, p => Assert.Equal(peers, p.Peers));
        Assert.Equal([long.MaxValue, 40], parts[2].Earliest); // node 0 has nothing yet
        var start0 = node0.ExpectMsg<NodeStart>(); // node 0 too: it learns when node 1's events can reach it
        Assert.Equal((0, false, 40L), (start0.Incoming.Length, start0.More, start0.Earliest[1]));

        root.Tell(new NodeFinished(1, 3, 1_700, 2, 10, [2, 0], [500, 0], 500), node1.Ref);
        root.Tell(new NodeFinished(0, 3, 500, 1, 10, [0, 1], [0, 0], 0), node0.Ref);
        var done = await finished;
        Assert.Equal((3, 2_200, 3, 1_000), (done.Windows, done.Events, done.ComponentRuns, done.ReachedNs));
        Assert.Empty(done.Undelivered); // the nodes hold what is left: each keeper is drained
    }

    [Fact]
    public async Task Nodes_that_counted_different_windows_end_the_run_with_one_line()
    {
        var (root, node0, node1) = Root(Timer(1, 0));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);
        node1.ExpectMsg<NodeStart>();
        root.Tell(new NodeFinished(0, 2, 0, 0, 0, [0, 0], [0, 0], 0), node0.Ref);
        root.Tell(new NodeFinished(1, 3, 1, 1, 0, [0, 0], [0, 0], 0), node1.Ref);
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => finished);
        Assert.Equal("the root keeper failed at t=0 ns: node 1 counted 3 windows where another node counted 2", e.Message);
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(-1, -1)]
    [InlineData(0, 0)] // node 0 twice
    public async Task An_answer_from_a_node_that_is_not_running_ends_the_run(int first, int second)
    {
        var (root, _, node1) = Root(Timer(1, 0));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);
        node1.ExpectMsg<NodeStart>();
        root.Tell(new NodeFinished(first, 1, 0, 0, 0, [0, 0], [0, 0], 0));
        if (second != first || first == 0) root.Tell(new NodeFinished(second, 1, 0, 0, 0, [0, 0], [0, 0], 0));
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => finished);
        Assert.Equal($"the root keeper failed at t=0 ns: node {second} finished a run it was not running", e.Message);
    }

    [Fact]
    public async Task A_payload_the_root_s_node_refused_ends_the_run()
    {
        var (root, _, node1) = Root(Timer(1, 0));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);
        node1.ExpectMsg<NodeStart>(); // the run is under way: the answer it waits for was dropped
        Sys.EventStream.Publish(new PayloadRefused("Nf", 12, "ActorGicSerializer: count of numbers 2147483647 refused: 4 bytes left"));
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => finished);
        Assert.Equal("the root keeper's node refused a message at t=0 ns: ActorGicSerializer: count of numbers 2147483647 refused: 4 bytes left", e.Message);
    }

    /// <summary>
    /// The keeper of node 1 of two: component 1 is its own (a probe), components 0 and 2 are node 0's;
    /// 100 ns between the nodes (200 out and back), and a component's own horizon beyond that (its
    /// windows end where the node's do). The peer probe plays node 0, the root probe the root.
    /// </summary>
    private (IActorRef Keeper, Akka.TestKit.TestProbe Component, Akka.TestKit.TestProbe Peer, Akka.TestKit.TestProbe Root, string[] Peers) Node()
    {
        var (component, peer, root) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        var keeper = Sys.ActorOf(NodeKeeperActor.Props(1, new() { [1] = component.Ref }, [0, 1, 0], Horizons.UniformBetweenNodes(2, 100),
            Horizons.Uniform(1_000), root.Ref.Path));
        return (keeper, component, peer, root, [peer.Ref.Path.ToString(), keeper.Path.ToString()]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(999)]
    [InlineData(-5)]
    public void An_event_for_a_component_not_on_the_node_ends_the_run(int target)
    {
        var (keeper, _, _, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, 10], peers, [Timer(1, 10), Timer(target, 20)]), root.Ref);
        Assert.Equal($"the keeper of node 1 failed at t=0 ns: it was sent an event (Timer from component -1) for component {target}, " +
            "which is not on this node", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void A_node_runs_once_its_start_is_whole_sends_its_batch_in_parts_waits_for_the_node_that_runs_and_finishes_with_its_account()
    {
        var (keeper, component, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, 10], peers, [Timer(1, 10)], More: true), root.Ref);
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, 10], peers, [Timer(1, 20, 1)]), root.Ref);
        // Window 1: only node 1 has events; it runs to what could come back to it through node 0 (10 + 200).
        var window = component.ExpectMsg<RunWindow>(); // one window with both parts' events
        Assert.Equal([10L, 20L], window.Incoming.Select(e => e.Time));
        Assert.Equal(210, window.End);
        // It sends 1,200 events to component 2, on node 0: they leave in three parts, straight to node 0.
        component.Reply(new WindowDone(1, [.. Timers(2, 250, 1_200)], long.MaxValue, 2, 210));
        var parts = new[] { peer.ExpectMsg<PeerBatch>(), peer.ExpectMsg<PeerBatch>(), peer.ExpectMsg<PeerBatch>() };
        Assert.Equal([PerMessage, PerMessage, 1_200 - 2 * PerMessage], parts.Select(p => p.Events.Length));
        Assert.Equal([true, true, false], parts.Select(p => p.More));
        Assert.All(parts, p => Assert.Equal((1, 1L), (p.From, p.Window)));
        Assert.Equal(long.MaxValue, parts[2].NextTime);
        Assert.Equal([250L, long.MaxValue], parts[2].EarliestSent);
        Assert.All(parts, p => Assert.True(Serialized(p) <= 32_000 - WireBudget.EnvelopeBytes));
        // Window 2: node 0 runs (from 250), node 1 has nothing before 250 + 100 and waits for node 0's batch.
        component.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        keeper.Tell(new PeerBatch(0, 2, [Timer(1, 400, 2)], long.MaxValue, [long.MaxValue, 400], 5), peer.Ref);
        // Window 3: node 1 runs what node 0 sent it.
        window = component.ExpectMsg<RunWindow>();
        Assert.Equal([400L], window.Incoming.Select(e => e.Time));
        Assert.Equal(600, window.End);
        component.Reply(new WindowDone(1, [], long.MaxValue, 1, 600));
        var last = peer.ExpectMsg<PeerBatch>();
        Assert.Equal((3L, 0), (last.Window, last.Events.Length));
        Assert.Equal([long.MaxValue, long.MaxValue], last.EarliestSent);
        // Nothing is left anywhere: node 1's account of three windows.
        var finished = root.ExpectMsg<NodeFinished>();
        Assert.Equal((1, 3L, 3L, 2L, 1_200L), (finished.Node, finished.Windows, finished.Events, finished.ComponentRuns, finished.LargestBatch));
        Assert.Equal([4L, 0L], finished.MessagesTo);
        Assert.Equal([1_200L, 0L], finished.EventsTo);
    }

    [Fact]
    public void A_batch_that_arrives_while_the_node_still_runs_waits_for_the_next_window()
    {
        var (keeper, component, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [10, 10], peers, [Timer(1, 10)]), root.Ref);
        // Window 1: both nodes run, node 1 to 110 (node 0's earliest event plus 100).
        Assert.Equal(110, component.ExpectMsg<RunWindow>().End);
        // Node 0 is done first: its batch arrives while component 1 still runs. It waits, unrouted.
        keeper.Tell(new PeerBatch(0, 1, [Timer(1, 120, 1)], 500, [long.MaxValue, 120], 5), peer.Ref);
        keeper.Tell(DrainNode.Instance);
        Assert.Empty(ExpectMsg<LocalDrained>().Remaining);
        keeper.Tell(new WindowDone(1, [], long.MaxValue, 1, 110), component.Ref);
        Assert.Equal(1, peer.ExpectMsg<PeerBatch>().Window);
        // Window 2 starts at node 0's event for it; node 0's next own event (500) lets node 1 run to 120 + 200.
        var window = component.ExpectMsg<RunWindow>();
        Assert.Equal([120L], window.Incoming.Select(e => e.Time));
        Assert.Equal(320, window.End);
        component.Reply(new WindowDone(1, [], long.MaxValue, 1, 320));
        Assert.Equal(2, peer.ExpectMsg<PeerBatch>().Window);
        root.ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // window 3 is node 0's (at 500): node 1 waits for it
    }

    [Theory]
    [InlineData(2, "node 0 sent its batch of window 2 where window 1's was due")]
    [InlineData(0, "node 0 sent it a batch of window 0 after that window was collected (window 1 is open)")]
    public void A_batch_for_another_window_ends_the_run(long window, string reason)
    {
        var (keeper, component, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [10, 10], peers, [Timer(1, 10)]), root.Ref);
        component.ExpectMsg<RunWindow>();
        keeper.Tell(new PeerBatch(0, window, [], 500, [long.MaxValue, long.MaxValue], 5), peer.Ref);
        component.Reply(new WindowDone(1, [], long.MaxValue, 1, 110));
        Assert.Equal($"the keeper of node 1 failed at t=110 ns: {reason}", root.ExpectMsg<RunFailed>().Reason);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1)] // itself
    [InlineData(-1)]
    public void A_batch_from_a_node_that_is_not_a_peer_ends_the_run(int from)
    {
        var (keeper, _, _, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [10, long.MaxValue], peers, []), root.Ref); // node 0 runs window 1, node 1 waits for its batch
        keeper.Tell(new PeerBatch(from, 1, [], 0, [long.MaxValue, long.MaxValue], 0));
        Assert.Equal($"the keeper of node 1 failed at t=0 ns: it was sent a batch from node {from}, in a run of 2 nodes", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void A_batch_with_an_event_for_a_component_not_on_the_node_or_after_the_run_ended_ends_the_run()
    {
        var (keeper, _, peer, root, peers) = Node();
        keeper.Tell(new PeerBatch(0, 1, [Timer(2, 150)], 0, [long.MaxValue, long.MaxValue], 0), peer.Ref);
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, long.MaxValue], peers, []), root.Ref); // no window at all: the run ends at once
        Assert.Equal("the keeper of node 1 failed at t=0 ns: node 0 sent it an event (Timer from component -1) for component 2, which is not on this node",
            root.ExpectMsg<RunFailed>().Reason);
        Assert.Equal(0, root.ExpectMsg<NodeFinished>().Windows);
        keeper.Tell(new PeerBatch(0, 9, [], 0, [long.MaxValue, long.MaxValue], 0), peer.Ref);
        Assert.Equal("the keeper of node 1 failed at t=0 ns: node 0 sent it a batch of window 9 after the run ended", root.ExpectMsg<RunFailed>().Reason);
    }

    /// <summary>Node 1 waits in window 1 (node 0 runs from 10, to 210); node 0's batch of it, as the theory's row has it.</summary>
    [Theory]
    [InlineData(150L, long.MaxValue, long.MaxValue, 5L, "its next event at 150 ns, before its window's end at 210 ns")]
    [InlineData(long.MaxValue, 300L, long.MaxValue, 5L, "an event to itself at 300 ns")]
    [InlineData(long.MaxValue, long.MaxValue, long.MaxValue, -1L, "a busy time of -1")]
    [InlineData(long.MaxValue, long.MaxValue, 300L, 5L, "its earliest event for this node at 300 ns, its events' is none")]
    [InlineData(long.MaxValue, long.MaxValue, 90L, 5L, "its earliest event for this node at 90 ns, its events' is none")]
    public void A_batch_that_its_sender_could_not_have_sent_in_the_same_window_ends_the_run(long next, long toItself, long toHere, long busy, string wrong)
    {
        var (keeper, _, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [10, long.MaxValue], peers, []), root.Ref);
        keeper.Tell(new PeerBatch(0, 1, [], next, [toItself, toHere], busy), peer.Ref);
        Assert.Equal($"the keeper of node 1 failed at t=0 ns: node 0's batch of window 1 has {wrong}", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void An_event_sent_before_the_receivers_window_ends_ends_the_run()
    {
        var (keeper, _, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [10, long.MaxValue], peers, []), root.Ref);
        // Node 1's window 1 ends at 110 (node 0's earliest plus 100): nothing from node 0 may land before.
        keeper.Tell(new PeerBatch(0, 1, [Timer(1, 100)], long.MaxValue, [long.MaxValue, 100], 5), peer.Ref);
        Assert.Equal("the keeper of node 1 failed at t=0 ns: node 0's batch of window 1 has an event for node 1 at 100 ns, before that node's window ends at 110 ns",
            root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void A_batch_from_a_node_that_had_nothing_to_run_in_that_window_ends_the_run()
    {
        var (keeper, component, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, 10], peers, [Timer(1, 10)]), root.Ref); // window 1 is node 1's alone
        component.ExpectMsg<RunWindow>();
        keeper.Tell(new PeerBatch(0, 1, [], long.MaxValue, [long.MaxValue, long.MaxValue], 5), peer.Ref);
        Assert.Equal("the keeper of node 1 failed at t=210 ns: node 0 sent it a batch of window 1, in which it had nothing to run", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void A_batch_no_window_collected_ends_the_run_when_it_is_over()
    {
        var (keeper, component, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, 10], peers, [Timer(1, 10)]), root.Ref);
        component.ExpectMsg<RunWindow>();
        keeper.Tell(new PeerBatch(0, 5, [], long.MaxValue, [long.MaxValue, long.MaxValue], 5), peer.Ref); // a window nobody will open
        keeper.Tell(new WindowDone(1, [], long.MaxValue, 1, 210), component.Ref);
        Assert.Equal("the keeper of node 1 failed at t=210 ns: node 0 sent it a batch of window 5 that no window collected", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void A_next_event_near_the_end_of_time_does_not_overflow_the_windows()
    {
        var (keeper, component, peer, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [10, 600], peers, [Timer(1, 600)]), root.Ref); // window 1: node 0 runs to 210, node 1 waits
        // Node 0's next event lies near long.MaxValue: its sum with the lookahead must not wrap around to a negative window end.
        keeper.Tell(new PeerBatch(0, 1, [], long.MaxValue - 50, [long.MaxValue, long.MaxValue], 5), peer.Ref);
        var window = component.ExpectMsg<RunWindow>();
        Assert.Equal((600L, 800L), (window.Start, window.End));
    }

    [Theory]
    [InlineData(-1L, 10L, "it was started with the end -1 ns")]
    [InlineData(1_000L, 20L, "it was started with its earliest event at 20 ns, its initial events' is 10 ns")]
    [InlineData(1_000L, long.MaxValue, "it was started with its earliest event at none, its initial events' is 10 ns")]
    public void A_start_that_does_not_match_its_events_or_ends_before_0_ends_the_run(long end, long earliest, string reason)
    {
        var (keeper, _, _, root, peers) = Node();
        keeper.Tell(new NodeStart(end, [long.MaxValue, earliest], peers, [Timer(1, 10)]), root.Ref);
        Assert.Equal($"the keeper of node 1 failed at t=0 ns: {reason}", root.ExpectMsg<RunFailed>().Reason);
    }

    [Theory]
    [InlineData(new long[] { 200, 100, 100, 200 }, null)]
    [InlineData(new long[] { 200, 100, 130, 200 }, "the root's lookahead from node 1 to node 0 is 130 ns, this node's 100 ns: the nodes would open different windows")]
    [InlineData(new long[] { 200, 100, 100 }, "it was started with 3 lookaheads for a run of 2 nodes")]
    public void A_start_whose_lookahead_is_not_the_node_s_own_ends_the_run(long[] lookahead, string? reason)
    {
        var (keeper, component, _, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, 10], peers, [Timer(1, 10)], Lookahead: lookahead), root.Ref);
        if (reason is null) component.ExpectMsg<RunWindow>(); // the same: it runs
        else Assert.Equal($"the keeper of node 1 failed at t=0 ns: {reason}", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void The_root_hands_every_node_its_lookahead_between_nodes()
    {
        var (node0, node1) = (CreateTestProbe(), CreateTestProbe());
        var lookahead = new long[,] { { 600, 300 }, { 130, 600 } };
        var root = Sys.ActorOf(RootKeeperActor.Props([node0.Ref, node1.Ref], [0, 1], [Timer(1, 5)], lookahead: lookahead));
        root.Tell(new RunTo(1_000));
        Assert.Equal([600L, 300L, 130L, 600L], node0.ExpectMsg<NodeStart>().Lookahead);
        Assert.Equal([600L, 300L, 130L, 600L], node1.ExpectMsg<NodeStart>().Lookahead);
    }

    [Fact]
    public void A_second_start_ends_the_run()
    {
        var (keeper, _, _, root, peers) = Node();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, long.MaxValue], peers, []), root.Ref);
        root.ExpectMsg<NodeFinished>();
        keeper.Tell(new NodeStart(1_000, [long.MaxValue, long.MaxValue], peers, []), root.Ref);
        Assert.Equal("the keeper of node 1 failed at t=0 ns: it was started twice", root.ExpectMsg<RunFailed>().Reason);
    }

    [Fact]
    public void A_payload_refused_before_the_first_window_still_reaches_the_root()
    {
        var (keeper, _, _, root, _) = Node();
        keeper.Tell(DrainNode.Instance);
        ExpectMsg<LocalDrained>(); // the keeper has started: it listens for refusals
        Sys.EventStream.Publish(new PayloadRefused("Ns", 9, "ActorGicSerializer: malformed \"Ns\" payload of 9 bytes refused"));
        Assert.Equal("node 1 refused a message at t=0 ns: ActorGicSerializer: malformed \"Ns\" payload of 9 bytes refused",
            root.ExpectMsg<RunFailed>().Reason);
    }
}
