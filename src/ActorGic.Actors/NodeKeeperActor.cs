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
/// The time keeper of one node: it runs the root's window over the node's active components
/// (the same protocol as <see cref="TimeKeeperActor"/>, all local), keeps events between its own
/// components, and returns the events for other nodes in one message. So a window costs one
/// message each way per node, whatever the number of components.
/// </summary>
public sealed class NodeKeeperActor : UntypedActor
{
    private readonly int _node;
    private readonly Dictionary<int, IActorRef> _components;
    private readonly Dictionary<int, List<SimEvent>> _inbox = new();
    private readonly PriorityQueue<int, long> _agenda = new();
    private readonly HashSet<int> _active = new();
    private readonly List<SimEvent> _remote = new();
    private IActorRef? _root;
    private int _awaiting;
    private long _events;

    public NodeKeeperActor(int node, Dictionary<int, IActorRef> components)
    {
        _node = node;
        _components = components;
    }

    public static Props Props(int node, Dictionary<int, IActorRef> components) =>
        Akka.Actor.Props.Create(() => new NodeKeeperActor(node, components)).WithDispatcher("akka.actor.sim-dispatcher");

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case NodeWindow window:
                _root = Sender;
                foreach (var e in window.Incoming) Route(e);
                RunWindow(window.Start, window.End);
                break;
            case WindowDone done:
                foreach (var e in done.Outgoing)
                {
                    if (_components.ContainsKey(e.Target)) Route(e);
                    else _remote.Add(e);
                }
                if (done.NextLocal != long.MaxValue) _agenda.Enqueue(done.Component, done.NextLocal);
                _events += done.Events;
                if (--_awaiting == 0) Reply();
                break;
            case DrainNode:
                // Only the events routed here and not yet handed to a component: the components drain themselves.
                Sender.Tell(new LocalDrained(-1 - _node, _inbox.Values.SelectMany(l => l).ToArray()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Route(in SimEvent e)
    {
        if (!_inbox.TryGetValue(e.Target, out var list)) _inbox[e.Target] = list = new List<SimEvent>();
        list.Add(e);
        _agenda.Enqueue(e.Target, e.Time);
    }

    private void RunWindow(long start, long end)
    {
        _active.Clear();
        while (_agenda.TryPeek(out int component, out long time) && time < end)
        {
            _agenda.Dequeue();
            _active.Add(component);
        }
        _awaiting = _active.Count;
        _events = 0;
        if (_awaiting == 0)
        {
            Reply();
            return;
        }
        foreach (int component in _active.Order())
        {
            var incoming = _inbox.Remove(component, out var list) ? list : new List<SimEvent>();
            _components[component].Tell(new RunWindow(start, end, incoming), Self);
        }
    }

    private void Reply()
    {
        long next = _agenda.TryPeek(out _, out long t) ? t : long.MaxValue;
        _root!.Tell(new NodeDone(_node, _remote.ToArray(), next, _events, _active.Count));
        _remote.Clear();
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
        switch (message)
        {
            case RunTo run:
                _requester = Sender;
                _end = run.End;
                NextWindow();
                break;
            case NodeDone done:
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
