using ActorGic.Kernel;

namespace ActorGic.Engine;

/// <summary>
/// What a queued cross-CPU function call runs (the csd's function). <see cref="SgiUndo"/> is the
/// reclaimer's rollback of a per-CPU setup it gave up on. Append only (4 bits in a queue entry).
/// </summary>
public enum CallKind { Generic, Backtrace, Kgdb, SgiSetup, SgiUndo }

/// <summary>
/// The Linux arm64 IPI layer on one CPU (arch/arm64/kernel/smp.c, kernel/smp.c): what each IPI's
/// handler does, smp_call_function's per-CPU queue, smp_send_stop's passes, the NMI backtrace and
/// the kgdb roundup, each as the profile's era does it.
/// </summary>
public sealed partial class CpuComponent
{
    private List<(CallKind Kind, int Arg, long RequestTime)>? _callQueueStore;
    private Dictionary<long, CallBatch>? _batchesStore;
    private List<(CallKind Kind, int Arg, long RequestTime)> _callQueue => _callQueueStore ??= new();
    private Dictionary<long, CallBatch> _batches => _batchesStore ??= new();
    private long _batchSeq;
    private IReadOnlyList<StopPass>? _stopPasses;
    private int _stopPass;
    private SortedSet<int>? _stopRemainingStore;
    private SortedSet<int> _stopRemaining => _stopRemainingStore ??= new();
    private int _stopToken;

    /// <summary>A send waiting for its remote atomics' replies; then <see cref="Sgi"/> goes to the targets that need it.</summary>
    private sealed class CallBatch(int outstanding, int sgi)
    {
        public int Outstanding = outstanding;
        public readonly int Sgi = sgi;
        public readonly List<int> WereEmpty = new();
    }

    private KernelProfile? Kernel => _scenario.Kernel;

    /// <summary>Which IPI (by name) parked this CPU, or null.</summary>
    public string? StoppedBy { get; private set; }
    /// <summary>This CPU printed its backtrace (nmi_cpu_backtrace, or showacpu through a call in linux-6.1).</summary>
    public bool Backtraced { get; private set; }
    /// <summary>This CPU entered kgdb_nmicallback (or the roundup call in linux-6.1).</summary>
    public bool RoundedUp { get; private set; }

    // smp_call_function accounting: requests made here, requests that caused a send, and at the target, runs.
    public long CallRequested { get; private set; }
    public long CallSgiSent { get; private set; }
    public long CallServed { get; private set; }
    public int CallQueueLength => _callQueueStore?.Count ?? 0;
    private SampleBuffer? _callLatencies;
    public SampleBuffer? CallLatencies => _callLatencies;

    /// <summary>CPUs this CPU asked for a backtrace / rounded up / tried to stop (allocated on first use).</summary>
    public IReadOnlyCollection<int> BacktraceTargets => (IReadOnlyCollection<int>?)_backtraceTargets ?? [];
    public IReadOnlyCollection<int> KgdbTargets => (IReadOnlyCollection<int>?)_kgdbTargets ?? [];
    public IReadOnlyCollection<int> NotStopped => (IReadOnlyCollection<int>?)_notStopped ?? [];
    private SortedSet<int>? _backtraceTargets, _kgdbTargets, _notStopped;

    /// <summary>
    /// The handler's entry: whose handler the SGI's irq descriptor names on this CPU, what it
    /// does, how long it runs, whether it ever returns. A host first runs the merged and
    /// ipi-muxed IPIs whose flags it claims.
    /// </summary>
    private (long Cost, bool Parks) EnterHandler(int intid)
    {
        int owner = intid < Gic.Intid.SgiCount ? _handlers[intid] : -1;
        if (owner == BootRouting.BrokerHandler) return EnterMuxHandler();
        if (owner < 0) return (_timing.Handler, false);
        HandlerRunsW[owner]++;
        var (flagCost, flagParks) = RunClaimedFlags(owner);
        if (flagParks) return (0, true); // a merged crash stop parked the CPU: the host's own stop is the same park
        var (cost, parks) = OwnWork(owner);
        return (flagCost + cost, parks);
    }

