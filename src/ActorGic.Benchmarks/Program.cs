using BenchmarkDotNet.Running;

namespace ActorGic.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project src/ActorGic.Benchmarks [-- --filter=PATTERN ...]: every benchmark without a filter.
    // Exit 1 when no benchmark matched or one failed, so a wrong filter never looks like a run.
    public static int Main(string[] args)
    {
        bool filtered = args.Any(a => a == "--filter" || a.StartsWith("--filter=", StringComparison.Ordinal));
        bool listing = args.Any(a => a is "--list" or "--help" or "--version" || a.StartsWith("--list=", StringComparison.Ordinal));
        if (!filtered && !listing) args = [.. args, "--filter", "*"];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToList();
        if (listing) return 0;
        if (summaries.Sum(s => s.Reports.Length) == 0)
        {
            Console.Error.WriteLine($"micro: no benchmark matched {string.Join(" ", args)}");
            return 1;
        }
        var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
        if (summaries.Any(s => s.HasCriticalValidationErrors) || failed.Count > 0)
        {
            Console.Error.WriteLine($"micro: {failed.Count} benchmark(s) failed{(failed.Count > 0 ? ": " + string.Join(", ", failed) : "")}");
            return 1;
        }
        return 0;
    }
}
