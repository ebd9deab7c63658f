using ActorGic.Scenarios;

namespace ActorGic.Engine.Tests;

/// <summary>
/// The SGI reclaimer: slots granted free or negotiated, victims moved without a lost or
/// misrouted IPI, bounded drains and setups that fail over or fail with a reason, releases that
/// promote, and the exact virtual time each negotiation takes.
/// </summary>
public class ReclaimerTests
{
    private static readonly TimingModel T = TimingModel.Default;

    /// <summary>
    /// One round of the reclaimer over N CPUs: it issues an access per CPU one after another
    /// (<paramref name="spacing"/> apart), each travels RemoteAtomic, and the last answer comes back
    /// over <paramref name="back"/>.
    /// </summary>
    private static long Round(int cpus, long spacing, long back) => T.RemoteAtomic + (cpus - 1) * spacing + back;

    /// <summary>A slot's reprogram: five MMIO writes per redistributor, one redistributor after another.</summary>
    private static long Reprogram(int cpus) => Round(cpus, TimingModel.SlotRegisterWrites * T.MmioWrite, T.CpuToRedistributor);

    private static void AssertClean(RunReport report)
    {
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        Assert.Equal(0, report.Totals.Lost);
        Assert.All(report.PerIpi.Values, c => Assert.Equal(0, c.Lost));
        Assert.All(report.PerNmiUser.Values, c => Assert.Equal(0, c.Lost));
    }

    [Fact]
    public void Linux_6_12_ninth_nmi_ipi_is_obtained_by_moving_the_least_used_owner_onto_call_func()
    {
        var report = TestRuns.File("reclaim-ninth-nmi-6.12.conf");
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal(("granted", 5, "IRQ_WORK", "ipi-mux"), (r.Outcome, r.Sgi, r.Victim, r.VictimMode));
        Assert.Equal(new SgiTableRow(5, "cpu-pause", true, "dedicated"), report.SgiTable[5]);
        Assert.Equal(new SgiTableRow(1, "CALL_FUNC", false, "ipi-mux") { Carries = "IRQ_WORK" }, report.SgiTable[1]);
        Assert.Equal("ipi-mux", report.IpiModes["IRQ_WORK"]);
        // Survey, switch + fence through the distributor, the margin for writes crossing a chip,
        // drain, MMIO reprogram, handler install: nothing else, nothing waited for in wall time.
        const int cpus = 16;
        long expected = Round(cpus, T.ReclaimIssue, T.RemoteAtomic)                 // survey
            + Round(cpus, T.ReclaimIssue, T.CpuToDistributor + T.RemoteAtomic)     // switch, fence through the distributor
            + (T.ChipToChip + T.DistributorToRedistributor + 1)                    // margin for writes crossing a chip
            + Round(cpus, T.ReclaimIssue, T.CpuToRedistributor)                    // drain
            + Reprogram(cpus)
            + Round(cpus, T.ReclaimIssue, T.RemoteAtomic);                         // install
        Assert.Equal(expected, r.DoneNs - r.AtNs);
        // CPU 5 is hung with IRQs masked and still takes the new NMI; the send before the grant was refused, not lost.
        Assert.Equal(1, report.PerCpu[5].Ipis["cpu-pause"]);
        Assert.Equal(new IpiCounts(15, 15, 15, 0, 0) { Refused = 1 }, report.PerIpi["cpu-pause"]);
    }

    [Fact]
    public void Linux_6_1_spare_sgi_is_granted_at_once_as_an_nmi()
    {
        var report = TestRuns.File("reclaim-new-nmi-6.1.conf");
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal(("granted", 7, (string?)null), (r.Outcome, r.Sgi, r.Victim));
        Assert.Equal(Reprogram(8) + Round(8, T.ReclaimIssue, T.RemoteAtomic), r.DoneNs - r.AtNs);
        Assert.Equal(new SgiTableRow(7, "cpu-pause", true, "dedicated"), report.SgiTable[7]);
        Assert.Equal(1, report.PerCpu[2].Ipis["cpu-pause"]); // hung: the NMI gets in
        Assert.Equal([2], report.Flows.BacktraceMissing); // linux-6.1's backtrace (a function call) still does not
    }

