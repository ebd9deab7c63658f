using System.Runtime.CompilerServices;
using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>What a PE is doing (the report's <c>state</c>).</summary>
public enum CpuState { Running, Idle, Hung, Stopped, Offline }

internal enum CpuTimer { ExceptionEntry, HandlerDone, IrqOn, TrafficArrival, StopDeadline, ReplayNext }

/// <summary>
/// One PE: its CPU interface registers, PSTATE, what it runs (thread code, idle, hung) and the
/// interrupt handlers of the bare-metal harness (profile <c>none</c>): acknowledge, run for the
/// timing model's handler time, EOI (and DIR in EOImode 1). It sees only the HPPI its
/// redistributor offers; acknowledges and deactivations go back as messages.
/// </summary>
public sealed partial class CpuComponent : Component
{
    private readonly Layout _layout;
    private readonly TimingModel _timing;
    private Scenario _scenario;
    private readonly int _cpu;
    private readonly int _chip;

    public override string Name => $"cpu {_cpu}";
    private readonly int _distributor;
    private SplitMix64 _random;
    /// <summary>How many other CPUs a traffic request picks from (the loader refuses such traffic on one CPU).</summary>
    private readonly Divisor _others;
    /// <summary>The handler frames, innermost last: an array and a count, so the top is a ref into it.</summary>
    private Frame[] _frames = new Frame[4];
    private int _depth;
    private readonly List<ulong> _writes = new(4);
    private Hppi _offered = Hppi.None;
    private bool _threadMasked;
    /// <summary>The independent check of every interrupt this CPU takes (see <see cref="AckLegality"/>).</summary>
    private readonly AckLegality _legality;
    private bool _entryPending;
    private int _token;
    private int _irqOnToken;

    private struct Frame
    {
        public int Intid;
        /// <summary>Whose handler runs (the owner its irq descriptor named at entry).</summary>
        public int Handler;
        public bool Nmi;
        /// <summary>The handler never returns (local_cpu_stop parks the CPU).</summary>
        public bool Parked;
        public long Remaining;
        public long ResumedAt;
        public int Token;
    }

    private readonly Masking _masking;

    public CpuComponent(Layout layout, Scenario scenario, int cpu, CpuInterface cpuInterface, Masking masking, TraceRecorder trace)
        : base(layout.CpuId(cpu), trace)
    {
        _masking = masking;
        _layout = layout;
        _scenario = scenario;
        _timing = scenario.Timing;
        _cpu = cpu;
        _chip = layout.Topology.ChipOf(cpu);
        _distributor = layout.DistributorId(_chip);
        _random = SplitMix64.For(scenario.Seed, Id);
        _others = new Divisor(Math.Max(1, layout.Cpus - 1));
        CpuInterface = cpuInterface;
        _legality = new AckLegality(masking, scenario.PreemptibleHandlers);
    }

    /// <summary>An atomic on <paramref name="cpu"/>'s memory: within this chip, or across chips.</summary>
    private long AtomicTo(int cpu) => _timing.AtomicBetween(_chip, _layout.Topology.ChipOf(cpu));

    public CpuInterface CpuInterface { get; }
    public CpuState State { get; private set; } = CpuState.Running;
    public long[] Acks { get; } = new long[Intid.PrivateCount];
    public long Spurious { get; private set; }
    public long SgiWrites { get; private set; }
    /// <summary>
    /// The CPUs this CPU's ICC_SGI1R_EL1 writes meant to reach, counted here at the writer (from
    /// the target set it wrote for, not from the value): the start of SGI-level conservation,
    /// which the distributors' count cannot check against itself.
    /// </summary>
    public long SgiTargets { get; private set; }

    public List<string> Violations { get; } = new();

    /// <summary>Handlers run with IRQs masked (PSTATE.I set by exception entry) unless the scenario makes them preemptible.</summary>
    public bool PreemptibleHandlers { get; init; }

    /// <summary>The scenario's actions as an array (the simulation's, shared by every CPU): a timer or an action event names one by index.</summary>
    public required ScenarioAction[] Actions { private get => _actions; init => _actions = value; }
    private ScenarioAction[] _actions = [];

    /// <summary>
    /// A stepped run sent actions after it started (<see cref="Simulation.Extend"/>): the scenario
    /// with them appended, and its actions array. Only between windows.
    /// </summary>
    internal void Extend(Scenario scenario, ScenarioAction[] actions) => (_scenario, _actions) = (scenario, actions);

    /// <summary>Sets the PMR for the current context and returns PSTATE (see <see cref="Masking"/>).</summary>
    private PState ApplyContext()
    {
        bool inHandler = _depth > 0;
        var (pmr, pstate) = _masking.Context(_threadMasked || State == CpuState.Hung, inHandler,
            inHandler && _frames[_depth - 1].Nmi, PreemptibleHandlers);
        CpuInterface.Pmr = pmr;
        return pstate;
    }

    protected override void Handle(in SimEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.Action: DoAction(Actions[e.A], e.A); break;
            case EventKind.Offer:
                // An offer of an INTID this CPU interface holds active was sent before the redistributor
                // saw the acknowledge (the GIC stream protocol's Set crossing an Activate): it is stale.
                _offered = e.A == Intid.Spurious || CpuInterface.IsActiveHere(e.A)
                    ? Hppi.None
                    : new Hppi(e.A, (byte)e.B, (InterruptGroup)((e.B >> 8) & 0xFF), (e.B & (1 << 16)) != 0);
                TryTakeInterrupt();
                break;
            case EventKind.Timer: OnTimer((CpuTimer)e.A, e.B, (int)e.C); break;
            case EventKind.RemoteAtomic: OnRemoteAtomic(e); break;
            case EventKind.AtomicReply: OnAtomicReply(e); break;
            case EventKind.StopNotify: OnStopNotify(e.A, e.B != 0); break;
            case EventKind.MuxSet: OnMuxSet(e); break;
            case EventKind.MuxReply: OnMuxReply(e); break;
            case EventKind.Reclaim: OnReclaim(e); break;
            default: Fail.Unexpected("cpu", _cpu, e.Kind); break;
        }
    }

    private void OnTimer(CpuTimer timer, int token, int action)
    {
        switch (timer)
        {
            case CpuTimer.ExceptionEntry: TakeException(); break;
            case CpuTimer.HandlerDone:
                if (_depth > 0 && _frames[_depth - 1].Token == token) CompleteHandler();
                break;
            case CpuTimer.IrqOn:
                if (token != _irqOnToken) break;
                _threadMasked = false;
                _legality.SoftwareMask(false);
                TryTakeInterrupt();
                break;
            case CpuTimer.TrafficArrival: TrafficArrival(Actions[action], action); break;
            case CpuTimer.StopDeadline: OnStopDeadline(token); break;
            case CpuTimer.ReplayNext: Replay(Actions[action], action); break;
        }
    }

    /// <summary>Takes an exception if the CPU interface signals and PSTATE lets the signal in.</summary>
    private void TryTakeInterrupt()
    {
        // Nothing offered is nothing to signal (the PMR is set again before anything reads it).
        if (_entryPending || _offered.IsNone || State is CpuState.Stopped or CpuState.Offline) return;
        var pstate = ApplyContext();
        var signal = CpuInterface.Signal(_offered);
        if (signal == SignalKind.None) return;
        if (!pstate.TakesException(signal, CpuInterface.SctlrNmi) && Faults?.Skips(SkippedStep.MaskCheck) != true) return;
        if (_legality.Taken(_offered.Intid, _offered.Priority, _offered.Nmi) is { } illegal) IllegalTake(_offered.Intid, _offered.Priority, illegal);
        Trace.Emit(Now, _cpu, TraceKind.Signal, _offered.Intid, _offered.Priority);
        _entryPending = true;
        Send(Id, _timing.ExceptionEntry, EventKind.Timer, (int)CpuTimer.ExceptionEntry);
    }

    /// <summary>The vector: pause a preempted handler, read ICC_IAR1_EL1, activate, enter the handler.</summary>
    private void TakeException()
    {
        _entryPending = false;
        PauseTopFrame();
        var offered = _offered;
        ApplyContext(); // the IAR read sees the PMR of the context it interrupted
        int intid = offered.Nmi && CpuInterface.SctlrNmi ? CpuInterface.AcknowledgeNmi1(offered) : CpuInterface.Acknowledge1(offered);
        if (intid >= Intid.SpiLimit)
        {
            Spurious++;
            Trace.Emit(Now, _cpu, TraceKind.Spurious, intid);
            ResumeTopFrame();
            TryTakeInterrupt();
            return;
        }
        Acks[intid]++;
        if (_legality.Acknowledged(intid) is { } illegal) IllegalTake(intid, offered.Priority, illegal);
        _legality.Entered(intid, offered.Priority, offered.Nmi);
        Trace.Emit(Now, _cpu, TraceKind.Ack, intid, offered.Priority);
        // The handler the irq descriptor names now, so the redistributor can check whose requests it serves.
        Send(_layout.RedistributorId(_cpu), _timing.CpuToRedistributor, EventKind.Activate, intid, HandlerCode(intid), 0, Now);
        _offered = Hppi.None; // consumed: the redistributor offers its next HPPI
        int handler = intid < Intid.SgiCount ? _handlers[intid] : -1;
        Trace.Emit(Now, _cpu, TraceKind.Enter, intid, handler);
        _enteringNmi = _masking.IsNmi(offered);
        var (cost, parks) = EnterHandler(intid);
        if (_depth == _frames.Length) Array.Resize(ref _frames, _depth * 2);
        _frames[_depth++] = new Frame { Intid = intid, Handler = handler, Nmi = _masking.IsNmi(offered), Parked = parks, Remaining = cost, ResumedAt = Now };
        ResumeTopFrame();
        TryTakeInterrupt();
    }

    private void CompleteHandler()
    {
        var frame = _frames[--_depth];
        _legality.Exited();
        Trace.Emit(Now, _cpu, TraceKind.Exit, frame.Intid, frame.Handler);
        int eoi = Faults?.Written(frame.Intid, dir: false) ?? frame.Intid;
        var error = CpuInterface.EndOfInterrupt1(eoi, out bool deactivate);
        if (error != GicError.None) RegisterError("EOI", eoi, error);
        Trace.Emit(Now, _cpu, TraceKind.Eoi, frame.Intid);
        if (CpuInterface.EoiMode)
        {
            int dir = Faults?.Written(frame.Intid, dir: true) ?? frame.Intid;
            error = CpuInterface.DeactivateInterrupt(dir);
            if (error != GicError.None) RegisterError("DIR", dir, error);
            Trace.Emit(Now, _cpu, TraceKind.Dir, frame.Intid);
            deactivate = error == GicError.None;
        }
        if (deactivate)
        {
            _legality.Deactivated(frame.Intid);
            Send(_layout.RedistributorId(_cpu), _timing.CpuToRedistributor, EventKind.Deactivate, frame.Intid);
        }
        ResumeTopFrame();
        TryTakeInterrupt();
    }

    private void PauseTopFrame()
    {
        if (_depth == 0) return;
        ref var top = ref _frames[_depth - 1];
        top.Remaining -= Now - top.ResumedAt;
        top.Token = ++_token; // the scheduled completion is now stale
    }

    private void ResumeTopFrame()
    {
        if (_depth == 0 || _frames[_depth - 1].Parked) return;
        ref var top = ref _frames[_depth - 1];
        top.ResumedAt = Now;
        top.Token = ++_token;
        Send(Id, Math.Max(1, top.Remaining), EventKind.Timer, (int)CpuTimer.HandlerDone, top.Token);
    }

    /// <summary>Whether this CPU runs code of its own: a hung CPU spins, a stopped one is parked.</summary>
    private bool CanRun => State is not (CpuState.Hung or CpuState.Stopped or CpuState.Offline);

    private void DoAction(ScenarioAction action, int index)
    {
        if (action.Do == ActionVerb.Replay)
        {
            Replay(action, index); // counts its own sends, run or not
            return;
        }
        // A hung or parked CPU executes nothing the scenario scripts for it afterwards.
        if (!CanRun) return;
        switch (action.Do)
        {
            case ActionVerb.Ipi when action.Owner >= 0 && action.Ipi != "CALL_FUNC":
                SendIpi(action.Owner, action.To!.Resolve(_cpu, _layout.Cpus));
                break;
            case ActionVerb.RequestSgi:
                SendReclaimer(ReclaimOp.Request, action.Owner, action.Nmi ? 1 : 0, _cpu);
                break;
            case ActionVerb.ReleaseSgi:
                SendReclaimer(ReclaimOp.Release, action.Owner, 0, _cpu);
                break;
            case ActionVerb.Ipi when action.Ipi == "CALL_FUNC":
                SmpCallFunction(action.To!.Resolve(_cpu, _layout.Cpus), CallKind.Generic);
                break;
            case ActionVerb.Sgi:
            case ActionVerb.Ipi:
                if (action.Irm)
                {
                    RequestedW[action.Intid] += _layout.Cpus - 1;
                    SgiTargets += _layout.Cpus - 1; // IRM: every PE but the writer
                    WriteSgi(new Sgi1r(0, 0, (byte)action.Intid, 0, Irm: true, 0, 0).Encode(), 0, action.Intid + 1);
                }
                else SendSgi(action.Intid, action.To!.Resolve(_cpu, _layout.Cpus), action.Intid);
                break;
            case ActionVerb.IrqOff:
                _threadMasked = true;
                _legality.SoftwareMask(true);
                _irqOnToken++;
                if (action.For > 0) Send(Id, action.For, EventKind.Timer, (int)CpuTimer.IrqOn, _irqOnToken);
                break;
            case ActionVerb.IrqOn:
                _irqOnToken++;
                _threadMasked = false;
                _legality.SoftwareMask(false);
                TryTakeInterrupt();
                break;
            case ActionVerb.Hang:
                SetState(CpuState.Hung);
                _legality.Hung();
                break;
            case ActionVerb.Idle:
                SetState(CpuState.Idle);
                TryTakeInterrupt();
                break;
            case ActionVerb.Enable:
                Send(_layout.RedistributorId(_cpu), _timing.CpuToRedistributor, EventKind.RegisterWrite, (int)RegisterOp.Enable, action.Intid);
                break;
            case ActionVerb.Disable:
                // Like a driver waiting for GICR_CTLR.RWP: the CPU no longer acts on an offer of it.
                if (_offered.Intid == action.Intid) _offered = Hppi.None;
                Send(_layout.RedistributorId(_cpu), _timing.CpuToRedistributor, EventKind.RegisterWrite, (int)RegisterOp.Disable, action.Intid);
                break;
            case ActionVerb.SetPriority:
                Send(_layout.RedistributorId(_cpu), _timing.CpuToRedistributor, EventKind.RegisterWrite,
                    (int)RegisterOp.SetPriority, action.Intid, action.Priority);
                break;
            case ActionVerb.Traffic:
                ScheduleTraffic(action, index);
                break;
            default:
                DoLinuxAction(action);
                break;
        }
    }

    private void ScheduleTraffic(ScenarioAction action, int index)
    {
        long gap = _random.NextExponentialNs(action.Rate);
        if (gap <= action.Until - Now)
            Send(Id, gap, EventKind.Timer, (int)CpuTimer.TrafficArrival, 0, index);
    }

    private void TrafficArrival(ScenarioAction action, int index)
    {
        if (!CanRun) return; // a hung or parked CPU sends nothing
        int target;
        if (action.To is { } to)
        {
            var set = to.Resolve(_cpu, _layout.Cpus);
            target = set[_random.NextInt(set.Length)];
        }
        else
        {
            target = _random.NextInt(_others);
            if (target >= _cpu) target++;
        }
        var one = new ReadOnlySpan<int>(in target);
        if (action.User is not null) NmiSend(action.User, one);
        else if (action.Ipi == "CALL_FUNC") SmpCallFunction(one, CallKind.Generic);
        else if (action.Owner >= 0) SendIpi(action.Owner, one);
        else SendSgi(action.Intid, one, action.Intid);
        ScheduleTraffic(action, index);
    }

    /// <summary>
    /// Linux's gic_ipi_send_mask(): one ICC_SGI1R_EL1 write per consecutive run of a cluster.
    /// <paramref name="owner"/> is whose requests these are (counted, and tagged so the target's
    /// redistributor can check the handler that serves them), or -1 for a kick that carries
    /// requests made elsewhere (a call queue, a flag or broker word).
    /// </summary>
    private void SendSgi(int intid, ReadOnlySpan<int> targets, int owner)
    {
        if (owner >= 0) RequestedW[owner] += targets.Length;
        SgiTargets += targets.Length;
        if (targets.Length == 1)
        {
            // One target, one write (what gic_ipi_send_mask computes for it, without the list).
            WriteSgi(_layout.Topology.SgiTo(targets[0]) | (ulong)(intid & 0xF) << 24, 0, owner + 1);
            return;
        }
        _writes.Clear();
        GicIpiSendMask.Compute(_layout.Topology, intid, targets, _writes);
        for (int k = 0; k < _writes.Count; k++) WriteSgi(_writes[k], k, owner + 1);
    }

    private void WriteSgi(ulong value, int k, int tag)
    {
        SgiWrites++;
        long leave = k * _timing.SgiWrite;
        _lastWriteLeave = Math.Max(_lastWriteLeave, Now + leave);
        Trace.Emit(Now + leave, _cpu, TraceKind.SgiWrite, (int)((value >> 24) & 0xF), (long)value);
        Send(_distributor, leave + _timing.CpuToDistributor, EventKind.SgiWrite, _cpu,
            DistributorComponent.EncodeGroup(InterruptGroup.Group1NonSecure) | tag << DistributorComponent.TagShift, (long)value, Now);
    }

    private void SetState(CpuState state)
    {
        State = state;
        Trace.Emit(Now, _cpu, TraceKind.State, -1, (long)state);
    }

    /// <summary>Out of line: a string interpolation's builder is a local the runtime zeroes at every entry of the method it sits in.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RegisterError(string register, int intid, GicError error) => Violation(intid, $"{register} of INTID {intid}: {error}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void IllegalTake(int intid, byte priority, string why) =>
        Violation(intid, $"took INTID {intid} (priority 0x{priority:X2}) although {why}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Violation(int intid, string what)
    {
        Violations.Add($"t={Now} cpu {_cpu}: {what}");
        Trace.Emit(Now, _cpu, TraceKind.Violation, intid);
    }
}
