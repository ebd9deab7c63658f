using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>Marker for every message of the engine protocol (the serializer binds to it in a cluster).</summary>
public interface IActorGicMessage;

/// <summary>
/// The time keeper opens a window [Start, End) for one component and hands it the events that
/// arrived for it. The component runs every event before End, its own timers included, and
/// (when <see cref="Partner"/> is a component) before the first event it sends the partner
/// arrives there plus <see cref="Back"/>, the partner's latency back to it.
/// <para>
/// The window protocol hands its objects over instead of allocating them: a keeper and a
/// component alternate strictly (a window out, its answer back), so in one process the keeper
/// reuses each component's RunWindow, the component its <see cref="WindowDone"/>, and the event
/// list travels both ways (the component refills it with what it sends). Read a message before
/// answering it, never after. Across processes each side deserializes its own copies.
/// </para>
/// </summary>
public sealed class RunWindow(long Start, long End, List<SimEvent> Incoming, int Partner = -1, long Back = 0) : IActorGicMessage
{
    public long Start { get; private set; } = Start;
    public long End { get; private set; } = End;
    public List<SimEvent> Incoming { get; private set; } = Incoming;
    public int Partner { get; private set; } = Partner;
    public long Back { get; private set; } = Back;

    /// <summary>The keeper to answer, in one process (saves the sender lookup); null after a serialization round trip: answer the sender.</summary>
    internal IActorRef? ReplyTo { get; set; }

    /// <summary>Refills this window for its component's next round (the keeper's, once the component answered the last one).</summary>
    internal RunWindow Reuse(long start, long end, List<SimEvent> incoming, int partner, long back)
    {
        (Start, End, Incoming, Partner, Back) = (start, end, incoming, partner, back);
        return this;
    }
}

/// <summary>
/// A component's answer: the events it sent to other components (they land at or after End,
/// because every hop is at least the lookahead) and the time of its next own event. Handed over
/// like <see cref="RunWindow"/>: the component reuses it for its next answer.
/// </summary>
public sealed class WindowDone(int Component, List<SimEvent> Outgoing, long NextLocal, long Events, long RanTo = 0) : IActorGicMessage
{
    public int Component { get; } = Component;
    public List<SimEvent> Outgoing { get; private set; } = Outgoing;
    public long NextLocal { get; private set; } = NextLocal;
    public long Events { get; private set; } = Events;
    /// <summary>
    /// Where the component stopped: the window's end, or earlier when it sent its partner
    /// something. It has run every event of its own before this; the keeper refuses to route it
    /// anything earlier (that would be its past).
    /// </summary>
    public long RanTo { get; private set; } = RanTo;

    internal WindowDone Reuse(List<SimEvent> outgoing, long nextLocal, long events, long ranTo)
    {
        (Outgoing, NextLocal, Events, RanTo) = (outgoing, nextLocal, events, ranTo);
        return this;
    }
}

/// <summary>Asks the time keeper to run the simulation to <paramref name="End"/> (inclusive).</summary>
public sealed record RunTo(long End) : IActorGicMessage;

/// <summary>The time keeper's answer once every window up to the end has closed.</summary>
public sealed record RunFinished(long Windows, long Events, long ReachedNs, SimEvent[] Undelivered, long ComponentRuns = 0) : IActorGicMessage;

/// <summary>
/// A component or keeper failed (its handler threw: an internal error such as a causality
/// breach): the one line that names it, and the virtual time reached. It travels up to the
/// keeper that was asked to run (node keeper, root keeper, time keeper), which ends the run with
/// it instead of waiting forever for an answer that will never come.
/// </summary>
public sealed record RunFailed(long ReachedNs, string Reason) : IActorGicMessage;

/// <summary>Asks a component actor for what it still holds (events after the end).</summary>
public sealed record DrainLocal : IActorGicMessage
{
    public static readonly DrainLocal Instance = new();
}

public sealed record LocalDrained(int Component, SimEvent[] Remaining) : IActorGicMessage;

/// <summary>
/// Hands the time keeper events that a stepped run's sends created (each at or after the time the
/// run has reached); answered with <see cref="EventsInjected"/>. Only between RunTo's, and only in
/// one process: it never crosses the wire, so it is no <see cref="IActorGicMessage"/>.
/// </summary>
public sealed record InjectEvents(SimEvent[] Events);

public sealed record EventsInjected
{
    public static readonly EventsInjected Instance = new();
}
