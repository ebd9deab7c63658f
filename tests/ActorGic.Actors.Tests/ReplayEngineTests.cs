using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.TestKit.Xunit2;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;
using CsCheck;

namespace ActorGic.Actors.Tests;

/// <summary>
/// The real traces replayed: each sample gives one report on both engines with every raise
/// accounted for, also replicated onto 4,096 CPUs; a replay's trace travels to a worker process
/// inside the scenario sources; random traces keep the accounting on both engines.
/// </summary>
[Collection("in-process cluster")]
public sealed class ReplayEngineTests() : TestKit(ActorEngine.SingleProcessConfig())
{
    private static string Trace(string name) => Path.Combine(AppContext.BaseDirectory, "traces", name);

    private static string ReplayScenario(string trace, string profile, string replayKeys = "", string topology = "") => $$"""
        scenario {
          name = "replay of {{Path.GetFileName(trace)}}"
          kernel { profile = {{profile}} }
          {{topology}}
          actions = [ { at = 0, do = replay, trace = "{{trace}}" {{replayKeys}} } ]
        }
        """;

    private static RunReport Reference(Scenario s)
    {
        var sim = new Simulation(s, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(s.End), "reference");
    }

    /// <summary>Every raise accounted for: the trace's ipi_raise lines are the replayed ones (no skip, no window), each sent (or not, by a CPU that could not run), each target a request of per_ipi that was handled, is pending, or lost (0).</summary>
    private static void AssertAccounted(RunReport report, int copies)
    {
        Assert.True(report.InvariantsOk, string.Join("; ", report.Violations));
        Assert.Equal(0, report.Totals.Lost);
        var replay = report.Replay!;
        Assert.Equal(0, replay.Skipped.Values.Sum());
        Assert.Equal(replay.Events["ipi_raise"], replay.PerIpi.Values.Sum(p => p.TraceRaises + p.OutsideWindow));
        foreach (var (name, p) in replay.PerIpi)
        {
            Assert.Equal(p.TraceRaises * copies, p.Raises);
            Assert.Equal(p.Raises, p.Sent + p.NotSent);
            var counts = report.PerIpi[name];
            Assert.Equal(p.Requests, counts.Requested); // only the replay sends IPIs here
            Assert.Equal(counts.Requested, counts.Handled + counts.Pending);
        }
    }

    [Theory]
    [InlineData("6.1-n8-mixed.trace.txt", "linux-6.1", 1746, 263, 1483)]
    [InlineData("6.12-n8-mixed.trace.txt", "linux-6.12", 1484, 301, 1182)]
    public void Each_sample_trace_replays_with_one_report_on_both_engines(string file, string profile, long raises, long reschedules, long calls)
    {
        var scenario = ScenarioLoader.LoadText(ReplayScenario(Trace(file), profile));
        Assert.Equal(8, scenario.Topology.CpuCount); // the trace's #P
        var reference = Reference(scenario);
        var actors = Sys.RunScenario(scenario);
        ReportComparison.AssertSameReport(reference, actors, $"{file}: actors");
        AssertAccounted(reference, copies: 1);
        var replay = reference.Replay!;
        Assert.Equal(raises, replay.Events["ipi_raise"]);
        Assert.Equal((reschedules, calls), (replay.PerIpi["RESCHEDULE"].Raises, replay.PerIpi["CALL_FUNC"].Raises));
        Assert.Equal(0, replay.PerIpi.Values.Sum(p => p.NotSent));
        // The traced machine's latency beside the model's: a TCG guest's hundreds of microseconds against the model's nanoseconds.
        Assert.True(replay.PerIpi["RESCHEDULE"].Recorded.P50 > 100_000);
        Assert.Equal(reference.LatencyNs["RESCHEDULE"], replay.PerIpi["RESCHEDULE"].Model);
    }

    [Theory]
    [InlineData("6.1-n8-mixed.trace.txt", "linux-6.1")]
    [InlineData("6.12-n8-mixed.trace.txt", "linux-6.12")]
    public void A_sample_trace_replicated_onto_4096_cpus_has_one_report_on_both_engines(string file, string profile)
    {
        // Half a second of the trace (its first phase) in 512 copies: copy k drives CPUs 8k..8k+7.
        var scenario = ScenarioLoader.LoadText(ReplayScenario(Trace(file), profile, ", map = replicate, trace-until = 500ms", "topology { cpus = 4096 }"));
        var reference = Reference(scenario);
        var actors = Sys.RunScenario(scenario);
        ReportComparison.AssertSameReport(reference, actors, $"{file} on 4,096 CPUs: actors");
        var replay = reference.Replay!;
        Assert.Equal(512, replay.Copies);
        AssertAccounted(reference, copies: 512);
        Assert.True(replay.PerIpi.Values.Sum(p => p.Raises) > 10_000);
        Assert.True(replay.PerIpi.Values.Sum(p => p.OutsideWindow) > 1_000);
        // Every copy hits its own CPUs: each CPU's interrupts equal those of the same CPU of copy 0.
        for (int cpu = 8; cpu < 4096; cpu += 509)
            Assert.Equal(reference.PerCpu[cpu % 8].Ipis, reference.PerCpu[cpu].Ipis);
    }

