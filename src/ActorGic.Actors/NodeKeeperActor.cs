using System.Diagnostics;
using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// The root keeper opens a window on one node, carrying the events that arrived for its components.
/// A batch larger than one message may carry (<see cref="WireBudget"/>) comes in parts: every part
/// but the last has <paramref name="More"/>; the node routes each part's events and runs the window
/// on the last.
/// </summary>
public sealed record NodeWindow(long Start, long End, SimEvent[] Incoming, bool More = false) : IActorGicMessage;

/// <summary>
/// A node's answer: events for other nodes' components, its next event time, events run. In parts
/// like <see cref="NodeWindow"/>: the parts with <paramref name="More"/> carry events only, the
/// last one the rest.
/// </summary>
public sealed record NodeDone(int Node, SimEvent[] Outgoing, long NextTime, long Events, long ComponentRuns, bool More = false, long BusyTicks = 0)
    : IActorGicMessage;

/// <summary>Asks a node keeper for the events still in its inbox (routed, not yet handed to a component).</summary>
public sealed record DrainNode : IActorGicMessage
{
    public static readonly DrainNode Instance = new();
}

/// <summary>
/// The time keeper of one node: within the root's window it runs rounds over the node's
/// components exactly as <see cref="TimeKeeperActor"/> does (the same <see cref="Rounds"/>, each
/// component to its own horizon), keeps events between its own components, and returns the
/// events for other nodes in one message. The root's window is the smallest chip-to-chip
/// latency long, so nothing from another node can land in it: a window costs one message each
/// way per node, whatever the number of components and rounds inside it (more when a batch is
/// larger than one message may carry, see <see cref="WireBudget"/>).
/// <para>
/// What arrives from the wire is checked where it is used: an event for a component that is not
/// on this node ends the run with one line, and so does a message from another node that this
/// system's serializer refused (<see cref="PayloadRefused"/>): it was dropped, and the run would
/// otherwise wait for it forever.
/// </para>
/// </summary>
public sealed class NodeKeeperActor : UntypedActor
{
    private readonly int _node;
    private readonly Rounds _rounds;
    private readonly List<SimEvent> _remote = new();
    /// <summary>Where the root keeper lives, to report a failure before its first window arrived (null: only to the window's sender).</summary>
    private readonly ActorPath? _rootPath;
    private IActorRef? _root;
    private long _cap;
    private int _awaiting;
    private long _events;
    private long _runs;
    private int _perMessage = 1;
    /// <summary>When the current window's last part arrived (Stopwatch ticks).</summary>
    private long _began;

    public NodeKeeperActor(int node, Dictionary<int, IActorRef> components, int componentCount, Horizons horizons, ActorPath? root = null)
    {
        _node = node;
        _rootPath = root;
        var kept = new IActorRef?[componentCount];
        foreach (var (id, actor) in components) kept[id] = actor;
        _rounds = new Rounds(kept, horizons);
    }

    public static Props Props(int node, Dictionary<int, IActorRef> components, int componentCount, Horizons horizons, ActorPath? root = null) =>
        Akka.Actor.Props.Create(() => new NodeKeeperActor(node, components, componentCount, horizons, root)).WithDispatcher("akka.actor.sim-dispatcher");

    protected override void PreStart()
    {
        _perMessage = WireBudget.EventsPerMessage(Context.System.Settings.Config);
        Context.System.EventStream.Subscribe(Self, typeof(PayloadRefused));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        try
        {
            Handle(message);
        }
        catch (Exception e)
        {
            Report(new RunFailed(_cap, RunAbortedException.KeeperFailed($"the keeper of node {_node}", _cap, e).Message));
        }
    }

