using System.Text.Json;
using ActorGic.Scenarios;

namespace ActorGic.Cli.Plots;

/// <summary>One latency distribution: its name in latency_ns, its percentiles and its histogram's buckets.</summary>
public sealed record LatencyCurve(string Name, long Count, long P50, long P99, long Max, IReadOnlyList<(long Low, long High, long Count)> Buckets);

/// <summary>A row of the /proc/interrupts-style table: its label and the count on each CPU.</summary>
public sealed record InterruptRow(string Label, long[] PerCpu);

/// <summary>A row of sgi_table at the end of the run.</summary>
public sealed record SgiRow(int Sgi, string? Owner, string Mode, IReadOnlyList<string> Carries);

/// <summary>A request-sgi or release-sgi of the report's reclaims.</summary>
public sealed record ReclaimEntry(string Op, string Purpose, long AtNs, long DoneNs, string Outcome, int Sgi, string? Victim, string? VictimMode,
    string? Promoted, string? Reason)
{
    /// <summary>The owners asked and what they said, roll-backs included, as the report words them.</summary>
    public IReadOnlyList<string> Asked { get; init; } = [];
    /// <summary>The attempts undone on a slot (rolled_back): the slot, whose it stayed, when, and which step did not finish.</summary>
    public IReadOnlyList<RolledBack> RolledBack { get; init; } = [];
}

/// <summary>One entry of a reclaim's rolled_back: the attempt on SGI <paramref name="Sgi"/> from <paramref name="FromNs"/> to <paramref name="ToNs"/>.</summary>
public sealed record RolledBack(int Sgi, string Owner, long FromNs, long ToNs, string Step);

