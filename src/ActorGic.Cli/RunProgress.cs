using Spectre.Console;

namespace ActorGic.Cli;

/// <summary>
/// A progress bar of virtual time on standard error, for runs that take more than a moment.
/// Only on an interactive terminal: scripts and tests get clean output.
/// </summary>
public static class RunProgress
{
    public static T Run<T>(long endNs, Func<Action<long>, T> run)
    {
        if (Console.IsErrorRedirected || Console.IsOutputRedirected) return run(_ => { });
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("virtual time", autoStart: true, maxValue: Math.Max(1, endNs));
                var work = Task.Run(() => run(reached => task.Value = Math.Min(reached, endNs)));
                // Show the bar only if the run takes more than a moment.
                if (!work.Wait(TimeSpan.FromSeconds(1)))
                {
                    task.IsIndeterminate = false;
                    while (!work.Wait(TimeSpan.FromMilliseconds(100))) context.Refresh();
                }
                result = work.GetAwaiter().GetResult();
                task.Value = task.MaxValue;
            });
        return result;
    }
}
