using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>Register writes a CPU makes to its own redistributor (RegisterWrite.A).</summary>
public enum RegisterOp { Enable, Disable, SetPriority }

/// <summary>Why a set-pending was discarded (the drop event's value).</summary>
public enum DropReason { Group = 1, Firmware = 2 }

/// <summary>
/// One PE's redistributor: the private bank, the pending latch, and the HPPI it offers its CPU
/// interface (re-offered whenever it changes). It also keeps, per INTID, the request times the
/// latch stands for, so a handler run reports the latency of every request it served.
/// </summary>
public sealed class RedistributorComponent : Component
{
    private readonly Layout _layout;
    private readonly TimingModel _timing;
    private readonly int _cpu;
    private readonly GroupEnables _enables;
    private readonly int _firmwareFrom;
    private readonly List<long>?[] _requests = new List<long>?[Intid.SgiCount];
    private Hppi _offered = Hppi.None;

    public RedistributorComponent(Layout layout, TimingModel timing, int cpu, Redistributor bank, GroupEnables enables,
        int firmwareFrom, TraceRecorder trace)
        : base(layout.RedistributorId(cpu), trace)
    {
        _layout = layout;
        _timing = timing;
        _cpu = cpu;
        Bank = bank;
        _enables = enables;
        _firmwareFrom = firmwareFrom;
    }

    public Redistributor Bank { get; }

    /// <summary>Register writes come from Non-secure EL1 (a Linux profile): with two security states they land shifted.</summary>
    public bool NonSecureWrites { get; init; }
    public long Coalesced { get; private set; }
    public long Delivered { get; private set; }
    public long Dropped { get; private set; }

    /// <summary>Requests served per SGI: every request a handler run's activation consumed.</summary>
    public long[] Served { get; } = new long[Intid.SgiCount];

    /// <summary>Requests still waiting on a latched SGI.</summary>
    public int WaitingRequests(int intid) => _requests[intid]?.Count ?? 0;
    public List<string> Violations { get; } = new();

    private readonly SampleBuffer?[] _latencies = new SampleBuffer?[Intid.SgiCount];

    /// <summary>Latency samples (handler entry - request) of one SGI, or null when it never ran.</summary>
    public SampleBuffer? Latencies(int intid) => _latencies[intid];

    public int LatchedSgis => System.Numerics.BitOperations.PopCount(Bank.PendingBits & 0xFFFF);

    protected override void Handle(in SimEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.SetPending: OnSetPending(e.A, (InterruptGroup)e.B, e.D); break;
            case EventKind.Activate: OnActivate(e.A, e.D); break;
            case EventKind.Deactivate:
                if (!Bank.Deactivate(e.A)) Violation(e.A, $"deactivate of INTID {e.A}, which is not active");
                break;
            case EventKind.RegisterWrite: OnRegisterWrite((RegisterOp)e.A, e.B, (int)e.C); break;
            default: throw new InvalidOperationException($"redistributor {_cpu}: unexpected {e.Kind}");
        }
        UpdateOffer();
    }

    private void OnSetPending(int intid, InterruptGroup group, long requestTime)
    {
        switch (Bank.ReceiveSgi(intid, group))
        {
            case SetPendingOutcome.Pended:
                Trace.Emit(Now, _cpu, TraceKind.Pend, intid);
                (_requests[intid] ??= new List<long>()).Add(requestTime);
                break;
            case SetPendingOutcome.Coalesced:
                Coalesced++;
                Trace.Emit(Now, _cpu, TraceKind.Coalesce, intid);
                _requests[intid]!.Add(requestTime);
                break;
            default:
                Dropped++;
                var reason = intid >= _firmwareFrom ? DropReason.Firmware : DropReason.Group;
                Trace.Emit(Now, _cpu, TraceKind.Drop, intid, (long)reason);
                break;
        }
    }

    private void OnActivate(int intid, long entryTime)
    {
        if (!Bank.IsPending(intid) || !Bank.IsEnabled(intid) || Bank.IsActive(intid))
        {
            Violation(intid, $"acknowledge of INTID {intid} that is {(Bank.IsActive(intid) ? "active" : !Bank.IsEnabled(intid) ? "disabled" : "not pending")}");
            return;
        }
        Bank.Activate(intid);
        Delivered++;
        _offered = Hppi.None; // the CPU dropped its copy when it acknowledged: only a new HPPI needs a message
        var served = _requests[intid];
        if (served is null) return;
        Served[intid] += served.Count;
        var samples = _latencies[intid] ??= new SampleBuffer();
        foreach (long t in served) samples.Add(entryTime - t);
        served.Clear();
    }

    private void OnRegisterWrite(RegisterOp op, int intid, int value)
    {
        var error = op switch
        {
            RegisterOp.Enable => Bank.SetEnabled(intid, true),
            RegisterOp.Disable => Bank.SetEnabled(intid, false),
            _ => NonSecureWrites ? Bank.SetPriorityNonSecure(intid, value) : Bank.SetPriority(intid, value),
        };
        if (error != GicError.None) Violation(intid, $"{op} INTID {intid}: {error}");
    }

    private void UpdateOffer()
    {
        var hppi = Bank.HighestPending(_enables);
        if (hppi == _offered) return;
        _offered = hppi;
        Send(_layout.CpuId(_cpu), _timing.RedistributorToCpu, EventKind.Offer, hppi.Intid,
            hppi.Priority | ((int)hppi.Group << 8) | (hppi.Nmi ? 1 << 16 : 0));
    }

    private void Violation(int intid, string what)
    {
        Violations.Add($"t={Now} cpu {_cpu}: {what}");
        Trace.Emit(Now, _cpu, TraceKind.Violation, intid);
    }
}
