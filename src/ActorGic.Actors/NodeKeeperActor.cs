using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// The root keeper starts a run on one node: the run's end, every node's earliest event
/// (<paramref name="Earliest"/>, long.MaxValue: none), every node's keeper by path in node order
/// (<paramref name="Peers"/>, this node's own included), and the initial events for this node's
/// components; <paramref name="Lookahead"/> is the root's lookahead between every two nodes, row by
/// row (empty: none given), which each node holds against its own: nodes that computed different
/// ones would open different windows. A batch larger than one message may carry (<see cref="WireBudget"/>) comes in parts:
/// every part but the last has <paramref name="More"/> and carries events only; the node starts on
/// the last.
/// </summary>
public sealed record NodeStart(long End, long[] Earliest, string[] Peers, SimEvent[] Incoming, bool More = false, long[]? Lookahead = null) : IActorGicMessage
{
    public long[] Lookahead { get; init; } = Lookahead ?? [];
}

/// <summary>
/// What a node sends every other node after each window it ran: the events for that node's
/// components, and what every node needs to open the next window exactly as the others do: the
/// sender's next own event (<paramref name="NextTime"/>) and the earliest event it sent each node
/// in this window (<paramref name="EarliestSent"/>, long.MaxValue: none). <paramref name="Window"/>
/// numbers the run's windows from 1; <paramref name="BusyTicks"/> is how long the sender ran its
/// components in it (Stopwatch ticks). In parts like <see cref="NodeStart"/>: the parts with
/// <paramref name="More"/> carry events only, the last one the rest.
/// </summary>
public sealed record PeerBatch(int From, long Window, SimEvent[] Events, long NextTime, long[] EarliestSent, long BusyTicks, bool More = false)
    : IActorGicMessage;

/// <summary>
/// A node's answer to <see cref="NodeStart"/>, once it sees that no window is left: the windows it
/// counted (every node counts the same), events and component runs, how long it ran its components,
/// and what it sent each other node (messages, each part counted; events; the largest batch).
/// </summary>
public sealed record NodeFinished(int Node, long Windows, long Events, long ComponentRuns, long BusyTicks, long[] MessagesTo, long[] EventsTo,
    long LargestBatch) : IActorGicMessage;

/// <summary>Asks a node keeper for the events still in its inbox (routed, not yet handed to a component).</summary>
public sealed record DrainNode : IActorGicMessage
{
    public static readonly DrainNode Instance = new();
}

/// <summary>
/// The time keeper of one node in a cluster. Within a window it runs rounds over the node's
/// components exactly as <see cref="TimeKeeperActor"/> does (the same <see cref="Rounds"/>, each
/// component to its own horizon) and keeps events between its own components. Windows are
/// decided by the nodes themselves, without a round trip through the root: after each window a
/// node that ran sends every other node one <see cref="PeerBatch"/>, directly (the events for its
/// components, its next own event, the earliest event it sent each node). Once a node has the
/// batches of every node that ran, it knows each node's earliest event, and so does every other
/// node: all of them open the same next window, in which each node runs to the earliest time
/// anything can still reach it (<see cref="Horizons.BetweenNodes"/>), and a node with nothing
/// before that sends nothing and waits. When the earliest event anywhere lies past the end, each
/// node answers the root with <see cref="NodeFinished"/>. Batches a fast node sends ahead wait,
/// unrouted, until their window: what a node routes, and when, never depends on arrival order.
/// <para>
/// What arrives from the wire is checked where it is used: an event for a component that is not
/// on this node, a batch from a node that does not exist or for a window other than the one the
/// keeper expects from that node, and a message from another node that this system's serializer
/// refused (<see cref="PayloadRefused"/>: it was dropped, and the run would otherwise wait for it
/// forever) each end the run with one line.
/// </para>
/// </summary>
public sealed class NodeKeeperActor : UntypedActor
{
    private readonly int _node;
    private readonly int _nodes;
    private readonly int[] _nodeOf;
    /// <summary>[m, n]: the least time an event at node m takes to cause one at n; [n, n]: out and back (<see cref="Horizons.BetweenNodes"/>).</summary>
    private readonly long[,] _lookahead;
    private readonly Rounds _rounds;
    /// <summary>Where the root keeper lives, to report a failure before the run started (null: only to NodeStart's sender).</summary>
    private readonly ActorPath? _rootPath;
    /// <summary>Node 0's, in the root's process: it learns each window's start (the watchdog's clock) and where its wall time went.</summary>
    private readonly WindowClock? _clock;
    private readonly Action<long>? _progress;
    private IActorRef? _root;
    private IActorRef?[] _peers = [];
    private long _runEnd = -1;
    /// <summary>NodeStart's last part is in.</summary>
    private bool _started;
    /// <summary>The earliest of the initial events NodeStart brought this node (long.MaxValue: none).</summary>
    private long _initialMin = long.MaxValue;
    private long _cap;
    private int _awaiting;
    private int _perMessage = 1;

