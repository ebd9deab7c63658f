namespace ActorGic.Engine.Tests;

/// <summary>
/// The reclaimer's ways to fail, each with its reason as the report gives it: a release or a
/// promotion whose per-CPU setup a CPU that hangs meanwhile never runs, a rollback that cannot
/// reach a CPU that ran the setup (the slot is left stale), and the requests refused at once.
/// Each ends without a lost or misrouted IPI.
/// </summary>
public class ReclaimFailureTests
{
    private static void AssertClean(RunReport report)
    {
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        Assert.Equal(0, report.Totals.Lost);
        Assert.All(report.PerIpi.Values, c => Assert.Equal(0, c.Lost));
    }

    private const string SetupHint = "(a CPU that is hung or parked cannot; reclaim.reprogram = mmio writes its redistributor's frame instead)";

    /// <summary>reclaim-per-cpu-hung-6.12 with CPU 2 hanging after it ran its setup of SGI 5, before the undo reaches it.</summary>
    [Theory]
    [InlineData(20)]
    [InlineData(45)]
    public void A_rollback_that_cannot_reach_a_cpu_that_ran_the_setup_leaves_the_slot_stale(int hangUs)
    {
        var report = TestRuns.Hocon($$"""
            scenario {
              seed = 5
              end = 300us
              topology { cpus = 8 }
              gic { nmi = pseudo }
              kernel { profile = linux-6.12 }
              reclaim { reprogram = per-cpu, drain-bound = 50us }
              actions = [
                { at = 1us, cpu = 3, do = hang }
                { at = {{hangUs}}us, cpu = 2, do = hang }
                { at = 0us, cpu = 0, do = traffic, ipi = TIMER, rate = 50000, cpus = [0, 1], to = [0, 1, 2, 4, 5, 6, 7], until = 250us }
                { at = 10us, cpu = 0, do = request-sgi, purpose = cpu-pause, nmi = true }
                { at = 200us, cpu = 0, do = ipi, ipi = cpu-pause, to = all-but-self }
              ]
            }
            """);
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal(("failed", 10_060L, 110_866L), (r.Outcome, r.AtNs, r.DoneNs));
        Assert.Equal($"CPU 3 did not run its own setup of SGI 5 within 50000ns {SetupHint}; the rollback did not reach CPU 2, " +
                     "so SGI 5 is left stale (set up differently on some CPUs) and is never granted again", r.Reason);
        // IRQ_WORK stays on CALL_FUNC's SGI (its own is stale); nothing may be sent on SGI 5 again.
        Assert.Equal(new SgiTableRow(5, null, false, "stale"), report.SgiTable[5]);
        Assert.Equal(new SgiTableRow(1, "CALL_FUNC", false, "ipi-mux") { Carries = "IRQ_WORK" }, report.SgiTable[1]);
        Assert.Equal(new IpiCounts(0, 0, 0, 0, 0) { Refused = 7 }, report.PerIpi["cpu-pause"]);
        // The report's rolled_back says the attempt on SGI 5 ended stale, not undone.
        Assert.Equal([new RolledBackAttempt(5, "IRQ_WORK", 10_215, 110_866, "stale")], r.RolledBack);
    }