    [Fact]
    public void A_request_nobody_can_satisfy_fails_with_the_reason_and_leaves_the_table_unchanged()
    {
        var report = TestRuns.File("reclaim-refused-6.12.conf");
        var withoutRequest = TestRuns.File("reclaim-refused-6.12.conf",
            s => s with { Actions = s.Actions.Where(a => a.Do is not (ActionVerb.RequestSgi or ActionVerb.Ipi)).ToList() });
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal("failed", r.Outcome);
        Assert.StartsWith("no owner gave its SGI up: TIMER (SGI 4, ", r.Reason);
        Assert.Contains("refused; not asked (pinned, or no path to move to): RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, IRQ_WORK, CPU_BACKTRACE, KGDB_ROUNDUP", r.Reason);
        Assert.Equal(withoutRequest.SgiTable, report.SgiTable);
        Assert.All(report.PerIpi, p => Assert.Equal(p.Key == "cpu-pause" ? "none" : "dedicated", report.IpiModes[p.Key]));
        Assert.Equal(new IpiCounts(0, 0, 0, 0, 0) { Refused = 7 }, report.PerIpi["cpu-pause"]);
    }

    [Fact]
    public void A_drain_a_hung_cpu_stalls_is_bounded_rolled_back_and_the_next_owner_is_asked()
    {
        var report = TestRuns.File("reclaim-drain-hung-6.12.conf");
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal(("granted", 5, "IRQ_WORK"), (r.Outcome, r.Sgi, r.Victim));
        Assert.Equal(
            ["TIMER (SGI 4, 1 sent): accepted, ipi-mux",
             "TIMER: the drain of SGI 4 did not finish within 50000ns: CPU 6 still held it pending or active",
             "IRQ_WORK (SGI 5, 2 sent): accepted, ipi-mux"], r.Asked);
        Assert.True(r.DoneNs - r.AtNs > 50_000);
        // TIMER went back to its own SGI; the request stuck on the hung CPU is pending, not lost.
        Assert.Equal("dedicated", report.IpiModes["TIMER"]);
        Assert.Equal(new SgiTableRow(4, "TIMER", false, "dedicated"), report.SgiTable[4]);
        Assert.Equal(1, report.PerIpi["TIMER"].Pending);
    }

    /// <summary>Each undone attempt is in the report with its slot, whose the slot stayed, and when: the timeline draws it from there.</summary>
    [Theory]
    [InlineData("reclaim-drain-hung-6.12.conf", 4, "TIMER", 20_215L, 70_751L, "drain")]   // from the switch to the drain's time out
    [InlineData("reclaim-per-cpu-hung-6.12.conf", 5, "IRQ_WORK", 10_215L, 110_866L, "setup")] // to the end of the setup's rollback
    public void An_attempt_rolled_back_is_in_the_report_with_its_slot_and_times(string file, int sgi, string owner, long from, long to, string step)
    {
        var report = TestRuns.File(file);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal([new RolledBackAttempt(sgi, owner, from, to, step)], r.RolledBack);
    }

    [Fact]
    public void A_reclaim_in_the_middle_of_a_64_cpu_storm_moves_a_busy_ipi_without_losing_or_misrouting_one()
    {
        var report = TestRuns.File("reclaim-storm-64.conf");
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal(("granted", 4, "TIMER", "ipi-mux"), (r.Outcome, r.Sgi, r.Victim, r.VictimMode));
        var timer = report.PerIpi["TIMER"];
        Assert.True(timer.Requested > 5_000, $"{timer.Requested} TIMER requests");
        Assert.Equal(timer.Requested, timer.Handled + timer.Pending);
        Assert.True(report.LatencyNs["TIMER/dedicated"].Count > 1_000);
        Assert.True(report.LatencyNs["TIMER/ipi-mux"].Count > 1_000);
        Assert.Equal(report.LatencyNs["TIMER"].Count, report.LatencyNs["TIMER/dedicated"].Count + report.LatencyNs["TIMER/ipi-mux"].Count);
        Assert.Equal(63, report.PerIpi["cpu-pause"].Handled);
    }

    [Fact]
    public void Release_disables_the_slot_and_promotes_the_hottest_muxed_ipi_back()
    {
        var report = TestRuns.File("reclaim-release-promote-6.12.conf");
        AssertClean(report);
        Assert.Equal(2, report.Reclaims.Count);
        var (grant, release) = (report.Reclaims[0], report.Reclaims[1]);
        Assert.Equal(("granted", 4, "TIMER"), (grant.Outcome, grant.Sgi, grant.Victim));
        Assert.Equal(("released", 4), (release.Outcome, release.Sgi));
        Assert.StartsWith("TIMER onto SGI 4", release.Promoted);
        Assert.Equal(new SgiTableRow(4, "TIMER", false, "dedicated"), report.SgiTable[4]);
        Assert.Equal("none", report.IpiModes["cpu-pause"]);
        Assert.Equal(1, report.PerIpi["cpu-pause"].Refused); // sent after the release
        Assert.Equal(report.LatencyNs["TIMER"].Count, report.LatencyNs["TIMER/dedicated"].Count + report.LatencyNs["TIMER/ipi-mux"].Count);
        Assert.All(report.Reclaims, r => Assert.Empty(r.RolledBack)); // nothing was undone
    }

