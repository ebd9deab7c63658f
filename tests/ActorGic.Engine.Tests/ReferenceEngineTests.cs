using ActorGic.Engine;
using ActorGic.Scenarios;
using ActorGic.Gic;

namespace ActorGic.Engine.Tests;

/// <summary>The components under the reference engine: exact counts at exact virtual times.</summary>
public class ReferenceEngineTests
{
    private static readonly TimingModel T = TimingModel.Default;

    private static (Simulation Sim, RunReport Report) Run(ScenarioBuilder builder, long end) =>
        TestRuns.Reference(builder.Build(end), keepTrace: true);

    private static List<TraceEvent> Trace(Simulation sim) =>
        sim.Components.SelectMany(c => c.Trace.Events).OrderBy(e => e.T).ThenBy(e => e.Cpu).ThenBy(e => e.Seq).ToList();

    [Fact]
    public void Self_sgi_is_acknowledged_after_write_fanout_offer_and_exception_entry()
    {
        var (sim, report) = Run(new ScenarioBuilder(cpus: 2).Sgi(at: 1_000, cpu: 0, intid: 5, to: [0]), 10_000);
        long ack = 1_000 + T.CpuToDistributor + T.DistributorToRedistributor + T.RedistributorToCpu + T.ExceptionEntry;
        var acks = Trace(sim).Where(e => e.Kind == TraceKind.Ack).ToList();
        Assert.Equal([(ack, 0, 5)], acks.Select(e => (e.T, e.Cpu, e.Intid)));
        Assert.Equal(new LatencySummary(1, ack - 1_000, ack - 1_000, ack - 1_000), report.LatencyNs["SGI5"]);
        var eoi = Trace(sim).Single(e => e.Kind == TraceKind.Eoi);
        Assert.Equal(ack + T.Handler, eoi.T);
    }

    [Fact]
    public void Sends_while_masked_coalesce_and_one_handler_run_serves_all()
    {
        var builder = new ScenarioBuilder(cpus: 4)
            .IrqOff(at: 1_000, cpu: 2, forNs: 10_000)
            .Sgi(at: 2_000, cpu: 0, intid: 3, to: [2])
            .Sgi(at: 3_000, cpu: 1, intid: 3, to: [2])
            .Sgi(at: 4_000, cpu: 3, intid: 3, to: [2]);
        var (sim, report) = Run(builder, 50_000);
        Assert.Equal(new Totals(SgiWrites: 3, Sent: 3, Coalesced: 2, Delivered: 1, Dropped: 0, Pending: 0, Lost: 0) { SgiTargets = 3 }, report.Totals);
        var ack = Trace(sim).Single(e => e.Kind == TraceKind.Ack);
        Assert.Equal(11_000 + T.ExceptionEntry, ack.T); // irq-on at 11 us, then exception entry
        Assert.Equal(3, report.LatencyNs["SGI3"].Count);
        Assert.Equal(ack.T - 2_000, report.LatencyNs["SGI3"].Max);
        Assert.Equal(ack.T - 3_000, report.LatencyNs["SGI3"].P50);
    }

    [Fact]
    public void Disabled_sgi_stays_pending_and_is_delivered_once_enabled()
    {
        // The builder refuses an action after the end (as a scenario file does): the first run stops before the enable.
        var early = new ScenarioBuilder(cpus: 2)
            .Enable(at: 0, cpu: 1, intid: 7, enabled: false)
            .Sgi(at: 1_000, cpu: 0, intid: 7, to: [1]);
        var builder = early.Clone().Enable(at: 5_000, cpu: 1, intid: 7);
        var (sim, report) = Run(early, 4_000);
        Assert.Equal(0, report.Totals.Delivered);
        Assert.Equal(1, report.Totals.Pending);
        Assert.Equal(0, report.Totals.Dropped);
        (sim, report) = Run(builder, 20_000);
        var ack = Trace(sim).Single(e => e.Kind == TraceKind.Ack);
        Assert.Equal(5_000 + T.CpuToRedistributor + T.RedistributorToCpu + T.ExceptionEntry, ack.T);
        Assert.Equal(1, report.Totals.Delivered);
    }

