using ActorGic.Scenarios;
using Xunit.Sdk;

namespace ActorGic.Engine.Tests;

/// <summary>
/// Every invariant is shown to fire: a fault injected through the test-only seam (a dropped,
/// duplicated or delayed event, a skipped step) must give exactly the violation that guards
/// against it (text, CPU and virtual time), so the run exits 1; a fault that breaks the run
/// itself must end it with one line naming the component and the virtual time (exit 3).
/// </summary>
public class FaultInjectionTests
{
    private static Scenario Shipped(string name) =>
        ScenarioLoader.LoadFile(Path.Combine(ScenarioLoaderTests.RepoRoot(), "hocon", "scenarios", name));

    /// <summary>Runs <paramref name="scenario"/> on the reference engine with <paramref name="faults"/>.</summary>
    private static RunReport Faulty(Scenario scenario, FaultSeam faults)
    {
        var sim = new Simulation(scenario, keepTrace: false);
        sim.InjectFaults(faults);
        var report = RunReport.Build(sim, new ReferenceEngine(sim).Run(scenario.End), "reference");
        Assert.True(faults.Applied > 0 || faults.Skip != SkippedStep.None, "the fault never happened");
        return report;
    }

    private static RunReport TestRunsOf(Scenario scenario) => TestRuns.Reference(scenario).Report;

    /// <summary>The nth event of a kind (counting from 1, among those <paramref name="where"/> accepts) gets <paramref name="fault"/>.</summary>
    private static Func<Component, SimEvent, SendFault> Nth(EventKind kind, int n, SendFault fault, Func<SimEvent, bool>? where = null)
    {
        int seen = 0;
        return (_, e) => e.Kind == kind && (where?.Invoke(e) ?? true) && ++seen == n ? fault : SendFault.Pass;
    }

    /// <summary>The violations, exactly; on a difference both lists in full (xunit's diff cuts long strings).</summary>
    private static void Violations(RunReport report, params string[] expected)
    {
        Assert.False(report.InvariantsOk); // exit 1
        if (!expected.SequenceEqual(report.Violations))
            throw new XunitException($"expected:\n  {string.Join("\n  ", expected)}\nactual:\n  {string.Join("\n  ", report.Violations)}");
    }

    [Fact]
    public void A_set_pending_lost_between_distributor_and_redistributor_is_lost_under_profile_none()
    {
        var report = Faulty(Shipped("storm-64.conf"), new FaultSeam { OnSend = Nth(EventKind.SetPending, 1_000, SendFault.Drop) });
        Assert.Equal(1, report.Totals.Lost);
        Violations(report, "lost 1 SGI(s): sent 127604 != coalesced 45069 + delivered 82534 + dropped 0 + pending 0");
    }

    /// <summary>
    /// A distributor that skips a write without counting it (the review's mutation: both engines
    /// wrong the same way) is caught from the writers' side: target-list's first write names CPUs 0 and 2.
    /// </summary>
    [Fact]
    public void A_write_that_never_reaches_a_distributor_is_lost_under_profile_none()
    {
        var report = Faulty(Shipped("target-list.conf"), new FaultSeam { OnSend = Nth(EventKind.SgiWrite, 1, SendFault.Drop) });
        Assert.Equal(2, report.Totals.Lost);
        Violations(report, "lost 2 SGI(s) between the writers and the redistributors: the writes named 4 target(s), " +
            "the distributors sent 2 set-pending(s) and 0 still travel as writes");
    }

    [Fact]
    public void A_write_lost_on_the_chip_to_chip_link_is_lost_and_so_is_its_request()
    {
        var report = Faulty(Shipped("reclaim-storm-64.conf"),
            new FaultSeam { OnSend = Nth(EventKind.SgiWrite, 5, SendFault.Drop, e => (e.B & DistributorComponent.RemoteFlag) != 0) });
        Violations(report, "lost 1 TIMER request(s)", "lost 1 SGI(s) between the writers and the redistributors: the writes named 25138 target(s), " +
            "the distributors sent 25128 set-pending(s) and 9 still travel as writes");
    }

    [Fact]
    public void A_duplicated_set_pending_breaks_conservation_at_the_redistributor()
    {
        var report = Faulty(Shipped("target-list.conf"), new FaultSeam { OnSend = Nth(EventKind.SetPending, 1, SendFault.Duplicate) });
        Violations(report, "lost -1 SGI(s): sent 4 != coalesced 1 + delivered 4 + dropped 0 + pending 0");
    }

