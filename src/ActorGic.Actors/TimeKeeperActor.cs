using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// Conservative windows over virtual time. T is the earliest event anywhere (empty stretches are
/// skipped, never stepped); each component with an event before its own horizon (see
/// <see cref="Horizons"/>: T plus what the latencies of the links into it allow, at least the
/// global lookahead) is asked to run to that horizon. Events sent in a window are carried in the
/// components' answers and handed to their targets with the next window that concerns them: one
/// message out and one back per active component per window. Work per window follows the active
/// components.
/// </summary>
public sealed class TimeKeeperActor : UntypedActor
{
    private readonly IActorRef[] _components;
    private readonly Horizons _horizons;
    /// <summary>Each component's earliest event, held or on its way (long.MaxValue: none).</summary>
    private readonly long[] _next;
    private readonly Horizons.Window[] _window;
    private readonly List<int> _deferred = new();
    private readonly Action<long>? _progress;
    private readonly List<SimEvent>?[] _inbox;
    private readonly Stack<List<SimEvent>> _spare = new();
    private readonly long[] _inboxMin;
    private readonly Agenda _agenda = new();
    private readonly List<int> _popped = new();
    private readonly int[] _stamp;
    private readonly List<int> _active = new();
    private int _currentStamp;
    private int _awaiting;
    private IActorRef? _requester;
    private long _end;
    private long _windows;
    private long _events;
    private long _componentRuns;

    public TimeKeeperActor(IActorRef[] components, Horizons horizons, IEnumerable<SimEvent> initial, Action<long>? progress)
    {
        _components = components;
        _horizons = horizons;
        _progress = progress;
        _inbox = new List<SimEvent>?[components.Length];
        _inboxMin = new long[components.Length];
        Array.Fill(_inboxMin, long.MaxValue);
        _next = new long[components.Length];
        Array.Fill(_next, long.MaxValue);
        _window = new Horizons.Window[components.Length];
        _stamp = new int[components.Length];
        foreach (var e in initial) Route(e);
    }

    public static Props Props(IActorRef[] components, Horizons horizons, IEnumerable<SimEvent> initial, Action<long>? progress = null) =>
        Akka.Actor.Props.Create(() => new TimeKeeperActor(components, horizons, initial, progress))
            .WithDispatcher("akka.actor.sim-dispatcher");

    /// <summary>A keeper with one window length for every component (components that are not a simulation's layout, such as test probes).</summary>
    public static Props Props(IActorRef[] components, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress = null) =>
        Props(components, Horizons.Uniform(lookahead), initial, progress);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunTo run:
                _requester = Sender;
                _end = run.End;
                NextWindow();
                break;
            case WindowDone done:
                _next[done.Component] = Math.Min(done.NextLocal, _inboxMin[done.Component]);
                if (done.NextLocal != long.MaxValue) _agenda.Add(done.Component, done.NextLocal);
                foreach (var e in done.Outgoing) Route(e);
                done.Outgoing.Clear();
                _spare.Push(done.Outgoing);
                _events += done.Events;
                if (--_awaiting == 0) NextWindow();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Route(in SimEvent e)
    {
        (_inbox[e.Target] ??= Spare()).Add(e);
        if (e.Time < _inboxMin[e.Target])
        {
            _inboxMin[e.Target] = e.Time;
            _agenda.Add(e.Target, e.Time);
        }
        if (e.Time < _next[e.Target]) _next[e.Target] = e.Time;
    }

    /// <summary>An empty list for an inbox: the ones components returned, so windows allocate none.</summary>
    private List<SimEvent> Spare() => _spare.Count > 0 ? _spare.Pop() : new List<SimEvent>(4);

    private void NextWindow()
    {
        // Every component with something to do has an agenda entry at exactly _next; entries
        // before it are stale (their event was consumed) and are dropped as they come out.
        // T, the earliest event anywhere, is the first entry that is not stale.
        _popped.Clear();
        long start;
        while (true)
        {
            long time = _agenda.PopFirst(_popped);
            if (time > _end)
            {
                Finish();
                return;
            }
            bool live = false;
            foreach (int c in _popped) live |= _next[c] == time;
            if (live)
            {
                start = time;
                break;
            }
            _popped.Clear();
        }
        // Every horizon comes from the same snapshot of _next, before any inbox leaves.
        long reach = start + _horizons.Reach;
        _agenda.PopBefore(reach, _popped);
        _currentStamp++;
        _active.Clear();
        _deferred.Clear();
        foreach (int component in _popped)
        {
            if (_stamp[component] == _currentStamp) continue;
            _stamp[component] = _currentStamp;
            long next = _next[component];
            if (next >= reach) continue; // nothing this round, and its entry at next is still there
            var window = _horizons.WindowOf(component, start, _next);
            window = window with { End = Math.Min(window.End, _end + 1) };
            if (next < window.End)
            {
                _window[component] = window;
                _active.Add(component);
            }
            else _deferred.Add(component);
        }
        foreach (int component in _deferred) _agenda.Add(component, _next[component]);
        _awaiting = _active.Count;
        _componentRuns += _active.Count;
        _windows++;
        if ((_windows & 0x3FFF) == 0) _progress?.Invoke(start);
        var self = Self;
        foreach (int component in _active)
        {
            // The inbox itself goes: the component returns it filled with what it sends.
            var incoming = _inbox[component] ?? Spare();
            _inbox[component] = null;
            _inboxMin[component] = long.MaxValue;
            var window = _window[component];
            _components[component].Tell(new RunWindow(start, window.End, incoming, window.Partner, window.Back), self);
        }
    }

    private void Finish()
    {
        var undelivered = _inbox.Where(l => l is not null).SelectMany(l => l!).ToArray();
        _requester?.Tell(new RunFinished(_windows, _events, _end, undelivered, _componentRuns));
    }
}
