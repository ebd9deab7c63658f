using System.Security.Cryptography;
using ActorGic.Gic;

namespace ActorGic.Engine;

public sealed record LatencySummary(long Count, long P50, long P99, long Max)
{
    /// <summary>Exact nearest-rank percentiles over every sample.</summary>
    public static LatencySummary Of(List<long> samples)
    {
        if (samples.Count == 0) return new LatencySummary(0, 0, 0, 0);
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1]);
    }

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
    IReadOnlyList<int> Backtraces);

/// <summary>Software requests of one IPI: requested = handled + pending + lost.</summary>
public sealed record IpiCounts(long Requested, long SgiSent, long Handled, long Pending, long Lost);

public sealed record Totals(long SgiWrites, long Sent, long Coalesced, long Delivered, long Dropped, long Pending, long Lost);

public sealed record SgiTableRow(int Sgi, string? Owner, bool Nmi, string Mode);

/// <summary>The report of SCENARIOS.md section 3, before it is written as JSON or as a table.</summary>
public sealed record RunReport
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
    /// <summary>Per IPI of the profile (empty for profile none).</summary>
    public IReadOnlyDictionary<string, IpiCounts> PerIpi { get; init; } = new Dictionary<string, IpiCounts>();
    /// <summary>Per NMI broker user (empty without a broker).</summary>
    public IReadOnlyDictionary<string, IpiCounts> PerNmiUser { get; init; } = new Dictionary<string, IpiCounts>();
    /// <summary>The kernel profile's /proc/interrupts labels per SGI (empty for profile none).</summary>
    public IReadOnlyDictionary<int, string> IpiLabels { get; init; } = new Dictionary<int, string>();
    public string Profile { get; init; } = "none";
    public FlowOutcomes Flows { get; init; } = new([], [], [], []);
    public required IReadOnlyList<SgiTableRow> SgiTable { get; init; }
    public required IReadOnlyList<string> Violations { get; init; }
    public required string Digest { get; init; }
    public long Events { get; init; }
    public bool InvariantsOk => Violations.Count == 0;

    /// <summary>Builds the report from a finished simulation (all components local).</summary>
    public static RunReport Build(Simulation sim, RunOutcome outcome, string engine, int nodes = 1)
    {
        var layout = sim.Layout;
        var kernel = sim.Scenario.Kernel;
        var perCpu = new List<CpuReport>(layout.Cpus);
        var violations = new List<string>();
        var latencies = new SortedDictionary<int, List<long>>();
        long writes = 0, coalesced = 0, delivered = 0, dropped = 0, latched = 0, sent = 0;
        for (int cpu = 0; cpu < layout.Cpus; cpu++)
        {
            var c = sim.Cpu(cpu);
            var r = sim.Redistributor(cpu);
            var acks = new SortedDictionary<int, long>();
            for (int intid = 0; intid < c.Acks.Length; intid++)
                if (c.Acks[intid] != 0) acks[intid] = c.Acks[intid];
            perCpu.Add(new CpuReport(cpu, layout.Topology.MpidrOf(cpu).ToString(), c.State, acks, c.Spurious)
            {
                Ipis = kernel?.Ipis.ToDictionary(i => i.Name, i => sim.Mux?.Absorbed.Contains(i.Name) == true ? 0 : c.Acks[i.Sgi])
                    ?? new Dictionary<string, long>(),
                StoppedBy = c.StoppedBy,
                Backtrace = c.Backtraced,
                KgdbRoundup = c.RoundedUp,
                NmiUsers = sim.Mux?.Broker.Users.ToDictionary(u => u.Name, u => c.MuxHandled[u.Bit]) ?? new Dictionary<string, long>(),
            });
            writes += c.SgiWrites;
            coalesced += r.Coalesced;
            delivered += r.Delivered;
            dropped += r.Dropped;
            latched += r.LatchedSgis;
            violations.AddRange(c.Violations);
            violations.AddRange(r.Violations);
            for (int intid = 0; intid < Intid.SgiCount; intid++)
            {
                if (r.Latencies(intid) is not { } samples) continue;
                if (!latencies.TryGetValue(intid, out var list)) latencies[intid] = list = new List<long>();
                samples.CopyTo(list);
            }
        }
        for (int chip = 0; chip < layout.Chips; chip++) sent += sim.Distributor(chip).Sent;
        long inFlight = outcome.InFlight.Count(e => e.Kind == EventKind.SetPending);
        long pending = latched + inFlight;
        long lost = sent - coalesced - delivered - dropped - pending;
        var perIpi = kernel is null ? new Dictionary<string, IpiCounts>() : PerIpiCounts(sim, outcome);
        var perNmiUser = PerNmiUserCounts(sim, outcome);
        foreach (var (name, ipi) in perIpi)
            if (ipi.Lost != 0) violations.Add($"lost {ipi.Lost} {name} request(s)");
        foreach (var (name, user) in perNmiUser)
            if (user.Lost != 0) violations.Add($"lost {user.Lost} request(s) of NMI user {name}");
        if (lost != 0) violations.Add($"lost {lost} SGI(s): sent {sent} != coalesced {coalesced} + delivered {delivered} + dropped {dropped} + pending {pending}");
        return new RunReport
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
            Totals = new Totals(writes, sent, coalesced, delivered, dropped, pending, lost),
            LatencyNs = LatencyByName(sim, latencies),
            Flows = BuildFlows(sim),
            SgiTable = BuildSgiTable(sim.Scenario, sim.Mux),
            PerIpi = perIpi,
            PerNmiUser = perNmiUser,
            IpiLabels = IpiLabelsOf(kernel, sim.Mux),
            Profile = sim.Scenario.Profile,
            Violations = violations,
            Digest = ComputeDigest(sim.Components.Select(c => c.Trace)),
            Events = outcome.Events,
        };
    }

    /// <summary>Profile none leaves every SGI to the harness (all 16 free); a Linux profile owns its IPIs' SGIs.</summary>
    private static IReadOnlyList<SgiTableRow> BuildSgiTable(Scenario scenario, NmiMuxPlan? mux)
    {
        if (scenario.Kernel is not { } kernel)
            return Enumerable.Range(0, Intid.SgiCount).Select(sgi => new SgiTableRow(sgi, null, false, "free")).ToList();
        bool nmiOn = scenario.Gic.Nmi != NmiMode.None;
        return kernel.SgiTable(scenario.Gic.NonSecureSgis).Select(r =>
            mux is not null && r.Sgi == mux.Sgi ? new SgiTableRow(r.Sgi, "nmi-broker", nmiOn, "nmi-mux")
            : mux is not null && mux.IsFreed(r.Sgi, kernel) ? new SgiTableRow(r.Sgi, null, false, "free")
            : new SgiTableRow(r.Sgi, r.Owner, r.Nmi && nmiOn, r.Mode)).ToList();
    }

    /// <summary>
    /// Requests per IPI: made by senders, served by handler runs at the targets, still waiting
    /// (latched, or travelling at the end), and whatever is left: lost, which must be 0.
    /// </summary>
    private static Dictionary<string, IpiCounts> PerIpiCounts(Simulation sim, RunOutcome outcome)
    {
        var layout = sim.Layout;
        var travelling = new long[Intid.SgiCount];
        foreach (var e in outcome.InFlight)
        {
            if (e.Kind == EventKind.SetPending) travelling[e.A]++;
            else if (e.Kind == EventKind.SgiWrite) travelling[(int)((e.C >> 24) & 0xF)] += TargetsOf(layout, e);
        }
        var counts = new Dictionary<string, IpiCounts>();
        long callInFlight = outcome.InFlight.Count(e => e.Kind == EventKind.RemoteAtomic);
        foreach (var ipi in sim.Scenario.Kernel!.Ipis)
        {
            if (sim.Mux is not null && sim.Mux.Absorbed.Contains(ipi.Name))
            {
                counts[ipi.Name] = new IpiCounts(0, 0, 0, 0, 0); // it travels as an NMI broker user now: see per_nmi_user
                continue;
            }
            if (ipi.Name == "CALL_FUNC")
            {
                // The software request is the queued call: made by the caller, run by the target's handler.
                long req = 0, sent = 0, ran = 0, queued = callInFlight;
                for (int cpu = 0; cpu < layout.Cpus; cpu++)
                {
                    var c = sim.Cpu(cpu);
                    (req, sent, ran, queued) = (req + c.CallRequested, sent + c.CallSgiSent, ran + c.CallServed, queued + c.CallQueueLength);
                }
                counts[ipi.Name] = new IpiCounts(req, sent, ran, queued, req - ran - queued);
                continue;
            }
            long requested = 0, handled = 0, waiting = travelling[ipi.Sgi];
            for (int cpu = 0; cpu < layout.Cpus; cpu++)
            {
                requested += sim.Cpu(cpu).Requested[ipi.Sgi];
                handled += sim.Redistributor(cpu).Served[ipi.Sgi];
                waiting += sim.Redistributor(cpu).WaitingRequests(ipi.Sgi);
            }
            counts[ipi.Name] = new IpiCounts(requested, requested, handled, waiting, requested - handled - waiting);
        }
        return counts;
    }

    /// <summary>
    /// Latency per IPI name (per SGI for profile none). CALL_FUNC's is per queued call, from the
    /// caller's request to the handler run that claimed it, not per hardware send.
    /// </summary>
    private static Dictionary<string, LatencySummary> LatencyByName(Simulation sim, SortedDictionary<int, List<long>> bySgi)
    {
        var kernel = sim.Scenario.Kernel;
        var result = new Dictionary<string, LatencySummary>();
        foreach (var (sgi, samples) in bySgi)
        {
            string name = kernel?.IpiOn(sgi)?.Name ?? $"SGI{sgi}";
            if (name != "CALL_FUNC") result[name] = LatencySummary.Of(samples);
        }
        if (sim.Mux is not null)
        {
            foreach (var user in sim.Mux.Broker.Users)
            {
                var samples = new List<long>();
                for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++) sim.Cpu(cpu).MuxLatencies[user.Bit]?.CopyTo(samples);
                if (samples.Count > 0) result[$"nmi:{user.Name}"] = LatencySummary.Of(samples);
            }
            result.Remove(kernel?.IpiOn(sim.Mux.Sgi)?.Name ?? $"SGI{sim.Mux.Sgi}");
        }
        if (kernel?.Has("CALL_FUNC") == true)
        {
            var calls = new List<long>();
            for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++) sim.Cpu(cpu).CallLatencies?.CopyTo(calls);
            if (calls.Count > 0) result["CALL_FUNC"] = LatencySummary.Of(calls);
        }
        return result;
    }

    private static Dictionary<int, string> IpiLabelsOf(ActorGic.Kernel.KernelProfile? kernel, NmiMuxPlan? mux)
    {
        var labels = kernel?.Ipis.Where(i => mux?.Absorbed.Contains(i.Name) != true).ToDictionary(i => i.Sgi, i => i.ProcLabel)
            ?? new Dictionary<int, string>();
        if (mux is not null) labels[mux.Sgi] = "NMI broker interrupts";
        return labels;
    }

    /// <summary>Requests per broker user: made, causing an SGI (bit was clear), served by a handler run, still waiting.</summary>
    private static Dictionary<string, IpiCounts> PerNmiUserCounts(Simulation sim, RunOutcome outcome)
    {
        var counts = new Dictionary<string, IpiCounts>();
        if (sim.Mux is null) return counts;
        foreach (var user in sim.Mux.Broker.Users)
        {
            long requested = 0, sent = 0, served = 0;
            long waiting = outcome.InFlight.Count(e => e.Kind == EventKind.MuxSet && e.A == user.Bit);
            for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++)
            {
                var c = sim.Cpu(cpu);
                requested += c.MuxRequested[user.Bit];
                sent += c.MuxSgiSent[user.Bit];
                served += c.MuxServed[user.Bit];
                waiting += c.MuxWaiting(user.Bit);
            }
            counts[user.Name] = new IpiCounts(requested, sent, served, waiting, requested - served - waiting);
        }
        return counts;
    }

    private static FlowOutcomes BuildFlows(Simulation sim)
    {
        var cpus = Enumerable.Range(0, sim.Layout.Cpus).Select(sim.Cpu).ToList();
        var notStopped = cpus.SelectMany(c => c.NotStopped).Distinct().Order().ToList();
        var backtraceMissing = cpus.SelectMany(c => c.BacktraceTargets).Distinct().Where(t => !sim.Cpu(t).Backtraced).Order().ToList();
        var kgdbMissing = cpus.SelectMany(c => c.KgdbTargets).Distinct().Where(t => !sim.Cpu(t).RoundedUp).Order().ToList();
        var backtraces = Enumerable.Range(0, cpus.Count).Where(i => cpus[i].Backtraced).ToList();
        return new FlowOutcomes(notStopped, backtraceMissing, kgdbMissing, backtraces);
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

    /// <summary>SHA-256 over every component's trace chain, in component order.</summary>
    public static string ComputeDigest(IEnumerable<TraceRecorder> traces)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[24];
        foreach (var trace in traces.OrderBy(t => t.Component))
        {
            var (a, b) = trace.Chain;
            BitConverter.TryWriteBytes(buffer[..8], a);
            BitConverter.TryWriteBytes(buffer[8..16], b);
            BitConverter.TryWriteBytes(buffer[16..], trace.Count);
            sha.AppendData(buffer);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
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
