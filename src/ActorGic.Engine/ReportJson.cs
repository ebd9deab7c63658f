using System.Text.Json;
using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>Writes the report and the trace with exactly the contract's names (SCENARIOS.md sections 3 and 4).</summary>
public static class ReportJson
{
    public static void Write(RunReport report, Stream stream) => Write(report, stream, facts: false);

    /// <summary>
    /// What the digest covers of the report: every field but <c>engine</c>, <c>nodes</c> and the
    /// digest itself (compact, the same bytes on every engine and node count).
    /// </summary>
    public static void WriteFacts(RunReport report, Stream stream) => Write(report, stream, facts: true);

    private static void Write(RunReport report, Stream stream, bool facts)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = !facts });
        w.WriteStartObject();
        WriteHead(w, report.Scenario, report.Seed, facts ? null : report.Engine, facts ? null : report.Nodes, report.Complete, report.Cpus,
            report.EndNs, report.ReachedNs);
        w.WriteStartArray("per_cpu");
        foreach (var cpu in report.PerCpu)
        {
            w.WriteStartObject();
            w.WriteNumber("cpu", cpu.Cpu);
            w.WriteString("mpidr", cpu.Mpidr);
            w.WriteString("state", cpu.State.ToString().ToLowerInvariant());
            w.WriteStartObject("acks");
            foreach (var (intid, n) in cpu.Acks) w.WriteNumber(intid.ToString(), n);
            w.WriteEndObject();
            w.WriteNumber("spurious", cpu.Spurious);
            w.WriteStartObject("ipis");
            foreach (var (name, n) in cpu.Ipis) w.WriteNumber(name, n);
            w.WriteEndObject();
            w.WriteStartObject("nmi_users");
            foreach (var (name, n) in cpu.NmiUsers) w.WriteNumber(name, n);
            w.WriteEndObject();
            if (report.Profile != "none")
            {
                if (cpu.StoppedBy is null) w.WriteNull("stopped_by");
                else w.WriteString("stopped_by", cpu.StoppedBy);
                w.WriteBoolean("backtrace", cpu.Backtrace);
                w.WriteBoolean("kgdb_roundup", cpu.KgdbRoundup);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        var t = report.Totals;
        w.WriteStartObject("totals");
        w.WriteNumber("sgi_writes", t.SgiWrites);
        w.WriteNumber("sgi_targets", t.SgiTargets);
        w.WriteNumber("sent", t.Sent);
        w.WriteNumber("coalesced", t.Coalesced);
        w.WriteNumber("delivered", t.Delivered);
        w.WriteNumber("dropped", t.Dropped);
        w.WriteNumber("pending", t.Pending);
        w.WriteNumber("lost", t.Lost);
        w.WriteEndObject();
        if (report.Drops.Count > 0)
        {
            w.WriteStartArray("drops");
            foreach (var d in report.Drops)
            {
                w.WriteStartObject();
                w.WriteNumber("cpu", d.Cpu);
                w.WriteNumber("sgi", d.Sgi);
                w.WriteString("reason", d.Reason);
                w.WriteNumber("count", d.Count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        WriteCounts(w, "per_ipi", report.PerIpi, report.IpiModes);
        WriteCounts(w, "per_nmi_user", report.PerNmiUser);
        w.WriteStartObject("latency_ns");
        foreach (var (name, l) in report.LatencyNs)
        {
            w.WriteStartObject(name);
            w.WriteNumber("count", l.Count);
            w.WriteNumber("p50", l.P50);
            w.WriteNumber("p99", l.P99);
            w.WriteNumber("max", l.Max);
            if (report.LatencyHistograms.TryGetValue(name, out var histogram)) WriteHistogram(w, histogram);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("sgi_table");
        foreach (var row in report.SgiTable)
        {
            w.WriteStartObject();
            w.WriteNumber("sgi", row.Sgi);
            if (row.Owner is null) w.WriteNull("owner");
            else w.WriteString("owner", row.Owner);
            w.WriteBoolean("nmi", row.Nmi);
            w.WriteString("mode", row.Mode);
            if (row.Carries.Length > 0)
            {
                w.WriteStartArray("carries");
                foreach (var name in row.Carries.Split(',')) w.WriteStringValue(name);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (report.Programmed is { } programmed) WriteProgrammed(w, programmed);
        if (report.Reclaims.Count > 0) WriteReclaims(w, report.Reclaims);
        report.Replay?.Write(w);
        w.WriteStartObject("invariants");
        w.WriteBoolean("ok", report.InvariantsOk);
        w.WriteStartArray("violations");
        foreach (var v in report.Violations) w.WriteStringValue(v);
        w.WriteEndArray();
        w.WriteEndObject();
        if (report.Profile != "none")
        {
            w.WriteStartObject("kernel");
            w.WriteString("profile", report.Profile);
            Cpus(w, "backtraces", report.Flows.Backtraces);
            Cpus(w, "backtrace_missing", report.Flows.BacktraceMissing);
            Cpus(w, "not_stopped", report.Flows.NotStopped);
            Cpus(w, "kgdb_missing", report.Flows.KgdbMissing);
            w.WriteStartArray("console");
            foreach (var line in report.Flows.Console) w.WriteStringValue(line);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (!facts) w.WriteString("digest", report.Digest);
        w.WriteEndObject();
    }

    /// <summary>
    /// The buckets that hold samples, ascending, each as [low_ns, high_ns, count] (both bounds
    /// included), on one line even in the indented report: a histogram reads as one row.
    /// </summary>
    private static void WriteHistogram(Utf8JsonWriter w, LatencyHistogram histogram)
    {
        var text = new System.Text.StringBuilder("[");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var b in histogram.Buckets)
            text.Append(invariant, $"{(text.Length > 1 ? "," : "")}[{b.Low},{b.High},{b.Count}]");
        w.WritePropertyName("histogram");
        w.WriteRawValue(text.Append(']').ToString(), skipInputValidation: true);
    }

    /// <summary>The boot programming: masking, PMR with IRQs on and off, each SGI's group, priority and NMI bit (hex, as a kernel engineer reads them).</summary>
    private static void WriteProgrammed(Utf8JsonWriter w, ProgrammedGic p)
    {
        w.WriteStartObject("programmed");
        w.WriteString("masking", p.Masking);
        w.WriteString("pmr_irqs_on", $"0x{p.PmrIrqsOn:X2}");
        w.WriteString("pmr_irqs_off", $"0x{p.PmrIrqsOff:X2}");
        w.WriteStartArray("sgis");
        foreach (var sgi in p.Sgis)
        {
            w.WriteStartObject();
            w.WriteNumber("sgi", sgi.Sgi);
            w.WriteString("group", sgi.Group switch { InterruptGroup.Group0 => "g0", InterruptGroup.Group1Secure => "g1s", _ => "g1ns" });
            w.WriteString("priority", $"0x{sgi.Priority:X2}");
            w.WriteBoolean("nmi", sgi.Nmi);
            w.WriteBoolean("enabled", sgi.Enabled);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// The report of a run that could not finish (a node lost, no progress): what it was, how far
    /// it got, and why. No counts, so it can never pass for a whole report.
    /// </summary>
    public static void WriteIncomplete(Scenario scenario, string engine, int nodes, long reachedNs, string error, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        WriteHead(w, scenario.Name, scenario.Seed, engine, nodes, complete: false, scenario.Topology.CpuCount, scenario.End, reachedNs);
        w.WriteString("error", error);
        w.WriteEndObject();
    }

    /// <summary>The fields every report starts with, whole or not.</summary>
    private static void WriteHead(Utf8JsonWriter w, string scenario, long seed, string? engine, int? nodes, bool complete, int cpus, long end, long reached)
    {
        w.WriteString("scenario", scenario);
        w.WriteNumber("seed", seed);
        if (engine is not null) w.WriteString("engine", engine);
        if (nodes is { } n) w.WriteNumber("nodes", n);
        w.WriteBoolean("complete", complete);
        w.WriteNumber("cpus", cpus);
        w.WriteNumber("end_ns", end);
        w.WriteNumber("reached_ns", reached);
    }

    private static void WriteCounts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, IpiCounts> counts,
        IReadOnlyDictionary<string, string>? modes = null)
    {
        w.WriteStartObject(name);
        foreach (var (key, c) in counts)
        {
            w.WriteStartObject(key);
            w.WriteNumber("requested", c.Requested);
            w.WriteNumber("sgi_sent", c.SgiSent);
            w.WriteNumber("handled", c.Handled);
            w.WriteNumber("pending", c.Pending);
            w.WriteNumber("lost", c.Lost);
            if (modes is not null)
            {
                w.WriteNumber("refused", c.Refused);
                if (modes.TryGetValue(key, out var mode)) w.WriteString("mode", mode);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>Every request-sgi and release-sgi: outcome, slot, victim and its new mode, who was asked, the reason of a failure.</summary>
    private static void WriteReclaims(Utf8JsonWriter w, IReadOnlyList<ReclaimRecord> reclaims)
    {
        w.WriteStartArray("reclaims");
        foreach (var r in reclaims)
        {
            w.WriteStartObject();
            w.WriteString("op", r.Op);
            w.WriteString("purpose", r.Purpose);
            w.WriteNumber("cpu", r.Cpu);
            w.WriteNumber("at_ns", r.AtNs);
            w.WriteString("outcome", r.Outcome);
            if (r.DoneNs >= 0)
            {
                w.WriteNumber("done_ns", r.DoneNs);
                w.WriteNumber("took_ns", r.DoneNs - r.AtNs);
            }
            if (r.Sgi >= 0) w.WriteNumber("sgi", r.Sgi);
            if (r.Victim is not null) w.WriteString("victim", r.Victim);
            if (r.VictimMode is not null) w.WriteString("victim_mode", r.VictimMode);
            if (r.Reason is not null) w.WriteString("reason", r.Reason);
            if (r.Promoted is not null) w.WriteString("promoted", r.Promoted);
            w.WriteStartArray("asked");
            foreach (var a in r.Asked) w.WriteStringValue(a);
            w.WriteEndArray();
            if (r.RolledBack.Count > 0)
            {
                w.WriteStartArray("rolled_back");
                foreach (var a in r.RolledBack)
                {
                    w.WriteStartObject();
                    w.WriteNumber("sgi", a.Sgi);
                    w.WriteString("owner", a.Owner);
                    w.WriteNumber("from_ns", a.FromNs);
                    w.WriteNumber("to_ns", a.ToNs);
                    w.WriteString("step", a.Step);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Cpus(Utf8JsonWriter w, string name, IReadOnlyList<int> cpus)
    {
        w.WriteStartArray(name);
        foreach (int cpu in cpus) w.WriteNumberValue(cpu);
        w.WriteEndArray();
    }

    /// <summary>The trace as JSON Lines in canonical order (t, cpu, seq); handlers named by the profile's IPIs.</summary>
    public static void WriteTrace(IEnumerable<TraceRecorder> traces, Stream stream, Owners owners, NmiMuxPlan? mux = null) =>
        WriteTrace(traces.SelectMany(t => t.Events).Order(TraceEvent.Canonical),
            stream, owners, mux);

    /// <summary>The trace from events already in canonical order (a <see cref="TraceSpool"/>'s).</summary>
    public static void WriteTrace(IEnumerable<TraceEvent> events, Stream stream, Owners owners, NmiMuxPlan? mux = null)
    {
        string HandlerName(int intid, long handler) =>
            handler == BootRouting.BrokerHandler ? "nmi-broker" : handler >= 0 ? owners.Name((int)handler) : $"SGI{intid}";
        using var w = new Utf8JsonWriter(stream);
        foreach (var e in events)
        {
            w.WriteStartObject();
            w.WriteNumber("t", e.T);
            w.WriteNumber("cpu", e.Cpu);
            w.WriteString("ev", e.Kind.Name());
            if (e.Intid >= 0) w.WriteNumber("intid", e.Intid);
            switch (e.Kind)
            {
                case TraceKind.SgiWrite: w.WriteString("value", $"0x{(ulong)e.Value:X16}"); break;
                case TraceKind.Ack:
                case TraceKind.Signal: w.WriteNumber("prio", e.Value); break;
                case TraceKind.Drop: w.WriteString("reason", ((DropReason)e.Value).ToString().ToLowerInvariant()); break;
                case TraceKind.Enter:
                case TraceKind.Exit: w.WriteString("handler", HandlerName(e.Intid, e.Value)); break;
                case TraceKind.State: w.WriteString("state", ((CpuState)e.Value).ToString().ToLowerInvariant()); break;
                case TraceKind.NmiDispatch when e.Extra == 1: // a host claiming a merged or ipi-muxed IPI's flag
                    w.WriteString("user", owners.Name((int)e.Value));
                    w.WriteString("word", "flag");
                    break;
                case TraceKind.NmiDispatch:
                    w.WriteString("user", mux?.Broker.Users.FirstOrDefault(u => u.Bit == e.Value)?.Name ?? $"bit{e.Value}");
                    break;
                case TraceKind.Reclaim:
                    w.WriteString("phase", ((ReclaimPhase)(e.Value & 0xFF)).Name());
                    // The broker's slot at boot: the SGI is the broker's; owner, when present, the IPI moved off it.
                    if ((ReclaimPhase)(e.Value & 0xFF) == ReclaimPhase.Boot) w.WriteString("purpose", "nmi-broker");
                    if (e.Extra > 0) w.WriteString("owner", owners.Name(e.Extra - 1));
                    if (e.Value >> 8 > 0) w.WriteNumber("stuck_cpu", (e.Value >> 8) - 1);
                    break;
            }
            w.WriteEndObject();
            w.Flush();
            stream.WriteByte((byte)'\n');
            w.Reset();
        }
    }
}
