using System.Diagnostics;

namespace ActorGic.Cli;

/// <summary>The bench's child processes: this program again, whose output is read once it exits, or which is killed when the bench is interrupted.</summary>
internal static class ChildProcess
{
    /// <summary>This program with the given arguments, its standard output captured.</summary>
    public static ProcessStartInfo Of(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            info.ArgumentList.Add(typeof(BenchCommand).Assembly.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>
    /// <paramref name="info"/> with tiered compilation and ReadyToRun code off (<c>DOTNET_TieredCompilation=0</c>,
    /// <c>DOTNET_ReadyToRun=0</c>, each unless the caller's environment sets it): every method is compiled
    /// fully optimised at its first call. ReadyToRun code (the publish run.ps1 uses) would otherwise run
    /// as it is, never recompiled with tiering off: the helper's runs gave components 0.94-1.55 s with it,
    /// 0.67-1.24 s without. Start-up takes 1.5-2 s longer; the run phase, which is what is compared, does not. For child
    /// runs of a few seconds whose run phase is compared with a run warmed up in the bench's own process:
    /// a fresh process otherwise spends that run in tier-0 and instrumented code, and the storm on 2
    /// processes ran its components 2-3x slower than on 2 warm in-process nodes for that reason alone
    /// (alternating runs: components per node 1.1-3.4 s tiered, 0.8-1.2 s with it off).
    /// </summary>
    public static ProcessStartInfo FullyOptimised(this ProcessStartInfo info)
    {
        info.Environment.TryAdd("DOTNET_TieredCompilation", "0");
        info.Environment.TryAdd("DOTNET_ReadyToRun", "0");
        return info;
    }

    /// <summary>A child's standard output once it has exited; a cancelled token kills it (and its children) instead.</summary>
    public static string Finish(Process child, CancellationToken cancel)
    {
        try
        {
            var text = child.StandardOutput.ReadToEndAsync(cancel);
            child.WaitForExitAsync(cancel).GetAwaiter().GetResult();
            return text.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new OperationCanceledException("the bench stopped, and its child process with it", cancel);
        }
    }
}