    /// <summary>The window being run or collected (0 before the first), each node's earliest event in it, its end for each node, who runs in it.</summary>
    private long _window;
    /// <summary>The run is over here (NodeFinished sent): nothing may arrive any more.</summary>
    private bool _over;
    private readonly long[] _min, _next, _end;
    private readonly bool[] _active;
    private bool _running;
    /// <summary>What this node sent each node in the current window, and its next own event after it.</summary>
    private readonly List<SimEvent> _remote = new();
    private readonly List<SimEvent>[] _out;
    private long[] _sent;
    private long _ownNext, _ownBusy;
    /// <summary>Batches received: whole ones waiting for their window, per node in arrival (= send) order; the parts of the one coming in.</summary>
    private readonly Queue<Received>[] _received;
    private readonly List<SimEvent>[] _partial;

    private long _events, _runs, _busy, _largest;
    private readonly long[] _messagesTo, _eventsTo;
    /// <summary>When the current window's run began here, and (node 0) when the window opened (Stopwatch ticks).</summary>
    private long _began, _openedAt;

    private sealed record Received(long Window, List<SimEvent> Events, long NextTime, long[] EarliestSent, long BusyTicks);

    public NodeKeeperActor(int node, Dictionary<int, IActorRef> components, int[] nodeOf, long[,] lookahead, Horizons horizons,
        ActorPath? root = null, WindowClock? clock = null, Action<long>? progress = null)
    {
        _nodes = lookahead.GetLength(0);
        RootKeeperActor.CheckLookahead(lookahead, _nodes);
        if ((uint)node >= (uint)_nodes) throw new ArgumentOutOfRangeException(nameof(node), node, $"a run of {_nodes} nodes");
        _node = node;
        _nodeOf = nodeOf;
        _lookahead = lookahead;
        _rootPath = root;
        _clock = clock;
        _progress = progress;
        var kept = new IActorRef?[nodeOf.Length];
        foreach (var (id, actor) in components) kept[id] = actor;
        _rounds = new Rounds(kept, horizons);
        (_min, _next, _end, _active) = (new long[_nodes], new long[_nodes], new long[_nodes], new bool[_nodes]);
        _out = Enumerable.Range(0, _nodes).Select(_ => new List<SimEvent>()).ToArray();
        _sent = new long[_nodes];
        _received = Enumerable.Range(0, _nodes).Select(_ => new Queue<Received>()).ToArray();
        _partial = Enumerable.Range(0, _nodes).Select(_ => new List<SimEvent>()).ToArray();
        (_messagesTo, _eventsTo) = (new long[_nodes], new long[_nodes]);
    }

    public static Props Props(int node, Dictionary<int, IActorRef> components, int[] nodeOf, long[,] lookahead, Horizons horizons,
        ActorPath? root = null, WindowClock? clock = null, Action<long>? progress = null) =>
        Akka.Actor.Props.Create(() => new NodeKeeperActor(node, components, nodeOf, lookahead, horizons, root, clock, progress))
            .WithDispatcher("akka.actor.sim-dispatcher");

