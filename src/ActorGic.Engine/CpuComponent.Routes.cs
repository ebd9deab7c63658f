using ActorGic.Gic;

namespace ActorGic.Engine;

/// <summary>
/// How this CPU sends each owner's IPI (its own SGI, a host's flag, the NMI broker) and whose
/// handler runs on each SGI: the software side of the SGI reclaimer. Every CPU starts from the
/// boot routing and copies it on the first change the reclaimer makes. A merged or ipi-muxed IPI
/// travels like a broker user, on a second pending word (the flag word) that its host's handler
/// claims.
/// </summary>
public sealed partial class CpuComponent
{
    /// <summary>Set in MuxSet.A / MuxReply.A for the flag word instead of the broker's word.</summary>
    internal const int FlagWord = 0x100;

    private Route[] _routes = null!;
    private int[] _handlers = null!;
    private bool _ownRouting;
    private uint _flagPending;
    private long _lastWriteLeave;

    /// <summary>Flag-word bookkeeping, allocated on first use (a CPU stays small at 65,536).</summary>
    private sealed class FlagState(int owners)
    {
        public readonly long[] Requested = new long[owners];
        public readonly long[] SgiSent = new long[owners];
        public readonly long[] Served = new long[owners];
        public readonly List<long>?[] Requests = new List<long>?[Intid.SgiCount];
        public readonly SampleBuffer?[] Latencies = new SampleBuffer?[owners];
    }

    private long[]? _requested, _refused, _handlerRuns;
    private FlagState? _flags;
    private long[] RequestedW => _requested ??= new long[Owners.Count];
    private long[] RefusedW => _refused ??= new long[Owners.Count];
    private long[] HandlerRunsW => _handlerRuns ??= new long[Owners.Count];
    private FlagState F => _flags ??= new FlagState(Owners.Count);
    private static readonly long[] NoOwnerCounts = new long[64];

    public required Owners Owners { get; init; }
    public required BootRouting Boot
    {
        init
        {
            _routes = value.Routes;
            _handlers = value.Handlers;
            _claimMasks = value.ClaimMasks;
        }
    }

    private uint[] _claimMasks = null!;

    /// <summary>Requests this CPU made per owner on a dedicated SGI: one per target CPU of each send.</summary>
    public IReadOnlyList<long> Requested => _requested ?? NoOwnerCounts;
    /// <summary>Requests refused per owner because it had no SGI (a purpose not granted yet, or given back).</summary>
    public IReadOnlyList<long> Refused => _refused ?? NoOwnerCounts;
    /// <summary>Handler runs per owner on this CPU: the /proc/interrupts row.</summary>
    public IReadOnlyList<long> HandlerRuns => _handlerRuns ?? NoOwnerCounts;
    public IReadOnlyList<long> FlagRequested => _flags?.Requested ?? NoOwnerCounts;
    public IReadOnlyList<long> FlagSgiSent => _flags?.SgiSent ?? NoOwnerCounts;
    public IReadOnlyList<long> FlagServed => _flags?.Served ?? NoOwnerCounts;
    public SampleBuffer? FlagLatencies(int owner) => _flags?.Latencies[owner];
    public int FlagWaiting(int owner) => owner < Intid.SgiCount ? _flags?.Requests[owner]?.Count ?? 0 : 0;

    /// <summary>The route this CPU sends an owner's IPI on now.</summary>
    public Route RouteOf(int owner) => _routes[owner];
    /// <summary>Whose handler runs on an SGI here (an owner, <see cref="BootRouting.BrokerHandler"/>, or -1).</summary>
    public int HandlerOf(int sgi) => _handlers[sgi];

    private void OwnRouting()
    {
        if (_ownRouting) return;
        _routes = (Route[])_routes.Clone();
        _handlers = (int[])_handlers.Clone();
        _ownRouting = true;
    }

    /// <summary>An IPI request of <paramref name="owner"/> to each target, along its current route.</summary>
    private void SendIpi(int owner, ReadOnlySpan<int> targets)
    {
        var route = _routes[owner];
        switch (route.Kind)
        {
            case RouteKind.Dedicated: SendSgi(route.Sgi, targets, owner); break;
            case RouteKind.Flag: WordSend(owner | FlagWord, F.Requested, route.Sgi, targets); break;
            case RouteKind.Nmi: WordSend(route.Bit, M.Requested, route.Sgi, targets); break;
            default:
                RefusedW[owner] += targets.Length;
                Trace.Emit(Now, _cpu, TraceKind.Drop, -1, (long)DropReason.NoSgi, owner);
                break;
        }
    }

