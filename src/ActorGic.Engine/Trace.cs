namespace ActorGic.Engine;

/// <summary>Trace event kinds: the names of SCENARIOS.md section 4.</summary>
public enum TraceKind : byte
{
    SgiWrite,
    Pend,
    Coalesce,
    Drop,
    Signal,
    Ack,
    Spurious,
    Eoi,
    Dir,
    Enter,
    Exit,
    State,
    Violation,
    NmiDispatch,
    Reclaim,
}

public static class TraceKindNames
{
    private static readonly string[] Names =
        ["sgi-write", "pend", "coalesce", "drop", "signal", "ack", "spurious", "eoi", "dir", "enter", "exit", "state", "violation", "nmi-dispatch", "reclaim"];

    public static string Name(this TraceKind kind) => Names[(int)kind];
}

/// <summary>
/// One trace event. <see cref="Intid"/> is -1 when the event has none. <see cref="Value"/> and
/// <see cref="Extra"/> are kind-specific (sgi-write: the register value; ack: the priority;
/// drop: the reason code; enter/exit: the handler code).
/// </summary>
public readonly record struct TraceEvent(long T, int Cpu, int Component, long Seq, TraceKind Kind, int Intid, long Value, int Extra)
{
    /// <summary>The trace's canonical order (SCENARIOS.md section 4): t, cpu, then component and its own sequence.</summary>
    public static readonly Comparer<TraceEvent> Canonical = Comparer<TraceEvent>.Create((a, b) =>
    {
        int c = a.T.CompareTo(b.T);
        if (c == 0) c = a.Cpu.CompareTo(b.Cpu);
        if (c == 0) c = a.Component.CompareTo(b.Component);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    });
}

/// <summary>
/// A component's trace: a hash chain over every event it emits, in its own processing order,
/// and optionally the events themselves. Chains are combined in component order into the run's
/// digest, so the digest depends only on behaviour, never on which engine or node ran it.
/// The chain is a fast 128-bit mix (two lanes); the run digest is SHA-256 over the chains.
/// </summary>
public sealed class TraceRecorder
{
    private ulong _lane1 = 0x9E3779B97F4A7C15UL;
    private ulong _lane2 = 0xC2B2AE3D27D4EB4FUL;
    private long _seq;
    private readonly List<TraceEvent>? _events;
    private readonly TraceSpool? _spool;

    public TraceRecorder(int component, bool keepEvents, TraceSpool? spool = null)
    {
        Component = component;
        _events = keepEvents && spool is null ? new List<TraceEvent>() : null;
        _spool = spool;
    }

    public int Component { get; }
    public long Count => _seq;
    public IReadOnlyList<TraceEvent> Events => (IReadOnlyList<TraceEvent>?)_events ?? [];

    public void Emit(long t, int cpu, TraceKind kind, int intid = -1, long value = 0, int extra = 0)
    {
        long seq = _seq++;
        // Two lanes of multiply-rotate over three words: cheap per event, and any change in any
        // field of any event changes the chain. SHA-256 over the chains makes the run digest.
        Mix((ulong)t, (ulong)(uint)cpu | ((ulong)kind << 32) | ((ulong)(uint)(intid + 1) << 40), (ulong)value ^ ((ulong)(uint)extra << 47));
        if (_events is not null) _events.Add(new TraceEvent(t, cpu, Component, seq, kind, intid, value, extra));
        else _spool?.Add(new TraceEvent(t, cpu, Component, seq, kind, intid, value, extra));
    }

    private void Mix(ulong a, ulong b, ulong c)
    {
        _lane1 = ulong.RotateLeft((_lane1 ^ a) * 0x9E3779B97F4A7C15UL, 29) ^ b;
        _lane1 = ulong.RotateLeft(_lane1 * 0xFF51AFD7ED558CCDUL, 31) ^ c;
        _lane2 = ulong.RotateLeft((_lane2 + c) * 0xC4CEB9FE1A85EC53UL, 27) ^ a;
        _lane2 = ulong.RotateLeft(_lane2 * 0x94D049BB133111EBUL, 33) + b;
    }

    /// <summary>The chain with a final avalanche, so the last events reach every bit.</summary>
    public (ulong, ulong) Chain => (Fmix(_lane1 ^ (ulong)_seq), Fmix(_lane2 + _lane1));

    private static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDUL;
        k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53UL;
        k ^= k >> 33;
        return k;
    }
}
