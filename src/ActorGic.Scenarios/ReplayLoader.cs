using System.Globalization;
using ActorGic.Engine;
using ActorGic.Gic;
using ActorGic.Kernel;

namespace ActorGic.Scenarios;

/// <summary>
/// <c>--replay TRACE.txt</c> on the command line: the replay action it adds to the scenario
/// (at 0), with <c>--map CPUS</c> (replicate onto CPUS CPUs, the topology's count), skip and time scale.
/// </summary>
public sealed record CommandLineReplay(string Trace, int? MapCpus = null, bool Skip = false, double TimeScale = 1.0);

/// <summary>What a load reads besides the HOCON: replay traces, relative to <see cref="Directory"/>, and the command line's replay.</summary>
public sealed class ScenarioInputs
{
    /// <summary>Where a relative trace path starts (the scenario file's directory).</summary>
    public required string Directory { get; init; }
    /// <summary>The text of a trace by full path; <c>path</c> names it in errors.</summary>
    public required Func<string, string, string> ReadTrace { get; init; }
    public CommandLineReplay? Replay { get; init; }

    /// <summary>Traces straight from the file system, under <see cref="ReplayLoader.MaxTraceBytes"/>.</summary>
    public static ScenarioInputs FileSystem(string directory) => new() { Directory = directory, ReadTrace = ReplayLoader.ReadFileSystem };
}

/// <summary>
/// The <c>replay</c> action: <c>{ at = 0, do = replay, trace = "FILE", map = off | replicate,
/// copies = K, time-scale = 1.0, trace-from = 0s, trace-until = 2s, skip = off | on }</c>
/// (<c>cpu</c> may be given and is ignored: each raise is sent by its own CPU). One per scenario.
/// </summary>
public static class ReplayLoader
{
    /// <summary>
    /// 32 MiB: the sample traces (8 CPUs, 7 s of a mixed workload) are 0.5-0.7 MB; a trace is held
    /// as text once (a clustered run sends it to its workers), and parsed into a few arrays.
    /// </summary>
    public const int MaxTraceBytes = 32 << 20;

    /// <summary>A trace takes its end time with it: a scenario without <c>end</c> runs this long past the last send.</summary>
    public const long DrainAfterLastSend = 1_000_000;

    private static readonly string[] Keys = ["at", "cpu", "do", "trace", "map", "copies", "time-scale", "trace-from", "trace-until", "skip"];

    internal static bool IsReplay(HoconNode a) => a.IsObject && a["do"].Exists && !a["do"].IsObject && !a["do"].IsArray && a["do"].String() == "replay";

    public static string ReadFileSystem(string fullPath, string path)
    {
        if (!File.Exists(fullPath) && !System.IO.Directory.Exists(fullPath)) throw new ScenarioException(path, $"no such trace file ({fullPath})");
        long budget = MaxTraceBytes;
        try
        {
            return HoconSource.Read(fullPath, ref budget, "trace file",
                f => new ScenarioException(path, $"{f} is larger than {MaxTraceBytes >> 20} MiB, the limit for a trace (cut it to a window first)"));
        }
        catch (ScenarioException e) when (e.Path != path)
        {
            throw new ScenarioException(path, $"{e.Path} {e.Reason}"); // named by the key or argument that gave it
        }
    }

