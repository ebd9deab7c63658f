using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The cluster's keepers with test probes for nodes and components, on a system whose frame is
/// Akka's smallest (32,000 bytes, 568 events a message): a batch larger than a message travels in
/// parts and is acted on whole; what arrives from the wire is checked where it is used (a component
/// that does not exist or is not on the node, an answer nobody asked for) and a refused payload
/// ends the run, each with one line and never a wait.
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

    /// <summary>A root over two probe nodes, component 0 on node 0 and component 1 on node 1, 100 ns windows.</summary>
    private (IActorRef Root, Akka.TestKit.TestProbe Node0, Akka.TestKit.TestProbe Node1) Root(params SimEvent[] initial)
    {
        var (node0, node1) = (CreateTestProbe(), CreateTestProbe());
        var root = Sys.ActorOf(RootKeeperActor.Props([node0.Ref, node1.Ref], [0, 1], 100, initial));
        return (root, node0, node1);
    }

    [Fact]
    public void Parts_match_the_frame()
    {
        Assert.Equal(568, PerMessage);
        Assert.Equal(PerMessage, WireBudget.EventsPerMessage(Sys.Settings.Config));
    }

    [Fact]
    public async Task A_window_and_an_answer_larger_than_a_message_travel_in_parts_and_are_acted_on_whole()
    {
        var (root, node0, node1) = Root(Timers(1, 0, 1_200));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);

        var parts = new[] { node1.ExpectMsg<NodeWindow>(), node1.ExpectMsg<NodeWindow>(), node1.ExpectMsg<NodeWindow>() };
        Assert.Equal([PerMessage, PerMessage, 1_200 - 2 * PerMessage], parts.Select(p => p.Incoming.Length));
        Assert.Equal([true, true, false], parts.Select(p => p.More));
        Assert.All(parts, p => Assert.True(Serialized(p) <= 32_000 - WireBudget.EnvelopeBytes));
        Assert.Equal(Enumerable.Range(0, 1_200), parts.SelectMany(p => p.Incoming).Select(e => e.Seq)); // in order

        // Node 1's answer, in parts: everything for component 0 arrives in its next window, in one piece.
        var answer = Timers(0, 150, 500);
        root.Tell(new NodeDone(1, answer[..300], 0, 0, 0, More: true), node1.Ref);
        root.Tell(new NodeDone(1, answer[300..], long.MaxValue, 1_200, 1), node1.Ref);
        var window = node0.ExpectMsg<NodeWindow>(); // one window, all of it: nothing was acted on before the last part
        // Node 1 has nothing left: node 0 runs until what it sends could come back through node 1 (150 + 2 x 100).
        Assert.Equal((150, 350, false), (window.Start, window.End, window.More));
        Assert.Equal(answer.Select(e => e.Seq), window.Incoming.Select(e => e.Seq));
        root.Tell(new NodeDone(0, [], long.MaxValue, 500, 1), node0.Ref);

        var done = await finished;
        Assert.Equal((2, 1_700, 2), (done.Windows, done.Events, done.ComponentRuns));
    }

    [Fact]
    public async Task An_event_for_a_component_that_does_not_exist_ends_the_run_with_one_line()
    {
        var (root, _, node1) = Root(Timer(1, 0));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);
        node1.ExpectMsg<NodeWindow>();
        // Well formed on the wire: the serializer reads it; the keeper refuses the id where it uses it.
        var bad = new NodeDone(1, [Timer(999, 150) with { Source = 1, Kind = EventKind.SgiWrite }], long.MaxValue, 1, 1);
        var s = (ActorGicSerializer)Sys.Serialization.FindSerializerFor(bad);
        root.Tell(s.FromBinary(s.ToBinary(bad), s.Manifest(bad)), node1.Ref);
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => finished);
        Assert.Equal("the root keeper failed at t=0 ns: node 1 sent an event (SgiWrite from component 1) for component 999; " +
            "the run's components are 0 to 1", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(-1)]
    public async Task An_answer_to_a_window_that_was_not_sent_ends_the_run(int node)
    {
        var (root, _, node1) = Root(Timer(1, 0));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);
        node1.ExpectMsg<NodeWindow>(); // node 1 only: node 0 has nothing to do
        root.Tell(new NodeDone(node, [], long.MaxValue, 0, 0));
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => finished);
        Assert.Equal($"the root keeper failed at t=0 ns: node {node} answered a window it was not sent", e.Message);
    }

    [Fact]
    public async Task A_payload_the_root_s_node_refused_ends_the_run()
    {
        var (root, _, node1) = Root(Timer(1, 0));
        var finished = root.Ask<RunFinished>(new RunTo(1_000), Bound);
        node1.ExpectMsg<NodeWindow>(); // the run is under way: the answer it waits for was dropped
        Sys.EventStream.Publish(new PayloadRefused("Nd", 12, "ActorGicSerializer: event count 2147483647 refused: 4 bytes left"));
        var e = await Assert.ThrowsAsync<RunAbortedException>(() => finished);
        Assert.Equal("the root keeper's node refused a message at t=0 ns: ActorGicSerializer: event count 2147483647 refused: 4 bytes left", e.Message);
    }

    /// <summary>A node keeper for node 1 of three components, component 1 its only one (a probe).</summary>
    private (IActorRef Keeper, Akka.TestKit.TestProbe Component, Akka.TestKit.TestProbe Root) Node()
    {
        var (component, root) = (CreateTestProbe(), CreateTestProbe());
        var keeper = Sys.ActorOf(NodeKeeperActor.Props(1, new() { [1] = component.Ref }, 3, Horizons.Uniform(100), root.Ref.Path));
        return (keeper, component, root);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(999)]
    [InlineData(-5)]
    public void An_event_for_a_component_not_on_the_node_ends_the_run(int target)
    {
        var (keeper, component, root) = Node();
        keeper.Tell(new NodeWindow(0, 100, [Timer(1, 10), Timer(target, 20)]), root.Ref);
        var failed = root.ExpectMsg<RunFailed>();
        Assert.Equal($"the keeper of node 1 failed at t=100 ns: it was sent an event (Timer from component -1) for component {target}, " +
            "which is not on this node", failed.Reason);
    }

    [Fact]
    public void A_node_runs_a_window_once_its_last_part_is_in_and_answers_in_parts()
    {
        var (keeper, component, root) = Node();
        keeper.Tell(new NodeWindow(0, 100, [Timer(1, 10)], More: true), root.Ref);
        keeper.Tell(new NodeWindow(0, 100, [Timer(1, 20, 1)]), root.Ref);
        var window = component.ExpectMsg<RunWindow>(); // one window with both parts' events
        Assert.Equal([10L, 20L], window.Incoming.Select(e => e.Time));
        // It sends 1,200 events to component 2, on another node: they leave in three parts.
        component.Reply(new WindowDone(1, [.. Timers(2, 150, 1_200)], long.MaxValue, 2, 100));
        var parts = new[] { root.ExpectMsg<NodeDone>(), root.ExpectMsg<NodeDone>(), root.ExpectMsg<NodeDone>() };
        Assert.Equal([PerMessage, PerMessage, 1_200 - 2 * PerMessage], parts.Select(p => p.Outgoing.Length));
        Assert.Equal([true, true, false], parts.Select(p => p.More));
        Assert.Equal((long.MaxValue, 2, 1), (parts[2].NextTime, parts[2].Events, parts[2].ComponentRuns));
        Assert.All(parts, p => Assert.True(Serialized(p) <= 32_000 - WireBudget.EnvelopeBytes));
    }

    [Fact]
    public void A_payload_refused_before_the_first_window_still_reaches_the_root()
    {
        var (keeper, _, root) = Node();
        keeper.Tell(DrainNode.Instance);
        ExpectMsg<LocalDrained>(); // the keeper has started: it listens for refusals
        Sys.EventStream.Publish(new PayloadRefused("Nw", 9, "ActorGicSerializer: malformed \"Nw\" payload of 9 bytes refused"));
        Assert.Equal("node 1 refused a message at t=0 ns: ActorGicSerializer: malformed \"Nw\" payload of 9 bytes refused",
            root.ExpectMsg<RunFailed>().Reason);
    }
}
