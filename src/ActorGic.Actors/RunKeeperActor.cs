using Akka.Actor;
using ActorGic.Engine;

namespace ActorGic.Actors;

/// <summary>
/// What the single-process time keeper and the cluster's root keeper share: the RunTo they
/// answer, the windows they open (counted, told to the run's watchdog clock, reported to progress
/// every 16,384), and the one way a run ends when something fails. An exception here, or a
/// <see cref="RunFailed"/> from below, answers the requester's ask with a
/// <see cref="RunAbortedException"/>; after that no window opens again and late answers change nothing.
/// </summary>
public abstract class RunKeeperActor(string name, Action<long>? progress, WindowClock? clock) : UntypedActor
{
    /// <summary>Who asked for the run (null before RunTo, and once the run failed).</summary>
    protected IActorRef? Requester { get; private set; }
    protected long End { get; private set; }
    protected long Windows { get; private set; }
    /// <summary>The start of the latest window: how far the run got.</summary>
    protected long Start { get; private set; }
    protected WindowClock? Clock => clock;

    /// <summary>How far the run got, for a failure's line: the latest window's start, unless the keeper learns it elsewhere.</summary>
    protected virtual long Reached => Start;

    protected sealed override void OnReceive(object message)
    {
        try
        {
            switch (message)
            {
                case RunTo run:
                    Requester = Sender;
                    End = run.End;
                    NextWindow();
                    break;
                case RunFailed failed:
                    Fail(failed.Reason);
                    break;
                default:
                    Handle(message);
                    break;
            }
        }
        catch (Exception e)
        {
            Fail(RunAbortedException.KeeperFailed(name, Reached, e).Message);
        }
    }

    /// <summary>The run cannot finish: the requester's ask ends with the one line, and no window opens again.</summary>
    protected void Fail(string reason)
    {
        Requester?.Tell(new Status.Failure(new RunAbortedException(Reached, reason)));
        Requester = null;
    }

    /// <summary>A window opens at <paramref name="start"/>.</summary>
    protected void Opened(long start)
    {
        Windows++;
        Start = start;
        clock?.Opened(start);
        if ((Windows & 0x3FFF) == 0) progress?.Invoke(start);
    }

    /// <summary>Opens the next window, or answers the requester with RunFinished when none is left.</summary>
    protected abstract void NextWindow();

    /// <summary>Every message but RunTo and RunFailed.</summary>
    protected abstract void Handle(object message);
}