    /// <summary>What an owner's handler does (the host's own work, or a merged IPI's claimed by its host).</summary>
    private (long Cost, bool Parks) OwnWork(int owner)
    {
        long cost = Owners.HandlerCost[owner];
        switch (Owners.Work[owner])
        {
            case OwnerWork.CallFunction:
                // generic_smp_call_function_interrupt: llist_del_all, then run every claimed call.
                if (_callQueueStore is null) break;
                foreach (var (kind, arg, requestTime) in _callQueue)
                {
                    CallServed++;
                    (_callLatencies ??= new SampleBuffer()).Add(Now - requestTime);
                    if (kind == CallKind.Backtrace) Backtraced = true;
                    else if (kind == CallKind.Kgdb) RoundedUp = true;
                    else if (kind is CallKind.SgiSetup or CallKind.SgiUndo) RunSgiSetup(arg, kind == CallKind.SgiUndo);
                    cost += _timing.CallFunctionItem;
                }
                _callQueue.Clear();
                break;
            case OwnerWork.Stop:
                Park(Owners.Name(owner));
                return (0, true);
            case OwnerWork.Backtrace:
                Backtraced = true;
                BacktracePrintk();
                break;
            case OwnerWork.Kgdb:
                RoundedUp = true;
                break;
            case OwnerWork.IrqWork:
                _printkWorkQueued = false; // irq_work_run ran the deferred console output
                break;
        }
        return (cost, false);
    }

    /// <summary>The printk irq_work is claimed (queued, not yet run) on this CPU: irq_work_queue raises nothing more.</summary>
    private bool _printkWorkQueued;
    /// <summary>Whether the handler being entered runs as an NMI (set by the vector before the handler's work).</summary>
    private bool _enteringNmi;

    /// <summary>
    /// nmi_cpu_backtrace's printk. Where the era defers it (<see cref="PrintkDeferral"/>), it
    /// queues the lazy wake_up_klogd_work, and __irq_work_queue_local raises IRQ_WORK to this CPU
    /// only if the work was not already queued and the tick is stopped: an idle CPU's is (NOHZ
    /// idle); a running or hung CPU's tick runs the work later, without an IPI.
    /// </summary>
    private void BacktracePrintk()
    {
        var kernel = Kernel!;
        bool defers = kernel.BacktracePrintk switch
        {
            PrintkDeferral.Always => true,
            PrintkDeferral.InNmi => _enteringNmi,
            _ => false,
        };
        // A running CPU's work waits for its next tick, which the model does not run: nothing is raised or held.
        if (!defers || _printkWorkQueued || State != CpuState.Idle || !kernel.Has("IRQ_WORK")) return;
        _printkWorkQueued = true;
        int self = _cpu;
        SendIpi(kernel["IRQ_WORK"].Sgi, new ReadOnlySpan<int>(in self));
    }

    /// <summary>
    /// What the Activate message says about the handler: its owner + 1, and whether it claims
    /// requests kept outside the latch (the broker's word, a host's flags, CALL_FUNC's call queue),
    /// so an untagged kick is its.
    /// </summary>
    private int HandlerCode(int intid)
    {
        int owner = intid < Gic.Intid.SgiCount ? _handlers[intid] : -1;
        if (owner == BootRouting.BrokerHandler) return RedistributorComponent.ClaimsWord;
        if (owner < 0) return 0;
        bool claims = _claimMasks[owner] != 0 || Owners.Work[owner] == OwnerWork.CallFunction;
        return (owner + 1) | (claims ? RedistributorComponent.ClaimsWord : 0);
    }

    /// <summary>
    /// local_cpu_stop: clear our bit in cpu_online_mask (the stoppers see it), mask everything,
    /// park for ever. ipi_cpu_crash_stop before 6.9 (CPU_CRASH_STOP: linux-6.1, linux-6.7) only
    /// counts down the crash stopper's waiting_for_crash_ipi and parks: the CPU stays in
    /// cpu_online_mask, so a later smp_send_stop (machine_restart's) still sends to it.
    /// </summary>
    private void Park(string by)
    {
        StoppedBy = by;
        SetState(CpuState.Stopped);
        if (_stopPasses is not null)
        {
            _stopPasses = null; // a parked CPU runs nothing more, its own smp_send_stop included
            ++_stopToken;
        }
        int staysOnline = by == "CPU_CRASH_STOP" ? 1 : 0;
        foreach (int stopper in StopInitiators())
            if (stopper != _cpu) Send(_layout.CpuId(stopper), AtomicTo(stopper), EventKind.StopNotify, _cpu, staysOnline);
    }

    private IEnumerable<int> StopInitiators() =>
        _scenario.Actions.Where(a => a.Do is ActionVerb.Stop or ActionVerb.CrashStop or ActionVerb.Restart).Select(a => a.Cpu).Distinct();

