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
    private readonly Rounds _rounds;
    private readonly Action<long>? _progress;
    private readonly WindowClock? _clock;
    private int _awaiting;
    private IActorRef? _requester;
    private long _end;
    private long _windows;
    private long _events;
    private long _componentRuns;
    /// <summary>The start of the latest window: how far the run got.</summary>
    private long _start;

    public TimeKeeperActor(IActorRef[] components, Horizons horizons, IEnumerable<SimEvent> initial, Action<long>? progress,
        WindowClock? clock = null)
    {
        _rounds = new Rounds(components, horizons);
        _progress = progress;
        _clock = clock;
        foreach (var e in initial) _rounds.Route(e);
    }

    /// <summary>The keeper's props; <paramref name="clock"/> (the run's watchdog reads it) learns each window's start.</summary>
    public static Props Props(IActorRef[] components, Horizons horizons, IEnumerable<SimEvent> initial, Action<long>? progress = null,
        WindowClock? clock = null) =>
        Akka.Actor.Props.Create(() => new TimeKeeperActor(components, horizons, initial, progress, clock))
            .WithDispatcher("akka.actor.sim-dispatcher");

    /// <summary>A keeper with one window length for every component (components that are not a simulation's layout, such as test probes).</summary>
    public static Props Props(IActorRef[] components, long lookahead, IEnumerable<SimEvent> initial, Action<long>? progress = null,
        WindowClock? clock = null) =>
        Props(components, Horizons.Uniform(lookahead), initial, progress, clock);

    protected override void OnReceive(object message)
    {
        try
        {
            Handle(message);
        }
        catch (Exception e)
        {
            Fail(RunAbortedException.KeeperFailed("the time keeper", _start, e).Message);
        }
    }

    /// <summary>The run cannot finish: the requester's ask ends with the one line, and no window opens again.</summary>
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
            case WindowDone done:
                if (_requester is null) break; // the run failed: late answers change nothing
                _rounds.Done(done);
                _events += done.Events;
                if (--_awaiting == 0) NextWindow();
                break;
            case RunTo run:
                _requester = Sender;
                _end = run.End;
                NextWindow();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void NextWindow()
    {
        long start = _rounds.Open(_end + 1);
        if (start == long.MaxValue)
        {
            _requester?.Tell(new RunFinished(_windows, _events, _end, _rounds.Undelivered(), _componentRuns));
            return;
        }
        _windows++;
        _start = start;
        _clock?.Opened(start);
        if ((_windows & 0x3FFF) == 0) _progress?.Invoke(start);
        _awaiting = _rounds.Dispatch(Self);
        _componentRuns += _awaiting;
    }
}