    /// <summary>The replay action of a scenario file; <paramref name="topology"/> is null when the scenario gives none (the trace sizes it).</summary>
    internal static ScenarioAction FromHocon(HoconNode a, Topology? topology, KernelProfile? kernel, string profile, ScenarioInputs inputs)
    {
        a.RejectUnknownKeys(Keys);
        long at = Duration.ParseNs(a["at"].String(), a["at"].Path);
        if (a["cpu"].Exists) a["cpu"].Long();
        if (kernel is null) throw a["do"].Fail($"replay sends the era's IPIs by their /proc/interrupts labels: it needs a Linux kernel profile, not {profile}");
        var map = a["map"];
        bool replicate = map.Exists && map.String() switch
        {
            "replicate" => true,
            "off" => false,
            var other => throw map.Fail($"\"{other}\" is not off or replicate"),
        };
        if (a["copies"].Exists && !replicate) throw a["copies"].Fail("copies need map = replicate");
        double scale = 1.0;
        if (a["time-scale"].Exists)
        {
            string text = a["time-scale"].String();
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out scale) || !(scale >= 1e-6) || scale > 1e6)
                throw a["time-scale"].Fail($"\"{text}\" is not a time scale from 1e-6 to 1e6");
        }
        long from = a["trace-from"].Exists ? Duration.ParseNs(a["trace-from"].String(), a["trace-from"].Path) : 0;
        long until = a["trace-until"].Exists ? Duration.ParseNs(a["trace-until"].String(), a["trace-until"].Path) : long.MaxValue;
        if (until < from) throw a["trace-until"].Fail($"{until}ns is before trace-from ({from}ns)");
        string tracePath = a["trace"].String();
        var request = new Request(at, tracePath, Path.GetFullPath(Path.Combine(inputs.Directory, tracePath)), a["trace"].Path, replicate,
            a["copies"].Exists ? a["copies"].Int(1, 65536) : null, map.Exists ? map.Path : a["trace"].Path, scale, from, until,
            a["skip"].Bool(false), a.Path);
        return Build(request, topology, kernel, inputs);
    }

    /// <summary>The command line's <c>--replay</c>, at 0; <c>--map CPUS</c> replicates onto the topology, which must have CPUS CPUs.</summary>
    internal static ScenarioAction FromCommandLine(CommandLineReplay cli, Topology? topology, KernelProfile? kernel, string profile, ScenarioInputs inputs)
    {
        if (kernel is null)
            throw new ScenarioException("--replay", $"replay sends the era's IPIs by their /proc/interrupts labels: it needs a Linux kernel profile, not {profile}");
        if (cli.MapCpus is { } mapCpus && topology is not null && topology.CpuCount != mapCpus)
            throw new ScenarioException("--map", $"the scenario's topology has {topology.CpuCount} CPUs, --map asks for {mapCpus} (change topology.cpus, or give --replay without a scenario file)");
        var request = new Request(0, cli.Trace, Path.GetFullPath(cli.Trace), "--replay", cli.MapCpus is not null, null, "--map", cli.TimeScale,
            0, long.MaxValue, cli.Skip, "--replay");
        return Build(request, topology, kernel, inputs);
    }

    private sealed record Request(long At, string Trace, string FullPath, string TracePath, bool Replicate, int? Copies, string MapPath,
        double TimeScale, long From, long Until, bool Skip, string ActionPath);

    private static ScenarioAction Build(Request r, Topology? topology, KernelProfile kernel, ScenarioInputs inputs)
    {
        if (r.Replicate && topology is null)
            throw new ScenarioException(r.MapPath, "map = replicate needs a topology larger than the trace: give topology.cpus");
        var options = new FtraceOptions
        {
            // Without replication every CPU of the trace is one of the model's; replicated, a trace CPU must be below the trace's own #P.
            CpuLimit = !r.Replicate && topology is not null ? topology.CpuCount : int.MaxValue,
            Skip = r.Skip,
            From = r.From,
            Until = r.Until,
        };
        string text = inputs.ReadTrace(r.FullPath, r.TracePath);
        ReplayTrace trace;
        try
        {
            trace = FtraceReader.Read(new StringReader(text), Path.GetFileName(r.FullPath), kernel, options);
        }
        catch (FtraceReader.LineException e)
        {
            throw new ScenarioException(r.TracePath, $"{r.Trace} line {e.Line}: {e.Reason}");
        }
        int copies = 1;
        if (r.Replicate)
        {
            int fit = topology!.CpuCount / trace.Cpus;
            if (fit < 1)
                throw new ScenarioException(r.MapPath, $"the trace has {trace.Cpus} CPUs: a topology of {topology.CpuCount} cannot hold one copy");
            if (r.Copies is { } asked && asked > fit)
                throw new ScenarioException(r.MapPath, $"{asked} copies of the trace's {trace.Cpus} CPUs need {asked * trace.Cpus} CPUs; the topology has {topology.CpuCount}");
            copies = r.Copies ?? fit;
        }
        var plan = new ReplayPlan
        {
            Trace = trace,
            Copies = copies,
            Replicate = r.Replicate,
            TimeScale = r.TimeScale,
            From = r.From,
            Until = r.Until,
            Skip = r.Skip,
        };
        if (trace.Count > 0 && plan.LastSend > long.MaxValue / 8 - r.At)
            throw new ScenarioException(r.ActionPath, "the replay's last send is too far in virtual time: use a smaller time-scale or a window");
        return new ScenarioAction { At = r.At, Cpu = 0, Do = ActionVerb.Replay, Replay = plan };
    }

    /// <summary>A replay must fit the run: every send at or before the end, so each raise is sent (or counted as not sent).</summary>
    internal static void CheckEnd(ScenarioAction replay, long end, string path)
    {
        long last = replay.At + replay.Replay!.LastSend;
        if (last > end)
            throw new ScenarioException(path, $"the replay's last send is at {last}ns, after the scenario's end ({end}ns): " +
                "raise end (or leave it out: a replay then ends 1ms after its last send), or replay a window (trace-from, trace-until) or a smaller time-scale");
    }
}
