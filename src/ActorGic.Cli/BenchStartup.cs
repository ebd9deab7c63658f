using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Reflection.PortableExecutable;

namespace ActorGic.Cli;

/// <summary>
/// <c>actorgic bench --only startup</c>: what a user who runs a short scenario in a fresh process
/// waits for. Whole-process runs (<c>actorgic run FILE --engine reference</c>, as child processes
/// of this very build, standard output redirected) of a one-event scenario, whose time is the
/// start-up, and of a 128-CPU linux-6.12 storm, taking turns so both see the same minutes of a
/// machine whose speed drifts; then the storm's warm time: the same command run in one process
/// (a child of its own, so its heap and threads are its own) until the runtime has compiled it
/// with its profile. The storm should take at most <see cref="RatioTarget"/> times its warm time
/// plus the start-up, and the start-up under <see cref="StartupTargetSeconds"/>.
/// </summary>
internal static class BenchStartup
{
    /// <summary>Whole-process runs of each scenario; their median is reported with the spread.</summary>
    public const int Runs = 7;

    /// <summary>Timed warm runs in the warm child, after its untimed warm-up.</summary>
    public const int WarmRuns = 7;

    public const double StartupTargetSeconds = 0.3;
    public const double RatioTarget = 1.5;

    public const string CasePrefix = "startup-warm:";
    private const string OneEvent = "one-event.conf";
    private const string Storm = "linux-storm-128.conf";

    public static void Run(TextWriter output, CancellationToken cancel)
    {
        var dir = Directory.CreateTempSubdirectory("actorgic-startup-");
        try
        {
            string one = Extract(dir.FullName, OneEvent), storm = Extract(dir.FullName, Storm);
            output.WriteLine($"startup: child processes run {Describe()}");
            var starts = new List<double>();
            var wholes = new List<double>();
            string? stormDigest = null;
            for (int i = 0; i < Runs; i++)
            {
                starts.Add(WholeProcess(one, cancel).Seconds);
                var (seconds, digest) = WholeProcess(storm, cancel);
                wholes.Add(seconds);
                stormDigest ??= digest;
            }
            var warm = WarmChild(storm, cancel);
            foreach (var line in Lines(starts, wholes, warm.Seconds, stormDigest == warm.Digest, warm.Note)) output.WriteLine(line);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The figures against their targets, from the measured seconds (the whole-process ones per run).</summary>
    internal static IEnumerable<string> Lines(IReadOnlyList<double> starts, IReadOnlyList<double> wholes, IReadOnlyList<double> warm, bool sameDigest, string warmNote)
    {
        double start = Median(starts), whole = Median(wholes), warmMedian = Median(warm);
        double ratio = whole / (warmMedian + start);
        yield return $"  start-up (one-event scenario, whole process): {Spread(starts)}; " +
                     $"target under {StartupTargetSeconds:F1} s: {(start < StartupTargetSeconds ? "met" : "NOT met")}";
        yield return $"  128-CPU linux-6.12 storm, whole process:      {Spread(wholes)}";
        yield return $"  128-CPU linux-6.12 storm, warm in-process:    {Spread(warm)} ({warmNote})" +
                     (sameDigest ? "" : "; DIGESTS DIFFER");
        yield return $"  whole / (warm + start-up) = {whole:F3} / ({warmMedian:F3} + {start:F3}) = {ratio:F2}; " +
                     $"target at most {RatioTarget:F1}: {(ratio <= RatioTarget ? "met" : "NOT met")}; " +
                     $"cold cost of the storm beyond start-up {whole - start - warmMedian:F3} s";
    }

    private static string Spread(IReadOnlyList<double> seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"median {Median(seconds):F3} s ({seconds.Min():F3}-{seconds.Max():F3}, {seconds.Count} runs)");

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>One whole-process run, timed from before the process starts to after it exits; its digest line.</summary>
    private static (double Seconds, string Digest) WholeProcess(string file, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        using var child = Process.Start(ChildProcess.Of("run", file, "--engine", "reference"))!;
        var errors = child.StandardError.ReadToEndAsync(CancellationToken.None);
        string text = ChildProcess.Finish(child, cancel);
        double seconds = watch.Elapsed.TotalSeconds;
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"actorgic run {Path.GetFileName(file)} exited {child.ExitCode}: {errors.Result.Trim()}");
        return (seconds, DigestOf(text));
    }

    private static string DigestOf(string summary) =>
        summary.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("digest: ", StringComparison.Ordinal)) ?? "no digest";

    /// <summary>The warm storm, measured in a child process of its own (<c>bench --case startup-warm:FILE</c>).</summary>
    private static (IReadOnlyList<double> Seconds, string Digest, string Note) WarmChild(string storm, CancellationToken cancel)
    {
        using var child = Process.Start(ChildProcess.Of("bench", "--case", CasePrefix + storm))!;
        var errors = child.StandardError.ReadToEndAsync(CancellationToken.None);
        var lines = ChildProcess.Finish(child, cancel).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (child.ExitCode != 0 || lines.Length < 3)
            throw new InvalidOperationException($"the warm storm's child exited {child.ExitCode}: {errors.Result.Trim()}");
        var seconds = lines[0].Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
        return (seconds, lines[1], lines[2]);
    }