    protected override void PreStart()
    {
        _perMessage = WireBudget.EventsPerMessage(Context.System.Settings.Config, ActorGicSerializer.PeerBatchHeaderBytes(_nodes));
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
            case NodeStart start:
                if (_started) throw new InvalidOperationException("it was started twice");
                _root = Sender;
                foreach (var e in start.Incoming)
                {
                    Route(e);
                    _initialMin = Math.Min(_initialMin, e.Time);
                }
                if (start.More) break; // the rest of its initial events follow
                Begin(start);
                break;
            case PeerBatch batch:
                Receive(batch);
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

    private void Route(in SimEvent e)
    {
        if (!_rounds.Keeps(e.Target))
            throw new InvalidOperationException($"it was sent an event ({e.Kind} from component {e.Source}) for component {e.Target}, which is not on this node");
        _rounds.Route(e);
    }

    private void Begin(NodeStart start)
    {
        if (start.Earliest.Length != _nodes || start.Peers.Length != _nodes)
            throw new InvalidOperationException($"it was started with {start.Earliest.Length} earliest times and {start.Peers.Length} peers for a run of {_nodes} nodes");
        if (start.End < 0) throw new InvalidOperationException($"it was started with the end {start.End} ns");
        if (start.Lookahead.Length > 0) CheckLookahead(start.Lookahead);
        if (start.Earliest[_node] != _initialMin)
            throw new InvalidOperationException($"it was started with its earliest event at {Shown(start.Earliest[_node])}, its initial events' is {Shown(_initialMin)}");
        _started = true;
        var provider = ((ExtendedActorSystem)Context.System).Provider;
        _peers = start.Peers.Select((path, n) => n == _node ? null : provider.ResolveActorRef(path)).ToArray();
        _runEnd = start.End;
        start.Earliest.CopyTo(_min, 0);
        Advance();
    }

    /// <summary>The root's lookahead between every two nodes, row by row, is this node's own.</summary>
    private void CheckLookahead(long[] root)
    {
        if (root.Length != _nodes * _nodes)
            throw new InvalidOperationException($"it was started with {root.Length} lookaheads for a run of {_nodes} nodes");
        for (int m = 0; m < _nodes; m++)
            for (int n = 0; n < _nodes; n++)
                if (root[m * _nodes + n] != _lookahead[m, n])
                    throw new InvalidOperationException(
                        $"the root's lookahead from node {m} to node {n} is {root[m * _nodes + n]} ns, this node's {_lookahead[m, n]} ns: the nodes would open different windows");
    }

    /// <summary>A batch, or a part of one, from another node: whole, it waits for its window.</summary>
    private void Receive(PeerBatch batch)
    {
        int from = batch.From;
        if ((uint)from >= (uint)_nodes || from == _node) throw new InvalidOperationException($"it was sent a batch from node {from}, in a run of {_nodes} nodes");
        if (_over) throw new InvalidOperationException($"node {from} sent it a batch of window {batch.Window} after the run ended");
        // A batch for a window already collected, or for the current one from a node that had nothing to run in it: the nodes disagree on their windows.
        if (_started && batch.Window < _window)
            throw new InvalidOperationException($"node {from} sent it a batch of window {batch.Window} after that window was collected (window {_window} is open)");
        if (_started && batch.Window == _window && !_active[from])
            throw new InvalidOperationException($"node {from} sent it a batch of window {batch.Window}, in which it had nothing to run");
        foreach (var e in batch.Events)
            if (!_rounds.Keeps(e.Target))
                throw new InvalidOperationException($"node {from} sent it an event ({e.Kind} from component {e.Source}) for component {e.Target}, which is not on this node");
        var partial = _partial[from];
        partial.AddRange(batch.Events);
        if (batch.More) return;
        if (batch.EarliestSent.Length != _nodes)
            throw new InvalidOperationException($"node {from} sent {batch.EarliestSent.Length} earliest times for a run of {_nodes} nodes");
        _received[from].Enqueue(new Received(batch.Window, [.. partial], batch.NextTime, batch.EarliestSent, batch.BusyTicks));
        partial.Clear();
        if (!_running && _started) Advance();
    }

    private static string Shown(long time) => time == long.MaxValue ? "none" : $"{time} ns";

    /// <summary>
    /// Opens windows while it can: once this node's part of the current window is done and every
    /// node that ran in it has sent its batch, the next window follows from them. Returns when this
    /// node runs a window, waits for a batch, or the run is over.
    /// </summary>
    private void Advance()
    {
        while (true)
        {
            if (_window > 0)
            {
                for (int p = 0; p < _nodes; p++)
                {
                    if (p == _node || !_active[p]) continue;
                    if (!_received[p].TryPeek(out var head)) return; // not yet
                    if (head.Window != _window)
                        throw new InvalidOperationException($"node {p} sent its batch of window {head.Window} where window {_window}'s was due");
                    CheckBatch(p, head);
                }
                Collect();
            }
            _window++;
            long start = long.MaxValue;
            foreach (long m in _min) start = Math.Min(start, m);
            if (start == long.MaxValue || start > _runEnd)
            {
                Finish();
                return;
            }
            // Each node runs to the earliest time anything can still reach it: from any node's earliest
            // event (its own included, out and back) over the fastest path between them.
            // Sums saturate: a lookahead may stand for "no link" (long.MaxValue / 4), a node's next event lie far ahead.
            // The node with the earliest event always runs (every lookahead is at least 1 ns).
            for (int n = 0; n < _nodes; n++)
            {
                long end = _runEnd + 1;
                for (int m = 0; m < _nodes; m++)
                    if (_min[m] != long.MaxValue) end = Math.Min(end, _min[m] > long.MaxValue - _lookahead[m, n] ? long.MaxValue : _min[m] + _lookahead[m, n]);
                _end[n] = end;
                _active[n] = _min[n] < end;
            }
            if (_clock is not null) Opened(start);
            if (_active[_node])
            {
                (_cap, _running, _began) = (_end[_node], true, Stopwatch.GetTimestamp());
                NextRound();
                return;
            }
        }
    }

    /// <summary>
    /// What a batch of the current window must hold if its sender opened the same window: its next
    /// event no earlier than its window's end (it ran everything before), nothing sent earlier than
    /// where each receiver's window ends, nothing to itself, and to this node exactly its events' earliest.
    /// </summary>
    private void CheckBatch(int from, Received batch)
    {
        string? wrong = null;
        long earliest = batch.Events.Count == 0 ? long.MaxValue : batch.Events.Min(e => e.Time);
        if (batch.NextTime < _end[from]) wrong = $"its next event at {batch.NextTime} ns, before its window's end at {_end[from]} ns";
        else if (batch.EarliestSent[from] != long.MaxValue) wrong = $"an event to itself at {batch.EarliestSent[from]} ns";
        else if (batch.BusyTicks < 0) wrong = $"a busy time of {batch.BusyTicks}";
        else if (batch.EarliestSent[_node] != earliest)
            wrong = $"its earliest event for this node at {Shown(batch.EarliestSent[_node])}, its events' is {Shown(earliest)}";
        else
            for (int m = 0; m < _nodes && wrong is null; m++)
                if (batch.EarliestSent[m] < _end[m]) wrong = $"an event for node {m} at {batch.EarliestSent[m]} ns, before that node's window ends at {_end[m]} ns";
        if (wrong is not null) throw new InvalidOperationException($"node {from}'s batch of window {_window} has {wrong}");
    }

    /// <summary>Every batch of the current window is in: each node's earliest event in the next one, and the batches' events routed (in node order).</summary>
    private void Collect()
    {
        long slowest = _active[_node] ? _ownBusy : 0;
        for (int m = 0; m < _nodes; m++) _next[m] = _active[m] ? (m == _node ? _ownNext : _received[m].Peek().NextTime) : _min[m];
        for (int s = 0; s < _nodes; s++)
        {
            if (!_active[s]) continue;
            var sent = s == _node ? _sent : _received[s].Peek().EarliestSent;
            for (int m = 0; m < _nodes; m++) _next[m] = Math.Min(_next[m], sent[m]);
        }
        for (int p = 0; p < _nodes; p++)
        {
            if (p == _node || !_active[p]) continue;
            var batch = _received[p].Dequeue();
            foreach (ref readonly var e in CollectionsMarshal.AsSpan(batch.Events)) _rounds.Route(e);
            slowest = Math.Max(slowest, batch.BusyTicks);
            _clock?.NodeBusy(p, batch.BusyTicks);
        }
        _next.CopyTo(_min, 0);
        if (_clock is not null)
        {
            if (_active[_node]) _clock.NodeBusy(_node, _ownBusy);
            _clock.Window(Stopwatch.GetTimestamp() - _openedAt, slowest);
        }
    }

    private void Opened(long start)
    {
        _clock!.Opened(start);
        _openedAt = Stopwatch.GetTimestamp();
        if ((_window & 0x3FFF) == 0) _progress?.Invoke(start);
    }

    private void NextRound()
    {
        if (_rounds.Open(_cap) != long.MaxValue)
        {
            _awaiting = _rounds.Dispatch(Self);
            _runs += _awaiting;
            return;
        }
        // This node's part of the window is done: its batch to every other node, in as many parts as it takes.
        _running = false;
        _ownBusy = Stopwatch.GetTimestamp() - _began;
        _busy += _ownBusy;
        _ownNext = _rounds.NextTime();
        _sent = new long[_nodes]; // a new one each window: a local receiver holds on to the one it was sent
        Array.Fill(_sent, long.MaxValue);
        foreach (ref readonly var e in CollectionsMarshal.AsSpan(_remote))
        {
            int to = (uint)e.Target < (uint)_nodeOf.Length ? _nodeOf[e.Target] : -1;
            if (to < 0 || to == _node) throw new InvalidOperationException($"a component sent an event ({e.Kind} from component {e.Source}) for component {e.Target}, which is on no other node");
            _out[to].Add(e);
            if (e.Time < _sent[to]) _sent[to] = e.Time;
        }
        _remote.Clear();
        for (int p = 0; p < _nodes; p++)
        {
            if (p == _node) continue;
            var batch = _out[p];
            int parts = WireBudget.Parts(batch.Count, _perMessage);
            for (int i = 0; i < parts - 1; i++)
                _peers[p]!.Tell(new PeerBatch(_node, _window, WireBudget.Part(batch, i, _perMessage), 0, [], 0, More: true), Self);
            _peers[p]!.Tell(new PeerBatch(_node, _window, WireBudget.Part(batch, parts - 1, _perMessage), _ownNext, _sent, _ownBusy), Self);
            _messagesTo[p] += parts;
            _eventsTo[p] += batch.Count;
            _largest = Math.Max(_largest, batch.Count);
            batch.Clear();
        }
        Advance();
    }

    /// <summary>No window is left: this node's account to the root.</summary>
    private void Finish()
    {
        for (int p = 0; p < _nodes; p++)
            if (_received[p].Count > 0 || _partial[p].Count > 0)
                throw new InvalidOperationException($"node {p} sent it a batch of window {(_received[p].Count > 0 ? _received[p].Peek().Window : _window)} that no window collected");
        (_running, _over) = (false, true);
        _root!.Tell(new NodeFinished(_node, _window - 1, _events, _runs, _busy, (long[])_messagesTo.Clone(), (long[])_eventsTo.Clone(), _largest));
    }
}

/// <summary>
/// The cluster's root keeper: it starts the run on every node (<see cref="NodeStart"/>: the
/// initial events, every node's earliest event, the peers' keepers) and ends it once every node
/// has answered <see cref="NodeFinished"/>; the windows in between the nodes decide among
/// themselves (<see cref="NodeKeeperActor"/>). Every node must have counted the same windows. An
/// answer from a node that was not started or answered already, a node's failure, or a message this
/// system's serializer refused ends the run with one line; a node that never answers is the
/// watchdog's (the clock stops moving).
/// </summary>
public sealed class RootKeeperActor : RunKeeperActor
{
    private readonly IActorRef[] _nodes;
    private readonly long[] _lookahead;
    private readonly List<SimEvent>[] _initial;
    private readonly bool[] _pending;
    private int _awaiting;
    private long _windows = -1, _events, _runs;
    private int _perMessage = 1;