    private void DoLinuxAction(ScenarioAction action)
    {
        var kernel = Kernel!;
        switch (action.Do)
        {
            case ActionVerb.Stop or ActionVerb.Restart or ActionVerb.CrashStop:
                // A CPU in a stop's wait loop runs nothing else: the next stop (a panic's restart) starts when it ends.
                if (_stopPasses is not null) (_queuedStops ??= new()).Enqueue(action.Do);
                else StartStop(action.Do);
                break;
            case ActionVerb.Backtrace:
                var all = action.To!.Resolve(_cpu, _layout.Cpus);
                var targets = all.Where(c => c != _cpu).ToArray();
                (_backtraceTargets ??= new()).UnionWith(all);
                if (all.Contains(_cpu)) Backtraced = true; // the requester prints its own stack directly
                // nmi_trigger_cpumask_backtrace (an NMI IPI) from 6.7; smp_call_function(showacpu) in 6.1.
                if (kernel.Has("CPU_BACKTRACE")) SendIpi(kernel["CPU_BACKTRACE"].Sgi, targets);
                else SmpCallFunction(targets, CallKind.Backtrace);
                break;
            case ActionVerb.KgdbRoundup:
                var others = Enumerable.Range(0, _layout.Cpus).Where(c => c != _cpu).ToArray();
                (_kgdbTargets ??= new()).UnionWith(others);
                // kgdb_roundup_cpus: one single-CPU send per other CPU.
                for (int i = 0; i < others.Length; i++)
                {
                    var one = others.AsSpan(i, 1);
                    if (kernel.Has("KGDB_ROUNDUP")) SendIpi(kernel["KGDB_ROUNDUP"].Sgi, one);
                    else SmpCallFunction(one, CallKind.Kgdb);
                }
                break;
            case ActionVerb.Nmi:
                NmiSend(action.User!, action.To!.Resolve(_cpu, _layout.Cpus));
                break;
        }
    }

    /// <summary>
    /// smp_call_function_many / _single: queue the call on each target (an atomic on the target's
    /// memory whose reply says whether its queue was empty), then send CALL_FUNC only to the
    /// targets whose queue was empty: a non-empty queue already has an IPI on the way. A
    /// single-CPU call is a batch of one.
    /// </summary>
    private void SmpCallFunction(ReadOnlySpan<int> targets, CallKind kind, int arg = 0)
    {
        long batch = ++_batchSeq;
        int count = 0;
        foreach (int target in targets)
        {
            if (target == _cpu) continue; // the caller runs its own share directly, not through an IPI
            count++;
            CallRequested++;
            Send(_layout.CpuId(target), AtomicTo(target), EventKind.RemoteAtomic, (int)kind | arg << 4, _cpu, batch, Now);
        }
        if (count > 0) _batches[batch] = new CallBatch(count, _routes[CallFuncOwner].Sgi);
    }

    private void OnRemoteAtomic(in SimEvent e)
    {
        bool wasEmpty = _callQueue.Count == 0;
        var kind = (CallKind)(e.A & 0xF);
        // The requester gave up on its setup before it queued the undo: from now on this CPU sees it cancelled.
        if (kind == CallKind.SgiUndo) CancelSetupsBefore(e.A >> 4);
        _callQueue.Add((kind, e.A >> 4, e.D));
        Send(_layout.CpuId(e.B), AtomicTo(e.B), EventKind.AtomicReply, e.A, _cpu, e.C, wasEmpty ? 1 : 0);
    }

    private void OnAtomicReply(in SimEvent e)
    {
        if (e.D == 1) CallSgiSent++;
        OnBatchReply(_batches, e);
    }

    /// <summary>
    /// One reply of a batch of remote atomics (the old value: was the target's queue empty, or its
    /// bit clear). Once every reply is in, one send to the targets that need the SGI, grouped as
    /// gic_ipi_send_mask groups them.
    /// </summary>
    private void OnBatchReply(Dictionary<long, CallBatch> batches, in SimEvent e)
    {
        var batch = batches[e.C];
        if (e.D == 1) batch.WereEmpty.Add(e.B);
        if (--batch.Outstanding > 0) return;
        batches.Remove(e.C);
        // A sender parked meanwhile writes no SGI: its queued calls or set bits wait, counted as pending.
        if (batch.WereEmpty.Count == 0 || !CanRun) return;
        batch.WereEmpty.Sort();
        SendSgi(batch.Sgi, batch.WereEmpty.ToArray(), -1);
    }

    private Queue<ActionVerb>? _queuedStops;

