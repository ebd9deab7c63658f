using System.Runtime.InteropServices;
using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// A shell around one component (a CPU, a redistributor or a distributor): it keeps the
/// component's own event queue, runs a window when the time keeper opens one, and returns what
/// the component sent to others. It never blocks and holds no rule of the architecture: the
/// rules live in the component. <see cref="CpuActor"/>, <see cref="RedistributorActor"/> and
/// <see cref="DistributorActor"/> are the three kinds.
/// </summary>
public abstract class ComponentActor : UntypedActor, IEventSink
{
    private readonly Component _component;
    private readonly EventQueue _local = new(16);
    private List<SimEvent>? _outgoing;
    private IActorRef? _self;
    /// <summary>This component's answer, reused window after window (see <see cref="RunWindow"/>).</summary>
    private WindowDone? _done;
    private int _partner = -1;
    private long _back;
    private long _end;

    protected ComponentActor(Component component)
    {
        _component = component;
        _component.Sink = this;
    }

    /// <summary>
    /// The actor for a component, on the simulation dispatcher. Made by a producer that calls the
    /// constructor itself: Props.Create(() => new ...) evaluates its expression and constructs by
    /// reflection for every actor, which at tens of thousands of components per node is much of
    /// the time a node takes to get ready.
    /// </summary>
    public static Props Props(Component component) =>
        Akka.Actor.Props.CreateBy(new Producer(component)).WithDispatcher("akka.actor.sim-dispatcher");

    private sealed class Producer(Component component) : IIndirectActorProducer
    {
        public Type ActorType { get; } = component switch
        {
            CpuComponent => typeof(CpuActor),
            RedistributorComponent => typeof(RedistributorActor),
            DistributorComponent => typeof(DistributorActor),
            ReclaimerComponent => typeof(SgiReclaimerActor),
            _ => throw new ArgumentException($"no actor for {component.GetType().Name}", nameof(component)),
        };

        public ActorBase Produce() => component switch
        {
            CpuComponent cpu => new CpuActor(cpu),
            RedistributorComponent redistributor => new RedistributorActor(redistributor),
            DistributorComponent distributor => new DistributorActor(distributor),
            _ => new SgiReclaimerActor((ReclaimerComponent)component),
        };

        public void Release(ActorBase actor) { }
    }

    public void Post(in SimEvent e)
    {
        if (e.Target == _component.Id) _local.Enqueue(e);
        else
        {
            if (_outgoing is null) Fail.SentOutsideWindow(_component.Id);
            _outgoing.Add(e);
            // The partner may answer this no earlier than its arrival plus the way back.
            if (e.Target == _partner && e.Time + _back < _end) _end = e.Time + _back;
        }
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunWindow window:
                try
                {
                    RunTheWindow(window);
                }
                catch (Exception e)
                {
                    // Never let Akka restart the actor: its queue and the component's state would be
                    // lost and the keeper would wait forever. The keeper ends the run with this line.
                    _outgoing = null;
                    var failure = RunAbortedException.ComponentFailed(_component, e);
                    (window.ReplyTo ?? Sender).Tell(new RunFailed(failure.ReachedNs, failure.Message), _self ??= Self);
                }
                break;
            case DrainLocal:
                Sender.Tell(new LocalDrained(_component.Id, _local.Drain()));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void RunTheWindow(RunWindow window)
    {
        foreach (ref readonly var e in CollectionsMarshal.AsSpan(window.Incoming)) _local.Enqueue(e);
        // The window's list comes back with what this component sends.
        _outgoing = window.Incoming;
        _outgoing.Clear();
        long events = 0;
        (_end, _partner, _back) = (window.End, window.Partner, window.Back);
        while (_local.PeekTime < _end)
        {
            ref readonly var next = ref _local.DequeueRef();
            Component.Dispatch(_component, next);
            events++;
        }
        _partner = -1;
        var outgoing = _outgoing;
        _outgoing = null; // handed on: a component sends only while it runs a window
        // Self once per actor, not per window: each lookup goes through the current-context thread static.
        var done = _done?.Reuse(outgoing!, _local.PeekTime, events, _end) ?? (_done = new WindowDone(_component.Id, outgoing!, _local.PeekTime, events, _end));
        (window.ReplyTo ?? Sender).Tell(done, _self ??= Self);
    }
}

/// <summary>One PE: PSTATE, the CPU interface registers and the handlers (a <see cref="CpuComponent"/>).</summary>
public sealed class CpuActor(CpuComponent cpu) : ComponentActor(cpu);

/// <summary>One PE's redistributor: the private SGI/PPI bank and its HPPI (a <see cref="RedistributorComponent"/>).</summary>
public sealed class RedistributorActor(RedistributorComponent redistributor) : ComponentActor(redistributor);

/// <summary>One chip's distributor: SGI routing and the chip-to-chip link (a <see cref="DistributorComponent"/>).</summary>
public sealed class DistributorActor(DistributorComponent distributor) : ComponentActor(distributor);

/// <summary>
/// The SGI reclaimer: the table of Non-secure SGIs and the negotiation that frees a slot (a
/// <see cref="ReclaimerComponent"/>). It runs in virtual time like every component, so a
/// negotiation is as deterministic as the IPIs it moves; in a cluster it lives on the
/// coordinator node, never as a migrating singleton.
/// </summary>
public sealed class SgiReclaimerActor(ReclaimerComponent reclaimer) : ComponentActor(reclaimer);