    /// <summary>
    /// A host's handler claims its merged and ipi-muxed IPIs' flags before its own work (its own
    /// work may park the CPU: nothing claimed may be stranded behind it) and runs each.
    /// </summary>
    private (long Cost, bool Parks) RunClaimedFlags(int host)
    {
        uint claimed = _flagPending & _claimMasks[host];
        if (claimed == 0) return (0, false);
        _flagPending &= ~claimed;
        long cost = 0;
        bool parks = false;
        while (claimed != 0)
        {
            int owner = System.Numerics.BitOperations.TrailingZeroCount(claimed);
            claimed &= claimed - 1;
            HandlerRunsW[owner]++;
            Trace.Emit(Now, _cpu, TraceKind.NmiDispatch, -1, owner, 1);
            F.Served[owner] += Serve(F.Requests[owner], ref F.Latencies[owner]);
            var (c, p) = OwnWork(owner);
            cost += c;
            parks |= p;
        }
        return (cost, parks);
    }

    /// <summary>The reclaimer's messages: its survey, route switches, handler installs, and (Linux's way) the per-CPU setup.</summary>
    private void OnReclaim(in SimEvent e)
    {
        switch ((ReclaimOp)e.A)
        {
            case ReclaimOp.Survey:
                // kstat-style per-CPU counters: readable whatever the CPU is doing.
                for (long mask = e.C; mask != 0; mask &= mask - 1)
                {
                    int owner = System.Numerics.BitOperations.TrailingZeroCount(mask);
                    long sent = Requested[owner] + FlagRequested[owner];
                    if (owner == CallFuncOwner) sent += CallRequested;
                    SendReclaimer(ReclaimOp.SurveyReply, owner, sent, e.D);
                }
                break;
            case ReclaimOp.Switch:
                OwnRouting();
                _routes[e.B] = Route.Decode(e.C);
                // Every write this CPU issued on the old route leaves before the fence does.
                Send(_distributor, Math.Max(0, _lastWriteLeave - Now) + _timing.CpuToDistributor, EventKind.Reclaim,
                    (int)ReclaimOp.Fence, _cpu, 0, e.D);
                break;
            case ReclaimOp.Install:
                Install(e.B, (int)e.C - 1);
                SendReclaimer(ReclaimOp.InstallDone, _cpu, 0, e.D);
                break;
            case ReclaimOp.Setup:
                // request_percpu_nmi + on_each_cpu(enable): every other CPU through CALL_FUNC, this one directly.
                // B = 1: the undo of a setup the reclaimer gave up on (this CPU cancels it first, then queues the undo).
                if (!CanRun) break;
                bool undo = e.B == 1;
                if (undo) CancelSetupsBefore((int)e.C);
                var all = Enumerable.Range(0, _layout.Cpus).ToArray();
                SmpCallFunction(all, undo ? CallKind.SgiUndo : CallKind.SgiSetup, (int)e.C);
                RunSgiSetup((int)e.C, undo);
                break;
        }
    }

    /// <summary>How Linux configures a slot (priority for an NMI or an IRQ, NMI bit, enable): the simulation's rule.</summary>
    public required Func<bool, bool, int> SlotConfig { get; init; }

    /// <summary>The (16-bit) epoch of the newest setup this CPU applied (or undo it ran), or -1.</summary>
    private int _setupEpoch = -1;
    /// <summary>Setups older than this (16-bit) epoch were given up on: this CPU skips them when it reaches them, or -1.</summary>
    private int _setupCancelledBefore = -1;

    /// <summary>
    /// The requester's cancellation of every older setup, as the setup function would read it (a
    /// generation the requester bumps before it queues the undo): seen by this CPU once the undo is
    /// in its call queue, or at once on the requester itself.
    /// </summary>
    private void CancelSetupsBefore(int undo) => _setupCancelledBefore = SlotSetup.Unpack(undo).Epoch;

