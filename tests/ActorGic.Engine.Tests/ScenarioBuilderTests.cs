using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The builder writes a scenario file and the loader reads it: what the loader refuses in a file,
/// the builder refuses at Build, with the loader's one line naming the action by its position.
/// </summary>
public class ScenarioBuilderTests
{
    private static string Refused(ScenarioBuilder builder, long end = 100_000) =>
        Assert.Throws<ScenarioException>(() => builder.Build(end)).Message;

    private static ScenarioBuilder Linux(int cpus = 4) => new ScenarioBuilder(cpus).WithKernel("linux-6.12");

    [Fact]
    public void A_linux_builder_gives_the_scenario_its_text_gives_the_loader()
    {
        var builder = Linux(8).NmiUser("watchdog", 50).WithNmiMux()
            .Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [3])
            .Nmi(at: 2_000, cpu: 1, user: "watchdog", to: TargetSet.AllButSelf)
            .RequestSgi(at: 3_000, cpu: 2, purpose: "cpu-pause", nmi: true)
            .Ipi(at: 9_000, cpu: 2, ipi: "cpu-pause", to: [4])
            .ReleaseSgi(at: 20_000, cpu: 2, purpose: "cpu-pause")
            .Backtrace(at: 30_000, cpu: 0).KgdbRoundup(at: 40_000, cpu: 0).CrashStop(at: 60_000, cpu: 0);
        var scenario = builder.Build(100_000);
        Assert.Equal("linux-6.12", scenario.Profile);
        Assert.True(scenario.NmiMux);
        Assert.Equal([("watchdog", 50)], scenario.NmiUsers);
        Assert.Equal([("cpu-pause", true)], scenario.Purposes);
        Assert.Equal(ActionVerb.Ipi, scenario.Actions[3].Do);
        Assert.Equal(Owners.BootSlots, scenario.Actions[3].Owner); // the purpose's owner index, resolved by the loader
        Assert.Equal(0, scenario.Actions[0].Intid); // RESCHEDULE is SGI 0
        // The text is the scenario: saved as a file and loaded again, it gives the same actions.
        var again = ScenarioLoader.LoadText(builder.ToHocon(100_000));
        Assert.Equal(scenario.Actions.Select(a => a.ToString()), again.Actions.Select(a => a.ToString()));
    }

    [Fact]
    public void An_unknown_ipi_is_refused() =>
        Assert.Equal("scenario.actions[0].ipi: linux-6.12 has no IPI RESCHEDUAL (it has: RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, TIMER, IRQ_WORK, CPU_BACKTRACE, KGDB_ROUNDUP), and no request-sgi asks for a slot for it",
            Refused(Linux().Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDUAL", to: [1])));

    [Fact]
    public void An_ipi_its_kernel_flow_sends_is_refused() =>
        Assert.Equal("scenario.actions[0].ipi: CPU_STOP is sent by its kernel flow: use do = stop (smp_send_stop)",
            Refused(Linux().Ipi(at: 1_000, cpu: 0, ipi: "CPU_STOP", to: [1])));

    [Fact]
    public void Irq_work_to_another_cpu_is_refused() =>
        Assert.Equal("scenario.actions[0].to: IRQ_WORK is a self IPI (arch_irq_work_raise): to = self",
            Refused(Linux().Ipi(at: 1_000, cpu: 0, ipi: "IRQ_WORK", to: [1])));

    [Fact]
    public void An_ipi_under_profile_none_is_refused() =>
        Assert.Equal("scenario.actions[0].ipi: profile none has no IPIs: use do = sgi, or a Linux profile",
            Refused(new ScenarioBuilder(cpus: 2).Ipi(at: 1_000, cpu: 0, ipi: "RESCHEDULE", to: [1])));

    [Fact]
    public void An_unknown_profile_is_refused() =>
        Assert.Equal("scenario.kernel.profile: unknown profile \"linux-5.4\" (known: none, linux-6.1, linux-6.7, linux-6.12)",
            Refused(new ScenarioBuilder(cpus: 2).WithKernel("linux-5.4")));

    [Fact]
    public void An_nmi_of_an_undeclared_user_is_refused() =>
        Assert.Equal("scenario.actions[0].user: no NMI user watchdog (built in: backtrace, kgdb-roundup, cpu-stop; declare others in nmi-users)",
            Refused(Linux().Nmi(at: 1_000, cpu: 0, user: "watchdog", to: [1])));

    [Fact]
    public void A_duplicate_nmi_user_is_refused() =>
        Assert.StartsWith("scenario.nmi-users: ",
            Refused(Linux().NmiUser("watchdog", 5).NmiUser("watchdog", 6)));

    [Fact]
    public void A_reclaim_request_under_profile_none_is_refused() =>
        Assert.Equal("scenario.actions[0].do: request-sgi asks the SGI reclaimer, which owns Linux's SGI table: it needs a Linux kernel profile, not none",
            Refused(new ScenarioBuilder(cpus: 2).RequestSgi(at: 1_000, cpu: 0, purpose: "cpu-pause")));

    [Fact]
    public void An_nmi_slot_without_nmis_is_refused() =>
        Assert.Equal("scenario.actions[0].nmi: gic.nmi = none: no SGI can be an NMI (request_percpu_nmi fails)",
            Refused(Linux().WithGic(new GicOptions { Nmi = NmiMode.None }).RequestSgi(at: 1_000, cpu: 0, purpose: "cpu-pause", nmi: true)));

    [Fact]
    public void A_release_without_a_request_is_refused() =>
        Assert.Equal("scenario.actions[0].purpose: no request-sgi asks for a slot for cpu-pause, so there is nothing to release",
            Refused(Linux().ReleaseSgi(at: 1_000, cpu: 0, purpose: "cpu-pause")));

    [Fact]
    public void A_purpose_named_after_an_ipi_is_refused() =>
        Assert.Equal("scenario.actions[0].purpose: TIMER is an IPI of linux-6.12: it already has its SGI; name the new purpose",
            Refused(Linux().RequestSgi(at: 1_000, cpu: 0, purpose: "TIMER")));

    [Fact]
    public void An_action_after_the_end_is_refused() =>
        Assert.Equal("scenario.actions[0].at: 200000ns is after the scenario's end (100000ns)",
            Refused(Linux().Stop(at: 200_000, cpu: 0)));

    [Fact]
    public void A_cpu_that_does_not_exist_is_refused() =>
        Assert.Equal("scenario.actions[1].cpu: CPU 4 does not exist (cpus = 4)",
            Refused(Linux().Hang(at: 0, cpu: 1).Backtrace(at: 1_000, cpu: 4)));

    [Fact]
    public void An_empty_target_list_is_refused()
    {
        Assert.Equal("scenario.actions[0].to: empty CPU list", Refused(new ScenarioBuilder(cpus: 2).Sgi(at: 1_000, cpu: 0, intid: 1)));
        Assert.Equal("scenario.actions[1].cpus: empty CPU list",
            Refused(new ScenarioBuilder(cpus: 2).Hang(at: 0, cpu: 1).Traffic(at: 0, intid: 1, rate: 1_000, until: 10_000, cpus: TargetSet.List([]))));
    }

    [Fact]
    public void A_name_cannot_break_out_of_its_string()
    {
        // A quote and a brace in a user's name stay in the name: the loader then refuses the unknown user, not the file's syntax.
        var message = Refused(Linux().Nmi(at: 1_000, cpu: 0, user: "x\" } ] }", to: [1]));
        Assert.Equal("scenario.actions[0].user: no NMI user x\" } ] } (built in: backtrace, kgdb-roundup, cpu-stop; declare others in nmi-users)", message);
    }

    [Fact]
    public void A_clone_is_independent_of_its_original()
    {
        var original = new ScenarioBuilder(cpus: 2).Sgi(at: 1_000, cpu: 0, intid: 1, to: [1]);
        var copy = original.Clone().Sgi(at: 2_000, cpu: 0, intid: 2, to: [1]).NmiUser("x");
        Assert.Single(original.Actions);
        Assert.Equal(2, copy.Actions.Count);
        Assert.DoesNotContain("nmi-users", original.ToHocon(10_000));
    }
}
