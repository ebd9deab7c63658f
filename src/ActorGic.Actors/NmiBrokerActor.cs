using Akka.Actor;
using ActorGic.Kernel;

namespace ActorGic.Actors;

/// <summary>The NMI broker's protocol: registrations and what it knows of its users.</summary>
public sealed record RegisterNmiUser(string Name, int Priority, bool NeverReturns = false) : IActorGicMessage;
public sealed record UnregisterNmiUser(string Name) : IActorGicMessage;
public sealed record NmiUserRegistered(string Name, int Bit, int Priority) : IActorGicMessage;
public sealed record NmiUserUnregistered(string Name) : IActorGicMessage;
public sealed record NmiBrokerRefused(string Reason) : IActorGicMessage;
public sealed record GetNmiUsers : IActorGicMessage
{
    public static readonly GetNmiUsers Instance = new();
}
public sealed record NmiUsers(IReadOnlyList<NmiUser> Users, int Sgi) : IActorGicMessage;

/// <summary>
/// Owns the shared NMI SGI's registry: which users share it, their bits and priorities, its
/// capacity of 32. A shell around <see cref="NmiBroker"/>: a 33rd user or a duplicate name is
/// refused with the reason. It is deliberately not on the data path: senders set a user's bit
/// in the target's pending word and raise the SGI themselves, as ipi-mux does.
/// </summary>
public sealed class NmiBrokerActor : UntypedActor
{
    private readonly NmiBroker _broker;
    private readonly int _sgi;

    public NmiBrokerActor(NmiBroker broker, int sgi)
    {
        _broker = broker;
        _sgi = sgi;
    }

    public static Props Props(NmiBroker broker, int sgi) => Akka.Actor.Props.Create(() => new NmiBrokerActor(broker, sgi));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RegisterNmiUser r:
                try
                {
                    var user = _broker.Register(r.Name, r.Priority, r.NeverReturns);
                    Sender.Tell(new NmiUserRegistered(user.Name, user.Bit, user.Priority));
                }
                catch (NmiBrokerException e)
                {
                    Sender.Tell(new NmiBrokerRefused(e.Message));
                }
                break;
            case UnregisterNmiUser u:
                try
                {
                    _broker.Unregister(u.Name);
                    Sender.Tell(new NmiUserUnregistered(u.Name));
                }
                catch (NmiBrokerException e)
                {
                    Sender.Tell(new NmiBrokerRefused(e.Message));
                }
                break;
            case GetNmiUsers:
                Sender.Tell(new NmiUsers(_broker.Users.ToList(), _sgi));
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
