using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>The root keeper opens a window on one node, carrying the events that arrived for its components.</summary>
public sealed record NodeWindow(long Start, long End, SimEvent[] Incoming) : IActorGicMessage;

/// <summary>A node's answer: events for other nodes' components, its next event time, events run.</summary>
public sealed record NodeDone(int Node, SimEvent[] Outgoing, long NextTime, long Events, long ComponentRuns) : IActorGicMessage;

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
/// way per node, whatever the number of components and rounds inside it.
/// </summary>
public sealed class NodeKeeperActor : UntypedActor
{
    private readonly int _node;
    private readonly Rounds _rounds;
    private readonly List<SimEvent> _remote = new();
    private IActorRef? _root;
    private long _cap;
    private int _awaiting;
    private long _events;
    private long _runs;

    public NodeKeeperActor(int node, Dictionary<int, IActorRef> components, int componentCount, Horizons horizons)
    {
        _node = node;
        var kept = new IActorRef?[componentCount];
        foreach (var (id, actor) in components) kept[id] = actor;
        _rounds = new Rounds(kept, horizons);
    }

    public static Props Props(int node, Dictionary<int, IActorRef> components, int componentCount, Horizons horizons) =>
        Akka.Actor.Props.Create(() => new NodeKeeperActor(node, components, componentCount, horizons)).WithDispatcher("akka.actor.sim-dispatcher");

    protected override void OnReceive(object message)
    {
        try
        {
            Handle(message);
        }
        catch (Exception e)
        {
            _root?.Tell(new RunFailed(_cap, RunAbortedException.KeeperFailed($"the keeper of node {_node}", _cap, e).Message));
        }
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case RunFailed failed:
                _root?.Tell(failed); // a component failed: the root ends the run
                break;
            case NodeWindow window:
                _root = Sender;
                foreach (var e in window.Incoming) _rounds.Route(e);
                (_cap, _events, _runs) = (window.End, 0, 0);
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
            // The window is done here: what goes to other nodes, and this node's next event.
            _root!.Tell(new NodeDone(_node, _remote.ToArray(), _rounds.NextTime(), _events, _runs));
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
/// message per node per window each way, through this keeper.
/// </summary>
public sealed class RootKeeperActor : UntypedActor
{
    private readonly IActorRef[] _nodes;
    private readonly int[] _nodeOfComponent;
    private readonly long _lookahead;
    private readonly Action<long>? _progress;
    private readonly WindowClock? _clock;
    private readonly List<SimEvent>[] _inbox;
    private readonly long[] _next;
    private readonly List<int> _active = new();
    private IActorRef? _requester;
    private long _end;
    private int _awaiting;
    private long _windows, _events, _runs;
    /// <summary>The start of the latest window: how far the run got.</summary>
    private long _start;

    public RootKeeperActor(IActorRef[] nodes, int[] nodeOfComponent, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress,
        WindowClock? clock = null)
    {
        _clock = clock;
        _nodes = nodes;
        _nodeOfComponent = nodeOfComponent;
        _lookahead = lookahead;
        _progress = progress;
        _inbox = nodes.Select(_ => new List<SimEvent>()).ToArray();
        _next = Enumerable.Repeat(long.MaxValue, nodes.Length).ToArray();
        foreach (var e in initial) _inbox[nodeOfComponent[e.Target]].Add(e);
    }

    public static Props Props(IActorRef[] nodes, int[] nodeOfComponent, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress = null,
        WindowClock? clock = null) =>
        Akka.Actor.Props.Create(() => new RootKeeperActor(nodes, nodeOfComponent, lookahead, initial, progress, clock))
            .WithDispatcher("akka.actor.sim-dispatcher");

    protected override void OnReceive(object message)
    {
        try
        {
            Handle(message);
        }
        catch (Exception e)
        {
            Fail(RunAbortedException.KeeperFailed("the root keeper", _start, e).Message);
        }
    }

    private void Fail(string reason)
    {
        _requester?.Tell(new Status.Failure(new RunAbortedException(_start, reason)));
        _requester = null;
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case RunFailed failed:
                Fail(failed.Reason);
                break;
            case RunTo run:
                _requester = Sender;
                _end = run.End;
                NextWindow();
                break;
            case NodeDone done:
                if (_requester is null) break; // the run failed: late answers change nothing
                foreach (var e in done.Outgoing) _inbox[_nodeOfComponent[e.Target]].Add(e);
                _next[done.Node] = done.NextTime;
                _events += done.Events;
                _runs += done.ComponentRuns;
                if (--_awaiting == 0) NextWindow();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private long NodeMin(int node)
    {
        long min = _next[node];
        foreach (var e in _inbox[node]) if (e.Time < min) min = e.Time;
        return min;
    }

    private void NextWindow()
    {
        long start = long.MaxValue;
        for (int n = 0; n < _nodes.Length; n++) start = Math.Min(start, NodeMin(n));
        if (start == long.MaxValue || start > _end)
        {
            _requester?.Tell(new RunFinished(_windows, _events, _end, _inbox.SelectMany(l => l).ToArray(), _runs));
            return;
        }
        long end = Math.Min(start + _lookahead, _end + 1);
        _active.Clear();
        for (int n = 0; n < _nodes.Length; n++)
            if (NodeMin(n) < end) _active.Add(n);
        _awaiting = _active.Count;
        _windows++;
        _start = start;
        _clock?.Opened(start);
        _clock?.Sent(_active.Count(n => n != 0));
        if ((_windows & 0x3FFF) == 0) _progress?.Invoke(start);
        foreach (int n in _active)
        {
            var incoming = _inbox[n].ToArray();
            _inbox[n].Clear();
            _nodes[n].Tell(new NodeWindow(start, end, incoming), Self);
        }
    }
}
