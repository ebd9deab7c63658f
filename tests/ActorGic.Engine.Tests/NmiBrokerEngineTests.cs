using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>The NMI broker on the engine: the shared SGI, its data path, dispatch order, and the SGIs it frees.</summary>
public class NmiBrokerEngineTests
{
    [Fact]
    public void Nmi_mux_on_linux_6_12_turns_three_nmi_sgis_into_one_and_frees_two()
    {
        var report = TestRuns.File("nmi-mux-four-users.conf");
        Assert.Equal(new SgiTableRow(3, "nmi-broker", true, "nmi-mux") { Carries = "backtrace,kgdb-roundup,cpu-stop,cpu-pause" }, report.SgiTable[3]);
        Assert.Equal([6, 7], report.SgiTable.Where(r => r.Mode == "free").Select(r => r.Sgi));
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        Assert.All(report.PerNmiUser.Values, u => Assert.Equal(0, u.Lost));
        // The hung CPU got every user's request, and cpu-stop parked it after the others ran.
        Assert.Equal(new Dictionary<string, long> { ["backtrace"] = 1, ["kgdb-roundup"] = 1, ["cpu-stop"] = 1, ["cpu-pause"] = 2 },
            report.PerCpu[5].NmiUsers);
        Assert.Equal("cpu-stop", report.PerCpu[5].StoppedBy);
        Assert.Empty(report.Flows.BacktraceMissing);
        Assert.Empty(report.Flows.KgdbMissing);
        Assert.Empty(report.Flows.NotStopped);
        Assert.Equal(new IpiCounts(4, 4, 4, 0, 0), report.PerNmiUser["cpu-pause"]);
    }

    [Fact]
    public void Linux_6_1_gives_the_last_free_sgi_to_a_new_nmi_user_at_once()
    {
        var report = TestRuns.File("new-nmi-user-6.1.conf");
        Assert.Equal(new SgiTableRow(7, "nmi-broker", true, "nmi-mux") { Carries = "backtrace,kgdb-roundup,cpu-stop,cpu-pause" }, report.SgiTable[7]);
        Assert.Equal(new IpiCounts(7, 7, 7, 0, 0), report.PerNmiUser["cpu-pause"]);
        Assert.Equal(1, report.PerCpu[3].NmiUsers["cpu-pause"]); // hung, and still paused: the broker's SGI is an NMI
        Assert.Equal(1, report.Totals.SgiWrites);
    }

    [Fact]
    public void A_request_whose_bit_is_already_set_sends_no_sgi_and_is_served_by_the_pending_run()
    {
        // CPU 1 is masked without pseudo-NMI: the first request sets the bit and sends; the second
        // finds the bit set and sends nothing; one handler run serves both.
        var report = TestRuns.Hocon("""
            scenario { end = 50us
              topology { cpus = 4 }
              gic { nmi = none }
              kernel { profile = linux-6.12, nmi-mux = on }
              nmi-users = [ { name = probe, priority = 1 } ]
              actions = [
                { at = 1us, cpu = 1, do = irq-off, for = 10us }
                { at = 2us, cpu = 0, do = nmi, user = probe, to = [1] }
                { at = 3us, cpu = 2, do = nmi, user = probe, to = [1] }
              ] }
            """);
        Assert.Equal(new IpiCounts(2, 1, 2, 0, 0), report.PerNmiUser["probe"]);
        Assert.Equal(1, report.PerCpu[1].NmiUsers["probe"]);
        Assert.Equal(1, report.Totals.SgiWrites);
    }