    [Fact]
    public void A_duplicated_acknowledge_is_an_acknowledge_of_an_active_sgi()
    {
        var report = Faulty(Shipped("self-sgi.conf"), new FaultSeam { OnSend = Nth(EventKind.Activate, 1, SendFault.Duplicate) });
        Violations(report, "t=1170 cpu 1: acknowledge of INTID 1 that is active");
    }

    [Fact]
    public void A_duplicated_deactivate_is_a_deactivate_of_an_sgi_that_is_not_active()
    {
        var report = Faulty(Shipped("self-sgi.conf"), new FaultSeam { OnSend = Nth(EventKind.Deactivate, 1, SendFault.Duplicate) });
        Violations(report, "t=1670 cpu 1: deactivate of INTID 1, which is not active");
    }

    [Fact]
    public void A_dropped_call_function_request_is_a_lost_call()
    {
        var report = Faulty(Shipped("ipi-storm-256.conf"), new FaultSeam { OnSend = Nth(EventKind.RemoteAtomic, 10, SendFault.Drop) });
        Violations(report, "lost 1 CALL_FUNC request(s)");
    }

    [Fact]
    public void A_dropped_fetch_or_on_a_pending_word_is_a_lost_nmi_user_request()
    {
        var report = Faulty(Shipped("nmi-mux-four-users.conf"), new FaultSeam { OnSend = Nth(EventKind.MuxSet, 3, SendFault.Drop) });
        Violations(report, "lost 1 request(s) of NMI user backtrace");
    }

    [Fact]
    public void An_nmi_that_never_reaches_a_hung_cpu_breaks_the_nmi_deadline()
    {
        // CPU 5 hangs at 1 us; its redistributor's offers of SGI 6 (CPU_BACKTRACE, an NMI) never reach it.
        var report = Faulty(Shipped("backtrace-hung-cpu.conf"), new FaultSeam
        {
            OnSend = (from, e) => e.Kind == EventKind.Offer && from.Name == "redistributor 5" && e.A == 6 ? SendFault.Drop : SendFault.Pass,
        });
        Violations(report, "cpu 5 is hung with IRQs masked and the NMI CPU_BACKTRACE requested at t=10000 still waits at t=200000");
    }

    [Fact]
    public void A_reclaim_that_skips_the_drain_reprograms_an_sgi_a_hung_cpu_holds_two_owners()
    {
        var report = Faulty(Shipped("reclaim-drain-hung-6.12.conf"), new FaultSeam { Skip = SkippedStep.Drain });
        Violations(report, "t=22311 cpu 6: SGI 4 reprogrammed while pending: it would have two owners");
    }

    [Fact]
    public void Linux_s_per_cpu_setup_without_the_drain_sets_an_sgi_up_again_while_it_is_held()
    {
        // The cross-chip regression scenario with Linux's way of setting the slot up: each CPU its own, by smp_call_function.
        var scenario = Shipped("reclaim-cross-chip-6.12.conf");
        scenario = scenario with { Reclaim = scenario.Reclaim with { Reprogram = ReprogramWay.PerCpu } };
        Assert.True(TestRunsOf(scenario).InvariantsOk);
        var report = Faulty(scenario, new FaultSeam { Skip = SkippedStep.Drain });
        Assert.False(report.InvariantsOk);
        Assert.Equal("t=24385 cpu 5: SGI 4 set up again while pending: it would have two owners", report.Violations[0]);
    }

    /// <summary>The regression scenario: TIMER writes on the old path are still on a 3 us chip-to-chip link when the senders switch.</summary>
    [Theory]
    [InlineData("fence", "t=23497 cpu 0: SGI 4 reprogrammed while active: it would have two owners")]
    [InlineData("margin", "t=23497 cpu 0: SGI 4 reprogrammed while active: it would have two owners")]
    [InlineData("drain", "t=24321 cpu 1: SGI 4 reprogrammed while active: it would have two owners")]
    public void A_reclaim_that_skips_the_fence_the_margin_or_the_drain_is_caught_across_chips(string step, string first)
    {
        var skip = step switch { "fence" => SkippedStep.Fence, "margin" => SkippedStep.Margin, _ => SkippedStep.Drain };
        var clean = TestRuns.File("reclaim-cross-chip-6.12.conf");
        Assert.True(clean.InvariantsOk, string.Join("; ", clean.Violations));
        var report = Faulty(Shipped("reclaim-cross-chip-6.12.conf"), new FaultSeam { Skip = skip });
        Assert.False(report.InvariantsOk);
        Assert.Equal(first, report.Violations[0]);
    }

