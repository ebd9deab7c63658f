using System.Runtime.CompilerServices;
using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>Register writes a CPU makes to its own redistributor (RegisterWrite.A).</summary>
public enum RegisterOp
{
    Enable,
    Disable,
    SetPriority,
    /// <summary>A slot's whole configuration (C = <see cref="SlotSetup.Config"/>): disable, priority, NMI bit, Group 1, then enable if asked.</summary>
    Configure,
}

/// <summary>Why a request or a set-pending was discarded (the drop event's value).</summary>
public enum DropReason
{
    Group = 1,
    Firmware = 2,
    /// <summary>A request of an owner that holds no SGI (not granted yet, or given back): refused at the sender.</summary>
    NoSgi = 3,
}

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

    public override string Name => $"redistributor {_cpu}";
    private readonly GroupEnables _enables;
    private readonly int _firmwareFrom;
    /// <summary>
    /// The requests the latched SGIs stand for, in arrival order: the SGI and time | owner tag &lt;&lt; TagShift.
    /// One short array for all SGIs (a latch rarely stands for more than two or three), so a
    /// set-pending or an activate touches one object, not a list per SGI.
    /// </summary>
    private (int Sgi, long Request)[] _requests = new (int, long)[4];
    private int _requestCount;
    /// <summary>Per owner: requests served and their latencies, allocated at the first one.</summary>
    private OwnerTally[]? _tally;

    private struct OwnerTally
    {
        public long Served;
        public SampleBuffer? Latencies;
    }
    private readonly Owners _owners;
    private Hppi _offered = Hppi.None;
    private int _drainSgi = -1;
    private long _drainEpoch;

    /// <summary>In Activate.B: the handler claims requests kept outside the latch (a broker's or a host's word, a call queue), so kicks are its.</summary>
    public const int ClaimsWord = 1 << 20;
    private const int TagShift = 52;
    private const long TimeMask = (1L << TagShift) - 1;

    public RedistributorComponent(Layout layout, TimingModel timing, int cpu, Redistributor bank, GroupEnables enables,
        int firmwareFrom, Owners owners, TraceRecorder trace)
        : base(layout.RedistributorId(cpu), trace)
    {
        _owners = owners;
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
    /// <summary>Set-pendings discarded, per SGI and reason (<see cref="DropReason"/> - 1), allocated at the first.</summary>
    private long[]? _drops;

    /// <summary>Set-pendings of <paramref name="sgi"/> discarded for <paramref name="reason"/>.</summary>
    public long DropsOf(int sgi, DropReason reason) => _drops?[sgi * DropReasons + (int)reason - 1] ?? 0;
    private const int DropReasons = 2; // a set-pending is dropped for its group or as firmware's; NoSgi is refused at the sender

    /// <summary>Requests served per owner: every tagged request a handler run's activation consumed.</summary>
    public long Served(int owner) => _tally?[owner].Served ?? 0;

    /// <summary>Requests of an owner still waiting on a latched SGI.</summary>
    public int WaitingRequests(int owner)
    {
        int n = 0;
        for (int i = 0; i < _requestCount; i++)
            if ((int)(_requests[i].Request >> TagShift) == owner + 1) n++;
        return n;
    }

    public List<string> Violations { get; } = new();

    /// <summary>Every request still waiting on a latched SGI: its owner and request time.</summary>
    public IEnumerable<(int Owner, long Time)> WaitingDetail()
    {
        // By SGI, then arrival, as the latches hold them.
        for (int sgi = 0; sgi < Intid.SgiCount; sgi++)
            for (int i = 0; i < _requestCount; i++)
            {
                var (of, r) = _requests[i];
                if (of == sgi && r >> TagShift > 0) yield return ((int)(r >> TagShift) - 1, r & TimeMask);
            }
    }

    /// <summary>Latency samples (handler entry - request) of one owner's requests served on a dedicated SGI, or null.</summary>
    public SampleBuffer? Latencies(int owner) => _tally?[owner].Latencies;

    public int LatchedSgis => System.Numerics.BitOperations.PopCount(Bank.PendingBits & 0xFFFF);

    protected override void Handle(in SimEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.SetPending: OnSetPending(e.A, (InterruptGroup)e.B, e.D | e.C << TagShift); break;
            case EventKind.Activate: OnActivate(e.A, e.B, e.D); break;
            case EventKind.Deactivate:
                if (!Bank.Deactivate(e.A)) NotActive(e.A);
                break;
            case EventKind.RegisterWrite: OnRegisterWrite((RegisterOp)e.A, e.B, (int)e.C); break;
            case EventKind.Reclaim: OnReclaim(e); break;
            default: Fail.Unexpected("redistributor", _cpu, e.Kind); break;
        }
        UpdateOffer();
        if (_drainSgi >= 0 && IsIdle(_drainSgi)) DrainDone();
    }

    private bool IsIdle(int sgi) => !Bank.IsPending(sgi) && !Bank.IsActive(sgi);

    /// <summary>The reclaimer's drain watch and its MMIO writes of this redistributor's SGI frame.</summary>
    private void OnReclaim(in SimEvent e)
    {
        switch ((ReclaimOp)e.A)
        {
            case ReclaimOp.DrainWatch:
                (_drainSgi, _drainEpoch) = (e.B, e.D);
                break;
            case ReclaimOp.Reprogram:
                // Reprogramming a slot that still holds an instance would give it two owners.
                if (!IsIdle(e.B)) Violation(e.B, $"SGI {e.B} reprogrammed while {(Bank.IsActive(e.B) ? "active" : "pending")}: it would have two owners");
                Configure(e.B, (int)e.C);
                Send(_layout.ReclaimerId, _timing.CpuToRedistributor, EventKind.Reclaim, (int)ReclaimOp.ReprogramDone, _cpu, 0, e.D);
                break;
        }
    }

    private void DrainDone()
    {
        Send(_layout.ReclaimerId, _timing.CpuToRedistributor, EventKind.Reclaim, (int)ReclaimOp.DrainDone, _cpu, 0, _drainEpoch);
        _drainSgi = -1;
    }

    private GicError ConfigureChecked(int sgi, int config)
    {
        if (!IsIdle(sgi)) Violation(sgi, $"SGI {sgi} set up again while {(Bank.IsActive(sgi) ? "active" : "pending")}: it would have two owners");
        Configure(sgi, config);
        return GicError.None;
    }

    private void Configure(int sgi, int config)
    {
        var (priority, nmi, enable) = SlotSetup.Unconfig(config);
        Bank.SetEnabled(sgi, false);
        if (NonSecureWrites) Bank.SetPriorityNonSecure(sgi, priority);
        else Bank.SetPriority(sgi, priority);
        Bank.SetNmi(sgi, nmi); // RAZ/WI without FEAT_GICv3_NMI
        Bank.SetGroup(sgi, InterruptGroup.Group1NonSecure);
        Bank.SetEnabled(sgi, enable);
    }

    private void OnSetPending(int intid, InterruptGroup group, long request)
    {
        long requestTime = request;
        switch (Bank.ReceiveSgi(intid, group))
        {
            case SetPendingOutcome.Pended:
                Trace.Emit(Now, _cpu, TraceKind.Pend, intid);
                AddRequest(intid, requestTime);
                break;
            case SetPendingOutcome.Coalesced:
                Coalesced++;
                Trace.Emit(Now, _cpu, TraceKind.Coalesce, intid);
                AddRequest(intid, requestTime);
                break;
            default:
                Dropped++;
                var reason = intid >= _firmwareFrom ? DropReason.Firmware : DropReason.Group;
                (_drops ??= new long[Intid.SgiCount * DropReasons])[intid * DropReasons + (int)reason - 1]++;
                Trace.Emit(Now, _cpu, TraceKind.Drop, intid, (long)reason);
                break;
        }
    }

    private void OnActivate(int intid, int handler, long entryTime)
    {
        if (!Bank.IsPending(intid) || !Bank.IsEnabled(intid) || Bank.IsActive(intid))
        {
            BadAcknowledge(intid);
            return;
        }
        Bank.Activate(intid);
        Delivered++;
        _offered = Hppi.None; // the CPU dropped its copy when it acknowledged: only a new HPPI needs a message
        // The handler run serves every request the latch stood for; the others' stay, in order.
        int kept = 0;
        int handlerTag = handler & 0xFFFF;
        for (int i = 0; i < _requestCount; i++)
        {
            var (sgi, r) = _requests[i];
            if (sgi != intid) _requests[kept++] = (sgi, r);
            else Serve(intid, r, handler, handlerTag, entryTime);
        }
        _requestCount = kept;
    }

    private void AddRequest(int sgi, long request)
    {
        if (_requestCount == _requests.Length) Array.Resize(ref _requests, _requests.Length * 2);
        _requests[_requestCount++] = (sgi, request);
    }

    private void Serve(int intid, long r, int handler, int handlerTag, long entryTime)
    {
        int tag = (int)(r >> TagShift);
        if (tag == 0)
        {
            // A kick for requests kept elsewhere (a call queue, a flag or broker word).
            if ((handler & ClaimsWord) == 0 && handlerTag != 0)
                StrayKick(intid, handlerTag);
            return;
        }
        if (tag != handlerTag)
        {
            Misrouted(intid, tag, handlerTag);
            return;
        }
        ref var tally = ref (_tally ??= new OwnerTally[_owners.Count])[tag - 1];
        tally.Served++;
        (tally.Latencies ??= new SampleBuffer()).Add(entryTime - (r & TimeMask));
    }

    private void OnRegisterWrite(RegisterOp op, int intid, int value)
    {
        var error = op switch
        {
            RegisterOp.Enable => Bank.SetEnabled(intid, true),
            RegisterOp.Disable => Bank.SetEnabled(intid, false),
            RegisterOp.Configure => ConfigureChecked(intid, value),
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

    // The violations of the hot paths build their messages out of line: a string interpolation's
    // builder is a local the runtime must zero at the entry of every method it sits in.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void NotActive(int intid) => Violation(intid, $"deactivate of INTID {intid}, which is not active");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BadAcknowledge(int intid) =>
        Violation(intid, $"acknowledge of INTID {intid} that is {(Bank.IsActive(intid) ? "active" : !Bank.IsEnabled(intid) ? "disabled" : "not pending")}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StrayKick(int intid, int handlerTag) =>
        Violation(intid, $"a kick on SGI {intid} reached {_owners.Name(handlerTag - 1)}'s handler, which claims no pending word");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Misrouted(int intid, int tag, int handlerTag) =>
        Violation(intid, $"misrouted: a request of {_owners.Name(tag - 1)} on SGI {intid} was served by {(handlerTag == 0 ? "no owner's handler" : $"{_owners.Name(handlerTag - 1)}'s handler")}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Violation(int intid, string what)
    {
        Violations.Add($"t={Now} cpu {_cpu}: {what}");
        Trace.Emit(Now, _cpu, TraceKind.Violation, intid);
    }
}
