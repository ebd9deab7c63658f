namespace ActorGic.Engine;

/// <summary>Where a component's outgoing events go; each engine supplies its own.</summary>
public interface IEventSink
{
    void Post(in SimEvent e);
}

/// <summary>
/// A deterministic state machine of the simulation: (state, event, now) -> state', emitted
/// events with delays. The same objects run under the reference engine and inside actors.
/// </summary>
public abstract class Component
{
    private int _seq;

    protected Component(int id, TraceRecorder trace)
    {
        Id = id;
        Trace = trace;
    }

    public int Id { get; }
    public TraceRecorder Trace { get; }
    public long Now { get; private set; }
    public IEventSink Sink { get; set; } = NullSink.Instance;
    /// <summary>Test-only faults (see <see cref="FaultSeam"/>); null in every real run.</summary>
    internal FaultSeam? Faults { get; set; }

    /// <summary>How a one-line error names this component (<c>cpu 3</c>, <c>redistributor 3</c>, <c>distributor 0</c>).</summary>
    public virtual string Name => $"component {Id}";

    public void Deliver(in SimEvent e)
    {
        // Causality: a component never takes an event earlier than one it has already handled.
        // Both engines order events by (time, source, seq); an event from the past means a
        // latency, a horizon or a keeper is wrong, and the run would be silently reordered.
        if (e.Time < Now) Fail.Causality(this, e);
        Now = e.Time;
        Faults?.BeforeHandle(this, e);
        Handle(e);
    }

    protected abstract void Handle(in SimEvent e);

    /// <summary>
    /// Delivers <paramref name="e"/> to <paramref name="component"/> through a direct call for the
    /// sealed types that take nearly every event, so each engine's loop makes one predictable
    /// type test instead of one indirect call shared by every kind of component.
    /// </summary>
    public static void Dispatch(Component component, in SimEvent e)
    {
        if (component is CpuComponent cpu) cpu.Deliver(e);
        else if (component is RedistributorComponent redistributor) redistributor.Deliver(e);
        else component.Deliver(e);
    }

    protected void Send(int target, long delay, EventKind kind, int a = 0, int b = 0, long c = 0, long d = 0)
    {
        if (delay < 1) Fail.Delay(Id, delay);
        if (_seq == int.MaxValue) Fail.SeqExhausted(Id);
        var e = new SimEvent
        {
            Time = Now + delay,
            Target = target,
            Source = Id,
            Seq = _seq++,
            Kind = kind,
            A = a,
            B = b,
            C = c,
            D = d,
        };
        if (Faults is null) Sink.Post(e);
        else Faults.Send(this, e, Sink);
    }

    private sealed class NullSink : IEventSink
    {
        public static readonly NullSink Instance = new();
        public void Post(in SimEvent e) => throw new InvalidOperationException("component has no sink");
    }
}
