using Akka.Configuration;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// How long the actor engine may wait, and who may stop it. Every wait of a run observes both:
/// a run whose windows stop finishing for <see cref="Watchdog"/> of wall time ends with
/// <see cref="RunAbortedException"/> (exit 3), one whose <see cref="Cancel"/> token is cancelled
/// ends with <see cref="RunInterruptedException"/>, and the collection of what the components
/// still hold at the end is bounded by the watchdog too.
/// </summary>
public sealed record RunBounds
{
    // First: the static initializers run in this order, and Default reads it.
    private static readonly Lazy<Config> Settings = new(() => ConfigurationFactory.ParseString(ActorEngine.Embedded("akka.single.conf")));

    /// <summary>Wall time without a window finishing before the run is abandoned; also the longest an end-of-run drain may take.</summary>
    public TimeSpan Watchdog { get; init; } = DefaultWatchdog;

    public CancellationToken Cancel { get; init; }

    public static RunBounds Default { get; } = new();

    /// <summary><c>actorgic-engine.window-watchdog</c> of hocon/akka.single.conf (30 s).</summary>
    public static TimeSpan DefaultWatchdog => Settings.Value.GetTimeSpan("actorgic-engine.window-watchdog", null, allowInfinite: false);
}

/// <summary>The bounded waits of a run: for its keeper's last answer, and for what every actor still holds after it.</summary>
internal static class RunWait
{
    /// <summary>
    /// Waits for <paramref name="finished"/> (the keeper's answer to RunTo) while windows keep
    /// finishing. Throws <see cref="RunAbortedException"/> when no window opened for the
    /// watchdog's wall time (naming <paramref name="stalled"/>, who stopped answering) or when
    /// <paramref name="lost"/> completes (its text names the lost node), and
    /// <see cref="RunInterruptedException"/> when the token is cancelled.
    /// </summary>
    public static T Finish<T>(Task<T> finished, WindowClock clock, long end, RunBounds bounds, string stalled, Task<string>? lost = null)
    {
        var watchdog = bounds.Watchdog;
        long waiting = Environment.TickCount64;
        int poll = (int)Math.Clamp(watchdog.TotalMilliseconds / 4, 1, 200);
        Task[] waits = lost is null ? [finished] : [finished, lost];
        while (!finished.IsCompleted)
        {
            if (bounds.Cancel.IsCancellationRequested) throw new RunInterruptedException(clock.Start, end);
            if (lost is { IsCompleted: true })
                throw new RunAbortedException(clock.Start, $"{lost.Result}; the run stopped at t={clock.Start} ns of {end} ns");
            if (Stalled(Environment.TickCount64, clock.WallTicks, waiting, watchdog))
                throw new RunAbortedException(clock.Start,
                    $"no window finished for {Seconds(watchdog)} s (wall time) after t={clock.Start} ns: {stalled}");
            try
            {
                Task.WaitAny(waits, poll, bounds.Cancel);
            }
            catch (OperationCanceledException)
            {
                // looked at on the next turn
            }
        }
        return finished.GetAwaiter().GetResult(); // a failed run throws its RunAbortedException here
    }

    /// <summary>
    /// Whether no window has finished for longer than the watchdog at <paramref name="now"/>: counted
    /// from the latest window's opening, or from when the wait began if that is later (a clock made
    /// before a long set-up, such as workers joining, is not a stalled run).
    /// </summary>
    internal static bool Stalled(long now, long windowOpened, long waitBegan, TimeSpan watchdog) =>
        TimeSpan.FromMilliseconds(now - Math.Max(windowOpened, waitBegan)) > watchdog;

    /// <summary>Waits at most the watchdog's time for every answer of <paramref name="asks"/> (asked with that timeout).</summary>
    public static T[] Collect<T>(IEnumerable<Task<T>> asks, long reached, long end, RunBounds bounds, string what)
    {
        var all = Task.WhenAll(asks);
        bool done;
        try
        {
            done = all.Wait(bounds.Watchdog + TimeSpan.FromSeconds(1), bounds.Cancel);
        }
        catch (OperationCanceledException)
        {
            throw new RunInterruptedException(reached, end);
        }
        catch (AggregateException)
        {
            done = false; // an ask timed out
        }
        if (!done)
            throw new RunAbortedException(reached, $"{what} did not hand over what it still held within {Seconds(bounds.Watchdog)} s (wall time) after the run");
        return all.Result;
    }

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