    [Fact]
    public void Linux_per_cpu_setup_cannot_pass_a_hung_cpu_but_the_mmio_frame_can()
    {
        var perCpu = TestRuns.File("reclaim-per-cpu-hung-6.12.conf");
        AssertClean(perCpu);
        var failed = Assert.Single(perCpu.Reclaims);
        Assert.Equal("failed", failed.Outcome);
        Assert.StartsWith("CPU 3 did not run its own setup of SGI 5 within 50000ns", failed.Reason);
        Assert.Equal(new SgiTableRow(5, "IRQ_WORK", false, "dedicated"), perCpu.SgiTable[5]);

        var mmio = TestRuns.File("reclaim-per-cpu-hung-6.12.conf", s => s with { Reclaim = s.Reclaim with { Reprogram = ReprogramWay.Mmio } });
        AssertClean(mmio);
        Assert.Equal(("granted", 5), (mmio.Reclaims[0].Outcome, mmio.Reclaims[0].Sgi));
        Assert.Equal(1, mmio.PerCpu[3].Ipis["cpu-pause"]);
    }

    [Fact]
    public void Per_cpu_setup_without_a_hung_cpu_grants_through_call_function()
    {
        var report = TestRuns.File("reclaim-per-cpu-hung-6.12.conf",
            s => s with { Actions = s.Actions.Where(a => a.Do != ActionVerb.Hang).ToList() });
        AssertClean(report);
        Assert.Equal(("granted", 5), (report.Reclaims[0].Outcome, report.Reclaims[0].Sgi));
        Assert.True(report.PerIpi["CALL_FUNC"].Handled >= 7, "the setup reached the other CPUs as queued calls");
        Assert.Equal(7, report.PerIpi["cpu-pause"].Handled);
    }

    [Fact]
    public void An_nmi_ipi_moved_onto_the_broker_still_reaches_a_hung_cpu()
    {
        var report = TestRuns.File("reclaim-nmi-user-moves-6.12.conf");
        AssertClean(report);
        // At boot the broker needed a slot: IRQ_WORK moved onto CALL_FUNC's SGI and the broker took SGI 5.
        Assert.Equal(new SgiTableRow(5, "nmi-broker", true, "nmi-mux") { Carries = "backtrace,kgdb-roundup,cpu-stop,cpu-pause" }, report.SgiTable[5]);
        // The boot move is in the report as a reclaims entry of its own, saying which path the era's NMI flows take.
        var boot = report.Reclaims[0];
        Assert.Equal(("boot", "nmi-broker", "granted", 5, "IRQ_WORK", "ipi-mux"), (boot.Op, boot.Purpose, boot.Outcome, boot.Sgi, boot.Victim, boot.VictimMode));
        Assert.Equal("CPU_STOP_NMI (SGI 3), CPU_BACKTRACE (SGI 6), KGDB_ROUNDUP (SGI 7) keep their own SGIs: the era's flows use them, " +
                     "the broker's cpu-stop, backtrace, kgdb-roundup only serve do = nmi", boot.Asked[1]);
        var r = Assert.Single(report.Reclaims, r => r.Op != "boot");
        Assert.Equal(("granted", 7, "KGDB_ROUNDUP", "nmi-mux"), (r.Outcome, r.Sgi, r.Victim, r.VictimMode));
        Assert.Empty(report.Flows.KgdbMissing);
        Assert.Equal(1, report.PerCpu[4].NmiUsers["kgdb-roundup"]);
        Assert.Equal(new IpiCounts(7, 7, 7, 0, 0), report.PerNmiUser["kgdb-roundup"]);
    }

    [Fact]
    public void A_raw_send_to_a_reclaimed_slot_is_caught_as_misrouted()
    {
        // SGI 5 belonged to IRQ_WORK; after the grant it is cpu-pause's. A raw write for the old owner
        // reaches cpu-pause's handler: the redistributor sees the owner tag and reports it.
        var report = TestRuns.Hocon("""
            scenario { end = 50us
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              actions = [
                { at = 1us, cpu = 0, do = request-sgi, purpose = cpu-pause, nmi = true }
                { at = 20us, cpu = 1, do = sgi, intid = 5, to = [2] }
              ] }
            """);
        Assert.Equal("granted", report.Reclaims[0].Outcome);
        Assert.Contains(report.Violations, v => v.Contains("misrouted: a request of IRQ_WORK on SGI 5 was served by cpu-pause's handler"));
    }