    [Fact]
    public void An_sgi_in_flight_at_the_end_counts_as_pending_not_lost()
    {
        // The set-pending leaves the distributor at 1040 and lands at 1080, after the end.
        var report = new ScenarioBuilder(cpus: 2).Sgi(at: 1_000, cpu: 0, intid: 1, to: [1]).RunReference(end: 1_050);
        Assert.Equal(new Totals(1, 1, 0, 0, 0, 1, 0) { SgiTargets = 1 }, report.Totals);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Higher_priority_preempts_a_preemptible_handler_and_equal_priority_waits()
    {
        var builder = new ScenarioBuilder(cpus: 2).WithPreemptibleHandlers()
            .WithTiming(TimingModel.Default with { Handler = 2_000 })
            .SetPriority(0, 0, 1, 0xA0).SetPriority(0, 0, 2, 0x80).SetPriority(0, 0, 3, 0x40).SetPriority(0, 0, 4, 0x40)
            .Sgi(1_000, 1, 1, 0).Sgi(1_500, 1, 2, 0).Sgi(2_000, 1, 3, 0).Sgi(2_500, 1, 4, 0);
        var (sim, report) = Run(builder, 50_000);
        var cpu0 = Trace(sim).Where(e => e.Cpu == 0 && e.Kind is TraceKind.Enter or TraceKind.Exit).Select(e => (e.Kind, e.Intid, e.T)).ToList();
        Assert.Equal(
            [(TraceKind.Enter, 1, 1_150), (TraceKind.Enter, 2, 1_650), (TraceKind.Enter, 3, 2_150), (TraceKind.Exit, 3, 4_150),
             (TraceKind.Enter, 4, 4_200), (TraceKind.Exit, 4, 6_200), (TraceKind.Exit, 2, 7_650), (TraceKind.Exit, 1, 9_150)],
            cpu0);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Without_preemptible_handlers_a_higher_priority_waits_for_the_eoi()
    {
        var builder = new ScenarioBuilder(cpus: 2)
            .SetPriority(0, 0, 1, 0xA0).SetPriority(0, 0, 2, 0x40)
            .Sgi(1_000, 1, 1, 0).Sgi(1_200, 1, 2, 0);
        var (sim, _) = Run(builder, 50_000);
        var enters = Trace(sim).Where(e => e.Cpu == 0 && e.Kind == TraceKind.Enter).Select(e => (e.Intid, e.T)).ToList();
        Assert.Equal([(1, 1_150), (2, 1_150 + T.Handler + T.ExceptionEntry)], enters);
    }

    [Fact]
    public void A_stale_offer_that_crossed_the_acknowledge_is_not_taken_twice()
    {
        // SGI 15 is offered to CPU 0 at 1,100 and acknowledged at 1,150. A priority write reaching the
        // redistributor at 1,150, before the Activate (1,170), makes it offer SGI 15 again at the new
        // priority. That offer arrives after the acknowledge: taking it would acknowledge an active INTID.
        var builder = new ScenarioBuilder(cpus: 2).WithPreemptibleHandlers()
            .Sgi(1_000, 1, 15, 0)
            .SetPriority(1_130, 0, 15, 0x80);
        var (_, report) = Run(builder, 20_000);
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        Assert.Equal(1, report.Acks(0, 15));
    }

    [Fact]
    public void Eoimode_1_writes_dir_after_the_eoi()
    {
        var builder = new ScenarioBuilder(cpus: 2).WithGic(new GicOptions { EoiMode = true }).Sgi(1_000, 0, 1, 1);
        var (sim, report) = Run(builder, 10_000);
        var kinds = Trace(sim).Where(e => e.Cpu == 1).Select(e => e.Kind).ToList();
        Assert.Equal([TraceKind.Pend, TraceKind.Signal, TraceKind.Ack, TraceKind.Enter, TraceKind.Exit, TraceKind.Eoi, TraceKind.Dir], kinds);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void Hung_cpu_never_takes_the_sgi_and_it_stays_pending()
    {
        var report = new ScenarioBuilder(cpus: 2).Hang(500, 1).Sgi(1_000, 0, 1, 1).RunReference(20_000);
        Assert.Equal(0, report.Acks(1, 1));
        Assert.Equal(CpuState.Hung, report.PerCpu[1].State);
        Assert.Equal(new Totals(1, 1, 0, 0, 0, 1, 0) { SgiTargets = 1 }, report.Totals);
    }

    [Fact]
    public void Interleaved_numbering_costs_one_write_per_run()
    {
        var mpidrs = new ulong[] { 0x0, 0x100, 0x1, 0x101 }.Select(v => new Mpidr(v)).ToList();
        var report = new ScenarioBuilder(cpus: 4).WithTopology(Topology.FromMpidrs(mpidrs, rss: false))
            .Sgi(1_000, 0, 1, TargetSet.All).RunReference(20_000);
        Assert.Equal(4, report.Totals.SgiWrites);
        Assert.Equal(4, report.Totals.Delivered);
    }

    [Fact]
    public void Cross_chip_sgi_pays_the_chip_to_chip_link()
    {
        var (sim, _) = Run(new ScenarioBuilder(cpus: 32, cpusPerCluster: 16, clustersPerChip: 1).Sgi(1_000, 0, 1, 16), 20_000);
        var pend = Trace(sim).Single(e => e.Kind == TraceKind.Pend);
        Assert.Equal(16, pend.Cpu);
        Assert.Equal(1_000 + T.CpuToDistributor + T.ChipToChip + T.DistributorToRedistributor, pend.T);
    }

    [Fact]
    public void Storm_totals_balance_with_nothing_lost()
    {
        var report = new ScenarioBuilder(cpus: 64).WithSeed(42).Traffic(0, 1, 1_000_000, 200_000).RunReference(250_000);
        var t = report.Totals;
        Assert.True(t.Sent > 10_000);
        Assert.Equal(t.Sent, t.Coalesced + t.Delivered + t.Dropped + t.Pending);
        Assert.Equal(0, t.Lost);
        Assert.True(report.InvariantsOk);
    }

    [Fact]
    public void The_builder_refuses_traffic_to_another_cpu_on_one_cpu() =>
        Assert.Equal("scenario.actions[0]: traffic to another CPU needs at least 2 CPUs",
            Assert.Throws<ScenarioException>(() => new ScenarioBuilder(cpus: 1).Traffic(0, 1, 1_000, 10_000).Build(20_000)).Message);

    /// <summary>
    /// The digest covers more than the trace: a latency sample the percentiles do not show, or a
    /// count of the report, changes it (SCENARIOS.md: every fact the report states).
    /// </summary>
    [Fact]
    public void The_digest_covers_every_latency_sample_and_every_reported_count()
    {
        var scenario = new ScenarioBuilder(cpus: 16).WithSeed(3).Traffic(0, 1, 500_000, 50_000).Build(60_000);
        var sim = new Simulation(scenario, keepTrace: false);
        var outcome = new ReferenceEngine(sim).Run(scenario.End);
        var original = RunReport.Build(sim, RunFacts.Of(sim), outcome, "reference");

        var facts = RunFacts.Of(sim);
        var (cpu, owner) = Enumerable.Range(0, 16).SelectMany(c => Enumerable.Range(0, facts.Redistributor(c).Latencies.Length).Select(o => (c, o)))
            .First(p => facts.Redistributor(p.c).Latencies[p.o].Length > 0);
        var samples = facts.Redistributor(cpu).Latencies[owner];
        int lowest = Array.IndexOf(samples, samples.Min());
        samples[lowest] -= 1; // below the median: p50, p99 and max stay as they were
        var oneSample = RunReport.Build(sim, facts, outcome, "reference");
        Assert.Equal(original.LatencyNs, oneSample.LatencyNs);
        Assert.Equal(original.Totals, oneSample.Totals);
        Assert.NotEqual(original.Digest, oneSample.Digest);

        var spurious = RunFacts.Of(sim);
        spurious.Cpu(5).Spurious += 1;
        Assert.NotEqual(original.Digest, RunReport.Build(sim, spurious, outcome, "reference").Digest);

        Assert.Equal(original.Digest, RunReport.Build(sim, RunFacts.Of(sim), outcome, "actors", nodes: 3).Digest);
    }

    [Fact]
    public void Same_seed_same_digest_other_seed_other_digest()
    {
        RunReport Storm(long seed) => new ScenarioBuilder(cpus: 16).WithSeed(seed).Traffic(0, 1, 500_000, 50_000).RunReference(60_000);
        Assert.Equal(Storm(1).Digest, Storm(1).Digest);
        Assert.NotEqual(Storm(1).Digest, Storm(2).Digest);
    }

    [Fact]
    public void Invariant_checker_reports_an_acknowledge_of_an_inactive_intid()
    {
        var sim = new Simulation(new ScenarioBuilder(cpus: 1).Build(1_000), keepTrace: false);
        var engine = new ReferenceEngine(sim);
        engine.Post(new SimEvent { Time = 10, Target = sim.Layout.RedistributorId(0), Source = 0, Kind = EventKind.Activate, A = 4 });
        var report = RunReport.Build(sim, engine.Run(1_000), "reference");
        Assert.False(report.InvariantsOk);
        Assert.Contains("acknowledge of INTID 4 that is not pending", report.Violations.Single());
    }
}

/// <summary>The event heap every engine orders by: (time, source, seq), whatever the insertion order.</summary>
public class EventQueueTests
{
    [Fact]
    public void Events_come_out_in_time_source_seq_order_through_growth_and_loans()
    {
        var random = new Random(5);
        var queue = new EventQueue(capacity: 4);
        var all = new List<SimEvent>();
        for (int i = 0; i < 500; i++)
        {
            var e = new SimEvent { Time = random.Next(0, 50), Source = random.Next(-1, 5), Seq = i, A = i };
            all.Add(e);
            queue.Enqueue(e);
            if (i % 7 == 0)
            {
                // Take one on loan and keep enqueuing while holding it: it must not be overwritten.
                ref readonly var lent = ref queue.DequeueRef();
                var copy = lent;
                for (int k = 0; k < 3; k++) queue.Enqueue(new SimEvent { Time = 60 + k, Source = 9, Seq = 10_000 + i * 3 + k, A = -1 });
                Assert.Equal(copy.A, lent.A);
                all.Remove(all.Single(x => x.Seq == copy.Seq && x.Source == copy.Source && x.A == copy.A));
                for (int k = 0; k < 3; k++) all.Add(new SimEvent { Time = 60 + k, Source = 9, Seq = 10_000 + i * 3 + k, A = -1 });
            }
        }
        var expected = all.OrderBy(e => e.Time).ThenBy(e => e.Source).ThenBy(e => e.Seq).Select(e => (e.Time, e.Source, e.Seq)).ToList();
        Assert.Equal(expected, queue.Drain().Select(e => (e.Time, e.Source, e.Seq)));
        Assert.Equal(0, queue.Count);
        Assert.Equal(long.MaxValue, queue.PeekTime);
    }
}

/// <summary>The reference engine's wheel: the heap's order exactly, for a run whose time only moves forward.</summary>
public class WheelQueueTests
{
    [Fact]
    public void Events_come_out_in_the_same_order_as_the_heap_across_the_wheel_and_beyond_it()
    {
        var random = new Random(11);
        var wheel = new WheelQueue(capacity: 4);
        var heap = new EventQueue(capacity: 4);
        long now = 0;
        int seq = 0;
        var fromWheel = new List<(long, int, long)>();
        var fromHeap = new List<(long, int, long)>();
        void Both(SimEvent e)
        {
            wheel.Enqueue(e);
            heap.Enqueue(e);
        }
        for (int i = 0; i < 200; i++) Both(new SimEvent { Time = random.Next(0, 9_000), Source = random.Next(-1, 4), Seq = seq++ });
        while (heap.Count > 0)
        {
            Assert.Equal(heap.PeekTime, wheel.PeekTime);
            ref readonly var lent = ref wheel.DequeueRef();
            var copy = lent;
            var expected = heap.Dequeue();
            now = expected.Time;
            // Later events: the same time (ties broken by source, then seq), near, and past the wheel's span.
            int more = fromHeap.Count < 5_000 ? random.Next(0, 3) : 0;
            for (int k = 0; k < more; k++)
            {
                long delay = random.Next(4) switch { 0 => 0, 1 => random.Next(1, 50), 2 => random.Next(50, 4_000), _ => random.Next(4_000, 20_000) };
                Both(new SimEvent { Time = now + Math.Max(delay, 0), Source = random.Next(-1, 4), Seq = seq++ });
            }
            Assert.Equal((copy.Time, copy.Source, copy.Seq), (lent.Time, lent.Source, lent.Seq)); // the loan survives enqueues
            fromWheel.Add((copy.Time, copy.Source, copy.Seq));
            fromHeap.Add((expected.Time, expected.Source, expected.Seq));
        }
        Assert.Equal(fromHeap, fromWheel);
        Assert.Equal(0, wheel.Count);
        Assert.Equal(long.MaxValue, wheel.PeekTime);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(40)]
    [InlineData(5_000)]
    public void A_crowded_nanosecond_comes_out_by_source_then_seq(int crowd)
    {
        // A few events share a nanosecond in a 64-CPU storm, thousands in a broadcast: both sorts must give the heap's order.
        var random = new Random(crowd);
        var wheel = new WheelQueue();
        var heap = new EventQueue();
        for (int i = 0; i < crowd; i++)
            foreach (long time in new long[] { 100, 101 })
            {
                var e = new SimEvent { Time = time, Source = random.Next(-1, 8), Seq = random.Next(0, 1_000_000) };
                wheel.Enqueue(e);
                heap.Enqueue(e);
            }
        Assert.Equal(heap.Drain().Select(e => (e.Time, e.Source, e.Seq)), wheel.Drain().Select(e => (e.Time, e.Source, e.Seq)));
    }

    [Fact]
    public void An_event_before_the_current_time_is_refused()
    {
        var wheel = new WheelQueue();
        wheel.Enqueue(new SimEvent { Time = 100 });
        wheel.Enqueue(new SimEvent { Time = 200, Seq = 1 });
        wheel.Dequeue();
        wheel.Dequeue();
        Assert.Throws<InvalidOperationException>(() => wheel.Enqueue(new SimEvent { Time = 150, Seq = 2 }));
    }
}

/// <summary>Each component's horizon follows the latencies of the links into it (defaults: CPU and redistributor 20 ns each way, distributor 40, remote atomic 60).</summary>
public class HorizonsTests
{
    private static (Horizons, Layout, long[]) Setup()
    {
        var layout = new Layout(ActorGic.Gic.Topology.Regular(4));
        var next = new long[layout.ComponentCount];
        Array.Fill(next, long.MaxValue);
        return (new Horizons(layout, TimingModel.Default), layout, next);
    }

    [Fact]
    public void A_cpu_whose_redistributor_is_quiet_runs_to_the_distributor_path()
    {
        var (horizons, layout, next) = Setup();
        next[layout.CpuId(1)] = 1_000;
        // Nothing can reach CPU 1 before a distributor's set-pending (40) plus the offer (20), or its own round trip (40).
        Assert.Equal(1_040, horizons.Of(layout.CpuId(1), 1_000, next));
        var window = horizons.WindowOf(layout.CpuId(1), 1_000, next);
        Assert.Equal(new Horizons.Window(1_060, layout.RedistributorId(1), 20, 40), window);
        // Its redistributor: the CPU's next event plus 20.
        Assert.Equal(1_020, horizons.Of(layout.RedistributorId(1), 1_000, next));
    }

    [Fact]
    public void A_busy_partner_pulls_the_horizon_in_and_distributors_keep_the_global_bound()
    {
        var (horizons, layout, next) = Setup();
        next[layout.CpuId(0)] = 1_000;
        next[layout.CpuId(2)] = 1_030;
        next[layout.RedistributorId(2)] = 1_005;
        Assert.Equal(1_025, horizons.Of(layout.CpuId(2), 1_000, next));
        // Its redistributor: its own round trip through the CPU (1,005 + 40); the distributor is quiet.
        Assert.Equal(1_045, horizons.Of(layout.RedistributorId(2), 1_000, next));
        // A distributor with an event at 1,000 may set an SGI pending at 1,040.
        next[layout.DistributorId(0)] = 1_000;
        Assert.Equal(1_040, horizons.Of(layout.RedistributorId(2), 1_000, next));
        Assert.Equal(1_040, horizons.Of(layout.DistributorId(0), 1_000, next));
        Assert.Equal(1_020, Horizons.Uniform(20).Of(0, 1_000, next));
    }

    [Fact]
    public void A_cluster_window_is_the_fastest_link_between_chips()
    {
        var topology = ActorGic.Gic.Topology.Regular(32, 16, 1);
        // Between chips: a distributor's forward (300) and a CPU's atomic on another chip's CPU (130); the reclaimer's replies take 20.
        Assert.Equal(130, new Horizons(new Layout(topology), TimingModel.Default).AcrossChips);
        Assert.Equal(20, new Horizons(new Layout(topology, reclaimer: true), TimingModel.Default).AcrossChips);
        Assert.Equal(300, new Horizons(new Layout(topology), TimingModel.Default with { RemoteAtomicAcrossChips = 500 }).AcrossChips);
        // Without CPU atomics (profile none, no NMI broker) only the distributors' forwards cross.
        Assert.Equal(300, new Horizons(new Layout(topology), TimingModel.Default, cpuAtomics: false).AcrossChips);
        Assert.Equal(Horizons.NoLink, new Horizons(new Layout(ActorGic.Gic.Topology.Regular(32, 16, 2)), TimingModel.Default).AcrossChips);
    }

    /// <summary>
    /// Four chips on four nodes, the reclaimer on chip 0: nodes 1-3 reach each other in 130 ns
    /// directly, but through node 0 (the reclaimer's links, 20 ns each way) in 40; each node's way
    /// out and back is 40 ns.
    /// </summary>
    [Fact]
    public void The_lookahead_between_two_nodes_is_the_shortest_path_over_the_links_between_their_chips()
    {
        var topology = ActorGic.Gic.Topology.Regular(64, 16, 1);
        var plain = new Horizons(new Layout(topology), TimingModel.Default).BetweenNodes(4, chip => chip);
        for (int m = 0; m < 4; m++)
            for (int n = 0; n < 4; n++)
                Assert.Equal(m == n ? 260 : 130, plain[m, n]);
        var withReclaimer = new Horizons(new Layout(topology, reclaimer: true), TimingModel.Default).BetweenNodes(4, chip => chip);
        Assert.Equal(20, withReclaimer[0, 3]);
        Assert.Equal(20, withReclaimer[3, 0]);
        Assert.Equal(40, withReclaimer[1, 2]); // through node 0
        Assert.Equal(40, withReclaimer[2, 2]);
        // Two chips per node: the nodes are linked as their chips are.
        var paired = new Horizons(new Layout(topology), TimingModel.Default, cpuAtomics: false).BetweenNodes(2, chip => chip / 2);
        Assert.Equal(new long[,] { { 600, 300 }, { 300, 600 } }, paired);
    }
}
