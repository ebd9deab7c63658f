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
public sealed class TimeKeeperActor : RunKeeperActor
{
    private readonly Rounds _rounds;
    private int _awaiting;
    private long _events;
    private long _componentRuns;

    public TimeKeeperActor(IActorRef[] components, Horizons horizons, IEnumerable<SimEvent> initial, Action<long>? progress,
        WindowClock? clock = null) : base("the time keeper", progress, clock)
    {
        _rounds = new Rounds(components, horizons);
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

    protected override void Handle(object message)
    {
        switch (message)
        {
            case WindowDone done:
                if (Requester is null) break; // the run failed: late answers change nothing
                _rounds.Done(done);
                _events += done.Events;
                if (--_awaiting == 0) NextWindow();
                break;
            case InjectEvents inject:
                // Between runs only: no window is open, so every component's past is behind the events (Route checks).
                foreach (var e in inject.Events) _rounds.Route(e);
                Sender.Tell(EventsInjected.Instance);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void NextWindow()
    {
        long start = _rounds.Open(End + 1);
        if (start == long.MaxValue)
        {
            Requester?.Tell(new RunFinished(Windows, _events, End, _rounds.Undelivered(), _componentRuns));
            return;
        }
        Opened(start);
        _awaiting = _rounds.Dispatch(Self);
        _componentRuns += _awaiting;
    }
}
