using System.Text.Json;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// A report read back from its JSON (SCENARIOS.md section 3), with what <c>actorgic compare</c>
/// sets side by side: the head, totals, per IPI and per NMI user counts, latencies and the SGI
/// table, each list in the report's own order. The file is input like a scenario: only a regular
/// file is opened (a FIFO would block, <c>/dev/zero</c> never ends), at most
/// <see cref="MaxBytes"/> of it is read, and anything that is not a whole report is one line
/// naming the file (a <see cref="ScenarioException"/>: exit 2).
/// </summary>
internal sealed record ReportFile(
    string Path, string Scenario, long Seed, string Engine, int Nodes, int Cpus, long EndNs, string Digest, int Violations,
    IReadOnlyList<(string Name, long Value)> Totals,
    IReadOnlyList<(string Name, ReportFile.Counts Counts)> PerIpi,
    IReadOnlyList<(string Name, ReportFile.Counts Counts)> PerNmiUser,
    IReadOnlyList<(string Name, ReportFile.Latency Latency)> LatencyNs,
    IReadOnlyList<ReportFile.SgiRow> SgiTable)
{
    /// <summary>A report of 65,536 CPUs is about 15 MB; 256 MiB bounds what a wrong file can make us read.</summary>
    public const long MaxBytes = 256L << 20;

    public sealed record Counts(long Requested, long SgiSent, long Handled, long Pending, long Lost);

    public sealed record Latency(long Count, long P50, long P99, long Max);

    public sealed record SgiRow(int Sgi, string? Owner, bool Nmi, string Mode, string Carries);

    public static ReportFile Read(string path)
    {
        using var doc = Parse(path, ReadBytes(path));
        try
        {
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) throw new FormatException($"the JSON is {Kind(r)}, not a report object");
            if (!r.TryGetProperty("complete", out var complete) || complete.ValueKind is not (JsonValueKind.True or JsonValueKind.False)
                || !r.TryGetProperty("scenario", out _))
                throw new FormatException("not an ActorGic report (no \"scenario\" and \"complete\")");
            if (!complete.GetBoolean())
                throw new FormatException($"the run did not finish (\"complete\": false, reached {Summary.Time(Number(r, "reached_ns"))}): nothing to compare");
            var invariants = Get(r, "invariants", JsonValueKind.Object);
            return new ReportFile(path, Text(r, "scenario"), Number(r, "seed"), Text(r, "engine"), (int)Number(r, "nodes"), (int)Number(r, "cpus"),
                Number(r, "end_ns"), Text(r, "digest"), Get(invariants, "violations", JsonValueKind.Array).GetArrayLength(),
                Get(r, "totals", JsonValueKind.Object).EnumerateObject().Select(p => (p.Name, Number(p))).ToList(),
                CountsOf(r, "per_ipi"), CountsOf(r, "per_nmi_user"),
                Get(r, "latency_ns", JsonValueKind.Object).EnumerateObject()
                    .Select(p => (p.Name, new Latency(Number(p.Value, "count"), Number(p.Value, "p50"), Number(p.Value, "p99"), Number(p.Value, "max"))))
                    .ToList(),
                Get(r, "sgi_table", JsonValueKind.Array).EnumerateArray().Select(Row).ToList());
        }
        catch (FormatException e)
        {
            throw new ScenarioException(path, e.Message);
        }
    }

    private static byte[] ReadBytes(string path)
    {
        var (kind, error) = FileKinds.Of(System.IO.Path.GetFullPath(path));
        string? refused = kind switch
        {
            FileKind.Missing => "no such file",
            FileKind.Directory => "is a directory, not a report",
            FileKind.Fifo => "is a FIFO, not a regular file",
            FileKind.CharDevice => "is a character device, not a regular file",
            FileKind.BlockDevice => "is a block device, not a regular file",
            FileKind.Socket => "is a socket, not a regular file",
            FileKind.Error => $"cannot be read: {error}",
            _ => null,
        };
        if (refused is not null) throw new ScenarioException(path, refused);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var bytes = new MemoryStream();
            var buffer = new byte[81920];
            for (int n; (n = stream.Read(buffer)) > 0;)
            {
                if (bytes.Length + n > MaxBytes)
                    throw new ScenarioException(path, $"larger than {MaxBytes >> 20} MiB, more than any report");
                bytes.Write(buffer, 0, n);
            }
            return bytes.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException(path, $"cannot be read: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    private static JsonDocument Parse(string path, byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            // System.Text.Json counts lines from 0.
            string where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            throw new ScenarioException(path, $"not JSON{where}");
        }
    }

    private static IReadOnlyList<(string, Counts)> CountsOf(JsonElement r, string name) =>
        Get(r, name, JsonValueKind.Object).EnumerateObject()
            .Select(p => (p.Name, new Counts(Number(p.Value, "requested"), Number(p.Value, "sgi_sent"), Number(p.Value, "handled"),
                Number(p.Value, "pending"), Number(p.Value, "lost"))))
            .ToList();

    private static SgiRow Row(JsonElement row)
    {
        if (row.ValueKind != JsonValueKind.Object) throw new FormatException($"sgi_table: a row is {Kind(row)}, not an object");
        var owner = Get(row, "owner", JsonValueKind.Undefined);
        var nmi = Get(row, "nmi", JsonValueKind.Undefined);
        if (owner.ValueKind is not (JsonValueKind.String or JsonValueKind.Null) || nmi.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new FormatException("sgi_table: a row's owner is not a string or null, or its nmi not true or false");
        string carries = row.TryGetProperty("carries", out var c) && c.ValueKind == JsonValueKind.Array
            ? string.Join(",", c.EnumerateArray().Select(e => e.ToString()))
            : "";
        return new SgiRow((int)Number(row, "sgi"), owner.ValueKind == JsonValueKind.Null ? null : owner.GetString(), nmi.GetBoolean(), Text(row, "mode"), carries);
    }

    /// <summary>A property of the kind given (<see cref="JsonValueKind.Undefined"/>: any kind).</summary>
    private static JsonElement Get(JsonElement parent, string name, JsonValueKind kind)
    {
        if (parent.ValueKind != JsonValueKind.Object) throw new FormatException($"expected an object with \"{name}\", not {Kind(parent)}");
        if (!parent.TryGetProperty(name, out var value)) throw new FormatException($"not a whole report: no \"{name}\"");
        if (kind != JsonValueKind.Undefined && value.ValueKind != kind)
            throw new FormatException($"\"{name}\" is {Kind(value)}, not {Kind(kind)}");
        return value;
    }

    private static long Number(JsonElement parent, string name) => Integer(Get(parent, name, JsonValueKind.Number), name);

    private static long Number(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.Number ? Integer(p.Value, p.Name) : throw new FormatException($"\"{p.Name}\" is {Kind(p.Value)}, not a number");

    private static long Integer(JsonElement value, string name) =>
        value.TryGetInt64(out long n) ? n : throw new FormatException($"\"{name}\" is not an integer");

    private static string Text(JsonElement parent, string name) => Get(parent, name, JsonValueKind.String).GetString()!;

    private static string Kind(JsonElement e) => Kind(e.ValueKind);

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