    /// <summary>
    /// The reclaim property's seed evx4ZmYNLS94, trimmed to the actions that still show it. CPUs 0,
    /// 2 and 4-7 spend 60 us in back-to-back NMI backtraces, so pa's per-CPU setup of SGI 4 (an NMI)
    /// times out, is rolled back and TIMER gets SGI 4 back at 48.8 us; TIMER's traffic then leaves
    /// SGI 4 pending on CPUs 0, 2, 6 and 7 before they reach their call queues at 69 us, the setup
    /// and its undo both in them. The setup was given up on: run there, it made the pending TIMER
    /// SGI an NMI with pa's handler until the undo behind it (two owners, and on hardware the NMI is
    /// taken first: a misroute). They must skip it, and the undo must change nothing there.
    /// </summary>
    [Fact]
    public void A_cpu_that_reaches_a_setup_after_its_rollback_skips_it_and_never_sets_up_a_slot_its_victim_holds_pending()
    {
        var report = TestRuns.Hocon("""
            scenario {
              seed = 652
              end = 150us
              topology { cpus = 8 }
              timing { chip-to-chip = 2us }
              gic { nmi = pseudo }
              kernel { profile = linux-6.12 }
              reclaim {
                reprogram = per-cpu
                drain-bound = 20us
                owners { TIMER = default, IRQ_WORK = pinned }
              }
              actions = [
                { at = 6267ns, cpu = 3, do = request-sgi, purpose = pa, nmi = true }
                { at = 8699ns, cpu = 1, do = backtrace, to = all-but-self }
                { at = 14992ns, cpu = 4, do = backtrace, to = all-but-self }
                { at = 37156ns, cpu = 5, do = backtrace, to = all-but-self }
                { at = 47472ns, cpu = 7, do = traffic, ipi = TIMER, rate = 140000, until = 67472ns }
              ]
            }
            """, keepTrace: true, out var sim);
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal(("failed", 6_327L, 48_833L, -1), (r.Outcome, r.AtNs, r.DoneNs, r.Sgi));
        Assert.Equal($"CPUs 0, 2, 4, 5, 6, 7 did not run their own setup of SGI 4 within 20000ns {SetupHint}", r.Reason);
        Assert.Equal(["TIMER (SGI 4, 0 sent): accepted, ipi-mux"], r.Asked);
        Assert.Equal([new RolledBackAttempt(4, "TIMER", 6_482, 48_833, "setup")], r.RolledBack);
        Assert.Equal(new SgiTableRow(4, "TIMER", false, "dedicated"), report.SgiTable[4]);
        Assert.Equal(new IpiCounts(16, 16, 16, 0, 0), report.PerIpi["TIMER"]);
        // SGI 4 is TIMER's IRQ everywhere, and no TIMER instance was ever offered as an NMI.
        var trace = sim.Components.SelectMany(c => c.Trace.Events).ToList();
        Assert.DoesNotContain(trace, e => e.Kind == TraceKind.Signal && e.Intid == 4 && e.Value != 0xC0);
        for (int cpu = 0; cpu < 8; cpu++)
        {
            Assert.Equal(0xC0, sim.Redistributor(cpu).Bank.PriorityOf(4));
            Assert.Equal(4, sim.Cpu(cpu).HandlerOf(4)); // TIMER's owner index is its boot SGI
        }
        // The late CPUs had TIMER's SGI 4 pending when they ran their queues (what the skipped setup would have hit).
        foreach (int cpu in new[] { 0, 2, 6, 7 })
            Assert.Contains(trace, e => e.Cpu == cpu && e.Kind == TraceKind.Pend && e.Intid == 4 && e.T is > 48_833 and < 69_000);
    }

    /// <summary>reclaim-release-promote-6.12 under Linux's per-CPU setup, with CPU 9 hanging during the release or during the promotion.</summary>
    private static RunReport ReleaseWithHang(long hangNs) => TestRuns.Hocon($$"""
        scenario {
          seed = 12
          end = 400us
          topology { cpus = 16 }
          gic { nmi = pseudo }
          kernel { profile = linux-6.12 }
          reclaim { reprogram = per-cpu, drain-bound = 20us }
          reclaim.owners { IRQ_WORK = pinned }
          actions = [
            { at = 0us, cpu = 0, do = traffic, ipi = TIMER, rate = 100000, until = 380us }
            { at = 50us, cpu = 2, do = request-sgi, purpose = cpu-pause, nmi = true }
            { at = 100us, cpu = 2, do = ipi, ipi = cpu-pause, to = all-but-self }
            { at = 200us, cpu = 2, do = release-sgi, purpose = cpu-pause }
            { at = {{hangNs}}ns, cpu = 9, do = hang }
          ]
        }
        """);

    [Fact]
    public void A_release_whose_setup_a_cpu_never_runs_fails_and_the_purpose_keeps_its_sgi()
    {
        var report = ReleaseWithHang(200_300);
        AssertClean(report);
        Assert.Equal(2, report.Reclaims.Count);
        var release = report.Reclaims[1];
        Assert.Equal(("release-sgi", "failed", 40_731L), (release.Op, release.Outcome, release.DoneNs - release.AtNs));
        Assert.Equal($"CPU 9 did not run its own setup of SGI 4 within 20000ns {SetupHint}", release.Reason);
        Assert.Null(release.Promoted);
        Assert.Equal(new SgiTableRow(4, "cpu-pause", true, "dedicated"), report.SgiTable[4]);
        Assert.Equal("ipi-mux", report.IpiModes["TIMER"]);
    }

