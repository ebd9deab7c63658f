using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>Marker for every message of the engine protocol (the serializer binds to it in a cluster).</summary>
public interface IActorGicMessage;

/// <summary>
/// The time keeper opens a window [Start, End) for one component and hands it the events that
/// arrived for it. The component runs every event before End, its own timers included, and
/// (when <paramref name="Partner"/> is a component) before the first event it sends the partner
/// arrives there plus <paramref name="Back"/>, the partner's latency back to it.
/// The list changes hands: the component refills it with what it sends and returns it in its
/// <see cref="WindowDone"/>, so a window allocates no event storage (in one process the keeper
/// reuses it; across processes each side deserializes its own).
/// </summary>
public sealed record RunWindow(long Start, long End, List<SimEvent> Incoming, int Partner = -1, long Back = 0) : IActorGicMessage;

/// <summary>
/// A component's answer: the events it sent to other components (they land at or after End,
/// because every hop is at least the lookahead) and the time of its next own event.
/// </summary>
public sealed record WindowDone(int Component, List<SimEvent> Outgoing, long NextLocal, long Events) : IActorGicMessage;

/// <summary>Asks the time keeper to run the simulation to <paramref name="End"/> (inclusive).</summary>
public sealed record RunTo(long End) : IActorGicMessage;

/// <summary>The time keeper's answer once every window up to the end has closed.</summary>
public sealed record RunFinished(long Windows, long Events, long ReachedNs, SimEvent[] Undelivered, long ComponentRuns = 0) : IActorGicMessage;

/// <summary>Asks a component actor for what it still holds (events after the end).</summary>
public sealed record DrainLocal : IActorGicMessage
{
    public static readonly DrainLocal Instance = new();
}

public sealed record LocalDrained(int Component, SimEvent[] Remaining) : IActorGicMessage;