    [Fact]
    public async Task A_replayed_trace_reaches_a_worker_process_inside_the_scenario_sources()
    {
        string dir = Directory.CreateTempSubdirectory("actorgic-replay-sources").FullName;
        string trace = Path.Combine(dir, "copy.trace.txt");
        File.Copy(Trace("6.12-n8-mixed.trace.txt"), trace);
        string main = Path.Combine(dir, "main.conf");
        // Two chips of 16 CPUs (two copies of the trace), its first 300 ms; the trace is named relative to the scenario.
        File.WriteAllText(main, ReplayScenario("copy.trace.txt", "linux-6.12", ", map = replicate, trace-until = 300ms",
            "topology { cpus = 32, cpus-per-cluster = 16, clusters-per-chip = 1 }"));
        var sources = ScenarioSources.ReadFile(main);
        var scenario = sources.Load();
        var expected = Reference(scenario);
        Assert.Equal([trace], sources.Traces.Keys);
        Assert.Equal(expected.Digest, Reference(ScenarioSources.Unpack(sources.Pack()).Load()).Digest);
        Directory.Delete(dir, recursive: true); // the worker could not read the trace if it tried

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var sim = new Simulation(scenario, keepTrace: false);
        var coordinate = Task.Run(() => ProcessCluster.Coordinate(sim, sources, nodes: 2, port, null, null, out _,
            joinTimeout: TimeSpan.FromSeconds(90)));
        var work = Task.Run(() => ProcessCluster.Work($"127.0.0.1:{port}", 0, new StringWriter(), TimeSpan.FromSeconds(90)));
        var (outcome, facts) = await coordinate.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(0, await work.WaitAsync(TimeSpan.FromMinutes(1)));
        ReportComparison.AssertSameReport(expected, RunReport.Build(sim, facts, outcome, "actors", 2), "two processes");
    }

    [Fact]
    public void A_command_line_replay_survives_packing_and_an_unpacked_trace_is_never_read_from_disk()
    {
        string dir = Directory.CreateTempSubdirectory("actorgic-replay-cli").FullName;
        try
        {
            string trace = Path.Combine(dir, "t.trace.txt");
            File.Copy(Trace("6.1-n8-mixed.trace.txt"), trace);
            var sources = ScenarioSources.FromText("scenario {\n kernel { profile = linux-6.1 }\n topology { cpus = 16 }\n}")
                .WithReplay(new CommandLineReplay(trace, MapCpus: 16, Skip: true, TimeScale: 0.25));
            var loaded = sources.Load();
            var unpacked = ScenarioSources.Unpack(sources.Pack());
            Assert.Equal(sources.Replay, unpacked.Replay);
            var again = unpacked.Load();
            Assert.Equal((2, 0.25, true), (again.ReplayAction!.Replay!.Copies, again.ReplayAction.Replay.TimeScale, again.ReplayAction.Replay.Skip));
            Assert.Equal(loaded.End, again.End);

            var bare = ScenarioSources.Unpack(ScenarioSources.FromText("scenario { kernel { profile = linux-6.1 } }")
                .WithReplay(new CommandLineReplay(trace)).Pack());
            var e = Assert.Throws<ScenarioException>(() => bare.Load());
            Assert.StartsWith("--replay: trace file not among the scenario's sources", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Random traces (a few CPUs, random reasons, masks and gaps, some entries): on both engines the
    /// same report, and every raise accounted for. CsCheck prints the failing case's seed
    /// (CsCheck_Seed=SEED replays it).
    /// </summary>
    [Fact]
    public void Random_traces_are_accounted_for_and_agree_on_both_engines()
    {
        string[] labels = ["Rescheduling interrupts", "Function call interrupts", "Timer broadcast interrupts"];
        var raise = Gen.Select(Gen.Int[0, 5], Gen.Int[1, 63], Gen.Int[0, 2], Gen.Int[0, 3_000], Gen.Bool);
        var gen = Gen.Select(Gen.Int[2, 6], raise.Array[1, 40], Gen.Bool);
        gen.Sample(t =>
        {
            var (cpus, raises, replicate) = t;
            var text = new StringBuilder($"# tracer: nop\n# entries-in-buffer/entries-written: 1/1   #P:{cpus}\n");
            long us = 1_000_000;
            foreach (var (from, mask, reason, gap, entry) in raises)
            {
                us += gap;
                int sender = from % cpus;
                int targets = mask & ((1 << cpus) - 1);
                if (targets == 0) targets = 1 << ((sender + 1) % cpus);
                text.Append(CultureInfo.InvariantCulture, $"  task-1 [{sender:D3}] d.... {us / 1_000_000}.{us % 1_000_000:D6}: ipi_raise: target_mask=00000000,{targets:x8} ({labels[reason]})\n");
                if (entry)
                    text.Append(CultureInfo.InvariantCulture, $"  <idle>-0 [{System.Numerics.BitOperations.TrailingZeroCount(targets):D3}] d.h.. {us / 1_000_000}.{us % 1_000_000:D6}: ipi_entry: ({labels[reason]})\n");
            }
            string file = Path.Combine(Path.GetTempPath(), $"actorgic-random-{Environment.CurrentManagedThreadId}-{Guid.NewGuid():N}.trace.txt");
            File.WriteAllText(file, text.ToString());
            try
            {
                var scenario = ScenarioLoader.LoadText(ReplayScenario(file, "linux-6.12", replicate ? ", map = replicate" : "",
                    replicate ? $"topology {{ cpus = {cpus * 3 + 1} }}" : ""));
                var reference = Reference(scenario);
                var actors = Sys.RunScenario(scenario);
                if (ReportComparison.Canonical(reference) != ReportComparison.Canonical(actors)) return false;
                int copies = replicate ? 3 : 1;
                var replay = reference.Replay!;
                return reference.InvariantsOk && reference.Totals.Lost == 0
                    && replay.Copies == copies
                    && replay.PerIpi.Values.Sum(p => p.TraceRaises) == raises.Length
                    && replay.PerIpi.All(p => p.Value.Raises == p.Value.TraceRaises * copies && p.Value.Sent == p.Value.Raises
                        && reference.PerIpi[p.Key].Requested == p.Value.Requests);
            }
            finally
            {
                File.Delete(file);
            }
        }, iter: 25, threads: 1);
    }
}