    public RootKeeperActor(IActorRef[] nodes, int[] nodeOfComponent, IEnumerable<SimEvent> initial, WindowClock? clock = null, long[,]? lookahead = null)
        : base("the root keeper", null, clock)
    {
        _nodes = nodes;
        _lookahead = lookahead is null ? [] : lookahead.Cast<long>().ToArray();
        _initial = nodes.Select(_ => new List<SimEvent>()).ToArray();
        _pending = new bool[nodes.Length];
        foreach (var e in initial)
        {
            if ((uint)e.Target >= (uint)nodeOfComponent.Length)
                throw new ArgumentException($"an initial event for component {e.Target}; the run's components are 0 to {nodeOfComponent.Length - 1}", nameof(initial));
            _initial[nodeOfComponent[e.Target]].Add(e);
        }
        clock?.Nodes(nodes.Length);
    }

    /// <summary>The root's props; node 0's keeper moves <paramref name="clock"/> (the run's watchdog reads it) and reports progress.</summary>
    public static Props Props(IActorRef[] nodes, int[] nodeOfComponent, IEnumerable<SimEvent> initial, WindowClock? clock = null, long[,]? lookahead = null) =>
        Akka.Actor.Props.Create(() => new RootKeeperActor(nodes, nodeOfComponent, initial, clock, lookahead)).WithDispatcher("akka.actor.sim-dispatcher");

