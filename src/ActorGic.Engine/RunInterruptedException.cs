namespace ActorGic.Engine;

/// <summary>
/// The run was stopped from outside (a cancelled token: Ctrl-C or SIGTERM on the command line)
/// before it finished. <see cref="ReachedNs"/> is the virtual time it got to. Not a failure of
/// the model: the command line exits 130 and writes no output.
/// </summary>
public sealed class RunInterruptedException(long reachedNs, long endNs)
    : OperationCanceledException($"the run stopped at t={reachedNs} ns of {endNs} ns")
{
    public long ReachedNs { get; } = reachedNs;
}
