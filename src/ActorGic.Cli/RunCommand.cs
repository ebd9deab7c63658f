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
        var file = new Argument<string?>("FILE.conf") { Description = "the scenario file (optional with --replay)", Arity = ArgumentArity.ZeroOrOne };
        var engine = new Option<string>("--engine") { Description = "reference (one event queue) or actors", DefaultValueFactory = _ => "actors" };
        var nodes = new Option<int>("--nodes") { Description = "cluster nodes (actor engine)", DefaultValueFactory = _ => 1 };
        var report = new Option<string>("--report") { Description = "write the JSON report here" };
        var trace = new Option<string>("--trace") { Description = "write the JSON Lines trace here" };
        var plotDir = new Option<string>("--plot") { Description = "write the pictures (latency CDFs, interrupts heat map, SGI table timeline; PNG and SVG) into this directory" };
        var seed = new Option<string>("--seed") { Description = "override the scenario's seed" };
        var set = new Option<string[]>("--set") { Description = "PATH=VALUE: override a scenario or default key (repeatable), e.g. --set gic.nmi=none" };
        var threads = new Option<int>("--threads") { Description = "simulation dispatcher threads (actor engine)", DefaultValueFactory = _ => 1 };
        var listen = new Option<int?>("--listen")
        {
            Description = "run --nodes N as separate processes: this one coordinates on 127.0.0.1:PORT, the others join with actorgic node --seed 127.0.0.1:PORT",
        };
        var replay = new Option<string>("--replay") { Description = "replay a real ftrace IPI trace (ftrace's text format): added to FILE.conf's actions at 0, or on its own" };
        var map = new Option<string>("--map") { Description = "with --replay: replicate the trace's N CPUs onto a topology of CPUS CPUs (copy k drives CPUs k*N..k*N+N-1)" };
        var profile = new Option<string>("--profile") { Description = "with --replay and no FILE.conf: the kernel era (linux-6.1, linux-6.7, linux-6.12; default linux-6.12)" };
        var replaySkip = new Option<bool>("--replay-skip") { Description = "with --replay: skip (and count) malformed lines, unknown reasons and CPUs out of range instead of refusing the trace" };
        var timeScale = new Option<string>("--time-scale") { Description = "with --replay: multiply the trace's intervals by this (default 1)" };
        var run = new Command("run", "Run a scenario and print its summary.")
        {
            file, engine, nodes, report, trace, plotDir, seed, threads, listen, replay, map, profile, replaySkip, timeScale, set,
        };
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

            // Read once: a cluster's workers get these very texts (the file and its includes, a replayed trace), never a file of their own.
            var sources = ReplaySources(parse.GetValue(file), parse.GetValue(replay), parse.GetValue(map), parse.GetValue(profile),
                parse.GetValue(replaySkip), parse.GetValue(timeScale))
                .WithOverrides(ScenarioOverrides.Parse(parse.GetValue(set) ?? []));
            var scenario = sources.Load(seedOverride);
            if (nodeCount > scenario.Topology.ChipCount)
                throw new ScenarioException("--nodes", $"a run on {nodeCount} nodes needs at least {nodeCount} chips; this topology has {scenario.Topology.ChipCount}");
            // The trace streams through a spool on disk: a long run's events are never all in memory.
            using var spool = traceFile is null ? null : new TraceSpool();
            // A coordinator of processes builds only node 0's part, once its cluster is open (ProcessCluster.Coordinate).
            var whole = port is null ? new Simulation(scenario, keepTrace: spool is not null, spool) : null;
            Simulation simulation;
            int threadCount = parse.GetValue(threads);
            // Made only for the actor engine: its default watchdog is read from akka.single.conf by Akka's HOCON
            // parser, whose start-up (a compiled Regex among it) a reference run does not need.
            RunBounds Bounds() => new() { Cancel = cancel };
            RunReport result;
            // A coordinator's actor system still stopping once its results are in (its report is built meanwhile).
            var stopped = Task.CompletedTask;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                if (port is { } p)
                {
                    var (clusterOutcome, facts, part) = RunProgress.Run(scenario.End,
                        progress =>
                        {
                            var run = ProcessCluster.Coordinate(scenario, sources, nodeCount, p, progress, error, out var cost, bounds: Bounds());
                            stopped = cost.Stopped;
                            return run;
                        });
                    simulation = part;
                    result = RunReport.Build(part, facts, clusterOutcome, engineName, nodeCount);
                }
                else
                {
                    simulation = whole!;
                    var outcome = RunProgress.Run(scenario.End, progress => engineName == "reference"
                        ? new ReferenceEngine(simulation).Run(scenario.End, progress, cancel)
                        : nodeCount > 1
                            ? ClusterEngine.Run(simulation, scenario.End, nodeCount, progress, Bounds())
                            : ActorEngine.Run(simulation, scenario.End, threadCount, progress, Bounds()));
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
            stopped.Wait(TimeSpan.FromSeconds(10));
            return Task.FromResult(result.InvariantsOk ? ExitCode.Ok : ExitCode.InvariantViolation);
        });
        return run;
    }

    private static readonly string[] ReplayProfiles = ["linux-6.1", "linux-6.7", "linux-6.12"];

    /// <summary>
    /// The scenario's sources: FILE.conf, with --replay's action added; or, with --replay alone, a
    /// scenario of the profile's era whose topology is the trace's CPUs (or --map's) and whose end
    /// is 1 ms after the last send.
    /// </summary>
    private static ScenarioSources ReplaySources(string? path, string? replay, string? map, string? profile, bool skip, string? timeScale)
    {
        if (replay is null)
        {
            if (map is not null) throw new ScenarioException("--map", "maps a replayed trace: give --replay TRACE.txt");
            if (profile is not null) throw new ScenarioException("--profile", "is the era of a --replay without a scenario file: give --replay TRACE.txt");
            if (skip) throw new ScenarioException("--replay-skip", "skips bad lines of a replayed trace: give --replay TRACE.txt");
            if (timeScale is not null) throw new ScenarioException("--time-scale", "scales a replayed trace: give --replay TRACE.txt");
            if (path is null) throw new ScenarioException("FILE.conf", "missing: give a scenario file, or --replay TRACE.txt");
            return ScenarioSources.ReadFile(path);
        }
        int? mapCpus = null;
        if (map is not null)
        {
            if (!int.TryParse(map, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int cpus) || cpus is < 1 or > 65536)
                throw new ScenarioException("--map", $"\"{map}\" is not a CPU count (1-65536)");
            mapCpus = cpus;
        }
        double scale = 1.0;
        if (timeScale is not null
            && (!double.TryParse(timeScale, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out scale) || !(scale >= 1e-6) || scale > 1e6))
            throw new ScenarioException("--time-scale", $"\"{timeScale}\" is not a time scale from 1e-6 to 1e6");
        var cli = new CommandLineReplay(Path.GetFullPath(replay), mapCpus, skip, scale);
        if (path is not null)
        {
            if (profile is not null) throw new ScenarioException("--profile", "the scenario file sets its kernel profile (kernel.profile); --profile is for --replay without one");
            return ScenarioSources.ReadFile(path).WithReplay(cli);
        }
        string era = profile ?? "linux-6.12";
        if (Array.IndexOf(ReplayProfiles, era) < 0)
            throw new ScenarioException("--profile", $"\"{era}\" is not {string.Join(", ", ReplayProfiles)}");
        string name = System.Text.Json.JsonSerializer.Serialize($"replay of {Path.GetFileName(replay)}");
        string topology = mapCpus is { } n ? $"\n  topology {{ cpus = {n} }}" : "";
        var text = $"scenario {{\n  name = {name}\n  kernel {{ profile = {era} }}{topology}\n}}\n";
        return ScenarioSources.FromText(text, "replay").WithReplay(cli);
    }
}