    [Fact]
    public void A_request_that_arrives_after_its_slot_was_reclaimed_is_misrouted()
    {
        // A TIMER set-pending held on the link for 70 us lands after SGI 4 became cpu-pause's.
        var report = Faulty(Shipped("reclaim-cross-chip-6.12.conf"),
            new FaultSeam { OnSend = Nth(EventKind.SetPending, 200, SendFault.Delay, e => e.A == 4), Delay = 70_000 });
        // The request is then also lost to TIMER's count.
        Violations(report, "t=79622 cpu 7: misrouted: a request of TIMER on SGI 4 was served by cpu-pause's handler", "lost 1 TIMER request(s)");
    }

    /// <summary>
    /// A CPU that ignores PSTATE.I delivered 3 SGIs instead of 1 in coalescing-while-masked with
    /// "invariants: ok": the independent observer (AckLegality) now names each illegal take.
    /// </summary>
    [Fact]
    public void A_cpu_that_ignores_its_masks_takes_interrupts_the_observer_refuses()
    {
        var report = Faulty(Shipped("coalescing-while-masked.conf"), new FaultSeam { Skip = SkippedStep.MaskCheck });
        Violations(report, "t=2100 cpu 2: took INTID 3 (priority 0xA0) although IRQs were masked (PSTATE.I set)",
            "t=3100 cpu 2: took INTID 3 (priority 0xA0) although IRQs were masked (PSTATE.I set)",
            "t=4100 cpu 2: took INTID 3 (priority 0xA0) although IRQs were masked (PSTATE.I set)");
    }

    /// <summary>
    /// The first negotiation's switch of TIMER onto CALL_FUNC's flag reaches CPU 3 a second time, 180 us late,
    /// after the release promoted TIMER back to SGI 4: CPU 3 ends sending TIMER the old way. The end-of-run route
    /// check used to stay silent here (the reclaimer's drain-bound timer, still pending at the end, disabled it).
    /// </summary>
    [Fact]
    public void A_stale_switch_that_arrives_after_a_later_negotiation_leaves_a_cpu_off_the_table()
    {
        var report = Faulty(Shipped("reclaim-release-promote-6.12.conf"), new FaultSeam
        {
            OnSend = Nth(EventKind.Reclaim, 1, SendFault.DuplicateLate, e => e.A == (int)ReclaimOp.Switch && e.Target == 3),
            Delay = 180_000,
        });
        Violations(report, "cpu 3 sends TIMER as bit 4 of the flag word, on SGI 1, the reclaimer's table says SGI 4");
    }

    /// <summary>The nth value a function is asked for (counting from 1) becomes <paramref name="to"/>; the others pass.</summary>
    private static Func<int, int> NthWrite(int n, Func<int, int> to)
    {
        int seen = 0;
        return intid => ++seen == n ? to(intid) : intid;
    }

    /// <summary>
    /// A CALL_FUNC kick (its requests wait in the call queue) taken by a handler that reads no queue
    /// or word: the irq descriptor named RESCHEDULE's handler for SGI 1 when the kick arrived.
    /// </summary>
    [Fact]
    public void A_kick_taken_by_a_handler_that_claims_no_word_is_a_stray_kick()
    {
        var scenario = ScenarioLoader.LoadText("""
            scenario {
              end = 50us
              topology { cpus = 4 }
              kernel { profile = linux-6.12 }
              actions = [ { at = 1us, cpu = 0, do = ipi, ipi = CALL_FUNC, to = [2] } ]
            }
            """);
        var report = Faulty(scenario, new FaultSeam
        {
            OnSend = Nth(EventKind.Activate, 1, SendFault.Corrupt, e => e.A == 1),
            Corrupt = e => e with { B = 1 }, // owner 0 (RESCHEDULE), no ClaimsWord bit
        });
        Violations(report, "t=1290 cpu 2: a kick on SGI 1 reached RESCHEDULE's handler, which claims no pending word");
    }

    /// <summary>A handler whose EOI names another INTID than the one it acknowledged (nested SGIs 3 in 2 in 1).</summary>
    [Fact]
    public void An_eoi_of_another_intid_than_the_last_acknowledge_is_a_register_error()
    {
        var report = Faulty(Shipped("priority-preemption.conf"), new FaultSeam { EoiWrite = NthWrite(1, intid => intid - 1) });
        // SGI 3's priority is never dropped, so the EOIs of SGIs 2 and 1 that follow are out of order too,
        // and SGI 4 (SGI 3's priority) is never taken: it stays pending.
        Violations(report, "t=4150 cpu 0: EOI of INTID 2: EoiNotNested", "t=5650 cpu 0: EOI of INTID 2: EoiNotNested",
            "t=7150 cpu 0: EOI of INTID 1: EoiNotNested");
        Assert.Equal(0, report.Acks(0, 4));
    }