    /// <summary>
    /// smp_send_stop (stop; restart: machine_restart's is smp_send_stop, what differs is who is
    /// still online) or crash_smp_send_stop.
    /// </summary>
    private void StartStop(ActionVerb verb)
    {
        bool crash = verb == ActionVerb.CrashStop;
        StartStop(crash ? Kernel!.CrashStopPasses : Kernel!.StopPasses, crash);
    }

    /// <summary>smp_send_stop / crash_smp_send_stop: each pass sends its IPI to the CPUs still online, then waits.</summary>
    private void StartStop(IReadOnlyList<StopPass> passes, bool crash)
    {
        _stopPasses = passes;
        _stopPass = 0;
        _stopCrash = crash;
        _stopRemaining.Clear();
        for (int cpu = 0; cpu < _layout.Cpus; cpu++)
            if (cpu != _cpu) _stopRemaining.Add(cpu);
        _stopRemaining.ExceptWith(_knownOffline);
        _stopTargets = [.. _stopRemaining];
        RunStopPass();
    }

    /// <summary>The CPUs this CPU saw leave cpu_online_mask (local_cpu_stop clears its bit).</summary>
    private HashSet<int>? _knownOfflineStore;
    private HashSet<int> _knownOffline => _knownOfflineStore ??= new();
    /// <summary>The stop under way is crash_smp_send_stop, and the CPUs its first pass went to.</summary>
    private bool _stopCrash;
    private int[] _stopTargets = [];

    /// <summary>What this CPU's stops printed ("SMP: ..."), in order.</summary>
    public IReadOnlyList<string> KernelMessages => (IReadOnlyList<string>?)_messages ?? [];
    private List<string>? _messages;

    private void RunStopPass()
    {
        if (_stopRemaining.Count == 0 || !StopPassApplies(_stopPasses![_stopPass]))
        {
            FinishStop();
            return;
        }
        var pass = _stopPasses![_stopPass];
        // linux-6.12's second pass: "SMP: retry stop with NMI for CPUs %*pbl" (the CPUs still online).
        if (_stopPass > 0) (_messages ??= new()).Add($"SMP: retry stop with NMI for CPUs {CpuRanges.Format(_stopRemaining)}");
        SendIpi(Kernel![pass.Ipi].Sgi, _stopRemaining.ToArray());
        Send(Id, pass.WaitNs, EventKind.Timer, (int)CpuTimer.StopDeadline, ++_stopToken);
    }

    private void OnStopNotify(int cpu, bool staysOnline)
    {
        if (!staysOnline) _knownOffline.Add(cpu);
        if (_stopPasses is null || !_stopRemaining.Remove(cpu) || _stopRemaining.Count > 0) return;
        FinishStop(); // every other CPU is offline: stop waiting
    }

    /// <summary>linux-6.12 retries with CPU_STOP_NMI only when it can be an NMI (ipi_should_be_nmi).</summary>
    private bool StopPassApplies(StopPass pass) => !pass.NmiOnly || _scenario.Gic.Nmi != NmiMode.None;

    private void OnStopDeadline(int token)
    {
        if (token != _stopToken || _stopPasses is null || !CanRun) return;
        if (_stopRemaining.Count > 0 && _stopPass + 1 < _stopPasses.Count && StopPassApplies(_stopPasses[_stopPass + 1]))
        {
            _stopPass++;
            RunStopPass();
            return;
        }
        FinishStop();
    }

    private void FinishStop()
    {
        _notStopped ??= new();
        _notStopped.Clear();
        _notStopped.UnionWith(_stopRemaining);
        if (_stopRemaining.Count > 0) (_messages ??= new()).Add($"SMP: failed to stop secondary CPUs {CpuRanges.Format(FailedList())}");
        _stopPasses = null;
        ++_stopToken;
        if (_queuedStops is { Count: > 0 } && CanRun) StartStop(_queuedStops.Dequeue());
    }

    /// <summary>
    /// The CPUs "SMP: failed to stop secondary CPUs %*pbl" names: cpu_online_mask after
    /// smp_send_stop (this CPU included), the CPUs it sent to after crash_smp_send_stop with
    /// CPU_CRASH_STOP (before 6.9; from then on crash stop is smp_send_stop with a flag).
    /// </summary>
    private IEnumerable<int> FailedList()
    {
        if (_stopCrash && Kernel!.Has("CPU_CRASH_STOP")) return _stopTargets;
        return Enumerable.Range(0, _layout.Cpus).Where(c => c == _cpu || !_knownOffline.Contains(c));
    }
}
