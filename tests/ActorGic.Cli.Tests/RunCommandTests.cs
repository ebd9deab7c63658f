using System.Text.Json;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>actorgic run and actorgic trace perfetto, through the command line as users run them.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-run").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Scenario(string name) => Path.Combine(RepoRoot(), "hocon", "scenarios", name);

    private string Write(string name, string text)
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void Run_prints_the_summary_and_writes_report_and_trace_in_the_contract_format()
    {
        string report = Path.Combine(_dir, "r.json"), trace = Path.Combine(_dir, "t.jsonl");
        var (exit, output, error) = Run("run", Scenario("target-list.conf"), "--engine", "reference", "--report", report, "--trace", trace);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("invariants: ok", output);
        Assert.Contains("totals: sgi_writes 2  sent 4  coalesced 0  delivered 4  dropped 0  pending 0  lost 0", output);

        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        var r = doc.RootElement;
        string[] keys = ["scenario", "seed", "engine", "nodes", "complete", "cpus", "end_ns", "reached_ns", "per_cpu", "totals",
            "per_ipi", "per_nmi_user", "latency_ns", "sgi_table", "programmed", "invariants", "digest"];
        Assert.Equal(keys, r.EnumerateObject().Select(p => p.Name));
        Assert.Equal(8, r.GetProperty("per_cpu").GetArrayLength());
        Assert.Equal("0x101", r.GetProperty("per_cpu")[5].GetProperty("mpidr").GetString());
        Assert.Equal(1, r.GetProperty("per_cpu")[2].GetProperty("acks").GetProperty("1").GetInt32());
        Assert.Equal(16, r.GetProperty("sgi_table").GetArrayLength());
        Assert.True(r.GetProperty("invariants").GetProperty("ok").GetBoolean());
        Assert.Equal(64, r.GetProperty("digest").GetString()!.Length);

        var lines = File.ReadAllLines(trace);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal((1000, 1, "sgi-write", 1, "0x0000000001000005"),
            (first.GetProperty("t").GetInt64(), first.GetProperty("cpu").GetInt32(), first.GetProperty("ev").GetString(),
             first.GetProperty("intid").GetInt32(), first.GetProperty("value").GetString()));
        var times = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("t").GetInt64()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(4, lines.Count(l => l.Contains("\"ev\":\"ack\"")));
    }

    [Fact]
    public void Both_engines_print_the_same_digest()
    {
        var reference = Run("run", Scenario("coalescing-while-masked.conf"), "--engine", "reference").Out;
        var actors = Run("run", Scenario("coalescing-while-masked.conf"), "--engine", "actors", "--threads", "2").Out;
        string Digest(string text) => text.Split('\n').Single(l => l.StartsWith("digest:"));
        Assert.Equal(Digest(reference), Digest(actors));
    }

    [Fact]
    public void Trace_converts_to_perfetto_slices_and_instants()
    {
        string trace = Path.Combine(_dir, "t.jsonl"), perfetto = Path.Combine(_dir, "t.json");
        Assert.Equal(0, Run("run", Scenario("self-sgi.conf"), "--engine", "reference", "--trace", trace).Exit);
        var (exit, output, _) = Run("trace", "perfetto", trace, "-o", perfetto);
        Assert.Equal(0, exit);
        Assert.Equal("wrote 7 trace events to " + perfetto, output.Trim());
        using var doc = JsonDocument.Parse(File.ReadAllText(perfetto));
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Equal(["i", "i", "i", "i", "B", "E", "i", "M"], events.Select(e => e.GetProperty("ph").GetString()));
        Assert.Equal(1.15, events[4].GetProperty("ts").GetDouble());
        Assert.Equal("SGI1", events[4].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("unknown key", "scenario { end = 1ms, colour = blue }", "scenario.colour: unknown key")]
    [InlineData("cpu out of range", "scenario { end = 1ms\n topology { cpus = 8 }\n actions = [ { at = 1us, cpu = 9, do = hang } ] }", "scenario.actions[0].cpu: CPU 9 does not exist (cpus = 8)")]
    [InlineData("intid out of range", "scenario { end = 1ms, actions = [ { at = 1us, cpu = 0, do = sgi, intid = 99, to = self } ] }", "scenario.actions[0].intid: INTID 99 is not an SGI (0-15)")]
    [InlineData("negative time", "scenario { end = 1ms, actions = [ { at = -1us, cpu = 0, do = hang } ] }", "scenario.actions[0].at: negative time -1us")]
    [InlineData("malformed hocon", "scenario { end = 1ms, actions = [ { at = 1us, cpu = 0 ", "malformed HOCON")]
    public void Bad_scenario_exits_2_with_one_line(string what, string hocon, string expected)
    {
        string file = Write($"{what.Replace(' ', '-')}.conf", hocon);
        string report = Path.Combine(_dir, "never.json");
        var (exit, output, error) = Run("run", file, "--report", report);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(Lines(error));
        Assert.Contains(expected, error);
        Assert.False(File.Exists(report));
    }

    [Theory]
    [InlineData("--engine", "--engine", "quantum")]
    [InlineData("--seed", "--seed", "x")]
    [InlineData("--threads", "--threads", "0")]
    [InlineData("FILE.conf", "--nodes", "1")]
    [InlineData("--nodes", "--nodes", "2")]
    public void Bad_run_arguments_exit_2_with_one_line(string named, string option, string value)
    {
        string file = named == "FILE.conf" ? Path.Combine(_dir, "missing.conf") : Scenario("self-sgi.conf");
        var (exit, _, error) = Run("run", file, option, value);
        Assert.Equal(2, exit);
        Assert.Single(Lines(error));
        Assert.Contains(named == "FILE.conf" ? "missing.conf: no such file" : named, error);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorGic.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ActorGic.sln not found");
    }
}
