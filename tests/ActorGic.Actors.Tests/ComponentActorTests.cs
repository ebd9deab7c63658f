using Akka.Actor;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;
using ActorGic.Gic;

namespace ActorGic.Actors.Tests;

/// <summary>Each component actor's protocol: RunWindow in, WindowDone out, with exact events and times.</summary>
public class ComponentActorTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static readonly TimingModel T = TimingModel.Default;
    private readonly Simulation _sim = new(new ScenarioBuilder(cpus: 4).Build(end: 100_000), keepTrace: true);

    private IActorRef Spawn(int id) => Sys.ActorOf(ComponentActor.Props(_sim.Components[id]));

    [Fact]
    public void Redistributor_pends_a_set_pending_and_offers_its_hppi_to_its_cpu()
    {
        var redistributor = Spawn(_sim.Layout.RedistributorId(2));
        var setPending = new SimEvent
        {
            Time = 1_000,
            Target = _sim.Layout.RedistributorId(2),
            Source = _sim.Layout.DistributorId(0),
            Kind = EventKind.SetPending,
            A = 5,
            B = (int)InterruptGroup.Group1NonSecure,
            D = 900,
        };
        redistributor.Tell(new RunWindow(1_000, 1_020, [setPending]));
        var done = ExpectMsg<WindowDone>();
        Assert.Equal(_sim.Layout.RedistributorId(2), done.Component);
        Assert.Equal(1, done.Events);
        Assert.Equal(long.MaxValue, done.NextLocal);
        var offer = Assert.Single(done.Outgoing);
        Assert.Equal((EventKind.Offer, _sim.Layout.CpuId(2), 1_000 + T.RedistributorToCpu, 5, 0xA0 | (int)InterruptGroup.Group1NonSecure << 8),
            (offer.Kind, offer.Target, offer.Time, offer.A, offer.B));
    }

    [Fact]
    public void Cpu_takes_an_offer_through_its_own_timers_and_activates_at_the_redistributor()
    {
        var cpu = Spawn(_sim.Layout.CpuId(1));
        var offer = new SimEvent
        {
            Time = 2_000,
            Target = 1,
            Source = _sim.Layout.RedistributorId(1),
            Kind = EventKind.Offer,
            A = 3,
            B = 0xA0 | (int)InterruptGroup.Group1NonSecure << 8,
        };
        cpu.Tell(new RunWindow(2_000, 2_020, [offer]));
        var first = ExpectMsg<WindowDone>();
        Assert.Empty(first.Outgoing);
        Assert.Equal(2_000 + T.ExceptionEntry, first.NextLocal); // the exception entry is the CPU's own timer

        cpu.Tell(new RunWindow(first.NextLocal, first.NextLocal + 20, []));
        var second = ExpectMsg<WindowDone>();
        var activate = Assert.Single(second.Outgoing);
        Assert.Equal((EventKind.Activate, _sim.Layout.RedistributorId(1), 2_050 + T.CpuToRedistributor, 3, 2_050L),
            (activate.Kind, activate.Target, activate.Time, activate.A, activate.D));
        Assert.Equal(2_050 + T.Handler, second.NextLocal);
        Assert.Equal(1, _sim.Cpu(1).Acks[3]);
    }

    [Fact]
    public void Distributor_fans_a_write_out_to_each_target_redistributor()
    {
        var distributor = Spawn(_sim.Layout.DistributorId(0));
        ulong value = GicIpiSendMask.Compute(_sim.Layout.Topology, 6, [0, 3])[0];
        var write = new SimEvent
        {
            Time = 500,
            Target = _sim.Layout.DistributorId(0),
            Source = 1,
            Kind = EventKind.SgiWrite,
            A = 1,
            B = (int)InterruptGroup.Group1NonSecure,
            C = (long)value,
            D = 460,
        };
        distributor.Tell(new RunWindow(500, 520, [write]));
        var done = ExpectMsg<WindowDone>();
        Assert.Equal(
            [(_sim.Layout.RedistributorId(0), 540L, 6, 460L), (_sim.Layout.RedistributorId(3), 540L, 6, 460L)],
            done.Outgoing.Select(e => (e.Target, e.Time, e.A, e.D)));
        Assert.All(done.Outgoing, e => Assert.Equal(EventKind.SetPending, e.Kind));
    }

    [Fact]
    public void Events_at_or_after_the_window_end_wait_for_a_later_window()
    {
        var cpu = Spawn(_sim.Layout.CpuId(0));
        var late = new SimEvent { Time = 3_000, Target = 0, Source = SimEvent.ScenarioSource, Kind = EventKind.Offer, A = Intid.Spurious };
        cpu.Tell(new RunWindow(1_000, 1_020, [late]));
        var done = ExpectMsg<WindowDone>();
        Assert.Equal(0, done.Events);
        Assert.Equal(3_000, done.NextLocal);
        cpu.Tell(DrainLocal.Instance);
        Assert.Equal(3_000, Assert.Single(ExpectMsg<LocalDrained>().Remaining).Time);
    }
}

public class ActorKindTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    [Fact]
    public void Each_component_gets_the_actor_of_its_kind()
    {
        var sim = new Simulation(new ScenarioBuilder(cpus: 2).Build(end: 1_000), keepTrace: false);
        Assert.Equal(typeof(CpuActor), ComponentActor.Props(sim.Components[sim.Layout.CpuId(1)]).Type);
        Assert.Equal(typeof(RedistributorActor), ComponentActor.Props(sim.Components[sim.Layout.RedistributorId(1)]).Type);
        Assert.Equal(typeof(DistributorActor), ComponentActor.Props(sim.Components[sim.Layout.DistributorId(0)]).Type);
    }
}

/// <summary>The NMI broker actor's protocol.</summary>
public class NmiBrokerActorTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    [Fact]
    public void Registers_users_up_to_32_and_refuses_a_33rd_and_duplicates()
    {
        var broker = Sys.ActorOf(NmiBrokerActor.Props(new ActorGic.Kernel.NmiBroker(), sgi: 7));
        for (int i = 0; i < 32; i++)
        {
            broker.Tell(new RegisterNmiUser($"user-{i}", i));
            Assert.Equal(new NmiUserRegistered($"user-{i}", i, i), ExpectMsg<NmiUserRegistered>());
        }
        broker.Tell(new RegisterNmiUser("user-32", 1));
        Assert.Contains("at most 32 users", ExpectMsg<NmiBrokerRefused>().Reason);
        broker.Tell(new UnregisterNmiUser("user-3"));
        ExpectMsg<NmiUserUnregistered>();
        broker.Tell(new RegisterNmiUser("user-0", 1));
        Assert.Equal("NMI user user-0 is already registered", ExpectMsg<NmiBrokerRefused>().Reason);
        broker.Tell(GetNmiUsers.Instance);
        var users = ExpectMsg<NmiUsers>();
        Assert.Equal((31, 7), (users.Users.Count, users.Sgi));
    }
}
