using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>
/// The NMI broker's data path on one CPU: ipi-mux's algorithm (kernel/irq/ipi-mux.c) made
/// NMI-safe. Every CPU has a 32-bit pending word, a bit per broker user. A sender sets the user's
/// bit in each target's word with an atomic on that CPU's memory whose reply carries the old
/// value, and only then writes the SGI, to the targets whose bit was clear: the SGI can never
/// overtake the bit. The target's NMI handler claims every pending bit at once and runs each
/// user's handler in priority order, a handler that never returns last. The broker actor is not
/// on this path: nothing here waits for it.
/// </summary>
public sealed partial class CpuComponent
{
    private uint _muxPending;
    private MuxState? _mux;

    /// <summary>Per-CPU broker bookkeeping, allocated only when the scenario has a broker (a CPU stays small at 65,536).</summary>
    private sealed class MuxState
    {
        public readonly List<long>?[] Requests = new List<long>?[NmiBroker.MaxUsers];
        public readonly Dictionary<long, CallBatch> Batches = new();
        public readonly long[] Requested = new long[NmiBroker.MaxUsers];
        public readonly long[] SgiSent = new long[NmiBroker.MaxUsers];
        public readonly long[] Handled = new long[NmiBroker.MaxUsers];
        public readonly long[] Served = new long[NmiBroker.MaxUsers];
        public readonly SampleBuffer?[] Latencies = new SampleBuffer?[NmiBroker.MaxUsers];
    }

    private MuxState M => _mux ??= new MuxState();
    private static readonly long[] NoCounts = new long[NmiBroker.MaxUsers];
    private static readonly SampleBuffer?[] NoLatencies = new SampleBuffer?[NmiBroker.MaxUsers];

    public NmiMuxPlan? Mux { get; init; }

    /// <summary>
    /// The broker's slot taken at boot, as the trace's reclaim event with phase boot at t = 0: the
    /// SGI taken (intid) and the IPI moved off it onto its host's flag (owner), when one was. The
    /// report's reclaims entry with op boot says the same. CPU 0 records it because the boot CPU
    /// programs the IPIs (set_smp_ipi_range) and exists in every scenario, where the reclaimer does
    /// not; in its own chain, so the digest covers it on every engine, and on the node hosting CPU 0
    /// only. Called once, when the simulation is built, before any event.
    /// </summary>
    internal void TraceBootMove()
    {
        if (Mux is not { } plan) return;
        Trace.Emit(0, _cpu, TraceKind.Reclaim, plan.Sgi, (long)ReclaimPhase.Boot, plan.BootVictim is { } victim ? victim.Sgi + 1 : 0);
    }

    /// <summary>Per user bit: requests this CPU made, and those whose bit was clear so they caused an SGI.</summary>
    public IReadOnlyList<long> MuxRequested => _mux?.Requested ?? NoCounts;
    public IReadOnlyList<long> MuxSgiSent => _mux?.SgiSent ?? NoCounts;
    /// <summary>Per user bit: handler runs on this CPU, and the requests they served.</summary>
    public IReadOnlyList<long> MuxHandled => _mux?.Handled ?? NoCounts;
    public IReadOnlyList<long> MuxServed => _mux?.Served ?? NoCounts;
    public IReadOnlyList<SampleBuffer?> MuxLatencies => _mux?.Latencies ?? NoLatencies;
    public int MuxWaiting(int bit) => _mux?.Requests[bit]?.Count ?? 0;

    /// <summary>Every broker request still waiting in this CPU's pending word: the user's bit and the request time.</summary>
    public IEnumerable<(int Bit, long Time)> MuxWaitingDetail() =>
        _mux is null ? [] : _mux.Requests.SelectMany((list, bit) => (list ?? []).Select(t => (bit, t)));

    /// <summary>A request of broker user <paramref name="userName"/> to each target.</summary>
    private void NmiSend(string userName, ReadOnlySpan<int> targets) => WordSend(Mux!.Broker[userName].Bit, M.Requested, Mux.Sgi, targets);

    /// <summary>
    /// ipi-mux's send: set bit <paramref name="a"/> (with <see cref="FlagWord"/>: in the flag word)
    /// at each target with a remote fetch-or, counting the request, then <paramref name="sgi"/> to
    /// the targets whose bit was clear once every reply is in.
    /// </summary>
    private void WordSend(int a, long[] requested, int sgi, ReadOnlySpan<int> targets)
    {
        long batch = ++_batchSeq;
        foreach (int target in targets)
        {
            requested[a & 0xFF]++;
            Send(_layout.CpuId(target), AtomicTo(target), EventKind.MuxSet, a, _cpu, batch, Now);
        }
        if (targets.Length > 0) M.Batches[batch] = new CallBatch(targets.Length, sgi);
    }

    /// <summary>The fetch-or at the target: set the bit in the broker's word or the flag word, keep the request, reply with the old bit.</summary>
    private void OnMuxSet(in SimEvent e)
    {
        bool flagWord = (e.A & FlagWord) != 0;
        int index = e.A & 0xFF;
        ref uint word = ref flagWord ? ref _flagPending : ref _muxPending;
        uint bit = 1u << index;
        bool wasClear = (word & bit) == 0;
        word |= bit;
        var requests = flagWord ? F.Requests : M.Requests;
        (requests[index] ??= new List<long>()).Add(e.D);
        Send(_layout.CpuId(e.B), AtomicTo(e.B), EventKind.MuxReply, e.A, _cpu, e.C, wasClear ? 1 : 0);
    }

    /// <summary>A claimed bit's handler run serves every request waiting on it: each one's latency, then the list is empty.</summary>
    private long Serve(List<long>? waiting, ref SampleBuffer? samples)
    {
        if (waiting is not { Count: > 0 }) return 0;
        samples ??= new SampleBuffer();
        foreach (long t in waiting) samples.Add(Now - t);
        long served = waiting.Count;
        waiting.Clear();
        return served;
    }

    private void OnMuxReply(in SimEvent e)
    {
        if (e.D == 1)
        {
            if ((e.A & FlagWord) != 0) F.SgiSent[e.A & 0xFF]++;
            else M.SgiSent[e.A]++;
        }
        OnBatchReply(M.Batches, e);
    }

    /// <summary>The broker's NMI handler: claim all pending bits, run each user, the one that never returns last.</summary>
    private (long Cost, bool Parks) EnterMuxHandler()
    {
        uint claimed = _muxPending;
        _muxPending = 0;
        long cost = 0;
        bool parks = false;
        foreach (var user in Mux!.Broker.DispatchOrder(claimed))
        {
            M.Handled[user.Bit]++;
            Trace.Emit(Now, _cpu, TraceKind.NmiDispatch, Mux.Sgi, user.Bit);
            M.Served[user.Bit] += Serve(M.Requests[user.Bit], ref M.Latencies[user.Bit]);
            switch (user.Name)
            {
                case "backtrace":
                    Backtraced = true;
                    BacktracePrintk();
                    cost += _timing.HandlerOf("CPU_BACKTRACE");
                    break;
                case "kgdb-roundup":
                    RoundedUp = true;
                    cost += _timing.HandlerOf("KGDB_ROUNDUP");
                    break;
                case "cpu-stop":
                    Park("cpu-stop");
                    parks = true;
                    break;
                default:
                    cost += _timing.HandlerOf(user.Name);
                    break;
            }
        }
        return (Math.Max(1, cost), parks);
    }
}
