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
    private readonly List<long>?[] _muxRequests = new List<long>?[NmiBroker.MaxUsers];
    private readonly Dictionary<long, CallBatch> _muxBatches = new();

    public NmiMuxPlan? Mux { get; init; }

    /// <summary>Per user bit: requests this CPU made, and those whose bit was clear so they caused an SGI.</summary>
    public long[] MuxRequested { get; } = new long[NmiBroker.MaxUsers];
    public long[] MuxSgiSent { get; } = new long[NmiBroker.MaxUsers];
    /// <summary>Per user bit: handler runs on this CPU, and the requests they served.</summary>
    public long[] MuxHandled { get; } = new long[NmiBroker.MaxUsers];
    public long[] MuxServed { get; } = new long[NmiBroker.MaxUsers];
    public SampleBuffer?[] MuxLatencies { get; } = new SampleBuffer?[NmiBroker.MaxUsers];
    public int MuxWaiting(int bit) => _muxRequests[bit]?.Count ?? 0;

    /// <summary>A request of broker user <paramref name="userName"/> to each target.</summary>
    private void NmiSend(string userName, ReadOnlySpan<int> targets)
    {
        var user = Mux!.Broker[userName];
        long batch = ++_batchSeq;
        foreach (int target in targets)
        {
            MuxRequested[user.Bit]++;
            Send(_layout.CpuId(target), _timing.RemoteAtomic, EventKind.MuxSet, user.Bit, _cpu, batch, Now);
        }
        if (targets.Length > 0) _muxBatches[batch] = new CallBatch(targets.Length);
    }

    private void OnMuxSet(in SimEvent e)
    {
        uint bit = 1u << e.A;
        bool wasClear = (_muxPending & bit) == 0;
        _muxPending |= bit;
        (_muxRequests[e.A] ??= new List<long>()).Add(e.D);
        Send(_layout.CpuId(e.B), _timing.RemoteAtomic, EventKind.MuxReply, e.A, _cpu, e.C, wasClear ? 1 : 0);
    }

    private void OnMuxReply(in SimEvent e)
    {
        if (e.D == 1) MuxSgiSent[e.A]++;
        OnBatchReply(_muxBatches, e, Mux!.Sgi);
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
            MuxHandled[user.Bit]++;
            var served = _muxRequests[user.Bit];
            if (served is { Count: > 0 })
            {
                MuxServed[user.Bit] += served.Count;
                var samples = MuxLatencies[user.Bit] ??= new SampleBuffer();
                foreach (long t in served) samples.Add(Now - t);
                served.Clear();
            }
            switch (user.Name)
            {
                case "backtrace":
                    Backtraced = true;
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
