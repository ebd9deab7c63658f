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
    private readonly EventQueue _local = new(16);
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
        if (e.Target == _component.Id) _local.Enqueue(e);
        else _outgoing.Add(e);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunWindow window:
                foreach (var e in window.Incoming) _local.Enqueue(e);
                long events = 0;
                while (_local.PeekTime < window.End)
                {
                    ref readonly var next = ref _local.DequeueRef();
                    _component.Deliver(next);
                    events++;
                }
                var outgoing = _outgoing.Count == 0 ? Array.Empty<SimEvent>() : _outgoing.ToArray();
                _outgoing.Clear();
                long nextLocal = _local.PeekTime;
                Sender.Tell(new WindowDone(_component.Id, outgoing, nextLocal, events));
                break;
            case DrainLocal:
                Sender.Tell(new LocalDrained(_component.Id, _local.Drain()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