/// <summary>
/// What the pictures show, read from a report's JSON (SCENARIOS.md section 3) and nothing else:
/// <c>actorgic plot R.json</c> and <c>run --plot</c> (which writes its report to memory first)
/// draw from the same facts. A report that is not one (not JSON, a field missing or of the wrong
/// type, an incomplete run) is refused with one line naming the file and the field (exit 2).
/// </summary>
public sealed record PlotData(string Scenario, long Seed, int Cpus, long EndNs, string Profile, IReadOnlyList<LatencyCurve> Latencies,
    IReadOnlyList<InterruptRow> Interrupts, IReadOnlyList<SgiRow> SgiTable, IReadOnlyList<ReclaimEntry> Reclaims)
{
    /// <summary>Each CPU's state at the end (running, idle, hung, stopped, offline).</summary>
    public IReadOnlyList<string> CpuStates { get; init; } = [];

    public static PlotData Read(string shown, Stream json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ScenarioException(shown, $"not JSON: {e.Message}"); }
        using (doc) return new Reader(shown).Report(doc.RootElement);
    }

    private sealed class Reader(string shown)
    {
        public PlotData Report(JsonElement r)
        {
            if (r.ValueKind != JsonValueKind.Object) throw Bad("", "is not a report (a JSON object)");
            if (r.TryGetProperty("complete", out var complete) && complete.ValueKind == JsonValueKind.False)
                throw Bad("complete", "the run did not finish (complete: false): an incomplete report has no counts to plot");
            string profile = r.TryGetProperty("kernel", out var kernel) ? Text(kernel, "profile", "kernel.profile") : "none";
            var perCpu = Array(r, "per_cpu", "per_cpu");
            int cpus = (int)Integer(r, "cpus", "cpus");
            if (perCpu.Count != cpus) throw Bad("per_cpu", $"has {perCpu.Count} rows for {cpus} CPUs");
            var sgiTable = Array(r, "sgi_table", "sgi_table").Select((row, i) => SgiRow(row, $"sgi_table[{i}]")).ToList();
            return new PlotData(
                Text(r, "scenario", "scenario"), Integer(r, "seed", "seed"), cpus, Integer(r, "end_ns", "end_ns"), profile,
                Latencies(Object(r, "latency_ns", "latency_ns")),
                profile == "none" ? AckRows(perCpu) : IpiRows(perCpu, sgiTable),
                sgiTable,
                r.TryGetProperty("reclaims", out _) ? Array(r, "reclaims", "reclaims").Select((e, i) => Reclaim(e, $"reclaims[{i}]")).ToList() : [])
            {
                CpuStates = perCpu.Select((c, i) => Text(c, "state", $"per_cpu[{i}].state")).ToList(),
            };
        }

        private List<LatencyCurve> Latencies(JsonElement latencies)
        {
            var curves = new List<LatencyCurve>();
            foreach (var p in latencies.EnumerateObject())
            {
                string at = $"latency_ns.{p.Name}";
                var buckets = new List<(long, long, long)>();
                if (p.Value.TryGetProperty("histogram", out _))
                    foreach (var b in Array(p.Value, "histogram", $"{at}.histogram"))
                    {
                        if (b.ValueKind != JsonValueKind.Array || b.GetArrayLength() != 3 || b.EnumerateArray().Any(n => !n.TryGetInt64(out _)))
                            throw Bad($"{at}.histogram", "a bucket is not [low_ns, high_ns, count]");
                        buckets.Add((b[0].GetInt64(), b[1].GetInt64(), b[2].GetInt64()));
                    }
                curves.Add(new LatencyCurve(p.Name, Integer(p.Value, "count", $"{at}.count"), Integer(p.Value, "p50", $"{at}.p50"),
                    Integer(p.Value, "p99", $"{at}.p99"), Integer(p.Value, "max", $"{at}.max"), buckets));
            }
            return curves;
        }

        /// <summary>Profile none: a row per acknowledged INTID.</summary>
        private List<InterruptRow> AckRows(List<JsonElement> perCpu)
        {
            var acks = perCpu.Select((c, i) => Object(c, "acks", $"per_cpu[{i}].acks")).ToList();
            var intids = acks.SelectMany(a => a.EnumerateObject().Select(p => int.TryParse(p.Name, out int n) ? n : -1)).Where(n => n >= 0).Distinct().Order();
            return intids.Select(intid => new InterruptRow($"SGI{intid}",
                acks.Select((a, i) => a.TryGetProperty(intid.ToString(), out var n) ? Integer(n, $"per_cpu[{i}].acks.{intid}") : 0).ToArray())).ToList();
        }

        /// <summary>A Linux profile: a row per IPI (its SGI at the end, or the host it rides on), then per NMI broker user.</summary>
        private List<InterruptRow> IpiRows(List<JsonElement> perCpu, List<SgiRow> table)
        {
            var rows = new List<InterruptRow>();
            if (perCpu.Count == 0) return rows;
            foreach (var field in new[] { "ipis", "nmi_users" })
            {
                var perCpuCounts = perCpu.Select((c, i) => Object(c, field, $"per_cpu[{i}].{field}")).ToList();
                foreach (var name in perCpuCounts[0].EnumerateObject().Select(p => p.Name))
                {
                    var counts = perCpuCounts.Select((o, i) => o.TryGetProperty(name, out var n) ? Integer(n, $"per_cpu[{i}].{field}.{name}") : 0).ToArray();
                    var own = table.FirstOrDefault(t => t.Owner == name);
                    var host = table.FirstOrDefault(t => t.Carries.Contains(name));
                    string label = field == "nmi_users" ? $"NMI user {name}"
                        : own is not null ? $"IPI{own.Sgi} {name}" : host is not null ? $"{name} (on IPI{host.Sgi})" : $"{name} (no SGI)";
                    rows.Add(new InterruptRow(label, counts));
                }
            }
            return rows;
        }

        private SgiRow SgiRow(JsonElement row, string at) => new(
            (int)Integer(row, "sgi", $"{at}.sgi"),
            row.TryGetProperty("owner", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
            Text(row, "mode", $"{at}.mode"),
            row.TryGetProperty("carries", out _) ? Array(row, "carries", $"{at}.carries").Select((c, i) => Text(c, $"{at}.carries[{i}]")).ToList() : []);

        private ReclaimEntry Reclaim(JsonElement e, string at) => new(
            Text(e, "op", $"{at}.op"), Text(e, "purpose", $"{at}.purpose"), Integer(e, "at_ns", $"{at}.at_ns"),
            e.TryGetProperty("done_ns", out _) ? Integer(e, "done_ns", $"{at}.done_ns") : -1,
            Text(e, "outcome", $"{at}.outcome"),
            e.TryGetProperty("sgi", out _) ? (int)Integer(e, "sgi", $"{at}.sgi") : -1,
            Optional(e, "victim", at), Optional(e, "victim_mode", at), Optional(e, "promoted", at), Optional(e, "reason", at))
        {
            Asked = e.TryGetProperty("asked", out _) ? Array(e, "asked", $"{at}.asked").Select((a, i) => Text(a, $"{at}.asked[{i}]")).ToList() : [],
            RolledBack = e.TryGetProperty("rolled_back", out _)
                ? Array(e, "rolled_back", $"{at}.rolled_back").Select((b, i) => RolledBack(b, $"{at}.rolled_back[{i}]")).ToList()
                : [],
        };

        private RolledBack RolledBack(JsonElement b, string at) => new(
            (int)Integer(b, "sgi", $"{at}.sgi"), Text(b, "owner", $"{at}.owner"), Integer(b, "from_ns", $"{at}.from_ns"),
            Integer(b, "to_ns", $"{at}.to_ns"), Text(b, "step", $"{at}.step"));

        private string? Optional(JsonElement e, string name, string at) => e.TryGetProperty(name, out _) ? Text(e, name, $"{at}.{name}") : null;

        private JsonElement Object(JsonElement e, string name, string at) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw Bad(at, "missing or not an object");

        private List<JsonElement> Array(JsonElement e, string name, string at) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToList() : throw Bad(at, "missing or not an array");

        private long Integer(JsonElement e, string name, string at) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? Integer(v, at) : throw Bad(at, "missing");

        private long Integer(JsonElement v, string at) =>
            v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : throw Bad(at, "not an integer");

        private string Text(JsonElement e, string name, string at) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? Text(v, at) : throw Bad(at, "missing");

        private string Text(JsonElement v, string at) => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Bad(at, "not a string");

        private ScenarioException Bad(string at, string reason) => new(at.Length == 0 ? shown : $"{shown}: {at}", reason);
    }
}