    /// <summary>CALL_FUNC's owner index (its boot SGI), or -1: looked up once, used on every call.</summary>
    private int CallFuncOwner => _callFuncOwner ??= Kernel?.Has("CALL_FUNC") == true ? Kernel["CALL_FUNC"].Sgi : -1;
    private int? _callFuncOwner;

    private void SendReclaimer(ReclaimOp op, int b, long c, long d) =>
        Send(_layout.ReclaimerId, _timing.RemoteAtomic, EventKind.Reclaim, (int)op, b, c, d);

    private void Install(int sgi, int owner)
    {
        OwnRouting();
        // The previous owner of the slot no longer has it (a victim already travels another way).
        int previous = _handlers[sgi];
        if (previous >= 0 && previous != owner && _routes[previous] == Route.Dedicated(sgi)) _routes[previous] = Route.None;
        _handlers[sgi] = owner;
        if (owner >= 0) _routes[owner] = Route.Dedicated(sgi);
    }

    /// <summary>
    /// One CPU's share of Linux's per-CPU NMI setup: its own redistributor's priority, NMI bit and
    /// enable for the slot, and the handler. Senders switch only once every CPU has it (the
    /// reclaimer's install round that follows): until then, or after a rollback, nothing is sent
    /// on a slot that is set up on some CPUs and not others. A CPU that cannot run code never gets here.
    /// <paramref name="undo"/>: the rollback of the setup one epoch older, which puts the slot back
    /// only where that setup was applied. A CPU that reaches a setup the requester has already given
    /// up on skips it (it reports nothing: it never had it) and its undo then changes nothing: once
    /// the rollback is over the slot is its victim's again, and may hold the victim's SGI pending,
    /// so a late setup run there would make that instance the new owner's (an NMI with the new
    /// handler, taken before the undo behind it could run).
    /// </summary>
    private void RunSgiSetup(int setup, bool undo = false)
    {
        var (sgi, owner, nmi, enable, epoch) = SlotSetup.Unpack(setup);
        // Calls run in queue order, but the requester runs its own share at once: a setup of an
        // older negotiation that this CPU reaches after a newer one's must change nothing.
        if (_setupEpoch >= 0 && (short)(epoch - _setupEpoch) <= 0) return;
        if (!undo && _setupCancelledBefore >= 0 && (short)(epoch - _setupCancelledBefore) < 0) return;
        bool applied = !undo || _setupEpoch == SlotSetup.UndoneBy(epoch);
        _setupEpoch = epoch;
        if (applied)
        {
            int config = SlotConfig(nmi, enable);
            Send(_layout.RedistributorId(_cpu), _timing.CpuToRedistributor, EventKind.RegisterWrite, (int)RegisterOp.Configure, sgi, config);
            OwnRouting();
            _handlers[sgi] = owner;
        }
        SendReclaimer(ReclaimOp.SetupDone, _cpu, setup, 0);
    }
}

/// <summary>
/// A slot's configuration as the reclaimer writes it (priority, NMI bit, enable), and Linux's
/// per-CPU setup request: the SGI, its owner, whether it is an NMI and enabled, and the epoch of
/// the negotiation, packed into 28 bits so it fits a call-queue entry beside the call's kind.
/// </summary>
public static class SlotSetup
{
    public static int Config(byte priority, bool nmi, bool enable) => priority | (nmi ? 1 << 8 : 0) | (enable ? 1 << 9 : 0);
    public static (byte Priority, bool Nmi, bool Enable) Unconfig(int config) => ((byte)config, (config & 1 << 8) != 0, (config & 1 << 9) != 0);

    public static int Pack(int sgi, int owner, bool nmi, bool enable, long epoch) =>
        sgi | (owner + 1) << 4 | (nmi ? 1 << 10 : 0) | (enable ? 1 << 11 : 0) | (int)(epoch & 0xFFFF) << 12;

    public static (int Sgi, int Owner, bool Nmi, bool Enable, int Epoch) Unpack(int v) =>
        (v & 0xF, ((v >> 4) & 0x3F) - 1, (v & 1 << 10) != 0, (v & 1 << 11) != 0, (v >> 12) & 0xFFFF);

    /// <summary>The epoch of the setup an undo of epoch <paramref name="undoEpoch"/> rolls back: the reclaimer's next epoch is the undo's.</summary>
    public static int UndoneBy(int undoEpoch) => (undoEpoch - 1) & 0xFFFF;
}
