using System.Net;
using System.Net.Sockets;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

/// <summary>
/// A clustered run's workers load the scenario from the texts the coordinator read (the file and
/// everything it includes), never from a file of their own: the sources survive packing, load
/// with their files gone, and a run on two processes (here two ActorSystems of this process, the
/// worker started after the scenario's directory was deleted) gives the reference report.
/// </summary>
[Collection("in-process cluster")]
public sealed class ScenarioSourcesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgic-sources").FullName;

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>main.conf includes common/timing.conf (relative), which includes topology.conf beside it, and an absolute path.</summary>
    private string WriteScenario()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "common"));
        File.WriteAllText(Path.Combine(_dir, "common", "topology.conf"),
            "scenario.topology { cpus = 32, cpus-per-cluster = 16, clusters-per-chip = 1 }\n");
        File.WriteAllText(Path.Combine(_dir, "common", "timing.conf"),
            "include \"topology.conf\"\nscenario.timing { chip-to-chip = 700ns }\n");
        File.WriteAllText(Path.Combine(_dir, "kernel.conf"), "scenario.kernel { profile = linux-6.12 }\n");
        string main = Path.Combine(_dir, "main.conf");
        File.WriteAllText(main, $$"""
            include "common/timing.conf"
            include "{{Path.Combine(_dir, "kernel.conf")}}"
            scenario {
              name = "includes: \"quoted\", 12:34"
              seed = 11
              end = 30us
              actions = [
                { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 400000, cpus = all, until = 20us }
                { at = 2us, cpu = 20, do = sgi, intid = 5, to = all-but-self }
              ]
            }
            """);
        return main;
    }

    private static RunReport Reference(Scenario s)
    {
        var sim = new Simulation(s, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(s.End), "reference");
    }

    [Fact]
    public void Sources_hold_every_file_read_and_survive_packing()
    {
        var sources = ScenarioSources.ReadFile(WriteScenario());
        Assert.Equal(["common/timing.conf", "common/topology.conf", "kernel.conf", "main.conf"],
            sources.Files.Keys.Select(k => Path.GetRelativePath(_dir, k).Replace('\\', '/')).Order(StringComparer.Ordinal));
        var unpacked = ScenarioSources.Unpack(sources.Pack());
        Assert.Equal((sources.Name, sources.Main), (unpacked.Name, unpacked.Main));
        Assert.Equal(sources.Files.OrderBy(f => f.Key), unpacked.Files.OrderBy(f => f.Key));
        Assert.Throws<FormatException>(() => ScenarioSources.Unpack(sources.Pack()[..^1]));
    }

    [Fact]
    public void A_scenario_with_includes_loads_from_its_sources_alone()
    {
        string main = WriteScenario();
        var expected = Reference(ScenarioLoader.LoadFile(main));
        string packed = ScenarioSources.ReadFile(main).Pack();
        Directory.Delete(_dir, recursive: true); // nothing left to read: the sources must be enough

        var scenario = ScenarioSources.Unpack(packed).Load();
        Assert.Equal("includes: \"quoted\", 12:34", scenario.Name);
        Assert.Equal(700, scenario.Timing.ChipToChip);
        Assert.Equal(expected.Digest, Reference(scenario).Digest);
    }

    /// <summary>The packed form, written out by hand: a header, then length-prefixed name, main path, count and (path, text) pairs, no trace, no command-line replay, then the --set count (none).</summary>
    private static string Packed(string name, string main, params (string Path, string Text)[] files) =>
        "actorgic-scenario-sources 3\n" + $"{name.Length}:{name}{main.Length}:{main}{files.Length}\n" +
        string.Concat(files.Select(f => $"{f.Path.Length}:{f.Path}{f.Text.Length}:{f.Text}")) + "0\n0:0\n";

    [Fact]
    public void An_include_the_sources_do_not_hold_is_not_found_even_when_the_file_exists()
    {
        string extra = Path.Combine(_dir, "extra.conf");
        File.WriteAllText(extra, "scenario.seed = 4\n");
        string main = Path.Combine(_dir, "main.conf");
        var sources = ScenarioSources.Unpack(Packed("main", main, (main, $"include \"{extra}\"\nscenario {{ end = 1us }}")));
        var e = Assert.Throws<ScenarioException>(() => sources.Load());
        Assert.Contains("included file not found", e.Message);
    }

    [Fact]
    public void A_file_changed_after_it_was_read_changes_nothing()
    {
        string main = WriteScenario();
        var sources = ScenarioSources.ReadFile(main);
        File.WriteAllText(Path.Combine(_dir, "common", "timing.conf"), "scenario.timing { chip-to-chip = 900ns }\n");
        Assert.Equal(700, ScenarioSources.Unpack(sources.Pack()).Load().Timing.ChipToChip);
    }

    [Fact]
    public async Task A_scenario_with_includes_runs_on_two_processes_from_the_coordinator_s_texts_alone()
    {
        // With --set overrides too: a worker that missed them would time the chip link otherwise, and its digest would differ.
        var sources = ScenarioSources.ReadFile(WriteScenario()).WithOverrides(ScenarioOverrides.Parse(["timing.chip-to-chip=900ns", "gic.nmi=none"]));
        var scenario = sources.Load();
        Assert.Equal((900L, NmiMode.None), (scenario.Timing.ChipToChip, scenario.Gic.Nmi));
        var expected = Reference(scenario);
        Directory.Delete(_dir, recursive: true); // the worker could not read the files if it tried

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var sim = new Simulation(scenario, keepTrace: false);
        var coordinate = Task.Run(() => ProcessCluster.Coordinate(sim, sources, nodes: 2, port, null, null, out _,
            joinTimeout: TimeSpan.FromSeconds(90)));
        var workerLog = new StringWriter();
        var work = Task.Run(() => ProcessCluster.Work($"127.0.0.1:{port}", 0, workerLog, TimeSpan.FromSeconds(90)));

        var (outcome, facts) = await coordinate.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(0, await work.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("node 1 of 2", workerLog.ToString());
        var report = RunReport.Build(sim, facts, outcome, "actors", 2);
        ReportComparison.AssertSameReport(expected, report, "two processes");
    }
}
