namespace ActorGic.Engine;

/// <summary>
/// A replayed trace on one CPU: the sends its trace CPU made, in trace order, each at the action's
/// <c>at</c> plus its scaled recorded time. The CPU sends every one that is due, then sets a timer
/// for the next, so a replay costs one pending event per CPU however long the trace. A raise is
/// sent the way the era sends that IPI (CALL_FUNC through smp_call_function's queue, which may
/// coalesce it; the others along their current route). A CPU that can no longer run (hung,
/// parked) sends nothing more: the report counts the raises it did send.
/// </summary>
public sealed partial class CpuComponent
{
    private int _replayCursor;
    private int[]? _replayTargets;
    private long[]? _replaySent, _replayRequests;

    /// <summary>Replayed raises this CPU sent, per owner.</summary>
    public IReadOnlyList<long> ReplaySent => _replaySent ?? NoOwnerCounts;
    /// <summary>The requests they made, per owner: one per target (CALL_FUNC's caller runs its own share directly, no request).</summary>
    public IReadOnlyList<long> ReplayRequests => _replayRequests ?? NoOwnerCounts;

    private void Replay(ScenarioAction action, int index)
    {
        var plan = action.Replay!;
        var trace = plan.Trace;
        int traceCpu = _cpu % trace.Cpus;
        int offset = _cpu - traceCpu;
        var mine = trace.BySender[traceCpu];
        // A hung or parked CPU executes nothing the scenario scripts for it afterwards (counted as not sent).
        if (!CanRun) return;
        while (_replayCursor < mine.Length)
        {
            int raise = mine[_replayCursor];
            long due = action.At + plan.Scaled(trace.Times[raise]);
            if (due > Now)
            {
                Send(Id, due - Now, EventKind.Timer, (int)CpuTimer.ReplayNext, 0, index);
                return;
            }
            _replayCursor++;
            ReplaySend(trace.Owners[raise], trace.TargetsOf(raise), offset);
        }
    }

    /// <summary>One raise, its trace CPUs moved into this CPU's copy of the trace.</summary>
    private void ReplaySend(int owner, ReadOnlySpan<int> traceTargets, int offset)
    {
        var targets = _replayTargets is { } buffer && buffer.Length >= traceTargets.Length
            ? buffer
            : _replayTargets = new int[Math.Max(traceTargets.Length, 8)];
        int requests = 0;
        for (int i = 0; i < traceTargets.Length; i++)
        {
            targets[i] = traceTargets[i] + offset;
            if (targets[i] != _cpu || owner != CallFuncOwner) requests++;
        }
        var span = targets.AsSpan(0, traceTargets.Length);
        (_replaySent ??= new long[Owners.Count])[owner]++;
        (_replayRequests ??= new long[Owners.Count])[owner] += requests;
        if (owner == CallFuncOwner) SmpCallFunction(span, CallKind.Generic);
        else SendIpi(owner, span);
    }
}
