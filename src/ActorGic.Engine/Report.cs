using System.Security.Cryptography;
using ActorGic.Gic;

namespace ActorGic.Engine;

public sealed record LatencySummary(long Count, long P50, long P99, long Max)
{
    /// <summary>Exact nearest-rank percentiles over every sample, already sorted (the report sorts each distribution once, for this and for the digest).</summary>
    public static LatencySummary OfSorted(long[] sorted) =>
        sorted.Length == 0 ? new LatencySummary(0, 0, 0, 0) : new LatencySummary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1]);

    private static long Rank(long[] sorted, double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

public sealed record CpuReport(int Cpu, string Mpidr, CpuState State, IReadOnlyDictionary<int, long> Acks, long Spurious)
{
    /// <summary>Handler runs per IPI of the profile, zeros included: the /proc/interrupts row.</summary>
    public IReadOnlyDictionary<string, long> Ipis { get; init; } = new Dictionary<string, long>();
    /// <summary>The IPI whose handler parked this CPU (smp_send_stop's pass), or null.</summary>
    public string? StoppedBy { get; init; }
    public bool Backtrace { get; init; }
    public bool KgdbRoundup { get; init; }
    /// <summary>NMI broker handler runs per user on this CPU.</summary>
    public IReadOnlyDictionary<string, long> NmiUsers { get; init; } = new Dictionary<string, long>();
}

/// <summary>The kernel flows' outcomes: which CPUs never answered.</summary>
public sealed record FlowOutcomes(IReadOnlyList<int> NotStopped, IReadOnlyList<int> BacktraceMissing, IReadOnlyList<int> KgdbMissing,
    IReadOnlyList<int> Backtraces)
{
    /// <summary>What the stops printed ("SMP: failed to stop secondary CPUs 0-19"), CPU by CPU, each CPU's in order.</summary>
    public IReadOnlyList<string> Console { get; init; } = [];
}

/// <summary>
/// Software requests of one IPI: requested = handled + pending + lost. <see cref="Refused"/>
/// counts requests of an owner that held no SGI at the time (not part of requested).
/// </summary>
public sealed record IpiCounts(long Requested, long SgiSent, long Handled, long Pending, long Lost)
{
    public long Refused { get; init; }
}

/// <summary>Set-pendings a redistributor discarded: <paramref name="Count"/> of SGI <paramref name="Sgi"/> at CPU <paramref name="Cpu"/>, for <paramref name="Reason"/> ("firmware" or "group").</summary>
public sealed record DropCount(int Cpu, int Sgi, string Reason, long Count);

public sealed record Totals(long SgiWrites, long Sent, long Coalesced, long Delivered, long Dropped, long Pending, long Lost)
{
    /// <summary>The targets of every ICC_SGI1R_EL1 write, counted at the writers: sent + still travelling as writes + lost before a distributor.</summary>
    public long SgiTargets { get; init; }
}

public sealed record SgiTableRow(int Sgi, string? Owner, bool Nmi, string Mode)
{
    /// <summary>The IPIs a host's or the broker's handler carries besides its own, comma-separated ("" for none).</summary>
    public string Carries { get; init; } = "";
}

/// <summary>The report of SCENARIOS.md section 3, before it is written as JSON or as a table.</summary>
public sealed partial record RunReport
{
    public required string Scenario { get; init; }
    public long Seed { get; init; }
    public required string Engine { get; init; }
    public int Nodes { get; init; } = 1;
    public bool Complete { get; init; } = true;
    public int Cpus { get; init; }
    public long EndNs { get; init; }
    public long ReachedNs { get; init; }
    public required IReadOnlyList<CpuReport> PerCpu { get; init; }
    public required Totals Totals { get; init; }
    public required IReadOnlyDictionary<string, LatencySummary> LatencyNs { get; init; }
    /// <summary>Each latency distribution of <see cref="LatencyNs"/> as log-linear buckets, made from the same sorted samples.</summary>
    public IReadOnlyDictionary<string, LatencyHistogram> LatencyHistograms { get; init; } = new Dictionary<string, LatencyHistogram>();
    /// <summary>Per IPI of the profile (empty for profile none).</summary>
    public IReadOnlyDictionary<string, IpiCounts> PerIpi { get; init; } = new Dictionary<string, IpiCounts>();
    /// <summary>How each IPI of the profile travels at the end: dedicated, merged, ipi-mux, nmi-mux, or none.</summary>
    public IReadOnlyDictionary<string, string> IpiModes { get; init; } = new Dictionary<string, string>();
    /// <summary>Per NMI broker user (empty without a broker).</summary>
    public IReadOnlyDictionary<string, IpiCounts> PerNmiUser { get; init; } = new Dictionary<string, IpiCounts>();
    /// <summary>The kernel profile's /proc/interrupts labels per SGI (empty for profile none).</summary>
    public IReadOnlyDictionary<int, string> IpiLabels { get; init; } = new Dictionary<int, string>();
    public string Profile { get; init; } = "none";
    public FlowOutcomes Flows { get; init; } = new([], [], [], []);
    public required IReadOnlyList<SgiTableRow> SgiTable { get; init; }
    /// <summary>Every request-sgi and release-sgi with its outcome (empty without the reclaimer).</summary>
    public IReadOnlyList<ReclaimRecord> Reclaims { get; init; } = [];
    /// <summary>Discarded set-pendings by CPU, SGI and reason (firmware's SGI, or a group the GIC does not signal here).</summary>
    public IReadOnlyList<DropCount> Drops { get; init; } = [];
    public required IReadOnlyList<string> Violations { get; init; }
    /// <summary>What the profile programmed at boot: masking, PMR values, each SGI's group, priority and NMI bit.</summary>
    public ProgrammedGic? Programmed { get; init; }
    /// <summary>The replayed trace's accounting and recorded latencies beside the model's (null without a replay).</summary>
    public ReplayReport? Replay { get; init; }
    public required string Digest { get; init; }
    public long Events { get; init; }
    public bool InvariantsOk => Violations.Count == 0;

    /// <summary>Builds the report from a finished simulation (all components local).</summary>
    public static RunReport Build(Simulation sim, RunOutcome outcome, string engine, int nodes = 1) =>
        Build(sim, RunFacts.Of(sim), outcome, engine, nodes);

    /// <summary>
    /// Builds the report from the components' facts: taken locally, or merged from the nodes of a
    /// cluster. The scenario-level parts (layout, routing, reclaimer) come from <paramref name="sim"/>.
    /// </summary>
    public static RunReport Build(Simulation sim, RunFacts f, RunOutcome outcome, string engine, int nodes = 1)
    {
        var layout = sim.Layout;
        var kernel = sim.Scenario.Kernel;
        var perCpu = new List<CpuReport>(layout.Cpus);
        var violations = new List<string>();
        var latencies = new SortedDictionary<int, List<long>>();
        long writes = 0, targets = 0, coalesced = 0, delivered = 0, dropped = 0, latched = 0, sent = 0;
        var drops = new List<DropCount>();
        for (int cpu = 0; cpu < layout.Cpus; cpu++)
        {
            var c = f.Cpu(cpu);
            var r = f.Redistributor(cpu);
            var acks = new SortedDictionary<int, long>();
            for (int intid = 0; intid < c.Acks.Length; intid++)
                if (c.Acks[intid] != 0) acks[intid] = c.Acks[intid];
            perCpu.Add(new CpuReport(cpu, layout.Topology.MpidrOf(cpu).ToString(), c.State, acks, c.Spurious)
            {
                Ipis = kernel is null ? new Dictionary<string, long>()
                    : LinuxOwners(sim).ToDictionary(o => sim.Owners.Name(o), o => c.HandlerRuns.At(o)),
                StoppedBy = c.StoppedBy,
                Backtrace = c.Backtraced,
                KgdbRoundup = c.RoundedUp,
                NmiUsers = sim.Mux?.Broker.Users.ToDictionary(u => u.Name, u => c.MuxHandled.At(u.Bit)) ?? new Dictionary<string, long>(),
            });
            writes += c.SgiWrites;
            targets += c.SgiTargets;
            coalesced += r.Coalesced;
            delivered += r.Delivered;
            dropped += r.Dropped;
            for (int i = 0; i + 2 < r.Drops.Length; i += 3)
                drops.Add(new DropCount(cpu, (int)r.Drops[i], ((DropReason)r.Drops[i + 1]).ToString().ToLowerInvariant(), r.Drops[i + 2]));
            latched += r.LatchedSgis;
            violations.AddRange(c.Violations);
            violations.AddRange(r.Violations);
            for (int owner = 0; owner < sim.Owners.Count; owner++)
            {
                if (r.Latencies.At(owner) is not { Length: > 0 } samples) continue;
                if (!latencies.TryGetValue(owner, out var list)) latencies[owner] = list = new List<long>();
                list.AddRange(samples);
            }
        }
        for (int chip = 0; chip < layout.Chips; chip++) sent += f.DistributorSent[chip];
        long inFlight = outcome.InFlight.Count(e => e.Kind == EventKind.SetPending);
        long pending = latched + inFlight;
        long lostAtRedistributors = sent - coalesced - delivered - dropped - pending;
        // SGI-level conservation from the writers' side, under every profile: each target of each
        // write became a set-pending, or is still travelling as a write (possibly across a chip).
        long writesInFlight = outcome.InFlight.Where(e => e.Kind == EventKind.SgiWrite).Sum(e => TargetsOf(layout, e));
        long lostBeforeRedistributors = targets - sent - writesInFlight;
        long lost = lostAtRedistributors + lostBeforeRedistributors;
        var modes = new Dictionary<string, string>();
        var perIpi = kernel is null ? new Dictionary<string, IpiCounts>() : PerIpiCounts(sim, f, outcome, modes);
        var perNmiUser = PerNmiUserCounts(sim, f, outcome);
        foreach (var (name, ipi) in perIpi)
            if (ipi.Lost != 0) violations.Add($"lost {ipi.Lost} {name} request(s)");
        violations.AddRange(RouteViolations(sim, f, outcome));
        violations.AddRange(HungCpuNmiViolations(sim, f, outcome.ReachedNs));
        foreach (var (name, user) in perNmiUser)
            if (user.Lost != 0) violations.Add($"lost {user.Lost} request(s) of NMI user {name}");
        var sgiTable = BuildSgiTable(sim);
        var (latencyNs, latencySamples) = LatencyByName(sim, f, latencies);
        var histograms = latencySamples.ToDictionary(kv => kv.Key, kv => LatencyHistogram.OfSorted(kv.Value));
        if (lostAtRedistributors != 0)
            violations.Add($"lost {lostAtRedistributors} SGI(s): sent {sent} != coalesced {coalesced} + delivered {delivered} + dropped {dropped} + pending {pending}");
        if (lostBeforeRedistributors != 0)
            violations.Add($"lost {lostBeforeRedistributors} SGI(s) between the writers and the redistributors: the writes named {targets} target(s), " +
                $"the distributors sent {sent} set-pending(s) and {writesInFlight} still travel as writes");
        var report = new RunReport
        {
            Scenario = sim.Scenario.Name,
            Seed = sim.Scenario.Seed,
            Engine = engine,
            Nodes = nodes,
            Complete = outcome.Complete,
            Cpus = layout.Cpus,
            EndNs = sim.Scenario.End,
            ReachedNs = outcome.ReachedNs,
            PerCpu = perCpu,
            Totals = new Totals(writes, sent, coalesced, delivered, dropped, pending, lost) { SgiTargets = targets },
            LatencyNs = latencyNs,
            LatencyHistograms = histograms,
            Flows = BuildFlows(f, sim.Layout.Cpus),
            SgiTable = sgiTable,
            Reclaims = [.. BootMoves(sim), .. sim.Reclaimer?.Records ?? []],
            Drops = drops,
            PerIpi = perIpi,
            IpiModes = modes,
            PerNmiUser = perNmiUser,
            IpiLabels = IpiLabelsOf(sim, sgiTable),
            Profile = sim.Scenario.Profile,
            Violations = violations,
            Programmed = ProgrammedGic.Of(sim),
            Replay = ReplayReport.Of(sim, f, latencyNs),
            Digest = "",
            Events = outcome.Events,
        };
        return report with { Digest = ComputeDigest(f.Chains, report, latencySamples) };
    }

    /// <summary>
    /// The SGI table's move at boot, as a reclaims entry with op "boot": the NMI broker's slot, taken
    /// from a free SGI, from the era's NMI IPIs (kernel.nmi-mux = on), or from the least valuable owner
    /// that may give its SGI up (moved onto its host's flag; nothing is in flight at boot, so no drain).
    /// Its "asked" lines say which path the era's NMI flows take, which the table alone leaves open.
    /// </summary>
    private static IEnumerable<ReclaimRecord> BootMoves(Simulation sim)
    {
        if (sim.Mux is not { } plan || sim.Scenario.Kernel is not { } kernel) yield break;
        var r = new ReclaimRecord("boot", "nmi-broker", 0, 0) { Outcome = "granted", Sgi = plan.Sgi, DoneNs = 0 };
        if (plan.BootVictim is { } victim)
        {
            r.Victim = victim.Name;
            r.VictimMode = MovedMode(sim, victim.Name);
            r.Asked.Add($"{victim.Name} (SGI {victim.Sgi}): no SGI was free; moved at boot onto its host's flag ({r.VictimMode}), the least valuable owner that may give its SGI up");
        }
        else if (plan.Absorbed.Count == 0) r.Asked.Add($"SGI {plan.Sgi} was free");
        var absorbed = kernel.Ipis.Where(i => plan.Absorbed.Contains(i.Name)).OrderBy(i => i.Sgi).ToList();
        if (absorbed.Count > 0)
        {
            var freed = absorbed.Where(i => i.Sgi != plan.Sgi).Select(i => i.Sgi).ToList();
            r.Asked.Add($"kernel.nmi-mux = on: {string.Join(", ", absorbed.Select(i => $"{i.Name} as {plan.UserFor(i.Name)}"))} travel on the broker" +
                        (freed.Count > 0 ? $"; SGI {string.Join(", ", freed)} freed" : ""));
        }
        var own = kernel.Ipis.Where(i => i.Nmi && !plan.Absorbed.Contains(i.Name) && ActorGic.Kernel.NmiBroker.UserFor(i.Name) is not null).OrderBy(i => i.Sgi).ToList();
        if (own.Count > 0)
            r.Asked.Add($"{string.Join(", ", own.Select(i => $"{i.Name} (SGI {i.Sgi})"))} keep their own SGIs: the era's flows use them, " +
                        $"the broker's {string.Join(", ", own.Select(i => ActorGic.Kernel.NmiBroker.UserFor(i.Name)))} only serve do = nmi");
        yield return r;
    }

    /// <summary>The owners a Linux profile reports: its IPIs, then the purposes request-sgi asked for.</summary>
    private static IEnumerable<int> LinuxOwners(Simulation sim) =>
        sim.Scenario.Kernel!.Ipis.Select(i => i.Sgi).Concat(Enumerable.Range(Owners.BootSlots, sim.Owners.Count - Owners.BootSlots));

    /// <summary>Each owner's route at the end: the reclaimer's table, or the boot routing.</summary>
    private static IReadOnlyList<Route> FinalRoutes(Simulation sim) => sim.Reclaimer?.Routes ?? sim.Boot.Routes;

    private static string RouteMode(Simulation sim, int owner, Route route) => route.Kind switch
    {
        RouteKind.Dedicated => "dedicated",
        RouteKind.Nmi => "nmi-mux",
        RouteKind.Flag => MovedMode(sim, sim.Owners.Name(owner)),
        _ => "none",
    };

    /// <summary>What riding a host's flag is called for this IPI: merged or ipi-mux, by its class.</summary>
    private static string MovedMode(Simulation sim, string ipi) =>
        ActorGic.Kernel.SgiPolicy.ModeOf(ActorGic.Kernel.SgiPolicy.ClassOf(sim.Scenario.Kernel![ipi]));

    /// <summary>
    /// The 16 rows at the end of the run. Profile none leaves every SGI to the harness (all free).
    /// A host row lists the merged or ipi-muxed IPIs its handler carries, the broker's row its users.
    /// </summary>
    private static IReadOnlyList<SgiTableRow> BuildSgiTable(Simulation sim)
    {
        var scenario = sim.Scenario;
        if (scenario.Kernel is null)
            return Enumerable.Range(0, Intid.SgiCount).Select(sgi => new SgiTableRow(sgi, null, false, "free")).ToList();
        bool nmiOn = scenario.Gic.Nmi != NmiMode.None;
        var routes = FinalRoutes(sim);
        var slotOwners = sim.Reclaimer?.SlotOwners;
        var rows = new List<SgiTableRow>(Intid.SgiCount);
        for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
        {
            int owner = slotOwners?[sgi] ?? sim.Boot.Handlers[sgi];
            if (owner == BootRouting.BrokerHandler)
            {
                rows.Add(new SgiTableRow(sgi, "nmi-broker", nmiOn, "nmi-mux") { Carries = string.Join(",", sim.Mux!.Broker.Users.Select(u => u.Name)) });
                continue;
            }
            if (owner < 0)
            {
                rows.Add(new SgiTableRow(sgi, null, false,
                    owner == ReclaimerComponent.Stale ? "stale" : sgi >= scenario.Gic.NonSecureSgis ? "firmware" : "free"));
                continue;
            }
            var carried = Enumerable.Range(0, Owners.BootSlots)
                .Where(o => routes[o].Kind == RouteKind.Flag && routes[o].Sgi == sgi).ToList();
            string mode = carried.Count == 0 ? "dedicated"
                : carried.Any(o => RouteMode(sim, o, routes[o]) == "ipi-mux") ? "ipi-mux" : "merged";
            rows.Add(new SgiTableRow(sgi, sim.Owners.Name(owner), sim.Owners.Nmi(owner) && nmiOn, mode)
            {
                Carries = string.Join(",", carried.Select(sim.Owners.Name)),
            });
        }
        return rows;
    }

    /// <summary>
    /// Requests per owner (each IPI of the profile, each purpose): made by senders on its own SGI
    /// or on a host's flag, served by handler runs at the targets, still waiting (latched, flagged,
    /// or travelling at the end), and whatever is left: lost, which must be 0. An IPI the broker
    /// carries is counted under per_nmi_user.
    /// </summary>
    private static Dictionary<string, IpiCounts> PerIpiCounts(Simulation sim, RunFacts f, RunOutcome outcome, Dictionary<string, string> modes)
    {
        var layout = sim.Layout;
        int owners = sim.Owners.Count;
        var travelling = new long[owners];
        foreach (var e in outcome.InFlight)
        {
            if (e.Kind == EventKind.SetPending && e.C > 0) travelling[e.C - 1]++;
            else if (e.Kind == EventKind.SgiWrite && e.B >> DistributorComponent.TagShift is > 0 and var tag)
                travelling[tag - 1] += TargetsOf(layout, e);
            else if (e.Kind == EventKind.MuxSet && (e.A & CpuComponent.FlagWord) != 0) travelling[e.A & 0xFF]++;
        }
        var routes = FinalRoutes(sim);
        var counts = new Dictionary<string, IpiCounts>();
        long callInFlight = outcome.InFlight.Count(e => e.Kind == EventKind.RemoteAtomic);
        foreach (int owner in LinuxOwners(sim))
        {
            string name = sim.Owners.Name(owner);
            string mode = RouteMode(sim, owner, routes[owner]);
            if (name == "CALL_FUNC")
            {
                // The software request is the queued call: made by the caller, run by the target's handler.
                long req = 0, sent = 0, ran = 0, queued = callInFlight;
                for (int cpu = 0; cpu < layout.Cpus; cpu++)
                {
                    var c = f.Cpu(cpu);
                    (req, sent, ran, queued) = (req + c.CallRequested, sent + c.CallSgiSent, ran + c.CallServed, queued + c.CallQueueLength);
                }
                counts[name] = new IpiCounts(req, sent, ran, queued, req - ran - queued);
                modes[name] = mode;
                continue;
            }
            long requested = 0, sgiSent = 0, handled = 0, waiting = travelling[owner], refused = 0;
            for (int cpu = 0; cpu < layout.Cpus; cpu++)
            {
                var c = f.Cpu(cpu);
                var r = f.Redistributor(cpu);
                requested += c.Requested.At(owner) + c.FlagRequested.At(owner);
                sgiSent += c.Requested.At(owner) + c.FlagSgiSent.At(owner);
                handled += r.Served.At(owner) + c.FlagServed.At(owner);
                waiting += r.Waiting.At(owner) + c.FlagWaiting.At(owner);
                refused += c.Refused.At(owner);
            }
            counts[name] = new IpiCounts(requested, sgiSent, handled, waiting, requested - handled - waiting) { Refused = refused };
            modes[name] = mode;
        }
        return counts;
    }

    /// <summary>
    /// Latency per owner name (per SGI for profile none). CALL_FUNC's is per queued call. An IPI
    /// that travelled both on its own SGI and on a host's flag also gets NAME/dedicated and
    /// NAME/merged (or /ipi-mux): what moving it cost.
    /// </summary>
    private static (Dictionary<string, LatencySummary>, SortedDictionary<string, long[]>) LatencyByName(Simulation sim, RunFacts f,
        SortedDictionary<int, List<long>> byOwner)
    {
        var kernel = sim.Scenario.Kernel;
        var result = new Dictionary<string, LatencySummary>();
        var samplesByName = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        void Add(string name, List<long> samples)
        {
            var sorted = samples.ToArray();
            Array.Sort(sorted);
            result[name] = LatencySummary.OfSorted(sorted);
            samplesByName[name] = sorted;
        }
        var flagged = new SortedDictionary<int, List<long>>();
        for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++)
            for (int owner = 0; owner < Owners.BootSlots; owner++)
                if (f.Cpu(cpu).FlagLatencies.At(owner) is { Length: > 0 } samples)
                {
                    if (!flagged.TryGetValue(owner, out var list)) flagged[owner] = list = new List<long>();
                    list.AddRange(samples);
                }
        foreach (int owner in byOwner.Keys.Union(flagged.Keys).Order())
        {
            string name = sim.Owners.Name(owner);
            if (name == "CALL_FUNC") continue;
            var dedicated = byOwner.GetValueOrDefault(owner) ?? new List<long>();
            var moved = flagged.GetValueOrDefault(owner) ?? new List<long>();
            Add(name, [.. dedicated, .. moved]);
            if (dedicated.Count > 0 && moved.Count > 0)
            {
                Add($"{name}/dedicated", dedicated);
                Add($"{name}/{MovedMode(sim, name)}", moved);
            }
        }
        if (sim.Mux is not null)
        {
            foreach (var user in sim.Mux.Broker.Users)
            {
                var samples = new List<long>();
                for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++) samples.AddRange(f.Cpu(cpu).MuxLatencies.At(user.Bit));
                if (samples.Count > 0) Add($"nmi:{user.Name}", samples);
            }
        }
        if (kernel?.Has("CALL_FUNC") == true)
        {
            var calls = new List<long>();
            for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++) calls.AddRange(f.Cpu(cpu).CallLatencies);
            if (calls.Count > 0) Add("CALL_FUNC", calls);
        }
        return (result, samplesByName);
    }

    /// <summary>/proc/interrupts labels per SGI at the end: the owner's, or the broker's.</summary>
    private static Dictionary<int, string> IpiLabelsOf(Simulation sim, IReadOnlyList<SgiTableRow> table)
    {
        var labels = new Dictionary<int, string>();
        if (sim.Scenario.Kernel is not { } kernel) return labels;
        foreach (var row in table)
        {
            if (row.Owner == "nmi-broker") labels[row.Sgi] = "NMI broker interrupts";
            else if (row.Owner is not null) labels[row.Sgi] = kernel.Has(row.Owner) ? kernel[row.Owner].ProcLabel : $"{row.Owner} interrupts";
        }
        return labels;
    }

    /// <summary>
    /// An NMI must get through to a CPU hung with IRQs masked: that is what NMIs are for, and what
    /// a user moved onto the shared NMI SGI must keep. A request of an NMI owner or broker user
    /// still waiting on a hung CPU longer than invariants.nmi-deadline at the end is a violation.
    /// </summary>
    private static IEnumerable<string> HungCpuNmiViolations(Simulation sim, RunFacts f, long reached)
    {
        if (sim.Scenario.Gic.Nmi == NmiMode.None || sim.Scenario.Kernel is null) yield break;
        long deadline = sim.Scenario.NmiDeadline;
        for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++)
        {
            if (f.Cpu(cpu).State != CpuState.Hung) continue;
            foreach (var (owner, t) in Pairs(f.Redistributor(cpu).WaitingDetail))
                if (sim.Owners.Nmi(owner) && reached - t > deadline)
                {
                    yield return $"cpu {cpu} is hung with IRQs masked and the NMI {sim.Owners.Name(owner)} requested at t={t} still waits at t={reached}";
                    break;
                }
            foreach (var (bit, t) in Pairs(f.Cpu(cpu).MuxWaitingDetail))
                if (reached - t > deadline)
                {
                    yield return $"cpu {cpu} is hung with IRQs masked and the NMI broker user {sim.Mux!.Broker.Users.First(u => u.Bit == bit).Name} requested at t={t} still waits at t={reached}";
                    break;
                }
        }
    }

    private static IEnumerable<(int, long)> Pairs(long[] flat)
    {
        for (int i = 0; i + 1 < flat.Length; i += 2) yield return ((int)flat[i], flat[i + 1]);
    }

    /// <summary>
    /// After the reclaimer's last negotiation every CPU must send each owner the way the table
    /// says, and run the table's handler on each SGI: otherwise an SGI has two owners somewhere.
    /// </summary>
    private static IEnumerable<string> RouteViolations(Simulation sim, RunFacts f, RunOutcome outcome)
    {
        if (sim.Reclaimer is not { } reclaimer || reclaimer.Records.Any(r => r.Outcome == "pending")) yield break;
        // The run ended while a switch, a fence or an install was on its way: the CPUs may rightly differ. The
        // reclaimer's own timers (a drain bound, a margin) are no such message: a bound timer still pending
        // after every reclaim of the run had disabled this check in every run with a reclaim near its end.
        if (outcome.InFlight.Any(e => e.Kind == EventKind.Reclaim && (ReclaimOp)e.A != ReclaimOp.Timer)) yield break;
        for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++)
        {
            var c = f.Cpu(cpu);
            for (int owner = 0; owner < sim.Owners.Count; owner++)
                if (c.RouteOf(owner, sim.Boot) != reclaimer.Routes[owner])
                {
                    yield return $"cpu {cpu} sends {sim.Owners.Name(owner)} as {c.RouteOf(owner, sim.Boot)}, the reclaimer's table says {reclaimer.Routes[owner]}";
                    yield break;
                }
            for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
            {
                if (reclaimer.SlotOwners[sgi] == ReclaimerComponent.Stale) continue; // differs by design; nothing routes to it
                int table = reclaimer.SlotOwners[sgi] is var o && o >= 0 || o == BootRouting.BrokerHandler ? o : -1;
                if (c.HandlerOf(sgi, sim.Boot) != table)
                {
                    yield return $"cpu {cpu} runs handler {c.HandlerOf(sgi, sim.Boot)} on SGI {sgi}, the reclaimer's table says {table}: two owners";
                    yield break;
                }
            }
        }
    }

    /// <summary>Requests per broker user: made, causing an SGI (bit was clear), served by a handler run, still waiting.</summary>
    private static Dictionary<string, IpiCounts> PerNmiUserCounts(Simulation sim, RunFacts f, RunOutcome outcome)
    {
        var counts = new Dictionary<string, IpiCounts>();
        if (sim.Mux is null) return counts;
        foreach (var user in sim.Mux.Broker.Users)
        {
            long requested = 0, sent = 0, served = 0;
            long waiting = outcome.InFlight.Count(e => e.Kind == EventKind.MuxSet && e.A == user.Bit);
            for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++)
            {
                var c = f.Cpu(cpu);
                requested += c.MuxRequested.At(user.Bit);
                sent += c.MuxSgiSent.At(user.Bit);
                served += c.MuxServed.At(user.Bit);
                waiting += c.MuxWaiting.At(user.Bit);
            }
            counts[user.Name] = new IpiCounts(requested, sent, served, waiting, requested - served - waiting);
        }
        return counts;
    }

    private static FlowOutcomes BuildFlows(RunFacts f, int count)
    {
        var cpus = Enumerable.Range(0, count).Select(f.Cpu).ToList();
        var notStopped = cpus.SelectMany(c => c.NotStopped).Distinct().Order().ToList();
        var backtraceMissing = cpus.SelectMany(c => c.BacktraceTargets).Distinct().Where(t => !f.Cpu(t).Backtraced).Order().ToList();
        var kgdbMissing = cpus.SelectMany(c => c.KgdbTargets).Distinct().Where(t => !f.Cpu(t).RoundedUp).Order().ToList();
        var backtraces = Enumerable.Range(0, cpus.Count).Where(i => cpus[i].Backtraced).ToList();
        return new FlowOutcomes(notStopped, backtraceMissing, kgdbMissing, backtraces)
        {
            Console = cpus.SelectMany(c => c.KernelMessages).ToList(),
        };
    }

    /// <summary>How many CPUs an ICC_SGI1R_EL1 write still travelling will reach.</summary>
    private static long TargetsOf(Layout layout, in SimEvent write)
    {
        var sgi = Sgi1r.Decode((ulong)write.C);
        if (sgi.Irm)
        {
            if ((write.B & DistributorComponent.RemoteFlag) == 0) return layout.Cpus - 1;
            var chipCpus = layout.CpusOfChip[write.Target - 2 * layout.Cpus];
            return chipCpus.Length - (chipCpus.Contains(write.A) ? 1 : 0);
        }
        var slots = layout.Topology.ClusterSlots(sgi.ClusterId);
        long n = 0;
        for (int bit = 0; bit < slots.Length; bit++)
            if ((sgi.TargetList >> bit & 1) != 0 && slots[bit] >= 0) n++;
        return n;
    }
}

public static class RunReportExtensions
{
    /// <summary>How many times <paramref name="cpu"/> acknowledged <paramref name="intid"/>.</summary>
    public static long Acks(this RunReport report, int cpu, int intid) =>
        report.PerCpu[cpu].Acks.TryGetValue(intid, out long n) ? n : 0;

    /// <summary>The CPUs that acknowledged <paramref name="intid"/> at least once, ascending.</summary>
    public static int[] CpusThatAcked(this RunReport report, int intid) =>
        report.PerCpu.Where(c => c.Acks.ContainsKey(intid)).Select(c => c.Cpu).ToArray();
}