    /// <summary>A lookahead for each pair of the run's nodes, each at least 1 ns: a 0 would open windows that never advance.</summary>
    internal static void CheckLookahead(long[,] lookahead, int nodes)
    {
        if (lookahead.GetLength(0) != nodes || lookahead.GetLength(1) != nodes)
            throw new ArgumentException($"a lookahead for {lookahead.GetLength(0)} nodes, the run has {nodes}", nameof(lookahead));
        foreach (long l in lookahead)
            if (l < 1) throw new ArgumentOutOfRangeException(nameof(lookahead), l, "every lookahead is at least 1 ns");
    }

    /// <summary>How far the run got: the start of the latest window node 0 opened.</summary>
    protected override long Reached => Clock?.Start ?? 0;

    protected override void PreStart()
    {
        _perMessage = WireBudget.EventsPerMessage(Context.System.Settings.Config, ActorGicSerializer.NodeStartHeaderBytes(_nodes.Length, PeerPaths(), _lookahead.Length));
        Context.System.EventStream.Subscribe(Self, typeof(PayloadRefused));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    /// <summary>Every node's keeper by a path any node can resolve (this system's address on its own).</summary>
    private string[] PeerPaths()
    {
        var address = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress;
        return _nodes.Select(n => n.Path.ToStringWithAddress(address)).ToArray();
    }

    protected override void Handle(object message)
    {
        switch (message)
        {
            case PayloadRefused refused:
                Fail($"the root keeper's node refused a message at t={Reached} ns: {refused.Reason}");
                break;
            case NodeFinished done:
                if (Requester is null) break; // the run failed: late answers change nothing
                if ((uint)done.Node >= (uint)_nodes.Length || !_pending[done.Node])
                    throw new InvalidOperationException($"node {done.Node} finished a run it was not running");
                if (_windows >= 0 && done.Windows != _windows)
                    throw new InvalidOperationException($"node {done.Node} counted {done.Windows} windows where another node counted {_windows}");
                if (done.MessagesTo.Length != _nodes.Length || done.EventsTo.Length != _nodes.Length)
                    throw new InvalidOperationException($"node {done.Node} accounted for {done.MessagesTo.Length} nodes in a run of {_nodes.Length}");
                _pending[done.Node] = false;
                (_windows, _events, _runs) = (done.Windows, _events + done.Events, _runs + done.ComponentRuns);
                if (Clock is { } clock)
                {
                    for (int to = 0; to < _nodes.Length; to++)
                        clock.Crossed(done.Node, to, (int)Math.Min(int.MaxValue, done.MessagesTo[to]), (int)Math.Min(int.MaxValue, done.EventsTo[to]),
                            (int)Math.Min(int.MaxValue, done.LargestBatch));
                }
                if (--_awaiting == 0) Requester?.Tell(new RunFinished(_windows, _events, End, [], _runs));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Starts every node: its initial events (in parts), every node's earliest event, the peers.</summary>
    protected override void NextWindow()
    {
        if (_awaiting > 0 || _windows >= 0) throw new InvalidOperationException("it was asked to run twice");
        var earliest = _initial.Select(l => l.Count == 0 ? long.MaxValue : l.Min(e => e.Time)).ToArray();
        var peers = PeerPaths();
        _awaiting = _nodes.Length;
        for (int n = 0; n < _nodes.Length; n++)
        {
            _pending[n] = true;
            var inbox = _initial[n];
            int parts = WireBudget.Parts(inbox.Count, _perMessage);
            for (int p = 0; p < parts; p++)
                _nodes[n].Tell(new NodeStart(End, earliest, peers, WireBudget.Part(inbox, p, _perMessage), More: p < parts - 1, _lookahead), Self);
            inbox.Clear();
        }
    }
}
