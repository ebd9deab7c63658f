namespace ActorGic.Engine;

/// <summary>
/// A real ftrace IPI trace as the model replays it (read by ActorGic.Scenarios' FtraceReader):
/// each replayed <c>ipi_raise</c> as a send (relative time, sending trace CPU, IPI owner, target
/// trace CPUs), every send of one trace CPU in trace order, plus what the trace itself says about
/// latency (raise to <c>ipi_entry</c>) and the counts that account for every line. Plain arrays,
/// shared read-only by every CPU of the run: a 4,096-CPU replay of an 8-CPU trace holds one copy
/// of the trace, not 512.
/// </summary>
public sealed class ReplayTrace
{
    /// <summary>The trace file's name (no directory: the report is the same wherever the file was).</summary>
    public required string Name { get; init; }
    /// <summary>N, the traced machine's CPUs: the header's <c>#P:N</c>, else the highest CPU seen plus one.</summary>
    public required int Cpus { get; init; }
    public long Lines { get; init; }

    /// <summary>Event lines per event name (ipi_raise, ipi_send_cpu, ipi_send_cpumask, ipi_entry, ipi_exit, other).</summary>
    public required IReadOnlyDictionary<string, long> Events { get; init; }
    /// <summary>Lines skipped (only when asked to skip) per reason: malformed, unknown_reason, cpu_out_of_range.</summary>
    public required IReadOnlyDictionary<string, long> Skipped { get; init; }
    /// <summary>Valid ipi_raise lines outside the replayed window (trace-from .. trace-until), per IPI.</summary>
    public required IReadOnlyDictionary<string, long> OutsideWindow { get; init; }

    /// <summary>Per replayed raise, in trace order: time after the window's start (unscaled ns), sender, owner (the IPI's SGI).</summary>
    public required long[] Times { get; init; }
    public required int[] Senders { get; init; }
    public required int[] Owners { get; init; }
    /// <summary>Raise r's targets are <c>Targets[TargetStart[r] .. TargetStart[r + 1]]</c>, ascending (a cpumask).</summary>
    public required int[] TargetStart { get; init; }
    public required int[] Targets { get; init; }
    /// <summary>Per trace CPU: the indexes of its raises, in trace order.</summary>
    public required int[][] BySender { get; init; }

    /// <summary>Recorded raise-to-entry latency per IPI name (see FtraceReader for the matching rule).</summary>
    public required IReadOnlyDictionary<string, RecordedLatency> Recorded { get; init; }
    /// <summary>ipi_entry lines no earlier raise was waiting for (traced before the trace began, or an untraced send).</summary>
    public long UnmatchedEntries { get; init; }

    public int Count => Times.Length;
    public ReadOnlySpan<int> TargetsOf(int raise) => Targets.AsSpan(TargetStart[raise], TargetStart[raise + 1] - TargetStart[raise]);
}

/// <summary>One IPI's recorded latencies: every (raise, target) an entry served, sorted, and the ones no entry served.</summary>
public sealed record RecordedLatency(long[] Sorted, long Unmatched);

/// <summary>
/// A replay action's settings: the trace, how it is mapped onto the topology (copy k of the
/// trace drives CPUs k*N .. k*N+N-1, each target mapped within the same copy), and the time scale.
/// </summary>
public sealed record ReplayPlan
{
    public required ReplayTrace Trace { get; init; }
    /// <summary>How many copies of the trace run side by side (1 without map = replicate).</summary>
    public int Copies { get; init; } = 1;
    public bool Replicate { get; init; }
    /// <summary>Recorded intervals are multiplied by this (0.5: twice as fast).</summary>
    public double TimeScale { get; init; } = 1.0;
    /// <summary>The replayed window in trace time after the trace's first event (ns, unscaled).</summary>
    public long From { get; init; }
    public long Until { get; init; } = long.MaxValue;
    public bool Skip { get; init; }

    /// <summary>A raise's virtual time after the action's <c>at</c>.</summary>
    public long Scaled(long traceNs) => TimeScale == 1.0 ? traceNs : (long)Math.Round(traceNs * TimeScale, MidpointRounding.ToEven);

    /// <summary>The model CPU copy <paramref name="copy"/> gives trace CPU <paramref name="traceCpu"/>.</summary>
    public int ModelCpu(int copy, int traceCpu) => copy * Trace.Cpus + traceCpu;

    /// <summary>The last replayed send's time after <c>at</c> (0 for an empty replay).</summary>
    public long LastSend => Trace.Count == 0 ? 0 : Scaled(Trace.Times[^1]);
}
