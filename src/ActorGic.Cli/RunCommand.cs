using System.CommandLine;
using ActorGic.Actors;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic run FILE.conf</c>: runs a scenario, prints the summary, writes report and trace when
/// asked. The action's cancellation token (SIGINT, SIGTERM) stops every engine within a moment,
/// before any output is moved into place.
/// </summary>
public static class RunCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("FILE.conf") { Description = "the scenario file" };
        var engine = new Option<string>("--engine") { Description = "reference (one event queue) or actors", DefaultValueFactory = _ => "actors" };
        var nodes = new Option<int>("--nodes") { Description = "cluster nodes (actor engine)", DefaultValueFactory = _ => 1 };
        var report = new Option<string>("--report") { Description = "write the JSON report here" };
        var trace = new Option<string>("--trace") { Description = "write the JSON Lines trace here" };
        var plotDir = new Option<string>("--plot") { Description = "write the pictures (latency CDFs, interrupts heat map, SGI table timeline; PNG and SVG) into this directory" };
        var seed = new Option<string>("--seed") { Description = "override the scenario's seed" };
        var threads = new Option<int>("--threads") { Description = "simulation dispatcher threads (actor engine)", DefaultValueFactory = _ => 1 };
        var listen = new Option<int?>("--listen")
        {
            Description = "run --nodes N as separate processes: this one coordinates on 127.0.0.1:PORT, the others join with actorgic node --seed 127.0.0.1:PORT",
        };
        var run = new Command("run", "Run a scenario and print its summary.") { file, engine, nodes, report, trace, plotDir, seed, threads, listen };
        run.SetAction((parse, cancel) =>
        {
            string engineName = parse.GetValue(engine)!;
            if (engineName is not ("reference" or "actors"))
                throw new ScenarioException("--engine", $"\"{engineName}\" is not reference or actors");
            int nodeCount = parse.GetValue(nodes);
            if (nodeCount is < 1 or > 64) throw new ScenarioException("--nodes", "must be 1 to 64");
            if (nodeCount > 1 && engineName != "actors") throw new ScenarioException("--nodes", "several nodes need --engine actors");
            if (parse.GetValue(threads) is < 1 or > 64)
                throw new ScenarioException("--threads", "must be 1 to 64");
            long? seedOverride = parse.GetValue(seed) is { } s
                ? long.TryParse(s, out long v) ? v : throw new ScenarioException("--seed", $"\"{s}\" is not an integer")
                : null;
            string? reportPath = parse.GetValue(report), tracePath = parse.GetValue(trace);
            int? port = parse.GetValue(listen);
            if (port is not null)
            {
                if (port is < 1 or > 65535) throw new ScenarioException("--listen", $"{port} is not a TCP port (1-65535)");
                if (engineName != "actors") throw new ScenarioException("--listen", "separate processes need --engine actors");
                if (tracePath is not null)
                    throw new ScenarioException("--trace", "a run across processes keeps each node's trace events in that process; trace with --nodes alone (in-process nodes)");
            }
            // The outputs are checked before anything runs: a typo in a path costs no run.
            if (reportPath == "-" && tracePath == "-")
                throw new ScenarioException("--trace", "--report already writes to standard output (-); only one of them can");
            using var reportFile = reportPath is null ? null : OutputFile.Open("--report", reportPath, output);
            using var traceFile = tracePath is null ? null : OutputFile.Open("--trace", tracePath, output);
            if (reportFile is { ReplacesFile: true } && reportFile.Target == traceFile?.Target)
                throw new ScenarioException("--trace", $"{tracePath} is the file --report writes");
            using var plotFiles = parse.GetValue(plotDir) is { } plotPath ? Plots.PlotFiles.Open("--plot", plotPath, output) : null;
            // Standard output carries the JSON alone, so jq can read it; the summary goes to standard error.
            var summary = reportFile is { IsStandardOutput: true } || traceFile is { IsStandardOutput: true } ? error : output;

            string path = parse.GetValue(file)!;
            // Read once: a cluster's workers get these very texts (the file and its includes), never a file of their own.
            var sources = ScenarioSources.ReadFile(path);
            var scenario = sources.Load(seedOverride);
            if (nodeCount > scenario.Topology.ChipCount)
                throw new ScenarioException("--nodes", $"a run on {nodeCount} nodes needs at least {nodeCount} chips; this topology has {scenario.Topology.ChipCount}");
            // The trace streams through a spool on disk: a long run's events are never all in memory.
            using var spool = traceFile is null ? null : new TraceSpool();
            var simulation = new Simulation(scenario, keepTrace: spool is not null, spool);
            int threadCount = parse.GetValue(threads);
            var bounds = new RunBounds { Cancel = cancel };
            RunReport result;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                if (port is { } p)
                {
                    var (clusterOutcome, facts) = RunProgress.Run(scenario.End,
                        progress => ProcessCluster.Coordinate(simulation, sources, nodeCount, p, progress, error, bounds));
                    result = RunReport.Build(simulation, facts, clusterOutcome, engineName, nodeCount);
                }
                else
                {
                    var outcome = RunProgress.Run(scenario.End, progress => engineName == "reference"
                        ? new ReferenceEngine(simulation).Run(scenario.End, progress, cancel)
                        : nodeCount > 1
                            ? ClusterEngine.Run(simulation, scenario.End, nodeCount, progress, bounds)
                            : ActorEngine.Run(simulation, scenario.End, threadCount, progress, bounds));
                    result = RunReport.Build(simulation, outcome, engineName, nodeCount);
                }
            }
            catch (RunAbortedException e) when (reportFile is not null)
            {
                // On every engine: an incomplete report is a whole one, it says "complete": false, how far the run got and why.
                OutputFile.WriteAll((reportFile, stream => ReportJson.WriteIncomplete(scenario, engineName, nodeCount, e.ReachedNs, e.Message, stream)));
                throw;
            }
            // Both written before either is moved into place: a report that cannot be written leaves no trace either.
            OutputFile.WriteAll([
                (traceFile, stream => ReportJson.WriteTrace(spool!.Sorted(), stream, simulation.Owners, simulation.Mux)),
                (reportFile, stream => ReportJson.Write(result, stream)),
                .. plotFiles?.Writes(() => PlotCommand.DataOf(result)) ?? []]);
            Summary.Print(result, scenario, watch.Elapsed, summary);
            return Task.FromResult(result.InvariantsOk ? ExitCode.Ok : ExitCode.InvariantViolation);
        });
        return run;
    }
}