    [Fact]
    public void An_nmi_that_cannot_reach_a_hung_cpu_within_the_deadline_is_a_violation()
    {
        // CPU 5 disabled CPU_BACKTRACE's SGI on its redistributor, then hung: the backtrace NMI stays pending there.
        string Hocon(string deadline) => $$"""
            scenario { end = 300us
              topology { cpus = 8 }
              kernel { profile = linux-6.12 }
              invariants { nmi-deadline = {{deadline}} }
              actions = [
                { at = 1us, cpu = 5, do = disable, intid = 6 }
                { at = 2us, cpu = 5, do = hang }
                { at = 10us, cpu = 0, do = backtrace, to = [5] }
              ] }
            """;
        var late = TestRuns.Hocon(Hocon("100us"));
        Assert.Contains("cpu 5 is hung with IRQs masked and the NMI CPU_BACKTRACE requested at t=10000 still waits at t=300000", late.Violations);
        Assert.True(TestRuns.Hocon(Hocon("400us")).InvariantsOk); // within a longer deadline it is only pending
    }

    [Theory]
    [InlineData("invariants { nmi-deadline = 0us }", "scenario.invariants.nmi-deadline: must be at least 1ns")]
    [InlineData("actions = [ { at = 1us, cpu = 0, do = request-sgi, purpose = p, nmi = true }\n { at = 2us, cpu = 0, do = request-sgi, purpose = p } ]", "scenario.actions[1].nmi: p is requested elsewhere with nmi = true")]
    [InlineData("reclaim { reprogram = fast }", "scenario.reclaim.reprogram: \"fast\" is not mmio or per-cpu")]
    [InlineData("reclaim { drain-bound = 0ns }", "scenario.reclaim.drain-bound: must be at least 1ns")]
    [InlineData("reclaim.owners { FOO = pinned }", "scenario.reclaim.owners.FOO: linux-6.12 has no IPI FOO")]
    [InlineData("reclaim.owners { TIMER = maybe }", "scenario.reclaim.owners.TIMER: \"maybe\" is not pinned, refuses or default")]
    [InlineData("gic { nmi = none }\n actions = [ { at = 1us, cpu = 0, do = request-sgi, purpose = p, nmi = true } ]", "scenario.actions[0].nmi: gic.nmi = none")]
    public void Bad_reclaim_settings_are_refused_with_their_path(string body, string expected)
    {
        var e = Assert.Throws<ScenarioException>(() =>
            ScenarioLoader.LoadText($"scenario {{ end = 10us\n kernel {{ profile = linux-6.12 }}\n {body} }}"));
        Assert.StartsWith(expected, e.Message);
    }
}

/// <summary>The facts a cluster node sends the coordinator build the very report the components would.</summary>
public class RunFactsTests
{
    [Theory]
    [InlineData("reclaim-storm-64.conf")]
    [InlineData("nmi-mux-four-users.conf")]
    [InlineData("stop-hung-cpu-6.12.conf")]
    [InlineData("self-sgi.conf")]
    [InlineData("pseudo-nmi-hung-cpu.conf")] // drops
    public void Facts_sent_as_bytes_and_merged_from_two_halves_give_the_same_report(string file)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios", file));
        var sim = new Simulation(scenario, keepTrace: false);
        var outcome = new ReferenceEngine(sim).Run(scenario.End);
        var direct = RunReport.Build(sim, outcome, "reference");

        var half = sim.Components.Length / 2;
        var merged = RunFacts.FromBytes(RunFacts.Of(sim, id => id < half).ToBytes());
        merged.Merge(RunFacts.FromBytes(RunFacts.Of(sim, id => id >= half).ToBytes()));
        var viaFacts = RunReport.Build(sim, merged, outcome, "reference");

        Assert.Equal(direct.Digest, viaFacts.Digest);
        Assert.Equal(direct.Totals, viaFacts.Totals);
        Assert.Equal(direct.PerIpi, viaFacts.PerIpi);
        Assert.Equal(direct.PerNmiUser, viaFacts.PerNmiUser);
        Assert.Equal(direct.LatencyNs, viaFacts.LatencyNs);
        Assert.Equal(direct.Violations, viaFacts.Violations);
        Assert.Equal(direct.Drops, viaFacts.Drops);
        Assert.Equal(direct.Flows.NotStopped, viaFacts.Flows.NotStopped);
        Assert.Equal(direct.PerCpu.Select(c => (c.State, c.Spurious, string.Join(",", c.Ipis.Values))),
            viaFacts.PerCpu.Select(c => (c.State, c.Spurious, string.Join(",", c.Ipis.Values))));
    }
}
