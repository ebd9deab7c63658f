using System.Text.Json;

namespace ActorGic.Engine;

/// <summary>
/// The report's <c>replay</c> block: what the trace held, how it was mapped, and per IPI every
/// raise accounted for (replayed = sent + not sent by a CPU that could no longer run; or outside
/// the window; or on a skipped line), with the recorded raise-to-entry latency beside the model's.
/// </summary>
public sealed record ReplayReport
{
    public required string Trace { get; init; }
    public long Lines { get; init; }
    public int TraceCpus { get; init; }
    public required string Map { get; init; }
    public int Copies { get; init; }
    public double TimeScale { get; init; }
    public long AtNs { get; init; }
    public long FromNs { get; init; }
    public long UntilNs { get; init; }
    public long LastSendNs { get; init; }
    public required IReadOnlyDictionary<string, long> Events { get; init; }
    public required IReadOnlyDictionary<string, long> Skipped { get; init; }
    public long UnmatchedEntries { get; init; }
    public required IReadOnlyDictionary<string, ReplayIpi> PerIpi { get; init; }

    /// <summary>The block for <paramref name="sim"/>'s replay action, or null without one.</summary>
    public static ReplayReport? Of(Simulation sim, RunFacts f, IReadOnlyDictionary<string, LatencySummary> model)
    {
        if (sim.Scenario.ReplayAction is not { Replay: { } plan } action) return null;
        var trace = plan.Trace;
        int owners = sim.Owners.Count;
        var replayed = new long[owners];
        foreach (int owner in trace.Owners) replayed[owner]++;
        var sent = new long[owners];
        var requests = new long[owners];
        for (int cpu = 0; cpu < sim.Layout.Cpus; cpu++)
        {
            var c = f.Cpu(cpu);
            for (int o = 0; o < owners; o++)
            {
                sent[o] += c.ReplaySent.At(o);
                requests[o] += c.ReplayRequests.At(o);
            }
        }
        var perIpi = new SortedDictionary<string, ReplayIpi>(StringComparer.Ordinal);
        for (int o = 0; o < owners; o++)
        {
            string name = sim.Owners.Name(o);
            long outside = trace.OutsideWindow.GetValueOrDefault(name);
            var recorded = trace.Recorded.GetValueOrDefault(name);
            if (replayed[o] == 0 && outside == 0 && recorded is null) continue;
            long raises = replayed[o] * plan.Copies;
            perIpi[name] = new ReplayIpi(replayed[o], raises, sent[o], raises - sent[o], requests[o], outside,
                LatencySummary.OfSorted(recorded?.Sorted ?? []), recorded?.Unmatched ?? 0,
                model.GetValueOrDefault(name) ?? new LatencySummary(0, 0, 0, 0));
        }
        return new ReplayReport
        {
            Trace = trace.Name,
            Lines = trace.Lines,
            TraceCpus = trace.Cpus,
            Map = plan.Replicate ? "replicate" : "off",
            Copies = plan.Copies,
            TimeScale = plan.TimeScale,
            AtNs = action.At,
            FromNs = plan.From,
            UntilNs = plan.Until,
            LastSendNs = action.At + plan.LastSend,
            Events = trace.Events,
            Skipped = trace.Skipped,
            UnmatchedEntries = trace.UnmatchedEntries,
            PerIpi = perIpi,
        };
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("replay");
        w.WriteString("trace", Trace);
        w.WriteNumber("lines", Lines);
        w.WriteNumber("trace_cpus", TraceCpus);
        w.WriteString("map", Map);
        w.WriteNumber("copies", Copies);
        w.WriteNumber("time_scale", TimeScale);
        w.WriteNumber("at_ns", AtNs);
        w.WriteNumber("from_ns", FromNs);
        if (UntilNs == long.MaxValue) w.WriteNull("until_ns");
        else w.WriteNumber("until_ns", UntilNs);
        w.WriteNumber("last_send_ns", LastSendNs);
        Counts(w, "events", Events);
        Counts(w, "skipped_lines", Skipped);
        w.WriteNumber("unmatched_entries", UnmatchedEntries);
        w.WriteStartObject("per_ipi");
        foreach (var (name, p) in PerIpi)
        {
            w.WriteStartObject(name);
            w.WriteNumber("trace_raises", p.TraceRaises);
            w.WriteNumber("raises", p.Raises);
            w.WriteNumber("sent", p.Sent);
            w.WriteNumber("not_sent", p.NotSent);
            w.WriteNumber("requests", p.Requests);
            w.WriteNumber("outside_window", p.OutsideWindow);
            Latency(w, "recorded_ns", p.Recorded);
            w.WriteNumber("recorded_unmatched", p.RecordedUnmatched);
            Latency(w, "model_ns", p.Model);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Counts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (var (key, n) in counts) w.WriteNumber(key, n);
        w.WriteEndObject();
    }

    private static void Latency(Utf8JsonWriter w, string name, LatencySummary l)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", l.Count);
        w.WriteNumber("p50", l.P50);
        w.WriteNumber("p99", l.P99);
        w.WriteNumber("max", l.Max);
        w.WriteEndObject();
    }
}

/// <summary>
/// One IPI of a replay. <see cref="TraceRaises"/>: the trace's replayed raises of it (inside the
/// window, on no skipped line); <see cref="Raises"/> = that times the copies = <see cref="Sent"/>
/// + <see cref="NotSent"/> (the sender could no longer run). <see cref="Requests"/>: one per
/// target of each sent raise, counted in per_ipi's requested (where the model may coalesce them).
/// </summary>
public sealed record ReplayIpi(long TraceRaises, long Raises, long Sent, long NotSent, long Requests, long OutsideWindow,
    LatencySummary Recorded, long RecordedUnmatched, LatencySummary Model);