    /// <summary>
    /// The warm child: the storm's <c>actorgic run</c> in this process, untimed until the runtime has
    /// compiled it again with its profile (at least a second and three runs within 3%, at most 20 s),
    /// then <see cref="WarmRuns"/> timed runs, each on a settled heap. Prints the times, the digest and
    /// a note on the warm-up, one per line.
    /// </summary>
    public static int RunWarmCase(string spec, TextWriter output, CancellationToken cancel)
    {
        string file = spec[CasePrefix.Length..];
        using var interruption = new Interruption();
        using var stop = cancel.Register(() => interruption.Cancel("the bench"));
        string digest = "no digest";
        double Once()
        {
            var summary = new StringWriter();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var watch = Stopwatch.StartNew();
            int exit = ActorGicCommand.Run(["run", file, "--engine", "reference"], summary, TextWriter.Null, interruption);
            double seconds = watch.Elapsed.TotalSeconds;
            cancel.ThrowIfCancellationRequested();
            if (exit != ExitCode.Ok) throw new InvalidOperationException($"actorgic run {Path.GetFileName(file)} exited {exit}");
            digest = DigestOf(summary.ToString());
            return seconds;
        }

        var warmUp = Stopwatch.StartNew();
        var last = new Queue<double>();
        int runs = 0;
        while (warmUp.Elapsed.TotalSeconds < 20)
        {
            last.Enqueue(Once());
            runs++;
            if (last.Count > 3) last.Dequeue();
            if (warmUp.Elapsed.TotalSeconds >= 1 && last.Count == 3 && last.Max() <= last.Min() * 1.03) break;
        }
        var timed = Enumerable.Range(0, WarmRuns).Select(_ => Once()).ToList();
        output.WriteLine(string.Join(" ", timed.Select(s => s.ToString("R", CultureInfo.InvariantCulture))));
        output.WriteLine(digest);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"after {runs} untimed runs in {warmUp.Elapsed.TotalSeconds:F1} s"));
        return ExitCode.Ok;
    }

    /// <summary>The bench's scenarios (hocon/bench/NAME), embedded in this assembly.</summary>
    internal static readonly string[] Scenarios = [OneEvent, Storm];

    /// <summary>The text of an embedded bench scenario (hocon/bench/NAME).</summary>
    internal static string Text(string name)
    {
        using var stream = typeof(BenchStartup).Assembly.GetManifestResourceStream("bench/" + name)
                           ?? throw new InvalidOperationException($"bench/{name} is not embedded in {typeof(BenchStartup).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Writes an embedded bench scenario into <paramref name="dir"/>.</summary>
    private static string Extract(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, Text(name));
        return path;
    }

    /// <summary>
    /// What the child processes run: this program's path, its configuration, whether its assemblies
    /// carry ReadyToRun code (precompiled) or IL only (every method compiled at first call), the
    /// runtime's tiering settings from its runtimeconfig, and any DOTNET_ variables they inherit.
    /// </summary>
    internal static string Describe()
    {
        var self = typeof(BenchStartup).Assembly;
        string configuration = self.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "?";
        var dlls = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        int managed = 0, precompiled = 0;
        foreach (var dll in dlls)
            if (ReadyToRun(dll) is { } r2r)
            {
                managed++;
                if (r2r) precompiled++;
            }
        string code = ReadyToRun(self.Location) == true
            ? $"ReadyToRun ({precompiled} of {managed} assemblies precompiled)"
            : $"IL only, no ReadyToRun ({precompiled} of {managed} assemblies precompiled; dotnet publish src/ActorGic.Cli gives ReadyToRun)";
        string Setting(string name, string fallback) => AppContext.GetData(name)?.ToString()?.ToLowerInvariant() ?? fallback;
        string tiering = $"TieredCompilation {Setting("System.Runtime.TieredCompilation", "true (default)")}, " +
                         $"TieredPGO {Setting("System.Runtime.TieredPGO", "true (default)")}, " +
                         $"QuickJitForLoops {Setting("System.Runtime.TieredCompilation.QuickJitForLoops", "true (default)")}";
        var knobs = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("COMPlus_", StringComparison.Ordinal))
            .Where(k => !k.StartsWith("DOTNET_CLI_", StringComparison.Ordinal) && !k.StartsWith("DOTNET_ROOT", StringComparison.Ordinal)
                        && k is not ("DOTNET_NOLOGO" or "DOTNET_SKIP_FIRST_TIME_EXPERIENCE" or "DOTNET_GENERATE_ASPNET_CERTIFICATE" or "DOTNET_ADD_GLOBAL_TOOLS_TO_PATH"))
            .Order().Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}").ToList();
        return $"{self.Location} ({configuration}, {code}; {tiering}" +
               (knobs.Count > 0 ? $"; environment {string.Join(" ", knobs)}" : "") + ")";
    }

    /// <summary>Whether a file is a managed assembly with ReadyToRun code; null when it is not a managed assembly.</summary>
    internal static bool? ReadyToRun(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return pe.PEHeaders.CorHeader is { } cor ? cor.ManagedNativeHeaderDirectory.Size > 0 : null;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }
}
