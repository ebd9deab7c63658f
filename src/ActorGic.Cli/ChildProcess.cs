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