    [Fact]
    public void The_sgi_is_written_only_after_the_fetch_or_returns()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 50us
              topology { cpus = 2 }
              kernel { profile = linux-6.12, nmi-mux = on }
              nmi-users = [ { name = probe, priority = 1 } ]
              timing { ipi-handlers { probe = 1us } }
              actions = [ { at = 1us, cpu = 0, do = nmi, user = probe, to = [1] } ] }
            """);
        var t = TimingModel.Default;
        long latency = 2 * t.RemoteAtomic + t.CpuToDistributor + t.DistributorToRedistributor + t.RedistributorToCpu + t.ExceptionEntry;
        Assert.Equal(latency, report.LatencyNs["nmi:probe"].Max);
    }

    [Theory]
    [InlineData("kernel { profile = linux-6.12 }\n reclaim.owners { TIMER = pinned, IRQ_WORK = refuses }\n nmi-users = [ { name = x, priority = 1 } ]", "scenario.nmi-users: no SGI for the NMI broker: linux-6.12 uses all 8")]
    [InlineData("kernel { profile = linux-6.12, nmi-mux = on }\n nmi-users = [ { name = backtrace, priority = 1 } ]", "scenario.nmi-users: NMI user backtrace is already registered")]
    [InlineData("kernel { profile = linux-6.1, nmi-mux = on }", "scenario.kernel.nmi-mux: linux-6.1 has no NMI IPI for the broker to absorb")]
    [InlineData("kernel { profile = linux-6.12, nmi-mux = on }\n actions = [ { at = 1us, cpu = 0, do = nmi, user = nobody, to = [1] } ]", "scenario.actions[0].user: no NMI user nobody")]
    public void Broker_configurations_that_cannot_work_are_refused(string body, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText($"scenario {{ end = 10us\n {body} }}"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Broker_user_traffic_loses_nothing_and_pays_the_fetch_or_round_trip()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 210us
              seed = 4
              topology { cpus = 16 }
              kernel { profile = linux-6.12, nmi-mux = on }
              nmi-users = [ { name = probe, priority = 1 } ]
              actions = [ { at = 0us, cpu = 0, do = traffic, user = probe, rate = 200000, cpus = all, until = 200us } ] }
            """);
        var probe = report.PerNmiUser["probe"];
        Assert.True(probe.Requested > 500);
        Assert.Equal(probe.Requested, probe.Handled + probe.Pending);
        Assert.Equal(0, probe.Lost);
        var t = TimingModel.Default;
        Assert.Equal(2 * t.RemoteAtomic + t.CpuToDistributor + t.DistributorToRedistributor + t.RedistributorToCpu + t.ExceptionEntry,
            report.LatencyNs["nmi:probe"].P50);
    }

    [Fact]
    public void One_handler_run_dispatches_every_claimed_user_by_priority_and_cpu_stop_last()
    {
        // CPU 1 masks IRQs (no pseudo-NMI, so the broker's SGI waits); three users' requests pile up
        // as bits in its word behind one SGI. cpu-pause has priority 50, cpu-stop 30: cpu-stop still
        // runs last because it never returns.
        var scenario = ScenarioLoader.LoadText("""
            scenario { end = 50us
              topology { cpus = 4 }
              gic { nmi = none }
              kernel { profile = linux-6.12, nmi-mux = on }
              nmi-users = [ { name = cpu-pause, priority = 50 } ]
              actions = [
                { at = 1us, cpu = 1, do = irq-off, for = 10us }
                { at = 2us, cpu = 0, do = nmi, user = cpu-stop, to = [1] }
                { at = 3us, cpu = 2, do = nmi, user = cpu-pause, to = [1] }
                { at = 4us, cpu = 3, do = backtrace, to = [1] }
              ] }
            """);
        var (sim, report) = TestRuns.Reference(scenario, keepTrace: true);
        var names = sim.Mux!.Broker.Users.ToDictionary(u => u.Bit, u => u.Name);
        var dispatched = sim.Components.SelectMany(c => c.Trace.Events)
            .Where(e => e.Kind == TraceKind.NmiDispatch).OrderBy(e => e.Seq).Select(e => names[(int)e.Value]).ToList();
        Assert.Equal(["backtrace", "cpu-pause", "cpu-stop"], dispatched);
        Assert.Equal("cpu-stop", report.PerCpu[1].StoppedBy);
        Assert.True(report.PerCpu[1].Backtrace);
        // Each user's bit was clear, so each request wrote the SGI; the latch coalesced two of the three
        // and one handler run served all of them.
        Assert.Equal((3, 2, 1), (report.Totals.SgiWrites, report.Totals.Coalesced, report.PerCpu[1].Acks[3]));
        Assert.All(report.PerNmiUser.Values, u => Assert.Equal(0, u.Lost));
    }

    [Fact]
    public void Thirty_three_users_are_refused()
    {
        var users = string.Join(", ", Enumerable.Range(0, 30).Select(i => $"{{ name = u{i}, priority = {i} }}"));
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.LoadText(
            $"scenario {{ end = 10us\n kernel {{ profile = linux-6.12, nmi-mux = on }}\n nmi-users = [ {users} ] }}"));
        Assert.Equal("scenario.nmi-users: NMI user u29 refused: the shared NMI SGI carries at most 32 users, all taken", e.Message);
    }
    private static readonly string BrokerAtBoot612 = """
        scenario { end = 20us
          topology { cpus = 4 }
          kernel { profile = linux-6.12 }
          nmi-users = [ { name = cpu-pause, priority = 5 } ]
          actions = [ { at = 1us, cpu = 1, do = nmi, user = cpu-pause, to = [2] } ] }
        """;

    private static string TraceLines(Simulation sim, IEnumerable<TraceEvent> events)
    {
        using var stream = new MemoryStream();
        ReportJson.WriteTrace(events, stream, sim.Owners, sim.Mux);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void The_brokers_slot_taken_at_boot_is_one_reclaim_event_of_cpu_0_at_t_0_naming_the_moved_ipi()
    {
        // linux-6.12 has no free SGI: IRQ_WORK moves onto CALL_FUNC's SGI at boot and the broker takes SGI 5.
        var report = TestRuns.Hocon(BrokerAtBoot612, keepTrace: true, out var sim);
        var reclaims = sim.Components.SelectMany(c => c.Trace.Events).Where(e => e.Kind == TraceKind.Reclaim).ToList();
        var boot = Assert.Single(reclaims);
        Assert.Equal(new TraceEvent(T: 0, Cpu: 0, Component: 0, Seq: 0, TraceKind.Reclaim, Intid: 5, Value: (long)ReclaimPhase.Boot,
            Extra: sim.Owners.IndexOf("IRQ_WORK") + 1), boot);
        Assert.Equal("""{"t":0,"cpu":0,"ev":"reclaim","intid":5,"phase":"boot","purpose":"nmi-broker","owner":"IRQ_WORK"}""" + "\n",
            TraceLines(sim, [boot]));
        // The report's boot entry says the same.
        var entry = Assert.Single(report.Reclaims);
        Assert.Equal(("boot", 0L, 0L, 5, "IRQ_WORK"), (entry.Op, entry.AtNs, entry.DoneNs, entry.Sgi, entry.Victim));
    }

    [Theory]
    [InlineData("linux-6.1", "nmi-users = [ { name = cpu-pause, priority = 5 } ]", 7)] // SGI 7 was free: nothing moved
    [InlineData("linux-6.12", "kernel.nmi-mux = on", 3)]                              // the era's NMI IPIs absorbed: nothing moved
    public void A_boot_slot_that_moved_no_ipi_is_a_boot_event_without_an_owner(string profile, string broker, int sgi)
    {
        TestRuns.Hocon($$"""
            scenario { end = 5us
              topology { cpus = 2 }
              kernel { profile = {{profile}} }
              {{broker}} }
            """, keepTrace: true, out var sim);
        var boot = Assert.Single(sim.Components.SelectMany(c => c.Trace.Events), e => e.Kind == TraceKind.Reclaim);
        Assert.Equal((0L, 0, 0, sgi, (long)ReclaimPhase.Boot, 0), (boot.T, boot.Cpu, boot.Component, boot.Intid, boot.Value, boot.Extra));
        Assert.Equal($$"""{"t":0,"cpu":0,"ev":"reclaim","intid":{{sgi}},"phase":"boot","purpose":"nmi-broker"}""" + "\n", TraceLines(sim, [boot]));
    }

    [Fact]
    public void Without_a_broker_there_is_no_boot_move_and_no_reclaim_event()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 20us
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              actions = [ { at = 1us, cpu = 1, do = backtrace, to = [2] } ] }
            """, keepTrace: true, out var sim);
        Assert.Empty(report.Reclaims);
        Assert.DoesNotContain(sim.Components.SelectMany(c => c.Trace.Events), e => e.Kind == TraceKind.Reclaim);
    }

    [Fact]
    public void The_boot_event_is_in_cpu_0s_chain_which_the_digest_covers()
    {
        // CPU 0 does nothing else here, so its chain holds the boot event alone; the digest is built from the chains.
        var (sim, _) = TestRuns.Reference(ScenarioLoader.LoadText(BrokerAtBoot612), keepTrace: false);
        var chain = Assert.Single(RunFacts.Of(sim).Chains, c => c.Component == 0);
        Assert.Equal(1, chain.Count);
        var (plain, _) = TestRuns.Reference(ScenarioLoader.LoadText(BrokerAtBoot612
            .Replace("nmi-users = [ { name = cpu-pause, priority = 5 } ]", "")
            .Replace("actions = [ { at = 1us, cpu = 1, do = nmi, user = cpu-pause, to = [2] } ]", "")), keepTrace: false);
        Assert.Equal(0, Assert.Single(RunFacts.Of(plain).Chains, c => c.Component == 0).Count);
    }
}
