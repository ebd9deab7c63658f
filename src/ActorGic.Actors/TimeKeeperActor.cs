using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// Conservative windows over virtual time. A window is [T, T + lookahead) where T is the earliest
/// event anywhere (empty stretches are skipped, never stepped); only components with something
/// to do in it are asked to run. Events sent in a window are carried in the components' answers
/// and handed to their targets with the next window that concerns them: one message out and one
/// back per active component per window. Work per window follows the active components.
/// </summary>
public sealed class TimeKeeperActor : UntypedActor
{
    private readonly IActorRef[] _components;
    private readonly long _lookahead;
    private readonly Action<long>? _progress;
    private readonly List<SimEvent>?[] _inbox;
    private readonly long[] _inboxMin;
    private readonly PriorityQueue<int, long> _agenda = new();
    private readonly int[] _stamp;
    private readonly List<int> _active = new();
    private int _currentStamp;
    private int _awaiting;
    private IActorRef? _requester;
    private long _end;
    private long _windowEnd;
    private long _windows;
    private long _events;
    private long _componentRuns;

    public TimeKeeperActor(IActorRef[] components, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress)
    {
        if (lookahead < 1) throw new ArgumentOutOfRangeException(nameof(lookahead));
        _components = components;
        _lookahead = lookahead;
        _progress = progress;
        _inbox = new List<SimEvent>?[components.Length];
        _inboxMin = new long[components.Length];
        Array.Fill(_inboxMin, long.MaxValue);
        _stamp = new int[components.Length];
        foreach (var e in initial) Route(e);
    }

    public static Props Props(IActorRef[] components, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress = null) =>
        Akka.Actor.Props.Create(() => new TimeKeeperActor(components, lookahead, initial, progress))
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
            case WindowDone done:
                foreach (var e in done.Outgoing) Route(e);
                if (done.NextLocal != long.MaxValue) _agenda.Enqueue(done.Component, done.NextLocal);
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
        (_inbox[e.Target] ??= new List<SimEvent>()).Add(e);
        if (e.Time < _inboxMin[e.Target])
        {
            _inboxMin[e.Target] = e.Time;
            _agenda.Enqueue(e.Target, e.Time);
        }
    }

    private void NextWindow()
    {
        if (!_agenda.TryPeek(out _, out long start) || start > _end)
        {
            Finish();
            return;
        }
        _windowEnd = Math.Min(start + _lookahead, _end + 1);
        _currentStamp++;
        _active.Clear();
        while (_agenda.TryPeek(out int component, out long time) && time < _windowEnd)
        {
            _agenda.Dequeue();
            if (_stamp[component] == _currentStamp) continue;
            _stamp[component] = _currentStamp;
            _active.Add(component);
        }
        _awaiting = _active.Count;
        _componentRuns += _active.Count;
        _windows++;
        if ((_windows & 0x3FFF) == 0) _progress?.Invoke(start);
        foreach (int component in _active)
        {
            var inbox = _inbox[component];
            SimEvent[] incoming = inbox is { Count: > 0 } ? inbox.ToArray() : [];
            inbox?.Clear();
            _inboxMin[component] = long.MaxValue;
            _components[component].Tell(new RunWindow(start, _windowEnd, incoming), Self);
        }
    }

    private void Finish()
    {
        var undelivered = _inbox.Where(l => l is not null).SelectMany(l => l!).ToArray();
        _requester?.Tell(new RunFinished(_windows, _events, _end, undelivered, _componentRuns));
    }
}