    [Fact]
    public void A_promotion_whose_setup_a_cpu_never_runs_leaves_the_release_done_and_the_ipi_muxed()
    {
        var report = ReleaseWithHang(201_200);
        AssertClean(report);
        var release = report.Reclaims[1];
        Assert.Equal(("released", 4, 1_667L), (release.Outcome, release.Sgi, release.DoneNs - release.AtNs));
        Assert.Null(release.Reason);
        Assert.Equal($"TIMER not promoted: CPU 9 did not run its own setup of SGI 4 within 20000ns {SetupHint}", release.Promoted);
        Assert.Equal("ipi-mux", report.IpiModes["TIMER"]);
        Assert.Equal("none", report.IpiModes["cpu-pause"]);
    }

    [Theory]
    [InlineData("""
        { at = 1us, cpu = 0, do = request-sgi, purpose = cpu-pause, nmi = true }
        { at = 20us, cpu = 1, do = request-sgi, purpose = cpu-pause, nmi = true }
        """, "cpu-pause already holds SGI 7")]
    [InlineData("""
        { at = 1us, cpu = 0, do = release-sgi, purpose = cpu-pause }
        { at = 20us, cpu = 1, do = request-sgi, purpose = cpu-pause, nmi = true }
        """, "cpu-pause holds no SGI it was granted")]
    public void A_request_for_a_purpose_that_holds_a_slot_or_a_release_of_one_it_does_not_fails_at_once(string actions, string reason)
    {
        var report = TestRuns.Hocon($$"""
            scenario { end = 50us
              topology { cpus = 4 }
              kernel { profile = linux-6.1 }
              actions = [ {{actions}} ] }
            """);
        AssertClean(report);
        var failed = report.Reclaims.Single(r => r.Outcome == "failed");
        Assert.Equal(("failed", reason, failed.AtNs), (failed.Outcome, failed.Reason, failed.DoneNs));
    }

    [Fact]
    public void A_request_when_every_owner_is_pinned_names_them()
    {
        var report = TestRuns.Hocon("""
            scenario { end = 50us
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              reclaim.owners { TIMER = pinned, IRQ_WORK = pinned }
              actions = [ { at = 1us, cpu = 0, do = request-sgi, purpose = cpu-pause, nmi = true } ] }
            """);
        AssertClean(report);
        var r = Assert.Single(report.Reclaims);
        Assert.Equal("failed", r.Outcome);
        Assert.Equal("no SGI is free and no owner may give one up: RESCHEDULE, CALL_FUNC, CPU_STOP, CPU_STOP_NMI, TIMER, IRQ_WORK, " +
                     "CPU_BACKTRACE, KGDB_ROUNDUP are pinned", r.Reason);
    }
}

/// <summary>The reclaimer under architected NMIs (FEAT_GICv3_NMI): the slot's reprogram sets the NMI bit, not a priority.</summary>
public class ReclaimArchitectedNmiTests
{
    [Theory]
    [InlineData("mmio")]
    [InlineData("per-cpu")]
    public void A_slot_granted_as_an_nmi_gets_the_nmi_bit_on_every_redistributor_and_reaches_a_hung_cpu(string way)
    {
        var report = TestRuns.Hocon($$"""
            scenario {
              end = 100us
              topology { cpus = 8 }
              gic { nmi = architected }
              kernel { profile = linux-6.12 }
              reclaim { reprogram = {{way}} }
              actions = [
                { at = 2us, cpu = 0, do = request-sgi, purpose = cpu-pause, nmi = true }
                { at = 40us, cpu = 3, do = hang }  # after the grant: a hung CPU cannot run Linux's per-CPU setup
                { at = 50us, cpu = 0, do = ipi, ipi = cpu-pause, to = all-but-self }
              ]
            }
            """, keepTrace: false, out var sim);
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        var r = Assert.Single(report.Reclaims);
        Assert.Equal("granted", r.Outcome);
        for (int cpu = 0; cpu < 8; cpu++)
        {
            var bank = sim.Redistributor(cpu).Bank;
            Assert.True(bank.IsNmi(r.Sgi), $"SGI {r.Sgi} has no NMI bit at CPU {cpu}");
            Assert.False(bank.IsNmi(1), $"CALL_FUNC's SGI has the NMI bit at CPU {cpu}");
            Assert.Equal(ActorGic.Gic.InterruptGroup.Group1NonSecure, bank.GroupOf(r.Sgi));
        }
        Assert.Equal(new SgiTableRow(r.Sgi, "cpu-pause", true, "dedicated"), report.SgiTable[r.Sgi]);
        Assert.Equal(1, report.PerCpu[3].Ipis["cpu-pause"]); // hung with IRQs masked: the NMI gets in
        Assert.Equal(new IpiCounts(7, 7, 7, 0, 0), report.PerIpi["cpu-pause"]);
    }
}