    /// <summary>The run cannot go on: the root ends it with this line.</summary>
    private void Report(RunFailed failed)
    {
        var bounded = WireBudget.Bounded(failed);
        if (_root is not null) _root.Tell(bounded);
        else if (_rootPath is not null) Context.ActorSelection(_rootPath).Tell(bounded);
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case RunFailed failed:
                Report(failed); // a component failed: the root ends the run
                break;
            case PayloadRefused refused:
                Report(new RunFailed(_cap, $"node {_node} refused a message at t={_cap} ns: {refused.Reason}"));
                break;
            case NodeWindow window:
                _root = Sender;
                _cap = window.End;
                foreach (var e in window.Incoming)
                {
                    if (!_rounds.Keeps(e.Target))
                        throw new InvalidOperationException(
                            $"it was sent an event ({e.Kind} from component {e.Source}) for component {e.Target}, which is not on this node");
                    _rounds.Route(e);
                }
                if (window.More) break; // the rest of the window's events follow
                (_events, _runs, _began) = (0, 0, Stopwatch.GetTimestamp());
                NextRound();
                break;
            case WindowDone done:
                _rounds.Done(done, _remote);
                _events += done.Events;
                if (--_awaiting == 0) NextRound();
                break;
            case DrainNode:
                // Only the events routed here and not yet handed to a component: the components drain themselves.
                Sender.Tell(new LocalDrained(-1 - _node, _rounds.Undelivered()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void NextRound()
    {
        if (_rounds.Open(_cap) == long.MaxValue)
        {
            // The window is done here: what goes to other nodes, and this node's next event, in as many parts as it takes.
            int parts = WireBudget.Parts(_remote.Count, _perMessage);
            for (int p = 0; p < parts - 1; p++)
                _root!.Tell(new NodeDone(_node, WireBudget.Part(_remote, p, _perMessage), 0, 0, 0, More: true));
            _root!.Tell(new NodeDone(_node, WireBudget.Part(_remote, parts - 1, _perMessage), _rounds.NextTime(), _events, _runs,
                BusyTicks: Stopwatch.GetTimestamp() - _began));
            _remote.Clear();
            return;
        }
        _awaiting = _rounds.Dispatch(Self);
        _runs += _awaiting;
    }
}

/// <summary>
/// The cluster's time keeper: windows over virtual time exactly as <see cref="TimeKeeperActor"/>
/// opens them, but its participants are node keepers. Events between nodes travel batched, one
/// message per node per window each way (or its parts, see <see cref="WireBudget"/>), through this
/// keeper. An answer from a node it is not waiting for, an event for a component that does not
/// exist, or a message this system's serializer refused ends the run with one line.
/// </summary>
public sealed class RootKeeperActor : RunKeeperActor
{
    private readonly IActorRef[] _nodes;
    private readonly int[] _nodeOfComponent;
    /// <summary>[m, n]: the least time an event at node m takes to cause one at n; [n, n]: out and back to n (<see cref="Horizons.BetweenNodes"/>).</summary>
    private readonly long[,] _lookahead;
    /// <summary>Each node's earliest event, and the end of its window, in the window being opened.</summary>
    private readonly long[] _min, _end;
    private readonly List<SimEvent>[] _inbox;
    private readonly long[] _next;
    /// <summary>The nodes whose answer to the current window has not wholly arrived.</summary>
    private readonly bool[] _pending;
    /// <summary>Events in each node's answer so far (its parts add up).</summary>
    private readonly int[] _answered;
    private readonly List<int> _active = new();
    private int _awaiting;
    private long _events, _runs;
    private int _perMessage = 1;
    /// <summary>When the current window opened, and the longest a node has run its components in it so far (Stopwatch ticks).</summary>
    private long _openedAt, _slowest;

    public RootKeeperActor(IActorRef[] nodes, int[] nodeOfComponent, long[,] lookahead, IEnumerable<SimEvent> initial, Action<long>? progress,
        WindowClock? clock = null) : base("the root keeper", progress, clock)
    {
        CheckLookahead(lookahead, nodes.Length);
        _nodes = nodes;
        _nodeOfComponent = nodeOfComponent;
        _lookahead = lookahead;
        _min = new long[nodes.Length];
        _end = new long[nodes.Length];
        _inbox = nodes.Select(_ => new List<SimEvent>()).ToArray();
        _next = Enumerable.Repeat(long.MaxValue, nodes.Length).ToArray();
        _pending = new bool[nodes.Length];
        _answered = new int[nodes.Length];
        foreach (var e in initial) _inbox[nodeOfComponent[e.Target]].Add(e);
        clock?.Nodes(nodes.Length);
    }

    public static Props Props(IActorRef[] nodes, int[] nodeOfComponent, long[,] lookahead, IEnumerable<SimEvent> initial, Action<long>? progress = null,
        WindowClock? clock = null) =>
        Akka.Actor.Props.Create(() => new RootKeeperActor(nodes, nodeOfComponent, lookahead, initial, progress, clock))
            .WithDispatcher("akka.actor.sim-dispatcher");

    /// <summary>A lookahead for each pair of the run's nodes, each at least 1 ns: a 0 would open windows that never advance.</summary>
    internal static void CheckLookahead(long[,] lookahead, int nodes)
    {
        if (lookahead.GetLength(0) != nodes || lookahead.GetLength(1) != nodes)
            throw new ArgumentException($"a lookahead for {lookahead.GetLength(0)} nodes, the run has {nodes}", nameof(lookahead));
        foreach (long l in lookahead)
            if (l < 1) throw new ArgumentOutOfRangeException(nameof(lookahead), l, "every lookahead is at least 1 ns");
    }

    /// <summary>The same lookahead between every two nodes (<see cref="Horizons.UniformBetweenNodes"/>).</summary>
    public static Props Props(IActorRef[] nodes, int[] nodeOfComponent, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress = null,
        WindowClock? clock = null) =>
        Props(nodes, nodeOfComponent, Horizons.UniformBetweenNodes(nodes.Length, lookahead), initial, progress, clock);

    protected override void PreStart()
    {
        _perMessage = WireBudget.EventsPerMessage(Context.System.Settings.Config);
        Context.System.EventStream.Subscribe(Self, typeof(PayloadRefused));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    protected override void Handle(object message)
    {
        switch (message)
        {
            case PayloadRefused refused:
                Fail($"the root keeper's node refused a message at t={Start} ns: {refused.Reason}");
                break;
            case NodeDone done:
                if (Requester is null) break; // the run failed: late answers change nothing
                if ((uint)done.Node >= (uint)_nodes.Length || !_pending[done.Node])
                    throw new InvalidOperationException($"node {done.Node} answered a window it was not sent");
                foreach (var e in done.Outgoing) _inbox[NodeOf(e, done.Node)].Add(e);
                _answered[done.Node] += done.Outgoing.Length;
                Clock?.Crossed(done.Node, 0, 1, done.Outgoing.Length, _answered[done.Node]);
                if (done.More) break; // the rest of its answer follows
                _pending[done.Node] = false;
                _next[done.Node] = done.NextTime;
                _events += done.Events;
                _runs += done.ComponentRuns;
                Clock?.NodeBusy(done.Node, done.BusyTicks);
                _slowest = Math.Max(_slowest, done.BusyTicks);
                if (--_awaiting == 0)
                {
                    Clock?.Window(Stopwatch.GetTimestamp() - _openedAt, _slowest);
                    NextWindow();
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The node of an event's target, which came from <paramref name="from"/>: a component of this run.</summary>
    private int NodeOf(in SimEvent e, int from) =>
        (uint)e.Target < (uint)_nodeOfComponent.Length
            ? _nodeOfComponent[e.Target]
            : throw new InvalidOperationException(
                $"node {from} sent an event ({e.Kind} from component {e.Source}) for component {e.Target}; the run's components are 0 to {_nodeOfComponent.Length - 1}");

    private long NodeMin(int node)
    {
        long min = _next[node];
        foreach (var e in _inbox[node]) if (e.Time < min) min = e.Time;
        return min;
    }

    protected override void NextWindow()
    {
        long start = long.MaxValue;
        for (int n = 0; n < _nodes.Length; n++) start = Math.Min(start, _min[n] = NodeMin(n));
        if (start == long.MaxValue || start > End)
        {
            Requester?.Tell(new RunFinished(Windows, _events, End, _inbox.SelectMany(l => l).ToArray(), _runs));
            return;
        }
        // Each node runs to the earliest time anything can still reach it: from any node's earliest
        // event (its own included, out and back) over the fastest path between them.
        _active.Clear();
        for (int n = 0; n < _nodes.Length; n++)
        {
            long end = End + 1;
            for (int m = 0; m < _nodes.Length; m++)
                if (_min[m] != long.MaxValue) end = Math.Min(end, _min[m] + _lookahead[m, n]);
            _end[n] = end;
            if (_min[n] < end) _active.Add(n);
        }
        _awaiting = _active.Count;
        Opened(start);
        (_openedAt, _slowest) = (Stopwatch.GetTimestamp(), 0);
        foreach (int n in _active)
        {
            var inbox = _inbox[n];
            int parts = WireBudget.Parts(inbox.Count, _perMessage);
            Clock?.Crossed(0, n, parts, inbox.Count, inbox.Count);
            (_pending[n], _answered[n]) = (true, 0);
            for (int p = 0; p < parts; p++)
                _nodes[n].Tell(new NodeWindow(start, _end[n], WireBudget.Part(inbox, p, _perMessage), More: p < parts - 1), Self);
            inbox.Clear();
        }
    }
}
