using Akka.Actor;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors.Tests;

[CollectionDefinition("in-process cluster", DisableParallelization = true)]
public sealed class InProcessClusterCollection;

/// <summary>
/// Several ActorSystems in this process on 127.0.0.1, port 0, chips placed on nodes, the time
/// keeper's messages to other nodes' components over Akka.Remote: the digest of one process.
/// </summary>
[Collection("in-process cluster")]
public class ClusterEngineTests
{
    private static Scenario ThreeChips() => ScenarioLoader.LoadText(ThreeChipsText);

    /// <summary>Linux 6.12 with the NMI mux on three chips: traffic, a hung CPU, a backtrace, an SGI to all.</summary>
    internal const string ThreeChipsText = """
        scenario {
          seed = 9
          end = 60us
          topology { cpus = 48, cpus-per-cluster = 16, clusters-per-chip = 1 }
          kernel { profile = linux-6.12, nmi-mux = on }
          actions = [
            { at = 0us, cpu = 0, do = traffic, ipi = RESCHEDULE, rate = 400000, cpus = all, until = 40us }
            { at = 0us, cpu = 0, do = traffic, ipi = CALL_FUNC, rate = 200000, cpus = all, until = 40us }
            { at = 1us, cpu = 20, do = hang }
            { at = 5us, cpu = 40, do = backtrace, to = all-but-self }
            { at = 6us, cpu = 3, do = sgi, intid = 5, to = all-but-self }
          ]
        }
        """;

    private static RunReport Reference(Scenario s)
    {
        var sim = new Simulation(s, keepTrace: false);
        return RunReport.Build(sim, new ReferenceEngine(sim).Run(s.End), "reference");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Nodes_give_the_single_process_digest(int nodes)
    {
        var scenario = ThreeChips();
        var reference = Reference(scenario);
        var sim = new Simulation(scenario, keepTrace: false);
        var report = RunReport.Build(sim, ClusterEngine.Run(sim, scenario.End, nodes), "actors", nodes);
        ReportComparison.AssertSameReport(reference, report, $"{nodes} nodes");
        Assert.Equal(reference.Digest, report.Digest);
        Assert.Equal(nodes, report.Nodes);
        Assert.True(report.InvariantsOk);
    }

    public static TheoryData<string, int> ShippedMultiChipScenarios()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.conf").Order())
        {
            if (Path.GetFileName(file) == "topology-2x4.conf") continue;
            if (ScenarioLoader.LoadFile(file).Topology.ChipCount < 2) continue;
            data.Add(Path.GetFileName(file), 2);
            data.Add(Path.GetFileName(file), 3);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedMultiChipScenarios))]
    public void Every_shipped_multi_chip_scenario_gives_the_single_process_report(string file, int nodes)
    {
        var scenario = ScenarioLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
        var reference = Reference(scenario);
        var sim = new Simulation(scenario, keepTrace: false);
        var report = RunReport.Build(sim, ClusterEngine.Run(sim, scenario.End, nodes), "actors", nodes);
        ReportComparison.AssertSameReport(reference, report, $"{file} on {nodes} nodes");
    }

    [Fact]
    public void Fewer_chips_than_nodes_is_refused()
    {
        var scenario = new ScenarioBuilder(cpus: 16).Build(1_000);
        var e = Assert.Throws<InvalidOperationException>(() => ClusterEngine.Run(new Simulation(scenario, false), 1_000, nodes: 2));
        Assert.Equal("a run on 2 nodes needs at least 2 chips; this topology has 1", e.Message);
    }

    [Theory]
    [InlineData(0, 4, 2, 0)]
    [InlineData(1, 4, 2, 0)]
    [InlineData(2, 4, 2, 1)]
    [InlineData(3, 4, 3, 2)]
    [InlineData(63, 64, 4, 3)]
    public void Chips_are_placed_on_nodes_in_contiguous_blocks(int chip, int chips, int nodes, int node) =>
        Assert.Equal(node, ClusterEngine.NodeOfChip(chip, chips, nodes));
}

/// <summary>
/// The process cluster's coordinator, with a second ActorSystem in this process (127.0.0.1, port
/// 0) playing a worker: the application-level handshake refuses a node whose build of any model
/// assembly or configuration differs, and a run whose nodes never all register ends with a clear reason.
/// </summary>
[Collection("in-process cluster")]
public class ProcessClusterHandshakeTests
{
    [Fact]
    public async Task A_node_with_another_configuration_hash_is_refused_and_the_run_cannot_start_without_it()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var scenario = ScenarioLoader.LoadText("scenario { end = 10us\n topology { cpus = 32, cpus-per-cluster = 16, clusters-per-chip = 1 } }");
        var sim = new Simulation(scenario, keepTrace: false);
        var run = Task.Run(() => ProcessCluster.Coordinate(sim, ScenarioSources.FromText("scenario { end = 10us }", "s"), nodes: 2, port, null, null,
            out _, joinTimeout: TimeSpan.FromSeconds(8)));
        // The impostor's build differs from the coordinator's in one model assembly only (another ActorGic.Engine.dll).
        string impostorHash = ClusterHandshake.Hash(ClusterHandshake.ModelAssemblies.Select(AssemblyStamp.Of)
            .Select(a => a.Name == "ActorGic.Engine" ? a with { Mvid = Guid.NewGuid() } : a));

