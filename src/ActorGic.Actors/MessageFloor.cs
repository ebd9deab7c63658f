using System.Diagnostics;
using Akka.Actor;

namespace ActorGic.Actors;

/// <summary>
/// What the actor engine's message pattern costs by itself, with no simulation in it: a keeper
/// sends one message to each of <c>fan</c> actors and waits for all their answers, round after
/// round, on the same single-thread dispatcher the engine uses. A component run in the engine
/// is exactly one such message pair, so the runs a scenario needs times this floor is the least
/// wall time the actor engine can take for it on this machine, however cheap the model gets.
/// </summary>
public static class MessageFloor
{
    /// <summary>
    /// Nanoseconds of wall time per (message out, answer back) pair; the best of <paramref name="repeat"/>
    /// tries. A try that takes longer than <see cref="RunBounds.DefaultWatchdog"/> (messages that
    /// stopped flowing) throws TimeoutException; a cancelled token, OperationCanceledException.
    /// </summary>
    public static double NsPerRun(int fan = 13, int rounds = 200_000, int repeat = 3, CancellationToken cancel = default)
    {
        var system = ActorSystem.Create("actorgic-floor", ActorEngine.SingleProcessConfig());
        try
        {
            var echoes = Enumerable.Range(0, fan)
                .Select(i => system.ActorOf(Props.Create(() => new Echo()).WithDispatcher("akka.actor.sim-dispatcher"), $"echo-{i}"))
                .ToArray();
            double best = double.MaxValue;
            for (int r = 0; r < repeat; r++)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var keeper = system.ActorOf(Props.Create(() => new Keeper(echoes, rounds, done)).WithDispatcher("akka.actor.sim-dispatcher"));
                var watch = Stopwatch.StartNew();
                keeper.Tell(Go.Instance);
                if (!done.Task.Wait(RunBounds.DefaultWatchdog, cancel))
                    throw new TimeoutException($"the message floor's keeper did not finish {rounds} rounds within {RunWait.Seconds(RunBounds.DefaultWatchdog)} s");
                best = Math.Min(best, watch.Elapsed.TotalNanoseconds / ((double)rounds * fan));
                system.Stop(keeper);
            }
            return best;
        }
        finally
        {
            ActorEngine.Stop(system);
        }
    }

    private sealed class Go
    {
        public static readonly Go Instance = new();
    }

    private sealed record Ping(int Round);

    private sealed record Pong(int Round);

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(new Pong(((Ping)message).Round));
    }

    private sealed class Keeper(IActorRef[] echoes, int rounds, TaskCompletionSource done) : UntypedActor
    {
        private int _round;
        private int _awaiting;

        protected override void OnReceive(object message)
        {
            if (message is Pong && --_awaiting > 0) return;
            if (++_round > rounds)
            {
                done.TrySetResult();
                return;
            }
            _awaiting = echoes.Length;
            var self = Self;
            foreach (var echo in echoes) echo.Tell(new Ping(_round), self);
        }
    }
}
