namespace ActorGic.Engine;

/// <summary>How far a run got, what was still in flight, and (actor engine) how many windows and component runs it took.</summary>
public sealed record RunOutcome(long ReachedNs, long Events, IReadOnlyList<SimEvent> InFlight, bool Complete = true, long Windows = 0, long ComponentRuns = 0);

/// <summary>
/// The reference engine: every component's events from one priority queue ordered by
/// (time, source, seq). Each component therefore sees its events in that order, exactly as in
/// the actor engine: the two must give the same digest.
/// </summary>
public sealed class ReferenceEngine : IEventSink
{
    private readonly WheelQueue _queue = new(1024);
    private readonly Simulation _simulation;

    public ReferenceEngine(Simulation simulation)
    {
        _simulation = simulation;
        foreach (var component in simulation.Components) component.Sink = this;
        foreach (var e in simulation.InitialEvents()) Post(e);
    }

    public void Post(in SimEvent e) => _queue.Enqueue(e);

    /// <summary>
    /// Runs every event at or before <paramref name="end"/>; <paramref name="progress"/> gets the
    /// virtual time reached. <paramref name="cancel"/> is looked at every 65,536 events: once it is
    /// cancelled the run stops with <see cref="RunInterruptedException"/>.
    /// </summary>
    public RunOutcome Run(long end, Action<long>? progress = null, CancellationToken cancel = default)
    {
        long events = 0;
        while (_queue.PeekTime <= end)
        {
            if (cancel.IsCancellationRequested) throw new RunInterruptedException(_queue.PeekTime, end);
            events += RunSome(end, ProgressEvery, out long reached);
            progress?.Invoke(reached);
        }
        return new RunOutcome(end, events, _queue.Drain());
    }

    private const int ProgressEvery = 1 << 16;

    /// <summary>
    /// Runs up to <paramref name="budget"/> events at or before <paramref name="end"/>. A run calls
    /// it once per 65,536 events, so the runtime compiles the loop as an ordinary method with its
    /// measured profile, not only as the on-stack replacement of a method entered once.
    /// </summary>
    private long RunSome(long end, int budget, out long reached)
    {
        var components = _simulation.Components;
        reached = 0;
        long events = 0;
        int target = 0;
        try
        {
            while (events < budget && _queue.PeekTime <= end)
            {
                ref readonly var e = ref _queue.DequeueRef();
                target = e.Target;
                Component.Dispatch(components[target], e);
                reached = e.Time;
                events++;
            }
        }
        catch (Exception ex)
        {
            throw RunAbortedException.ComponentFailed(components[target], ex);
        }
        return events;
    }
}