    /// <summary>Under EOImode 1 the handler drops priority with EOI, then deactivates with DIR: a DIR of the wrong INTID.</summary>
    [Fact]
    public void A_dir_of_an_intid_that_is_not_active_is_a_register_error()
    {
        var scenario = new ScenarioBuilder(cpus: 2).WithGic(new GicOptions { EoiMode = true }).Sgi(1_000, 0, 1, 1).Sgi(5_000, 0, 2, 1).Build(20_000);
        var report = Faulty(scenario, new FaultSeam { DirWrite = NthWrite(1, _ => 5) });
        // SGI 1 stays active (a later SGI 1 would never be taken); SGI 2 is unaffected.
        Violations(report, "t=1650 cpu 1: DIR of INTID 5: DirNotActive");
        Assert.Equal(1, report.Acks(1, 2));
    }

    /// <summary>A GICR_IPRIORITYR write whose value does not fit a byte, and a GICR_ISENABLER0 write for an SPI.</summary>
    [Theory]
    [InlineData("priority", "t=20 cpu 0: SetPriority INTID 2: BadPriority")]
    [InlineData("intid", "t=20 cpu 0: SetPriority INTID 40: IntidOutOfRange")]
    public void A_redistributor_register_write_the_gic_refuses_is_a_violation(string field, string expected)
    {
        var report = Faulty(Shipped("priority-preemption.conf"), new FaultSeam
        {
            OnSend = Nth(EventKind.RegisterWrite, 2, SendFault.Corrupt),
            Corrupt = e => field == "priority" ? e with { C = 0x1A0 } : e with { B = 40 },
        });
        Violations(report, expected);
    }

    private static string Json(RunReport report)
    {
        using var stream = new MemoryStream();
        ReportJson.Write(report with { Engine = "reference" }, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// An answer of the grant's reprogram (redistributor 15's, the last to answer) delivered a second time
    /// 150.5 us late lands in the release's reprogram step (200.8-204.6 us). It belongs to an earlier
    /// negotiation (another epoch): the reclaimer ignores it, so the report is the fault-free one. Counted,
    /// it would stand in for CPU 15's own answer and start the install before CPU 15 is reprogrammed.
    /// </summary>
    [Fact]
    public void A_late_answer_of_an_earlier_negotiation_changes_nothing()
    {
        var scenario = Shipped("reclaim-release-promote-6.12.conf");
        var clean = TestRunsOf(scenario);
        int seen = 0;
        var sim = new Simulation(scenario, keepTrace: false);
        int last = sim.Layout.RedistributorId(15);
        var faults = new FaultSeam
        {
            OnSend = (from, e) => from.Id == last && e.Kind == EventKind.Reclaim && e.A == (int)ReclaimOp.ReprogramDone && ++seen == 1
                ? SendFault.DuplicateLate : SendFault.Pass,
            Delay = 150_500,
        };
        var report = Faulty(scenario, faults);
        Assert.Equal(1, faults.Applied);
        Assert.True(report.InvariantsOk);
        Assert.Equal(Json(clean), Json(report));
    }

    [Fact]
    public void An_event_sent_into_the_past_ends_the_run_with_one_line()
    {
        var scenario = Shipped("self-sgi.conf");
        var sim = new Simulation(scenario, keepTrace: false);
        sim.InjectFaults(new FaultSeam { OnSend = Nth(EventKind.Offer, 1, SendFault.Delay), Delay = -100 });
        var e = Assert.Throws<RunAbortedException>(() => new ReferenceEngine(sim).Run(scenario.End));
        Assert.Equal("redistributor 1 failed at t=1080 ns: event at 1000 enqueued after time 1080", e.Message);
        Assert.Equal(1080, e.ReachedNs);
    }

    [Fact]
    public void A_component_that_throws_ends_the_run_with_its_name_and_time()
    {
        var scenario = Shipped("self-sgi.conf");
        var sim = new Simulation(scenario, keepTrace: false);
        sim.InjectFaults(new FaultSeam { ThrowIn = sim.Layout.RedistributorId(1), ThrowAt = 1_000 });
        var e = Assert.Throws<RunAbortedException>(() => new ReferenceEngine(sim).Run(scenario.End));
        Assert.Equal("redistributor 1 failed at t=1080 ns: fault injected into component 9", e.Message);
    }
}