        using var impostor = Akka.Actor.ActorSystem.Create("actorgic", ClusterEngine.NodeConfig());
        var coordinator = impostor.ActorSelection($"akka.tcp://actorgic@127.0.0.1:{port}/user/coordinator");
        object? answer = null;
        for (int attempt = 0; attempt < 20 && answer is null; attempt++)
        {
            try
            {
                answer = await coordinator.Ask<JoinRefused>(new JoinRun(impostorHash), TimeSpan.FromMilliseconds(500));
            }
            catch (Akka.Actor.AskTimeoutException)
            {
                // the coordinator is still starting
            }
        }
        var refused = Assert.IsType<JoinRefused>(answer);
        Assert.StartsWith($"configuration hash {impostorHash} differs from the coordinator's {ClusterHandshake.ConfigHash}", refused.Reason);

        var aborted = await Assert.ThrowsAsync<RunAbortedException>(() => run);
        Assert.Equal("only 0 of 1 worker node(s) registered within 8 s", aborted.Message);
        await impostor.Terminate();
    }
}

/// <summary>
/// Processes (here: the coordinator and workers on threads, each its own cluster node on loopback)
/// build only the components of their own chips, the coordinator once its cluster is open: the
/// report is the reference engine's all the same.
/// </summary>
[Collection("in-process cluster")]
public class ProcessClusterPartTests
{
    [Theory]
    [InlineData("reclaim-storm-64.conf", 2)] // the reclaimer's negotiation, on node 0, reaches CPUs on the worker
    [InlineData("three chips", 3)] // the NMI broker's registry on node 0, a hung CPU and a backtrace on the workers' chips
    public async Task Nodes_that_build_only_their_own_chips_give_the_reference_report(string file, int nodes)
    {
        var sources = file == "three chips" ? ScenarioSources.FromText(ClusterEngineTests.ThreeChipsText, file)
            : ScenarioSources.ReadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
        var scenario = sources.Load();
        var whole = new Simulation(scenario, keepTrace: false);
        var expected = RunReport.Build(whole, new ReferenceEngine(whole).Run(scenario.End), "reference");

        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var coordinate = Task.Run(() => ProcessCluster.Coordinate(scenario, sources, nodes, port, null, null, out var cost,
            joinTimeout: TimeSpan.FromSeconds(90)));
        var logs = Enumerable.Range(1, nodes - 1).Select(_ => new StringWriter()).ToArray();
        var work = logs.Select(log => Task.Run(() => ProcessCluster.Work($"127.0.0.1:{port}", 0, log, TimeSpan.FromSeconds(90)))).ToArray();

        var (outcome, facts, part) = await coordinate.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(Enumerable.Repeat(0, nodes - 1), await Task.WhenAll(work).WaitAsync(TimeSpan.FromMinutes(1)));
        ReportComparison.AssertSameReport(expected, RunReport.Build(part, facts, outcome, "actors", nodes), $"{file} on {nodes} processes");
        // The coordinator built node 0's components alone, each worker its own.
        Assert.True(part.Partial);
        var layout = part.Layout;
        Assert.Equal(Enumerable.Range(0, layout.ComponentCount).Where(id => ClusterEngine.NodeOf(layout, id, nodes) == 0),
            part.Built.Select(c => c.Id));
        for (int node = 1; node < nodes; node++)
        {
            int hosted = Enumerable.Range(0, layout.ComponentCount).Count(id => ClusterEngine.NodeOf(layout, id, nodes) == node);
            Assert.Contains($"node {node} of {nodes}: {hosted} components", string.Concat(logs.Select(l => l.ToString())));
        }
    }
}

/// <summary>
/// A worker that is gone once the run's windows are over (its system stopped before the
/// coordinator asks for its results) must not leave the coordinator waiting: the wait for the
/// workers' results is bounded by the watchdog, as every wait of a run is.
/// </summary>
[Collection("in-process cluster")]
public class ProcessClusterResultsTests
{
    /// <summary>The coordinator's log: when it says the windows are over, the worker is stopped, and the line returns once it has.</summary>
    private sealed class StopsTheWorker(CancellationTokenSource worker, Func<Task> stopped) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains("collecting the nodes' results") != true) return;
            worker.Cancel();
            stopped().Wait(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task A_worker_that_never_sends_its_results_ends_the_run_after_the_watchdog()
    {
        var sources = ScenarioSources.FromText(ClusterEngineTests.ThreeChipsText, "three chips");
        var scenario = sources.Load();
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var cancelWorker = new CancellationTokenSource();
        Task<int>? work = null;
        var log = new StopsTheWorker(cancelWorker, () => work!.ContinueWith(_ => { }));
        var coordinate = Task.Run(() => ProcessCluster.Coordinate(scenario, sources, 2, port, null, log, out _,
            joinTimeout: TimeSpan.FromSeconds(90), bounds: new RunBounds { Watchdog = TimeSpan.FromSeconds(2) }));
        work = Task.Run(() => ProcessCluster.Work($"127.0.0.1:{port}", 0, new StringWriter(), TimeSpan.FromSeconds(90), cancelWorker.Token));

        var e = await Assert.ThrowsAsync<RunAbortedException>(() => coordinate.WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("a worker node did not hand over what it still held within 2 s (wall time) after the run", e.Message);
        await Assert.ThrowsAsync<OperationCanceledException>(() => work);
    }
}
