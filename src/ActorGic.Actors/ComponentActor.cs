using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// A shell around one component (a CPU, a redistributor or a distributor): it keeps the
/// component's own event queue, runs a window when the time keeper opens one, and returns what
/// the component sent to others. It never blocks and holds no rule of the architecture.
/// </summary>
public sealed class ComponentActor : UntypedActor, IEventSink
{
    private readonly Component _component;
    private readonly PriorityQueue<SimEvent, SimEvent> _local = new(SimEventOrder.Instance);
    private readonly List<SimEvent> _outgoing = new();

    public ComponentActor(Component component)
    {
        _component = component;
        _component.Sink = this;
    }

    public static Props Props(Component component) =>
        Akka.Actor.Props.Create(() => new ComponentActor(component)).WithDispatcher("akka.actor.sim-dispatcher");

    public void Post(in SimEvent e)
    {
        if (e.Target == _component.Id) _local.Enqueue(e, e);
        else _outgoing.Add(e);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunWindow window:
                foreach (var e in window.Incoming) _local.Enqueue(e, e);
                long events = 0;
                while (_local.TryPeek(out var next, out _) && next.Time < window.End)
                {
                    _local.Dequeue();
                    _component.Deliver(next);
                    events++;
                }
                var outgoing = _outgoing.Count == 0 ? Array.Empty<SimEvent>() : _outgoing.ToArray();
                _outgoing.Clear();
                long nextLocal = _local.TryPeek(out var head, out _) ? head.Time : long.MaxValue;
                Sender.Tell(new WindowDone(_component.Id, outgoing, nextLocal, events));
                break;
            case DrainLocal:
                var rest = new SimEvent[_local.Count];
                for (int i = 0; _local.TryDequeue(out var e, out _); i++) rest[i] = e;
                Sender.Tell(new LocalDrained(_component.Id, rest));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
