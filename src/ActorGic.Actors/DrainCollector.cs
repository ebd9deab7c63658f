using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// Collects what a node's actors still hold after a run (<see cref="DrainLocal"/> to each
/// component, <see cref="DrainNode"/> to its keeper, each answered with <see cref="LocalDrained"/>)
/// with one actor, instead of an Ask each: an Ask is a temporary actor, a promise and a timer, and
/// at 16k components a node spent seconds on them. The events come back in component order, the
/// keeper's first.
/// </summary>
internal sealed class DrainCollector : UntypedActor
{
    private readonly IReadOnlyCollection<IActorRef> _components;
    private readonly IActorRef _keeper;
    private readonly TaskCompletionSource<SimEvent[]> _done;
    private readonly SortedDictionary<int, SimEvent[]> _drained = new();

    public DrainCollector(IReadOnlyCollection<IActorRef> components, IActorRef keeper, TaskCompletionSource<SimEvent[]> done) =>
        (_components, _keeper, _done) = (components, keeper, done);

    /// <summary>Drains <paramref name="components"/> and <paramref name="keeper"/>; the task ends with every answer.</summary>
    public static Task<SimEvent[]> Drain(IActorRefFactory factory, IReadOnlyCollection<IActorRef> components, IActorRef keeper)
    {
        var done = new TaskCompletionSource<SimEvent[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.ActorOf(Props.Create(() => new DrainCollector(components, keeper, done)));
        return done.Task;
    }

    protected override void PreStart()
    {
        foreach (var component in _components) component.Tell(DrainLocal.Instance, Self);
        _keeper.Tell(DrainNode.Instance, Self);
    }

    protected override void OnReceive(object message)
    {
        if (message is not LocalDrained drained)
        {
            Unhandled(message);
            return;
        }
        _drained[drained.Component] = drained.Remaining;
        if (_drained.Count < _components.Count + 1) return;
        _done.TrySetResult(_drained.Values.SelectMany(r => r).ToArray());
        Context.Stop(Self);
    }
}
