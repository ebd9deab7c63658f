using System.CommandLine;
using System.Text.Json;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic trace perfetto T.jsonl [--output T.json]</c>: the trace in the Chrome trace-event
/// format that Perfetto and chrome://tracing open. One track per CPU; handler runs are slices
/// (enter/exit), everything else an instant event; timestamps in microseconds, as the format wants.
/// </summary>
public static class TraceCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var input = new Argument<string>("T.jsonl") { Description = "a trace written by actorgic run --trace" };
        var outPath = new Option<string>("--output", "-o") { Description = "where to write, - for standard output (default: T.perfetto.json)" };
        var perfetto = new Command("perfetto", "Convert a trace to the Chrome/Perfetto trace-event format.") { input, outPath };
        perfetto.SetAction(parse =>
        {
            string file = parse.GetValue(input)!;
            if (!File.Exists(file)) throw new ScenarioException("T.jsonl", $"{file}: no such file");
            using var target = OutputFile.Open("--output", parse.GetValue(outPath) ?? Path.ChangeExtension(file, ".perfetto.json"), output);
            int events = 0;
            OutputFile.WriteAll((target, stream => events = Convert(file, stream)));
            (target.IsStandardOutput ? error : output).WriteLine($"wrote {events} trace events to {target.Shown}");
            return ExitCode.Ok;
        });
        var trace = new Command("trace", "Work with traces.") { perfetto };
        return trace;
    }

    public static int Convert(string jsonl, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ns");
        w.WriteStartArray("traceEvents");
        var cpus = new SortedSet<int>();
        int count = 0, lineNumber = 0;
        foreach (var line in File.ReadLines(jsonl))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new ScenarioException($"T.jsonl line {lineNumber}", $"not JSON: {e.Message}"); }
            using (doc)
            {
                var e = doc.RootElement;
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("t", out var t) || !e.TryGetProperty("ev", out var ev) || !e.TryGetProperty("cpu", out var cpuElement))
                    throw new ScenarioException($"T.jsonl line {lineNumber}", "not an actorgic trace event (needs t, cpu, ev)");
                long time = Integer(t, "t", lineNumber);
                int cpu = (int)Integer(cpuElement, "cpu", lineNumber, int.MinValue, int.MaxValue);
                cpus.Add(cpu);
                string kind = Text(ev, "ev", lineNumber);
                string name = e.TryGetProperty("handler", out var h) ? Text(h, "handler", lineNumber)
                    : e.TryGetProperty("phase", out var phase) ? $"{kind} {Text(phase, "phase", lineNumber)}" // the reclaimer's negotiation
                    : e.TryGetProperty("intid", out var i) ? $"{kind} SGI{Integer(i, "intid", lineNumber, int.MinValue, int.MaxValue)}" : kind;
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("cat", kind);
                w.WriteString("ph", kind == "enter" ? "B" : kind == "exit" ? "E" : "i");
                if (kind is not ("enter" or "exit")) w.WriteString("s", "t");
                w.WriteNumber("ts", time / 1000.0);
                w.WriteNumber("pid", 0);
                w.WriteNumber("tid", cpu);
                w.WritePropertyName("args");
                e.WriteTo(w);
                w.WriteEndObject();
                count++;
            }
        }
        foreach (int cpu in cpus)
        {
            w.WriteStartObject();
            w.WriteString("name", "thread_name");
            w.WriteString("ph", "M");
            w.WriteNumber("pid", 0);
            w.WriteNumber("tid", cpu);
            w.WriteStartObject("args");
            w.WriteString("name", cpu < 0 ? "distributors and SGI reclaimer" : $"CPU{cpu}");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return count;
    }

    private static long Integer(JsonElement value, string field, int line, long min = long.MinValue, long max = long.MaxValue)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long n))
            throw new ScenarioException($"T.jsonl line {line}", $"{field} is {Shown(value)}, not an integer");
        return n >= min && n <= max ? n : throw new ScenarioException($"T.jsonl line {line}", $"{field} is {n}, out of range");
    }

    private static string Text(JsonElement value, string field, int line) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw new ScenarioException($"T.jsonl line {line}", $"{field} is {Shown(value)}, not a string");

    private static string Shown(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };
}
