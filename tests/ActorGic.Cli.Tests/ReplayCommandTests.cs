using System.Text.Json;
using static ActorGic.Cli.Tests.CliRunner;

namespace ActorGic.Cli.Tests;

/// <summary>actorgic run --replay: a real trace on its own or added to a scenario, and every bad input as one line with exit 2.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-replay-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string SampleTrace(string name) => Path.Combine(RepoRoot(), "hocon", "traces", name);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorGic.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ActorGic.sln not found above the test binaries");
    }

    private string Write(string name, string text)
    {
        string file = Path.Combine(_dir, name);
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>The 6.1 sample's first 40 lines (12 of header), then a line that is no ftrace event at line 41.</summary>
    private string BrokenTrace()
    {
        var lines = File.ReadLines(SampleTrace("6.1-n8-mixed.trace.txt")).Take(40).Append("  this line is not ftrace").Append("");
        return Write("broken.trace.txt", string.Join('\n', lines));
    }

    private static void AssertOneLine(int exit, string output, string error, string expected)
    {
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal([expected], Lines(error));
    }

    [Fact]
    public void A_malformed_trace_line_exits_2_naming_its_line_number()
    {
        string trace = BrokenTrace();
        var (exit, output, error) = Run("run", "--replay", trace, "--profile", "linux-6.1", "--engine", "reference");
        AssertOneLine(exit, output, error,
            $"actorgic: --replay: {trace} line 41: not an ftrace event line (TASK-PID [CPU] FLAGS SECONDS: EVENT: FIELDS): \"this line is not ftrace\"");
    }

    [Fact]
    public void A_malformed_line_in_a_scenario_s_trace_names_the_action_s_key_and_the_line()
    {
        BrokenTrace();
        string scenario = Write("s.conf", """
            scenario {
              kernel { profile = linux-6.1 }
              actions = [ { at = 0, do = replay, trace = "broken.trace.txt" } ]
            }
            """);
        var (exit, output, error) = Run("run", scenario);
        AssertOneLine(exit, output, error,
            "actorgic: scenario.actions[0].trace: broken.trace.txt line 41: not an ftrace event line (TASK-PID [CPU] FLAGS SECONDS: EVENT: FIELDS): \"this line is not ftrace\"");
    }

    [Fact]
    public void An_unknown_reason_exits_2_naming_its_line()
    {
        // The 6.12 sample under linux-6.1: the same labels, except 6.12's IRQ work raise is fine too; its CPU stop NMIs are not traced.
        string trace = Write("nmi.trace.txt", "# tracer: nop\n  init-1 [001] d.... 4.5: ipi_raise: target_mask=00000000,00000001 (CPU stop NMIs)\n");
        var (exit, output, error) = Run("run", "--replay", trace, "--profile", "linux-6.1");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"actorgic: --replay: {trace} line 2: reason \"CPU stop NMIs\" is no IPI of linux-6.1", Lines(error).Single());
    }

    [Fact]
    public void A_cpu_outside_the_scenario_s_topology_exits_2_naming_its_line()
    {
        string scenario = Write("four.conf", "scenario {\n  topology { cpus = 4 }\n  kernel { profile = linux-6.1 }\n}\n");
        string trace = SampleTrace("6.1-n8-mixed.trace.txt");
        var (exit, output, error) = Run("run", scenario, "--replay", trace, "--engine", "reference");
        // Line 13 is CPU 5's ipi_entry, the trace's first event.
        AssertOneLine(exit, output, error, $"actorgic: --replay: {trace} line 13: CPU 5 is outside the topology (CPUs 0-3)");
    }

    [Fact]
    public void Skipped_lines_are_counted_in_the_report()
    {
        string trace = BrokenTrace();
        string report = Path.Combine(_dir, "r.json");
        var (exit, output, error) = Run("run", "--replay", trace, "--profile", "linux-6.1", "--replay-skip", "--engine", "reference", "--report", report);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("1 line(s) skipped", output);
        var replay = JsonDocument.Parse(File.ReadAllText(report)).RootElement.GetProperty("replay");
        Assert.Equal(1, replay.GetProperty("skipped_lines").GetProperty("malformed").GetInt32());
        Assert.Equal(41, replay.GetProperty("lines").GetInt32());
    }

    [Theory]
    [InlineData("abc", "--map: \"abc\" is not a CPU count (1-65536)")]
    [InlineData("0", "--map: \"0\" is not a CPU count (1-65536)")]
    [InlineData("4", "--map: the trace has 8 CPUs: a topology of 4 cannot hold one copy")]
    public void A_bad_map_exits_2_naming_it(string map, string expected)
    {
        var (exit, output, error) = Run("run", "--replay", SampleTrace("6.12-n8-mixed.trace.txt"), "--map", map);
        AssertOneLine(exit, output, error, $"actorgic: {expected}");
    }

    [Fact]
    public void Replay_options_without_a_replay_and_a_map_that_disagrees_with_the_scenario_exit_2()
    {
        string scenario = Path.Combine(RepoRoot(), "hocon", "scenarios", "target-list.conf");
        AssertOneLine(Run("run", scenario, "--map", "64"), "actorgic: --map: maps a replayed trace: give --replay TRACE.txt");
        AssertOneLine(Run("run", "--engine", "reference"), "actorgic: FILE.conf: missing: give a scenario file, or --replay TRACE.txt");
        AssertOneLine(Run("run", "--replay", SampleTrace("6.12-n8-mixed.trace.txt"), "--profile", "linux-5.4"),
            "actorgic: --profile: \"linux-5.4\" is not linux-6.1, linux-6.7, linux-6.12");
        AssertOneLine(Run("run", "--replay", SampleTrace("6.12-n8-mixed.trace.txt"), "--time-scale", "0"),
            "actorgic: --time-scale: \"0\" is not a time scale from 1e-6 to 1e6");
        string sixteen = Write("sixteen.conf", "scenario {\n  topology { cpus = 16 }\n  kernel { profile = linux-6.12 }\n}\n");
        AssertOneLine(Run("run", sixteen, "--replay", SampleTrace("6.12-n8-mixed.trace.txt"), "--map", "64"),
            "actorgic: --map: the scenario's topology has 16 CPUs, --map asks for 64 (change topology.cpus, or give --replay without a scenario file)");
    }

    private static void AssertOneLine((int Exit, string Out, string Err) run, string expected) => AssertOneLine(run.Exit, run.Out, run.Err, expected);

    [Fact]
    public void A_trace_replays_on_its_own_mapped_by_replication_and_added_to_a_scenario()
    {
        string report = Path.Combine(_dir, "mapped.json");
        var (exit, output, error) = Run("run", "--replay", SampleTrace("6.1-n8-mixed.trace.txt"), "--profile", "linux-6.1", "--map", "32",
            "--engine", "reference", "--time-scale", "0.5", "--report", report);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.StartsWith("replay of 6.1-n8-mixed.trace.txt\n  topology: 32 CPUs", output);
        Assert.Contains("map replicate (4 copies), time scale 0.5", output);
        var r = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        var reschedule = r.GetProperty("replay").GetProperty("per_ipi").GetProperty("RESCHEDULE");
        Assert.Equal((263 * 4, 263 * 4), (reschedule.GetProperty("raises").GetInt32(), reschedule.GetProperty("sent").GetInt32()));
        Assert.Equal(263 * 4, r.GetProperty("per_ipi").GetProperty("RESCHEDULE").GetProperty("requested").GetInt32());

        // Added to a scenario with an NMI user and a hang: the scenario's own actions run beside it.
        string scenario = Write("hang.conf", """
            scenario {
              end = 8s
              topology { cpus = 8 }
              kernel { profile = linux-6.12, nmi-mux = on }
              nmi-users = [ { name = cpu-pause, priority = 5 } ]
              actions = [
                { at = 2s, cpu = 3, do = hang }
                { at = 3s, cpu = 0, do = nmi, user = cpu-pause, to = all-but-self }
              ]
            }
            """);
        string added = Path.Combine(_dir, "added.json");
        (exit, output, error) = Run("run", scenario, "--replay", SampleTrace("6.12-n8-mixed.trace.txt"), "--engine", "reference", "--report", added);
        Assert.Equal(0, exit);
        var replay = JsonDocument.Parse(File.ReadAllText(added)).RootElement.GetProperty("replay").GetProperty("per_ipi");
        Assert.True(replay.GetProperty("CALL_FUNC").GetProperty("not_sent").GetInt32() > 0); // CPU 3's raises after it hung
        Assert.Contains("invariants: ok", output);
    }
}
